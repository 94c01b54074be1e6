/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gio/gunixfdlist.h>
#include <glib/gi18n-lib.h>

#include "ferry.h"
#include "ferry-calls.h"

/**
 * FerryUploader:
 *
 * Creates and finds the uploads of an application in the Ferry service.
 *
 * An upload sends a file (`PUT` or `POST`), a multipart form, or what
 * comes from a pipe or socket, and the service carries it through to the
 * end like a download. A plain upload that is interrupted starts over; one
 * with the `tus` protocol continues from the server's offset. The server's
 * answer is read with ferry_transfer_get_response_information() and
 * ferry_transfer_open_response_body().
 *
 * An uploader declares its application id like a #FerryDownloader, and one
 * on the same D-Bus connection shares the declaration.
 */

struct _FerryUploader
{
  GObject       parent_instance;
  FerrySession *session;
};

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_APP_ID,
  PROP_SERVICE_RUNNING,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (FerryUploader, ferry_uploader, G_TYPE_OBJECT)

static void
ferry_uploader_dispose (GObject *object)
{
  FerryUploader *self = FERRY_UPLOADER (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ferry_uploader_parent_class)->dispose (object);
}

static void
ferry_uploader_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FerryUploader *self = FERRY_UPLOADER (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, ferry_uploader_get_connection (self));
      break;
    case PROP_APP_ID:
      g_value_set_string (value, ferry_uploader_get_app_id (self));
      break;
    case PROP_SERVICE_RUNNING:
      g_value_set_boolean (value, ferry_uploader_get_service_running (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ferry_uploader_class_init (FerryUploaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = ferry_uploader_dispose;
  object_class->get_property = ferry_uploader_get_property;

  /**
   * FerryUploader:connection:
   *
   * The D-Bus connection to the service.
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION, flags);
  /**
   * FerryUploader:app-id:
   *
   * The application id the connection declared to the service, or %NULL
   * when it declared none (it is then a sandboxed application, known by its
   * sandbox, or the unnamed host application).
   */
  properties[PROP_APP_ID] = g_param_spec_string ("app-id", NULL, NULL, NULL, flags);
  /**
   * FerryUploader:service-running:
   *
   * Whether the service is on the bus. It exits when it has nothing to do,
   * and D-Bus starts it again on the next call; transfers then follow the
   * new instance.
   */
  properties[PROP_SERVICE_RUNNING] =
    g_param_spec_boolean ("service-running", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ferry_uploader_init (FerryUploader *self)
{
}

static void
on_service_running (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  g_object_notify_by_pspec (user_data, properties[PROP_SERVICE_RUNNING]);
}

static gpointer
wrap_session (FerrySession *session)
{
  FerryUploader *self = g_object_new (FERRY_TYPE_UPLOADER, NULL);

  self->session = g_object_ref (session);
  g_signal_connect (session, "notify::service-running", G_CALLBACK (on_service_running), self);
  return self;
}

/* ---- construction ----------------------------------------------------- */

/**
 * ferry_uploader_new_for_connection:
 * @connection: a connection to the bus of the service
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the uploader is ready
 * @user_data: data for @callback
 *
 * Makes an uploader that talks to the service over @connection. With
 * @app_id, it first declares the application id of the connection to the
 * service; that fails with %FERRY_ERROR_ACCESS_DENIED in a sandbox, whose
 * application id comes from the sandbox, with %FERRY_ERROR_INVALID_ARGUMENT
 * for a malformed id, and with %FERRY_ERROR_INVALID_STATE when the
 * connection already acts as another application. A #FerryDownloader on the
 * same connection shares the declaration.
 */
void
ferry_uploader_new_for_connection (GDBusConnection     *connection,
                                   const char          *app_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  _ferry_client_new (connection, app_id, wrap_session, ferry_uploader_new_for_connection,
                     cancellable, callback, user_data);
}

/**
 * ferry_uploader_new_for_connection_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the uploader, or %NULL with @error set
 */
FerryUploader *
ferry_uploader_new_for_connection_finish (GAsyncResult *result, GError **error)
{
  return _ferry_client_new_finish (result, ferry_uploader_new_for_connection, error);
}

/**
 * ferry_uploader_new_for_connection_sync:
 * @connection: a connection to the bus of the service
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes an uploader, blocking the calling thread; see
 * ferry_uploader_new_for_connection().
 *
 * Returns: (transfer full): the uploader, or %NULL with @error set
 */
FerryUploader *
ferry_uploader_new_for_connection_sync (GDBusConnection  *connection,
                                        const char       *app_id,
                                        GCancellable     *cancellable,
                                        GError          **error)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  return _ferry_client_new_sync (connection, app_id, wrap_session, cancellable, error);
}

/**
 * ferry_uploader_new:
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the uploader is ready
 * @user_data: data for @callback
 *
 * Makes an uploader on the session bus; see
 * ferry_uploader_new_for_connection() for @app_id.
 */
void
ferry_uploader_new (const char          *app_id,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  _ferry_client_new (NULL, app_id, wrap_session, ferry_uploader_new, cancellable, callback,
                     user_data);
}

/**
 * ferry_uploader_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the uploader, or %NULL with @error set
 */
FerryUploader *
ferry_uploader_new_finish (GAsyncResult *result, GError **error)
{
  return _ferry_client_new_finish (result, ferry_uploader_new, error);
}

/**
 * ferry_uploader_new_sync:
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes an uploader on the session bus, blocking the calling thread; see
 * ferry_uploader_new_for_connection() for @app_id.
 *
 * Returns: (transfer full): the uploader, or %NULL with @error set
 */
FerryUploader *
ferry_uploader_new_sync (const char *app_id, GCancellable *cancellable, GError **error)
{
  return _ferry_client_new_sync (NULL, app_id, wrap_session, cancellable, error);
}

/* ---- properties ------------------------------------------------------- */

/**
 * ferry_uploader_get_connection:
 * @self: an uploader
 *
 * Returns: (transfer none): the value of #FerryUploader:connection
 */
GDBusConnection *
ferry_uploader_get_connection (FerryUploader *self)
{
  g_return_val_if_fail (FERRY_IS_UPLOADER (self), NULL);
  return self->session ? ferry_session_get_connection (self->session) : NULL;
}

/**
 * ferry_uploader_get_app_id:
 * @self: an uploader
 *
 * Returns: (transfer none) (nullable): the value of #FerryUploader:app-id
 */
const char *
ferry_uploader_get_app_id (FerryUploader *self)
{
  g_return_val_if_fail (FERRY_IS_UPLOADER (self), NULL);
  return self->session ? ferry_session_get_app_id (self->session) : NULL;
}

/**
 * ferry_uploader_get_service_running:
 * @self: an uploader
 *
 * Returns: the value of #FerryUploader:service-running
 */
gboolean
ferry_uploader_get_service_running (FerryUploader *self)
{
  g_return_val_if_fail (FERRY_IS_UPLOADER (self), FALSE);
  return self->session ? ferry_session_get_service_running (self->session) : FALSE;
}

/* ---- creating --------------------------------------------------------- */

static GVariant *
no_options (GVariant *options)
{
  return options != NULL ? options : g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
}

/**
 * ferry_uploader_create_upload:
 * @self: an uploader
 * @uri: an absolute http:// or https:// URI
 * @source: the absolute path of a readable regular file
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new transfer
 * @user_data: data for @callback
 *
 * Creates an upload of the file @source, in status
 * %FERRY_TRANSFER_STATUS_IDLE: start it with ferry_transfer_start(). If the
 * file changes while the upload is interrupted, it starts over with the new
 * content.
 *
 * The options are those of `CreateUpload` in the D-Bus API: `method` (`s`,
 * `"PUT"`, the default, or `"POST"`), `headers` (`a{ss}`), `content-type`
 * (`s`, guessed when not given), `protocol` (`s`, `"plain"` or `"tus"` for
 * a resumable upload), `group`, `cost-policy`, `priority`, `max-speed`,
 * `completion-group`, `notify-success` and `notify-failure`. An unknown
 * option or a value of the wrong type is a %FERRY_ERROR_INVALID_ARGUMENT
 * error.
 */
void
ferry_uploader_create_upload (FerryUploader       *self,
                              const char          *uri,
                              const char          *source,
                              GVariant            *options,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  g_return_if_fail (uri != NULL && source != NULL);
  g_return_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));
  _ferry_create (self, ferry_uploader_create_upload, self->session, FERRY_UPLOADER_PATH,
                 FERRY_UPLOADER_IFACE, "CreateUpload",
                 g_variant_new ("(ss@a{sv})", uri, source, no_options (options)), NULL,
                 cancellable, callback, user_data);
}

/**
 * ferry_uploader_create_upload_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_uploader_create_upload_finish (FerryUploader *self, GAsyncResult *result, GError **error)
{
  return _ferry_create_finish (self, result, ferry_uploader_create_upload, error);
}

/**
 * ferry_uploader_create_upload_sync:
 * @self: an uploader
 * @uri: an absolute http:// or https:// URI
 * @source: the absolute path of a readable regular file
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Creates an upload of a file, blocking the calling thread; see
 * ferry_uploader_create_upload().
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_uploader_create_upload_sync (FerryUploader  *self,
                                   const char     *uri,
                                   const char     *source,
                                   GVariant       *options,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, NULL);
  g_return_val_if_fail (uri != NULL && source != NULL, NULL);
  g_return_val_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT),
                        NULL);
  return _ferry_create_sync (self->session, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                             "CreateUpload",
                             g_variant_new ("(ss@a{sv})", uri, source, no_options (options)),
                             NULL, cancellable, error);
}

/**
 * ferry_uploader_create_multipart_upload:
 * @self: an uploader
 * @uri: an absolute http:// or https:// URI
 * @parts: an `a(ssa{sv})` of the parts of the form, in order
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new transfer
 * @user_data: data for @callback
 *
 * Creates an upload of a `multipart/form-data` body, sent with `POST`.
 * Each part is (form name, file, part options): with a file (an absolute
 * path), the part carries the file's content, with the part options
 * `filename` (`s`), `content-type` (`s`) and `headers` (`a{ss}`); with the
 * file `""`, it is a plain field whose text is the part option `value`
 * (`s`). The options are those of ferry_uploader_create_upload(), and
 * `protocol` must be `"plain"`.
 */
void
ferry_uploader_create_multipart_upload (FerryUploader       *self,
                                        const char          *uri,
                                        GVariant            *parts,
                                        GVariant            *options,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  g_return_if_fail (uri != NULL);
  g_return_if_fail (parts != NULL && g_variant_is_of_type (parts, G_VARIANT_TYPE ("a(ssa{sv})")));
  g_return_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));
  _ferry_create (self, ferry_uploader_create_multipart_upload, self->session,
                 FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE, "CreateMultipartUpload",
                 g_variant_new ("(s@a(ssa{sv})@a{sv})", uri, parts, no_options (options)), NULL,
                 cancellable, callback, user_data);
}

/**
 * ferry_uploader_create_multipart_upload_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_uploader_create_multipart_upload_finish (FerryUploader *self, GAsyncResult *result,
                                               GError **error)
{
  return _ferry_create_finish (self, result, ferry_uploader_create_multipart_upload, error);
}

/**
 * ferry_uploader_create_multipart_upload_sync:
 * @self: an uploader
 * @uri: an absolute http:// or https:// URI
 * @parts: an `a(ssa{sv})` of the parts of the form, in order
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Creates a multipart upload, blocking the calling thread; see
 * ferry_uploader_create_multipart_upload().
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_uploader_create_multipart_upload_sync (FerryUploader  *self,
                                             const char     *uri,
                                             GVariant       *parts,
                                             GVariant       *options,
                                             GCancellable   *cancellable,
                                             GError        **error)
{
  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (parts != NULL && g_variant_is_of_type (parts, G_VARIANT_TYPE ("a(ssa{sv})")),
                        NULL);
  g_return_val_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT),
                        NULL);
  return _ferry_create_sync (self->session, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                             "CreateMultipartUpload",
                             g_variant_new ("(s@a(ssa{sv})@a{sv})", uri, parts,
                                            no_options (options)),
                             NULL, cancellable, error);
}

/* The descriptor travels beside the message; the caller keeps its own. */
static GUnixFDList *
fd_list_for (int fd, GError **error)
{
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();

  if (g_unix_fd_list_append (fd_list, fd, error) < 0)
    return NULL;
  return g_steal_pointer (&fd_list);
}

/**
 * ferry_uploader_create_upload_from_stream:
 * @self: an uploader
 * @uri: an absolute http:// or https:// URI
 * @fd: a readable file descriptor: a pipe, a socket or a file
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new transfer
 * @user_data: data for @callback
 *
 * Creates an upload of what can be read from @fd, sent chunked when its
 * length is unknown. The service gets a duplicate of @fd; close yours when
 * you like. It keeps the descriptor only while it runs: an upload from a
 * stream interrupted by a restart of the service fails with the error name
 * `"source-unavailable"`. The options are those of
 * ferry_uploader_create_upload(), and `protocol` must be `"plain"`.
 */
void
ferry_uploader_create_upload_from_stream (FerryUploader       *self,
                                          const char          *uri,
                                          int                  fd,
                                          GVariant            *options,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  GError *error = NULL;

  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  g_return_if_fail (uri != NULL && fd >= 0);
  g_return_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));
  fd_list = fd_list_for (fd, &error);
  if (fd_list == NULL)
    {
      g_task_report_error (self, callback, user_data, ferry_uploader_create_upload_from_stream,
                           error);
      return;
    }
  _ferry_create (self, ferry_uploader_create_upload_from_stream, self->session,
                 FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE, "CreateUploadFromStream",
                 g_variant_new ("(sh@a{sv})", uri, 0, no_options (options)), fd_list,
                 cancellable, callback, user_data);
}

/**
 * ferry_uploader_create_upload_from_stream_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_uploader_create_upload_from_stream_finish (FerryUploader *self, GAsyncResult *result,
                                                 GError **error)
{
  return _ferry_create_finish (self, result, ferry_uploader_create_upload_from_stream, error);
}

/**
 * ferry_uploader_create_upload_from_stream_sync:
 * @self: an uploader
 * @uri: an absolute http:// or https:// URI
 * @fd: a readable file descriptor: a pipe, a socket or a file
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Creates an upload from a stream, blocking the calling thread; see
 * ferry_uploader_create_upload_from_stream().
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_uploader_create_upload_from_stream_sync (FerryUploader  *self,
                                               const char     *uri,
                                               int             fd,
                                               GVariant       *options,
                                               GCancellable   *cancellable,
                                               GError        **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;

  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, NULL);
  g_return_val_if_fail (uri != NULL && fd >= 0, NULL);
  g_return_val_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT),
                        NULL);
  fd_list = fd_list_for (fd, error);
  if (fd_list == NULL)
    return NULL;
  return _ferry_create_sync (self->session, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                             "CreateUploadFromStream",
                             g_variant_new ("(sh@a{sv})", uri, 0, no_options (options)), fd_list,
                             cancellable, error);
}

/* ---- listing ---------------------------------------------------------- */

/**
 * ferry_uploader_get_current_uploads:
 * @self: an uploader
 * @group: (nullable): a group name, or %NULL for all groups
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the uploads
 * @user_data: data for @callback
 *
 * Finds the application's uploads that have not completed and were not
 * canceled (failed ones are there, since they can be resumed), oldest
 * first. Each comes attached: its properties are read, and it follows the
 * service from then on, so an application that starts again gets its
 * uploads back with live progress.
 */
void
ferry_uploader_get_current_uploads (FerryUploader     *self,
                                    const char          *group,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  _ferry_list (self, ferry_uploader_get_current_uploads, self->session,
               FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE, "GetCurrentUploads", group,
               cancellable, callback, user_data);
}

/**
 * ferry_uploader_get_current_uploads_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type FerryTransfer): the
 *   uploads, or %NULL with @error set
 */
GPtrArray *
ferry_uploader_get_current_uploads_finish (FerryUploader *self, GAsyncResult *result,
                                           GError **error)
{
  return _ferry_list_finish (self, result, ferry_uploader_get_current_uploads, error);
}

/**
 * ferry_uploader_get_current_uploads_sync:
 * @self: an uploader
 * @group: (nullable): a group name, or %NULL for all groups
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Finds the application's current uploads, blocking the calling thread;
 * see ferry_uploader_get_current_uploads().
 *
 * Returns: (transfer container) (element-type FerryTransfer): the
 *   uploads, or %NULL with @error set
 */
GPtrArray *
ferry_uploader_get_current_uploads_sync (FerryUploader  *self,
                                         const char       *group,
                                         GCancellable     *cancellable,
                                         GError          **error)
{
  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, NULL);
  return _ferry_list_sync (self->session, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                           "GetCurrentUploads", group, cancellable, error);
}

/* ---- one transfer ----------------------------------------------------- */

/**
 * ferry_uploader_get_transfer:
 * @self: an uploader
 * @id: the id of a transfer, or its object path
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the transfer
 * @user_data: data for @callback
 *
 * Attaches to one transfer of the application, current or not (completed
 * and canceled transfers can be read too), download or upload. An unknown
 * id is a %FERRY_ERROR_NOT_FOUND error, another application's transfer a
 * %FERRY_ERROR_ACCESS_DENIED one.
 */
void
ferry_uploader_get_transfer (FerryUploader     *self,
                             const char          *id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  g_return_if_fail (id != NULL);
  _ferry_lookup (self, ferry_uploader_get_transfer, self->session, id, cancellable, callback,
                 user_data);
}

/**
 * ferry_uploader_get_transfer_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the transfer, attached, or %NULL with @error
 *   set
 */
FerryTransfer *
ferry_uploader_get_transfer_finish (FerryUploader *self, GAsyncResult *result,
                                    GError **error)
{
  return _ferry_lookup_finish (self, result, ferry_uploader_get_transfer, error);
}

/**
 * ferry_uploader_get_transfer_sync:
 * @self: an uploader
 * @id: the id of a transfer, or its object path
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Attaches to one transfer, blocking the calling thread; see
 * ferry_uploader_get_transfer().
 *
 * Returns: (transfer full): the transfer, attached, or %NULL with @error
 *   set
 */
FerryTransfer *
ferry_uploader_get_transfer_sync (FerryUploader  *self,
                                  const char       *id,
                                  GCancellable     *cancellable,
                                  GError          **error)
{
  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return _ferry_lookup_sync (self->session, id, cancellable, error);
}

/* ---- the app's settings ----------------------------------------------- */

/**
 * ferry_uploader_set_group_behavior:
 * @self: an uploader
 * @group: a group name of the application
 * @behavior: how the group's transfers run
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has stored it
 * @user_data: data for @callback
 *
 * Sets how the transfers of @group run: side by side or one at a time.
 * Downloads and uploads share the application's groups, and the service
 * keeps the setting across restarts.
 */
void
ferry_uploader_set_group_behavior (FerryUploader *self, const char *group,
                                   FerryGroupBehavior behavior, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  g_return_if_fail (group != NULL);
  _ferry_call (self, ferry_uploader_set_group_behavior, self->session, FERRY_UPLOADER_PATH,
               FERRY_UPLOADER_IFACE, "SetGroupBehavior",
               g_variant_new ("(ss)", group, ferry_group_behavior_to_string (behavior)),
               G_VARIANT_TYPE_UNIT, cancellable, callback, user_data);
}

/**
 * ferry_uploader_set_group_behavior_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the behavior was stored
 */
gboolean
ferry_uploader_set_group_behavior_finish (FerryUploader *self, GAsyncResult *result,
                                          GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result, ferry_uploader_set_group_behavior,
                                                  NULL, error);

  return reply != NULL;
}

/**
 * ferry_uploader_set_group_behavior_sync:
 * @self: an uploader
 * @group: a group name of the application
 * @behavior: how the group's transfers run
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sets how the transfers of @group run, blocking the calling thread; see
 * ferry_uploader_set_group_behavior().
 *
 * Returns: whether the behavior was stored
 */
gboolean
ferry_uploader_set_group_behavior_sync (FerryUploader *self, const char *group,
                                        FerryGroupBehavior behavior, GCancellable *cancellable,
                                        GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, FALSE);
  g_return_val_if_fail (group != NULL, FALSE);
  reply = ferry_session_call_sync (self->session, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                                   "SetGroupBehavior",
                                   g_variant_new ("(ss)", group,
                                                  ferry_group_behavior_to_string (behavior)),
                                   G_VARIANT_TYPE_UNIT, NULL, NULL, cancellable, error);
  return reply != NULL;
}

/**
 * ferry_uploader_set_default_cost_policy:
 * @self: an uploader
 * @policy: the cost policy of new uploads
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has stored it
 * @user_data: data for @callback
 *
 * Sets the cost policy of the application's new uploads that do not give
 * the `cost-policy` option. The service keeps it across restarts.
 */
void
ferry_uploader_set_default_cost_policy (FerryUploader *self, FerryCostPolicy policy,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  _ferry_call (self, ferry_uploader_set_default_cost_policy, self->session, FERRY_UPLOADER_PATH,
               FERRY_UPLOADER_IFACE, "SetDefaultCostPolicy",
               g_variant_new ("(s)", ferry_cost_policy_to_string (policy)), G_VARIANT_TYPE_UNIT,
               cancellable, callback, user_data);
}

/**
 * ferry_uploader_set_default_cost_policy_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the policy was stored
 */
gboolean
ferry_uploader_set_default_cost_policy_finish (FerryUploader *self, GAsyncResult *result,
                                               GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result,
                                                  ferry_uploader_set_default_cost_policy, NULL,
                                                  error);

  return reply != NULL;
}

/**
 * ferry_uploader_set_default_cost_policy_sync:
 * @self: an uploader
 * @policy: the cost policy of new uploads
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sets the default cost policy, blocking the calling thread; see
 * ferry_uploader_set_default_cost_policy().
 *
 * Returns: whether the policy was stored
 */
gboolean
ferry_uploader_set_default_cost_policy_sync (FerryUploader *self, FerryCostPolicy policy,
                                             GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, FALSE);
  reply = ferry_session_call_sync (self->session, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                                   "SetDefaultCostPolicy",
                                   g_variant_new ("(s)", ferry_cost_policy_to_string (policy)),
                                   G_VARIANT_TYPE_UNIT, NULL, NULL, cancellable, error);
  return reply != NULL;
}

/**
 * ferry_uploader_get_default_cost_policy:
 * @self: an uploader
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the policy
 * @user_data: data for @callback
 *
 * Asks the service for the cost policy of the application's new uploads.
 */
void
ferry_uploader_get_default_cost_policy (FerryUploader *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL);
  _ferry_call (self, ferry_uploader_get_default_cost_policy, self->session, FERRY_UPLOADER_PATH,
               FERRY_UPLOADER_IFACE, "GetDefaultCostPolicy", NULL, G_VARIANT_TYPE ("(s)"),
               cancellable, callback, user_data);
}

/**
 * ferry_uploader_get_default_cost_policy_finish:
 * @self: an uploader
 * @result: the result passed to the callback
 * @out_policy: (out): the policy
 * @error: return location for an error
 *
 * Returns: whether the service answered with a policy
 */
gboolean
ferry_uploader_get_default_cost_policy_finish (FerryUploader *self, GAsyncResult *result,
                                               FerryCostPolicy *out_policy, GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result,
                                                  ferry_uploader_get_default_cost_policy, NULL,
                                                  error);

  return reply != NULL && _ferry_parse_cost_policy (reply, out_policy, error);
}

/**
 * ferry_uploader_get_default_cost_policy_sync:
 * @self: an uploader
 * @cancellable: (nullable): a #GCancellable
 * @out_policy: (out): the policy
 * @error: return location for an error
 *
 * Asks for the default cost policy, blocking the calling thread; see
 * ferry_uploader_get_default_cost_policy().
 *
 * Returns: whether the service answered with a policy
 */
gboolean
ferry_uploader_get_default_cost_policy_sync (FerryUploader *self, GCancellable *cancellable,
                                             FerryCostPolicy *out_policy, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_UPLOADER (self) && self->session != NULL, FALSE);
  reply = ferry_session_call_sync (self->session, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                                   "GetDefaultCostPolicy", NULL, G_VARIANT_TYPE ("(s)"), NULL,
                                   NULL, cancellable, error);
  return reply != NULL && _ferry_parse_cost_policy (reply, out_policy, error);
}
