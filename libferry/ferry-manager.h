/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(FERRY_INSIDE) && !defined(FERRY_COMPILATION)
#error "Only <ferry.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define FERRY_TYPE_MANAGER (ferry_manager_get_type ())
G_DECLARE_FINAL_TYPE (FerryManager, ferry_manager, FERRY, MANAGER, GObject)

void          ferry_manager_new                       (const char           *app_id,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
FerryManager *ferry_manager_new_finish                (GAsyncResult         *result,
                                                       GError              **error);
FerryManager *ferry_manager_new_sync                  (const char           *app_id,
                                                       GCancellable         *cancellable,
                                                       GError              **error);
void          ferry_manager_new_for_connection        (GDBusConnection      *connection,
                                                       const char           *app_id,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
FerryManager *ferry_manager_new_for_connection_finish (GAsyncResult         *result,
                                                       GError              **error);
FerryManager *ferry_manager_new_for_connection_sync   (GDBusConnection      *connection,
                                                       const char           *app_id,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

GDBusConnection *ferry_manager_get_connection      (FerryManager *self);
gboolean         ferry_manager_get_service_running (FerryManager *self);

const char *ferry_manager_get_connectivity             (FerryManager *self);
gboolean    ferry_manager_get_metered                  (FerryManager *self);
gboolean    ferry_manager_get_roaming                  (FerryManager *self);
const char *ferry_manager_get_network_connection       (FerryManager *self);
const char *ferry_manager_get_network_source           (FerryManager *self);
guint64     ferry_manager_get_data_usage               (FerryManager *self);
guint64     ferry_manager_get_data_limit               (FerryManager *self);
guint       ferry_manager_get_billing_cycle_start_day  (FerryManager *self);
gboolean    ferry_manager_get_on_track_to_exceed       (FerryManager *self);
gboolean    ferry_manager_get_over_limit               (FerryManager *self);
gboolean    ferry_manager_get_restrict_background_data (FerryManager *self);
gboolean    ferry_manager_get_power_saver              (FerryManager *self);
gboolean    ferry_manager_get_battery_low              (FerryManager *self);

void     ferry_manager_refresh        (FerryManager         *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean ferry_manager_refresh_finish (FerryManager         *self,
                                       GAsyncResult         *result,
                                       GError              **error);
gboolean ferry_manager_refresh_sync   (FerryManager         *self,
                                       GCancellable         *cancellable,
                                       GError              **error);

void     ferry_manager_set_data_limit        (FerryManager         *self,
                                              const char           *connection,
                                              guint64               limit,
                                              guint                 cycle_start_day,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean ferry_manager_set_data_limit_finish (FerryManager         *self,
                                              GAsyncResult         *result,
                                              GError              **error);
gboolean ferry_manager_set_data_limit_sync   (FerryManager         *self,
                                              const char           *connection,
                                              guint64               limit,
                                              guint                 cycle_start_day,
                                              GCancellable         *cancellable,
                                              GError              **error);

void     ferry_manager_set_restrict_background_data        (FerryManager         *self,
                                                            gboolean              restrict_,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean ferry_manager_set_restrict_background_data_finish (FerryManager         *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
gboolean ferry_manager_set_restrict_background_data_sync   (FerryManager         *self,
                                                            gboolean              restrict_,
                                                            GCancellable         *cancellable,
                                                            GError              **error);

void     ferry_manager_enable_completion_group        (FerryManager         *self,
                                                       const char           *group,
                                                       const char           *action,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean ferry_manager_enable_completion_group_finish (FerryManager         *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
gboolean ferry_manager_enable_completion_group_sync   (FerryManager         *self,
                                                       const char           *group,
                                                       const char           *action,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

void      ferry_manager_get_completion_group_results        (FerryManager         *self,
                                                             const char           *group,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GVariant *ferry_manager_get_completion_group_results_finish (FerryManager         *self,
                                                             GAsyncResult         *result,
                                                             gboolean             *out_complete,
                                                             GError              **error);
GVariant *ferry_manager_get_completion_group_results_sync   (FerryManager         *self,
                                                             const char           *group,
                                                             gboolean             *out_complete,
                                                             GCancellable         *cancellable,
                                                             GError              **error);

G_END_DECLS
