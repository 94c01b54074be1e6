/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(FERRY_INSIDE) && !defined(FERRY_COMPILATION)
#error "Only <ferry.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ferry-transfer.h"

G_BEGIN_DECLS

#define FERRY_TYPE_UPLOADER (ferry_uploader_get_type ())
G_DECLARE_FINAL_TYPE (FerryUploader, ferry_uploader, FERRY, UPLOADER, GObject)

void             ferry_uploader_new                       (const char           *app_id,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
FerryUploader *ferry_uploader_new_finish                (GAsyncResult         *result,
                                                         GError              **error);
FerryUploader *ferry_uploader_new_sync                  (const char           *app_id,
                                                         GCancellable         *cancellable,
                                                         GError              **error);

void             ferry_uploader_new_for_connection        (GDBusConnection      *connection,
                                                           const char           *app_id,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
FerryUploader *ferry_uploader_new_for_connection_finish (GAsyncResult         *result,
                                                         GError              **error);
FerryUploader *ferry_uploader_new_for_connection_sync   (GDBusConnection      *connection,
                                                         const char           *app_id,
                                                         GCancellable         *cancellable,
                                                         GError              **error);

GDBusConnection *ferry_uploader_get_connection      (FerryUploader *self);
const char      *ferry_uploader_get_app_id          (FerryUploader *self);
gboolean         ferry_uploader_get_service_running (FerryUploader *self);

void           ferry_uploader_create_upload        (FerryUploader        *self,
                                                    const char           *uri,
                                                    const char           *source,
                                                    GVariant             *options,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
FerryTransfer *ferry_uploader_create_upload_finish (FerryUploader        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
FerryTransfer *ferry_uploader_create_upload_sync   (FerryUploader        *self,
                                                    const char           *uri,
                                                    const char           *source,
                                                    GVariant             *options,
                                                    GCancellable         *cancellable,
                                                    GError              **error);

void           ferry_uploader_create_multipart_upload        (FerryUploader        *self,
                                                              const char           *uri,
                                                              GVariant             *parts,
                                                              GVariant             *options,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
FerryTransfer *ferry_uploader_create_multipart_upload_finish (FerryUploader        *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
FerryTransfer *ferry_uploader_create_multipart_upload_sync   (FerryUploader        *self,
                                                              const char           *uri,
                                                              GVariant             *parts,
                                                              GVariant             *options,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

void           ferry_uploader_create_upload_from_stream        (FerryUploader        *self,
                                                                const char           *uri,
                                                                int                   fd,
                                                                GVariant             *options,
                                                                GCancellable         *cancellable,
                                                                GAsyncReadyCallback   callback,
                                                                gpointer              user_data);
FerryTransfer *ferry_uploader_create_upload_from_stream_finish (FerryUploader        *self,
                                                                GAsyncResult         *result,
                                                                GError              **error);
FerryTransfer *ferry_uploader_create_upload_from_stream_sync   (FerryUploader        *self,
                                                                const char           *uri,
                                                                int                   fd,
                                                                GVariant             *options,
                                                                GCancellable         *cancellable,
                                                                GError              **error);

void       ferry_uploader_get_current_uploads        (FerryUploader      *self,
                                                      const char           *group,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray *ferry_uploader_get_current_uploads_finish (FerryUploader      *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
GPtrArray *ferry_uploader_get_current_uploads_sync   (FerryUploader      *self,
                                                      const char           *group,
                                                      GCancellable         *cancellable,
                                                      GError              **error);

void           ferry_uploader_get_transfer        (FerryUploader      *self,
                                                   const char           *id,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
FerryTransfer *ferry_uploader_get_transfer_finish (FerryUploader      *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
FerryTransfer *ferry_uploader_get_transfer_sync   (FerryUploader      *self,
                                                   const char           *id,
                                                   GCancellable         *cancellable,
                                                   GError              **error);

void     ferry_uploader_set_group_behavior        (FerryUploader      *self,
                                                   const char           *group,
                                                   FerryGroupBehavior    behavior,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean ferry_uploader_set_group_behavior_finish (FerryUploader      *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
gboolean ferry_uploader_set_group_behavior_sync   (FerryUploader      *self,
                                                   const char           *group,
                                                   FerryGroupBehavior    behavior,
                                                   GCancellable         *cancellable,
                                                   GError              **error);

void     ferry_uploader_set_default_cost_policy        (FerryUploader      *self,
                                                        FerryCostPolicy       policy,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean ferry_uploader_set_default_cost_policy_finish (FerryUploader      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
gboolean ferry_uploader_set_default_cost_policy_sync   (FerryUploader      *self,
                                                        FerryCostPolicy       policy,
                                                        GCancellable         *cancellable,
                                                        GError              **error);

void     ferry_uploader_get_default_cost_policy        (FerryUploader      *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean ferry_uploader_get_default_cost_policy_finish (FerryUploader      *self,
                                                        GAsyncResult         *result,
                                                        FerryCostPolicy      *out_policy,
                                                        GError              **error);
gboolean ferry_uploader_get_default_cost_policy_sync   (FerryUploader      *self,
                                                        GCancellable         *cancellable,
                                                        FerryCostPolicy      *out_policy,
                                                        GError              **error);

G_END_DECLS
