/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-enums.h"
#include "ferry-session.h"
#include "ferry-transfer.h"

G_BEGIN_DECLS

/* What FerryDownloader and FerryUploader share: they differ only in the
 * object and interface they call. Each async call here makes a GTask of
 * @source tagged @tag, which the _finish functions check. */

/* Wraps a session in a new downloader or uploader. */
typedef gpointer (*FerryWrapSession) (FerrySession *session);

/* Makes the object on @connection (NULL: the session bus), having declared
 * @app_id (NULL: nothing to declare). */
void     _ferry_client_new        (GDBusConnection      *connection,
                                   const char           *app_id,
                                   FerryWrapSession      wrap,
                                   gpointer              tag,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
gpointer _ferry_client_new_finish (GAsyncResult         *result,
                                   gpointer              tag,
                                   GError              **error);
gpointer _ferry_client_new_sync   (GDBusConnection      *connection,
                                   const char           *app_id,
                                   FerryWrapSession      wrap,
                                   GCancellable         *cancellable,
                                   GError              **error);

/* A call that answers the object path of a new transfer, which comes
 * attached. */
void           _ferry_create        (gpointer              source,
                                     gpointer              tag,
                                     FerrySession         *session,
                                     const char           *path,
                                     const char           *interface,
                                     const char           *method,
                                     GVariant             *parameters,
                                     GUnixFDList          *fd_list,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
FerryTransfer *_ferry_create_finish (gpointer              source,
                                     GAsyncResult         *result,
                                     gpointer              tag,
                                     GError              **error);
FerryTransfer *_ferry_create_sync   (FerrySession         *session,
                                     const char           *path,
                                     const char           *interface,
                                     const char           *method,
                                     GVariant             *parameters,
                                     GUnixFDList          *fd_list,
                                     GCancellable         *cancellable,
                                     GError              **error);

/* GetCurrentDownloads or GetCurrentUploads: the transfers, attached. */
void       _ferry_list        (gpointer              source,
                               gpointer              tag,
                               FerrySession         *session,
                               const char           *path,
                               const char           *interface,
                               const char           *method,
                               const char           *group,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
GPtrArray *_ferry_list_finish (gpointer              source,
                               GAsyncResult         *result,
                               gpointer              tag,
                               GError              **error);
GPtrArray *_ferry_list_sync   (FerrySession         *session,
                               const char           *path,
                               const char           *interface,
                               const char           *method,
                               const char           *group,
                               GCancellable         *cancellable,
                               GError              **error);

/* One transfer by its id or object path, attached. */
void           _ferry_lookup        (gpointer              source,
                                     gpointer              tag,
                                     FerrySession         *session,
                                     const char           *id,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
FerryTransfer *_ferry_lookup_finish (gpointer              source,
                                     GAsyncResult         *result,
                                     gpointer              tag,
                                     GError              **error);
FerryTransfer *_ferry_lookup_sync   (FerrySession         *session,
                                     const char           *id,
                                     GCancellable         *cancellable,
                                     GError              **error);

/* Any other call; the reply is returned as it is. */
void      _ferry_call        (gpointer              source,
                              gpointer              tag,
                              FerrySession         *session,
                              const char           *path,
                              const char           *interface,
                              const char           *method,
                              GVariant             *parameters,
                              const GVariantType   *reply_type,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
GVariant *_ferry_call_finish (gpointer              source,
                              GAsyncResult         *result,
                              gpointer              tag,
                              GUnixFDList         **out_fd_list,
                              GError              **error);

/* The "(s)" reply of GetDefaultCostPolicy as the enum. */
gboolean _ferry_parse_cost_policy (GVariant         *reply,
                                   FerryCostPolicy  *out_policy,
                                   GError          **error);

G_END_DECLS
