/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(FERRY_INSIDE) && !defined(FERRY_COMPILATION)
#error "Only <ferry.h> can be included directly."
#endif

#include <gio/gio.h>

#include "ferry-enums.h"

G_BEGIN_DECLS

#define FERRY_TYPE_TRANSFER (ferry_transfer_get_type ())
G_DECLARE_FINAL_TYPE (FerryTransfer, ferry_transfer, FERRY, TRANSFER, GObject)

const char         *ferry_transfer_get_id                     (FerryTransfer *self);
const char         *ferry_transfer_get_object_path            (FerryTransfer *self);
FerryTransferKind   ferry_transfer_get_kind                   (FerryTransfer *self);
const char         *ferry_transfer_get_uri                    (FerryTransfer *self);
const char         *ferry_transfer_get_destination            (FerryTransfer *self);
const char         *ferry_transfer_get_source                 (FerryTransfer *self);
FerryTransferStatus ferry_transfer_get_status                 (FerryTransfer *self);
FerryCostPolicy     ferry_transfer_get_cost_policy            (FerryTransfer *self);
FerryPriority       ferry_transfer_get_priority               (FerryTransfer *self);
const char         *ferry_transfer_get_group                  (FerryTransfer *self);
const char         *ferry_transfer_get_completion_group       (FerryTransfer *self);
guint64             ferry_transfer_get_bytes_received         (FerryTransfer *self);
guint64             ferry_transfer_get_total_bytes_to_receive (FerryTransfer *self);
guint64             ferry_transfer_get_bytes_sent             (FerryTransfer *self);
guint64             ferry_transfer_get_total_bytes_to_send    (FerryTransfer *self);
const char         *ferry_transfer_get_error_name             (FerryTransfer *self);
const char         *ferry_transfer_get_error_message          (FerryTransfer *self);
guint               ferry_transfer_get_http_status            (FerryTransfer *self);

void     ferry_transfer_start         (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean ferry_transfer_start_finish  (FerryTransfer        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
gboolean ferry_transfer_start_sync    (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GError              **error);

void     ferry_transfer_pause         (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean ferry_transfer_pause_finish  (FerryTransfer        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
gboolean ferry_transfer_pause_sync    (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GError              **error);

void     ferry_transfer_resume        (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean ferry_transfer_resume_finish (FerryTransfer        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
gboolean ferry_transfer_resume_sync   (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GError              **error);

void     ferry_transfer_cancel        (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean ferry_transfer_cancel_finish (FerryTransfer        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
gboolean ferry_transfer_cancel_sync   (FerryTransfer        *self,
                                       GCancellable         *cancellable,
                                       GError              **error);

void     ferry_transfer_set_cost_policy        (FerryTransfer        *self,
                                                FerryCostPolicy       policy,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean ferry_transfer_set_cost_policy_finish (FerryTransfer        *self,
                                                GAsyncResult         *result,
                                                GError              **error);
gboolean ferry_transfer_set_cost_policy_sync   (FerryTransfer        *self,
                                                FerryCostPolicy       policy,
                                                GCancellable         *cancellable,
                                                GError              **error);

void     ferry_transfer_set_priority        (FerryTransfer        *self,
                                             FerryPriority         priority,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean ferry_transfer_set_priority_finish (FerryTransfer        *self,
                                             GAsyncResult         *result,
                                             GError              **error);
gboolean ferry_transfer_set_priority_sync   (FerryTransfer        *self,
                                             FerryPriority         priority,
                                             GCancellable         *cancellable,
                                             GError              **error);

void     ferry_transfer_refresh        (FerryTransfer        *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean ferry_transfer_refresh_finish (FerryTransfer        *self,
                                        GAsyncResult         *result,
                                        GError              **error);
gboolean ferry_transfer_refresh_sync   (FerryTransfer        *self,
                                        GCancellable         *cancellable,
                                        GError              **error);

void     ferry_transfer_get_response_information        (FerryTransfer        *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean ferry_transfer_get_response_information_finish (FerryTransfer        *self,
                                                         GAsyncResult         *result,
                                                         guint                *out_http_status,
                                                         GHashTable          **out_headers,
                                                         char                **out_actual_uri,
                                                         gboolean             *out_resumable,
                                                         GError              **error);
gboolean ferry_transfer_get_response_information_sync   (FerryTransfer        *self,
                                                         GCancellable         *cancellable,
                                                         guint                *out_http_status,
                                                         GHashTable          **out_headers,
                                                         char                **out_actual_uri,
                                                         gboolean             *out_resumable,
                                                         GError              **error);

void     ferry_transfer_set_requested_uri        (FerryTransfer        *self,
                                                  const char           *uri,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean ferry_transfer_set_requested_uri_finish (FerryTransfer        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
gboolean ferry_transfer_set_requested_uri_sync   (FerryTransfer        *self,
                                                  const char           *uri,
                                                  GCancellable         *cancellable,
                                                  GError              **error);

void          ferry_transfer_open_result        (FerryTransfer        *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GInputStream *ferry_transfer_open_result_finish (FerryTransfer        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
GInputStream *ferry_transfer_open_result_sync   (FerryTransfer        *self,
                                                 GCancellable         *cancellable,
                                                 GError              **error);

void          ferry_transfer_open_response_body        (FerryTransfer        *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GInputStream *ferry_transfer_open_response_body_finish (FerryTransfer        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
GInputStream *ferry_transfer_open_response_body_sync   (FerryTransfer        *self,
                                                        GCancellable         *cancellable,
                                                        GError              **error);

void                ferry_transfer_wait        (FerryTransfer        *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
FerryTransferStatus ferry_transfer_wait_finish (FerryTransfer        *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
