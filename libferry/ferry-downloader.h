/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(FERRY_INSIDE) && !defined(FERRY_COMPILATION)
#error "Only <ferry.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ferry-transfer.h"

G_BEGIN_DECLS

#define FERRY_TYPE_DOWNLOADER (ferry_downloader_get_type ())
G_DECLARE_FINAL_TYPE (FerryDownloader, ferry_downloader, FERRY, DOWNLOADER, GObject)

void             ferry_downloader_new                       (const char           *app_id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
FerryDownloader *ferry_downloader_new_finish                (GAsyncResult         *result,
                                                             GError              **error);
FerryDownloader *ferry_downloader_new_sync                  (const char           *app_id,
                                                             GCancellable         *cancellable,
                                                             GError              **error);

void             ferry_downloader_new_for_connection        (GDBusConnection      *connection,
                                                             const char           *app_id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
FerryDownloader *ferry_downloader_new_for_connection_finish (GAsyncResult         *result,
                                                             GError              **error);
FerryDownloader *ferry_downloader_new_for_connection_sync   (GDBusConnection      *connection,
                                                             const char           *app_id,
                                                             GCancellable         *cancellable,
                                                             GError              **error);

GDBusConnection *ferry_downloader_get_connection      (FerryDownloader *self);
const char      *ferry_downloader_get_app_id          (FerryDownloader *self);
gboolean         ferry_downloader_get_service_running (FerryDownloader *self);

void           ferry_downloader_create_download        (FerryDownloader      *self,
                                                        const char           *uri,
                                                        const char           *destination,
                                                        GVariant             *options,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
FerryTransfer *ferry_downloader_create_download_finish (FerryDownloader      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
FerryTransfer *ferry_downloader_create_download_sync   (FerryDownloader      *self,
                                                        const char           *uri,
                                                        const char           *destination,
                                                        GVariant             *options,
                                                        GCancellable         *cancellable,
                                                        GError              **error);

void       ferry_downloader_get_current_downloads        (FerryDownloader      *self,
                                                          const char           *group,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray *ferry_downloader_get_current_downloads_finish (FerryDownloader      *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
GPtrArray *ferry_downloader_get_current_downloads_sync   (FerryDownloader      *self,
                                                          const char           *group,
                                                          GCancellable         *cancellable,
                                                          GError              **error);

void           ferry_downloader_get_transfer        (FerryDownloader      *self,
                                                     const char           *id,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
FerryTransfer *ferry_downloader_get_transfer_finish (FerryDownloader      *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
FerryTransfer *ferry_downloader_get_transfer_sync   (FerryDownloader      *self,
                                                     const char           *id,
                                                     GCancellable         *cancellable,
                                                     GError              **error);

void     ferry_downloader_set_group_behavior        (FerryDownloader      *self,
                                                     const char           *group,
                                                     FerryGroupBehavior    behavior,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean ferry_downloader_set_group_behavior_finish (FerryDownloader      *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
gboolean ferry_downloader_set_group_behavior_sync   (FerryDownloader      *self,
                                                     const char           *group,
                                                     FerryGroupBehavior    behavior,
                                                     GCancellable         *cancellable,
                                                     GError              **error);

void     ferry_downloader_set_default_cost_policy        (FerryDownloader      *self,
                                                          FerryCostPolicy       policy,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean ferry_downloader_set_default_cost_policy_finish (FerryDownloader      *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
gboolean ferry_downloader_set_default_cost_policy_sync   (FerryDownloader      *self,
                                                          FerryCostPolicy       policy,
                                                          GCancellable         *cancellable,
                                                          GError              **error);

void     ferry_downloader_get_default_cost_policy        (FerryDownloader      *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean ferry_downloader_get_default_cost_policy_finish (FerryDownloader      *self,
                                                          GAsyncResult         *result,
                                                          FerryCostPolicy      *out_policy,
                                                          GError              **error);
gboolean ferry_downloader_get_default_cost_policy_sync   (FerryDownloader      *self,
                                                          GCancellable         *cancellable,
                                                          FerryCostPolicy      *out_policy,
                                                          GError              **error);

G_END_DECLS
