/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

G_BEGIN_DECLS

#define FERRY_BUS_NAME "org.freedesktop.Ferry1"
#define FERRY_MANAGER_PATH "/org/freedesktop/Ferry1"
#define FERRY_DOWNLOADER_PATH "/org/freedesktop/Ferry1/Downloader"
#define FERRY_UPLOADER_PATH "/org/freedesktop/Ferry1/Uploader"
#define FERRY_TRANSFER_PATH_PREFIX "/org/freedesktop/Ferry1/Transfer/"
#define FERRY_MANAGER_IFACE "org.freedesktop.Ferry1.Manager"
#define FERRY_DOWNLOADER_IFACE "org.freedesktop.Ferry1.Downloader"
#define FERRY_UPLOADER_IFACE "org.freedesktop.Ferry1.Uploader"
#define FERRY_TRANSFER_IFACE "org.freedesktop.Ferry1.Transfer"

/*
 * FerrySession: what libferry knows about one D-Bus connection to ferryd,
 * shared by every downloader (and, later, uploader) on that connection.
 *
 * The service ties a connection to one app id, once (Manager.Register),
 * and forgets it when it restarts; it sends a transfer's signals only to
 * the connections of its app that it has seen calling. So the session
 * watches the service's bus name: when another instance takes over, it
 * registers the connection again before the next call, and has every
 * transfer read its state again (which is also the call that makes the new
 * instance send it signals).
 *
 * The session receives the signals of all transfers, in the thread-default
 * main context of the thread that first used the connection with libferry,
 * and hands each to the FerryTransfer objects of its path.
 */
#define FERRY_TYPE_SESSION (ferry_session_get_type ())
G_DECLARE_FINAL_TYPE (FerrySession, ferry_session, FERRY, SESSION, GObject)

FerrySession    *ferry_session_get (GDBusConnection *connection);

GDBusConnection *ferry_session_get_connection (FerrySession *self);
const char      *ferry_session_get_app_id (FerrySession *self);
gboolean         ferry_session_get_service_running (FerrySession *self);

/* Declares @app_id (NULL: nothing to declare) for the connection; an error
 * if the connection already acts as another app. */
void     ferry_session_register (FerrySession        *self,
                                 const char          *app_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
gboolean ferry_session_register_finish (FerrySession *self, GAsyncResult *result, GError **error);
gboolean ferry_session_register_sync (FerrySession  *self,
                                      const char    *app_id,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* A method call on ferryd, registered first when needed. @parameters may
 * be floating; @fd_list (may be NULL) carries its file descriptors, and
 * @out_fd_list (may be NULL) receives those of the reply. Errors of the
 * service come in FERRY_ERROR without the "GDBus.Error:" prefix. */
void      ferry_session_call (FerrySession        *self,
                              const char          *path,
                              const char          *interface,
                              const char          *method,
                              GVariant            *parameters,
                              const GVariantType  *reply_type,
                              GUnixFDList         *fd_list,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
GVariant *ferry_session_call_finish (FerrySession  *self,
                                     GAsyncResult  *result,
                                     GUnixFDList  **out_fd_list,
                                     GError       **error);
GVariant *ferry_session_call_sync (FerrySession        *self,
                                   const char          *path,
                                   const char          *interface,
                                   const char          *method,
                                   GVariant            *parameters,
                                   const GVariantType  *reply_type,
                                   GUnixFDList         *fd_list,
                                   GUnixFDList        **out_fd_list,
                                   GCancellable        *cancellable,
                                   GError             **error);

/* The object path of a transfer given as its id (the last element of the
 * path, or a UUID with dashes) or as the whole path; NULL if it is neither. */
char *ferry_session_transfer_path (const char *id_or_path);

G_END_DECLS
