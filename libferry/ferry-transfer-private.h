/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-session.h"
#include "ferry-transfer.h"

G_BEGIN_DECLS

/* Makes the FerryTransfer of the transfer at @path, subscribed to its
 * signals and with its properties read: "attached". */
void           _ferry_transfer_attach        (FerrySession        *session,
                                              const char          *path,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
FerryTransfer *_ferry_transfer_attach_finish (GAsyncResult        *result,
                                              GError             **error);
FerryTransfer *_ferry_transfer_attach_sync   (FerrySession        *session,
                                              const char          *path,
                                              GCancellable        *cancellable,
                                              GError             **error);

/* Called by the session, which receives the signals of all transfers. */
void _ferry_transfer_handle_signal     (FerryTransfer *self,
                                        const char    *interface,
                                        const char    *member,
                                        GVariant      *parameters);
void _ferry_transfer_service_restarted (FerryTransfer *self);

/* The session's registry of live transfers, by object path. */
void _ferry_session_add_transfer    (FerrySession *session, FerryTransfer *transfer);
void _ferry_session_remove_transfer (FerrySession *session, FerryTransfer *transfer);

G_END_DECLS
