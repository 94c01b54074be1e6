/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n-lib.h>

#include "ferry.h"
#include "ferry-calls.h"

/**
 * FerryDownloader:
 *
 * Creates and finds the downloads of an application in the Ferry service.
 *
 * The service carries a download through to its end after the application
 * quits, after a crash or reboot, across dropped connections. An
 * application sees only its own downloads: a sandboxed one is known by its
 * sandbox, and an unsandboxed one declares its application id when it makes
 * its downloader (`Manager.Register` on the bus). A D-Bus connection acts
 * as one application, so every downloader on a connection has the same id.
 *
 * ```c
 * g_autoptr(FerryDownloader) downloader = NULL;
 * g_autoptr(FerryTransfer) transfer = NULL;
 *
 * downloader = ferry_downloader_new_sync ("org.example.App", NULL, &error);
 * transfer = ferry_downloader_create_download_sync (downloader, uri, path, NULL,
 *                                                   NULL, &error);
 * g_signal_connect (transfer, "progress", G_CALLBACK (on_progress), NULL);
 * ferry_transfer_start (transfer, NULL, on_started, NULL);
 * ```
 *
 * An application that starts again finds its downloads with
 * ferry_downloader_get_current_downloads(), already attached.
 */

struct _FerryDownloader
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

G_DEFINE_FINAL_TYPE (FerryDownloader, ferry_downloader, G_TYPE_OBJECT)

static void
ferry_downloader_dispose (GObject *object)
{
  FerryDownloader *self = FERRY_DOWNLOADER (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ferry_downloader_parent_class)->dispose (object);
}

static void
ferry_downloader_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FerryDownloader *self = FERRY_DOWNLOADER (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, ferry_downloader_get_connection (self));
      break;
    case PROP_APP_ID:
      g_value_set_string (value, ferry_downloader_get_app_id (self));
      break;
    case PROP_SERVICE_RUNNING:
      g_value_set_boolean (value, ferry_downloader_get_service_running (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ferry_downloader_class_init (FerryDownloaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = ferry_downloader_dispose;
  object_class->get_property = ferry_downloader_get_property;

  /**
   * FerryDownloader:connection:
   *
   * The D-Bus connection to the service.
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION, flags);
  /**
   * FerryDownloader:app-id:
   *
   * The application id the connection declared to the service, or %NULL
   * when it declared none (it is then a sandboxed application, known by its
   * sandbox, or the unnamed host application).
   */
  properties[PROP_APP_ID] = g_param_spec_string ("app-id", NULL, NULL, NULL, flags);
  /**
   * FerryDownloader:service-running:
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
ferry_downloader_init (FerryDownloader *self)
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
  FerryDownloader *self = g_object_new (FERRY_TYPE_DOWNLOADER, NULL);

  self->session = g_object_ref (session);
  g_signal_connect (session, "notify::service-running", G_CALLBACK (on_service_running), self);
  return self;
}

/* ---- construction ----------------------------------------------------- */

/**
 * ferry_downloader_new_for_connection:
 * @connection: a connection to the bus of the service
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the downloader is ready
 * @user_data: data for @callback
 *
 * Makes a downloader that talks to the service over @connection. With
 * @app_id, it first declares the application id of the connection to the
 * service; that fails with %FERRY_ERROR_ACCESS_DENIED in a sandbox, whose
 * application id comes from the sandbox, with %FERRY_ERROR_INVALID_ARGUMENT
 * for a malformed id, and with %FERRY_ERROR_INVALID_STATE when the
 * connection already acts as another application. A #FerryUploader on the
 * same connection shares the declaration.
 */
void
ferry_downloader_new_for_connection (GDBusConnection     *connection,
                                     const char          *app_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  _ferry_client_new (connection, app_id, wrap_session, ferry_downloader_new_for_connection,
                     cancellable, callback, user_data);
}

/**
 * ferry_downloader_new_for_connection_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the downloader, or %NULL with @error set
 */
FerryDownloader *
ferry_downloader_new_for_connection_finish (GAsyncResult *result, GError **error)
{
  return _ferry_client_new_finish (result, ferry_downloader_new_for_connection, error);
}

/**
 * ferry_downloader_new_for_connection_sync:
 * @connection: a connection to the bus of the service
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes a downloader, blocking the calling thread; see
 * ferry_downloader_new_for_connection().
 *
 * Returns: (transfer full): the downloader, or %NULL with @error set
 */
FerryDownloader *
ferry_downloader_new_for_connection_sync (GDBusConnection  *connection,
                                          const char       *app_id,
                                          GCancellable     *cancellable,
                                          GError          **error)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  return _ferry_client_new_sync (connection, app_id, wrap_session, cancellable, error);
}

/**
 * ferry_downloader_new:
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the downloader is ready
 * @user_data: data for @callback
 *
 * Makes a downloader on the session bus; see
 * ferry_downloader_new_for_connection() for @app_id.
 */
void
ferry_downloader_new (const char          *app_id,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  _ferry_client_new (NULL, app_id, wrap_session, ferry_downloader_new, cancellable, callback,
                     user_data);
}

/**
 * ferry_downloader_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the downloader, or %NULL with @error set
 */
FerryDownloader *
ferry_downloader_new_finish (GAsyncResult *result, GError **error)
{
  return _ferry_client_new_finish (result, ferry_downloader_new, error);
}

/**
 * ferry_downloader_new_sync:
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes a downloader on the session bus, blocking the calling thread; see
 * ferry_downloader_new_for_connection() for @app_id.
 *
 * Returns: (transfer full): the downloader, or %NULL with @error set
 */
FerryDownloader *
ferry_downloader_new_sync (const char *app_id, GCancellable *cancellable, GError **error)
{
  return _ferry_client_new_sync (NULL, app_id, wrap_session, cancellable, error);
}

/* ---- properties ------------------------------------------------------- */

/**
 * ferry_downloader_get_connection:
 * @self: a downloader
 *
 * Returns: (transfer none): the value of #FerryDownloader:connection
 */
GDBusConnection *
ferry_downloader_get_connection (FerryDownloader *self)
{
  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self), NULL);
  return self->session ? ferry_session_get_connection (self->session) : NULL;
}

/**
 * ferry_downloader_get_app_id:
 * @self: a downloader
 *
 * Returns: (transfer none) (nullable): the value of #FerryDownloader:app-id
 */
const char *
ferry_downloader_get_app_id (FerryDownloader *self)
{
  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self), NULL);
  return self->session ? ferry_session_get_app_id (self->session) : NULL;
}

/**
 * ferry_downloader_get_service_running:
 * @self: a downloader
 *
 * Returns: the value of #FerryDownloader:service-running
 */
gboolean
ferry_downloader_get_service_running (FerryDownloader *self)
{
  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self), FALSE);
  return self->session ? ferry_session_get_service_running (self->session) : FALSE;
}

/* ---- creating --------------------------------------------------------- */

static GVariant *
create_download_parameters (const char *uri, const char *destination, GVariant *options)
{
  if (options == NULL)
    options = g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
  return g_variant_new ("(ss@a{sv})", uri, destination, options);
}

/**
 * ferry_downloader_create_download:
 * @self: a downloader
 * @uri: an absolute http:// or https:// URI
 * @destination: the absolute path of the file to create; its directory must
 *   exist
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new transfer
 * @user_data: data for @callback
 *
 * Creates a download in the service, in status
 * %FERRY_TRANSFER_STATUS_IDLE: start it with ferry_transfer_start(). The
 * service stores it before it answers.
 *
 * The options are those of `CreateDownload` in the D-Bus API, among them
 * `headers` (`a{ss}`, extra request headers), `checksum` (`s`, `"sha256:"`
 * and 64 hex digits, checked before the file is put in place), `group`
 * (`s`, for ferry_downloader_get_current_downloads()), `cost-policy` and
 * `priority` (`s`, see ferry_cost_policy_to_string() and
 * ferry_priority_to_string()), `max-speed` (`t`, bytes per second),
 * `connections` (`u`, how many HTTP connections may share the download, 1
 * to 16, default 1: a file of at least 2 MiB on a server that accepts
 * ranges is split into that many segments, each resumable) and
 * `completion-group` (`s`). An unknown option, a value of the wrong type or
 * out of range is a %FERRY_ERROR_INVALID_ARGUMENT error, like a relative
 * @destination or a URI that is not http or https.
 */
void
ferry_downloader_create_download (FerryDownloader     *self,
                                  const char          *uri,
                                  const char          *destination,
                                  GVariant            *options,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL);
  g_return_if_fail (uri != NULL && destination != NULL);
  g_return_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));
  _ferry_create (self, ferry_downloader_create_download, self->session, FERRY_DOWNLOADER_PATH,
                 FERRY_DOWNLOADER_IFACE, "CreateDownload",
                 create_download_parameters (uri, destination, options), NULL, cancellable,
                 callback, user_data);
}

/**
 * ferry_downloader_create_download_finish:
 * @self: a downloader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_downloader_create_download_finish (FerryDownloader *self, GAsyncResult *result,
                                         GError **error)
{
  return _ferry_create_finish (self, result, ferry_downloader_create_download, error);
}

/**
 * ferry_downloader_create_download_sync:
 * @self: a downloader
 * @uri: an absolute http:// or https:// URI
 * @destination: the absolute path of the file to create
 * @options: (nullable): an `a{sv}` of options, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Creates a download, blocking the calling thread; see
 * ferry_downloader_create_download().
 *
 * Returns: (transfer full): the new transfer, attached, or %NULL with
 *   @error set
 */
FerryTransfer *
ferry_downloader_create_download_sync (FerryDownloader  *self,
                                       const char       *uri,
                                       const char       *destination,
                                       GVariant         *options,
                                       GCancellable     *cancellable,
                                       GError          **error)
{
  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL, NULL);
  g_return_val_if_fail (uri != NULL && destination != NULL, NULL);
  g_return_val_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT),
                        NULL);
  return _ferry_create_sync (self->session, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                             "CreateDownload",
                             create_download_parameters (uri, destination, options), NULL,
                             cancellable, error);
}

/* ---- listing ---------------------------------------------------------- */

/**
 * ferry_downloader_get_current_downloads:
 * @self: a downloader
 * @group: (nullable): a group name, or %NULL for all groups
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the downloads
 * @user_data: data for @callback
 *
 * Finds the application's downloads that have not completed and were not
 * canceled (failed ones are there, since they can be resumed), oldest
 * first. Each comes attached: its properties are read, and it follows the
 * service from then on, so an application that starts again gets its
 * downloads back with live progress.
 */
void
ferry_downloader_get_current_downloads (FerryDownloader     *self,
                                        const char          *group,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL);
  _ferry_list (self, ferry_downloader_get_current_downloads, self->session,
               FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE, "GetCurrentDownloads", group,
               cancellable, callback, user_data);
}

/**
 * ferry_downloader_get_current_downloads_finish:
 * @self: a downloader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type FerryTransfer): the
 *   downloads, or %NULL with @error set
 */
GPtrArray *
ferry_downloader_get_current_downloads_finish (FerryDownloader *self, GAsyncResult *result,
                                               GError **error)
{
  return _ferry_list_finish (self, result, ferry_downloader_get_current_downloads, error);
}

/**
 * ferry_downloader_get_current_downloads_sync:
 * @self: a downloader
 * @group: (nullable): a group name, or %NULL for all groups
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Finds the application's current downloads, blocking the calling thread;
 * see ferry_downloader_get_current_downloads().
 *
 * Returns: (transfer container) (element-type FerryTransfer): the
 *   downloads, or %NULL with @error set
 */
GPtrArray *
ferry_downloader_get_current_downloads_sync (FerryDownloader  *self,
                                             const char       *group,
                                             GCancellable     *cancellable,
                                             GError          **error)
{
  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL, NULL);
  return _ferry_list_sync (self->session, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                           "GetCurrentDownloads", group, cancellable, error);
}

/* ---- one transfer ----------------------------------------------------- */

/**
 * ferry_downloader_get_transfer:
 * @self: a downloader
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
ferry_downloader_get_transfer (FerryDownloader     *self,
                               const char          *id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL);
  g_return_if_fail (id != NULL);
  _ferry_lookup (self, ferry_downloader_get_transfer, self->session, id, cancellable, callback,
                 user_data);
}

/**
 * ferry_downloader_get_transfer_finish:
 * @self: a downloader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the transfer, attached, or %NULL with @error
 *   set
 */
FerryTransfer *
ferry_downloader_get_transfer_finish (FerryDownloader *self, GAsyncResult *result,
                                      GError **error)
{
  return _ferry_lookup_finish (self, result, ferry_downloader_get_transfer, error);
}

/**
 * ferry_downloader_get_transfer_sync:
 * @self: a downloader
 * @id: the id of a transfer, or its object path
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Attaches to one transfer, blocking the calling thread; see
 * ferry_downloader_get_transfer().
 *
 * Returns: (transfer full): the transfer, attached, or %NULL with @error
 *   set
 */
FerryTransfer *
ferry_downloader_get_transfer_sync (FerryDownloader  *self,
                                    const char       *id,
                                    GCancellable     *cancellable,
                                    GError          **error)
{
  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return _ferry_lookup_sync (self->session, id, cancellable, error);
}

/* ---- the app's settings ----------------------------------------------- */

/**
 * ferry_downloader_set_group_behavior:
 * @self: a downloader
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
ferry_downloader_set_group_behavior (FerryDownloader *self, const char *group,
                                FerryGroupBehavior behavior, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL);
  g_return_if_fail (group != NULL);
  _ferry_call (self, ferry_downloader_set_group_behavior, self->session, FERRY_DOWNLOADER_PATH,
               FERRY_DOWNLOADER_IFACE, "SetGroupBehavior",
               g_variant_new ("(ss)", group, ferry_group_behavior_to_string (behavior)),
               G_VARIANT_TYPE_UNIT, cancellable, callback, user_data);
}

/**
 * ferry_downloader_set_group_behavior_finish:
 * @self: a downloader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the behavior was stored
 */
gboolean
ferry_downloader_set_group_behavior_finish (FerryDownloader *self, GAsyncResult *result,
                                       GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result, ferry_downloader_set_group_behavior,
                                                  NULL, error);

  return reply != NULL;
}

/**
 * ferry_downloader_set_group_behavior_sync:
 * @self: a downloader
 * @group: a group name of the application
 * @behavior: how the group's transfers run
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sets how the transfers of @group run, blocking the calling thread; see
 * ferry_downloader_set_group_behavior().
 *
 * Returns: whether the behavior was stored
 */
gboolean
ferry_downloader_set_group_behavior_sync (FerryDownloader *self, const char *group,
                                     FerryGroupBehavior behavior, GCancellable *cancellable,
                                     GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL, FALSE);
  g_return_val_if_fail (group != NULL, FALSE);
  reply = ferry_session_call_sync (self->session, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                                   "SetGroupBehavior",
                                   g_variant_new ("(ss)", group,
                                                  ferry_group_behavior_to_string (behavior)),
                                   G_VARIANT_TYPE_UNIT, NULL, NULL, cancellable, error);
  return reply != NULL;
}

/**
 * ferry_downloader_set_default_cost_policy:
 * @self: a downloader
 * @policy: the cost policy of new downloads
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has stored it
 * @user_data: data for @callback
 *
 * Sets the cost policy of the application's new downloads that do not give
 * the `cost-policy` option. The service keeps it across restarts.
 */
void
ferry_downloader_set_default_cost_policy (FerryDownloader *self, FerryCostPolicy policy,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL);
  _ferry_call (self, ferry_downloader_set_default_cost_policy, self->session, FERRY_DOWNLOADER_PATH,
               FERRY_DOWNLOADER_IFACE, "SetDefaultCostPolicy",
               g_variant_new ("(s)", ferry_cost_policy_to_string (policy)), G_VARIANT_TYPE_UNIT,
               cancellable, callback, user_data);
}

/**
 * ferry_downloader_set_default_cost_policy_finish:
 * @self: a downloader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the policy was stored
 */
gboolean
ferry_downloader_set_default_cost_policy_finish (FerryDownloader *self, GAsyncResult *result,
                                            GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result,
                                                  ferry_downloader_set_default_cost_policy, NULL,
                                                  error);

  return reply != NULL;
}

/**
 * ferry_downloader_set_default_cost_policy_sync:
 * @self: a downloader
 * @policy: the cost policy of new downloads
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sets the default cost policy, blocking the calling thread; see
 * ferry_downloader_set_default_cost_policy().
 *
 * Returns: whether the policy was stored
 */
gboolean
ferry_downloader_set_default_cost_policy_sync (FerryDownloader *self, FerryCostPolicy policy,
                                          GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL, FALSE);
  reply = ferry_session_call_sync (self->session, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                                   "SetDefaultCostPolicy",
                                   g_variant_new ("(s)", ferry_cost_policy_to_string (policy)),
                                   G_VARIANT_TYPE_UNIT, NULL, NULL, cancellable, error);
  return reply != NULL;
}

/**
 * ferry_downloader_get_default_cost_policy:
 * @self: a downloader
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the policy
 * @user_data: data for @callback
 *
 * Asks the service for the cost policy of the application's new downloads.
 */
void
ferry_downloader_get_default_cost_policy (FerryDownloader *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL);
  _ferry_call (self, ferry_downloader_get_default_cost_policy, self->session, FERRY_DOWNLOADER_PATH,
               FERRY_DOWNLOADER_IFACE, "GetDefaultCostPolicy", NULL, G_VARIANT_TYPE ("(s)"),
               cancellable, callback, user_data);
}

/**
 * ferry_downloader_get_default_cost_policy_finish:
 * @self: a downloader
 * @result: the result passed to the callback
 * @out_policy: (out): the policy
 * @error: return location for an error
 *
 * Returns: whether the service answered with a policy
 */
gboolean
ferry_downloader_get_default_cost_policy_finish (FerryDownloader *self, GAsyncResult *result,
                                            FerryCostPolicy *out_policy, GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result,
                                                  ferry_downloader_get_default_cost_policy, NULL,
                                                  error);

  return reply != NULL && _ferry_parse_cost_policy (reply, out_policy, error);
}

/**
 * ferry_downloader_get_default_cost_policy_sync:
 * @self: a downloader
 * @cancellable: (nullable): a #GCancellable
 * @out_policy: (out): the policy
 * @error: return location for an error
 *
 * Asks for the default cost policy, blocking the calling thread; see
 * ferry_downloader_get_default_cost_policy().
 *
 * Returns: whether the service answered with a policy
 */
gboolean
ferry_downloader_get_default_cost_policy_sync (FerryDownloader *self, GCancellable *cancellable,
                                          FerryCostPolicy *out_policy, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_DOWNLOADER (self) && self->session != NULL, FALSE);
  reply = ferry_session_call_sync (self->session, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                                   "GetDefaultCostPolicy", NULL, G_VARIANT_TYPE ("(s)"), NULL,
                                   NULL, cancellable, error);
  return reply != NULL && _ferry_parse_cost_policy (reply, out_policy, error);
}
