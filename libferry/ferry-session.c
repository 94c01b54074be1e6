/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "ferry-error.h"
#include "ferry-session.h"
#include "ferry-transfer-private.h"

struct _FerrySession
{
  GObject          parent_instance;
  GDBusConnection *connection;
  char            *app_id;            /* declared with Register; NULL: none */
  guint            watch_id;
  char            *owner;             /* the service's unique name; NULL: none */
  char            *last_owner;        /* the last one seen, kept after it left */
  /* Bumped whenever the service instance goes away: a registration is
   * good only for the instance, hence the epoch, it was made with. */
  guint            epoch;
  guint            registered_epoch;
  gboolean         registered;
  /* One subscription for the signals of every transfer keeps GDBus
   * tracking the owner of the service's name, which it checks them
   * against, for as long as the session lives. */
  guint            transfer_signals_id;
  guint            properties_changed_id;
  GHashTable      *transfers;         /* path → GPtrArray of FerryTransfer, not owned */
};

enum {
  PROP_0,
  PROP_SERVICE_RUNNING,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (FerrySession, ferry_session, G_TYPE_OBJECT)

static GQuark
session_quark (void)
{
  return g_quark_from_static_string ("ferry-session");
}

/* Several FerryTransfer objects may follow one transfer. */
static GPtrArray *
copy_transfers (FerrySession *self, const char *path)
{
  GPtrArray *list = path ? g_hash_table_lookup (self->transfers, path) : NULL;
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;

  if (path != NULL)
    {
      for (guint i = 0; list != NULL && i < list->len; i++)
        g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (list, i)));
      return copy;
    }
  g_hash_table_iter_init (&iter, self->transfers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &list))
    for (guint i = 0; i < list->len; i++)
      g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (list, i)));
  return copy;
}

static void
on_transfer_signal (GDBusConnection *connection, const char *sender, const char *path,
                    const char *interface, const char *member, GVariant *parameters,
                    gpointer user_data)
{
  /* A reference each: a handler may drop the last one of the app's. */
  g_autoptr(GPtrArray) transfers = copy_transfers (user_data, path);

  for (guint i = 0; i < transfers->len; i++)
    _ferry_transfer_handle_signal (g_ptr_array_index (transfers, i), interface, member,
                                   parameters);
}

void
_ferry_session_add_transfer (FerrySession *self, FerryTransfer *transfer)
{
  const char *path = ferry_transfer_get_object_path (transfer);
  GPtrArray *list = g_hash_table_lookup (self->transfers, path);

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (self->transfers, g_strdup (path), list);
    }
  g_ptr_array_add (list, transfer);
}

void
_ferry_session_remove_transfer (FerrySession *self, FerryTransfer *transfer)
{
  const char *path = ferry_transfer_get_object_path (transfer);
  GPtrArray *list = g_hash_table_lookup (self->transfers, path);

  if (list == NULL)
    return;
  g_ptr_array_remove_fast (list, transfer);
  if (list->len == 0)
    g_hash_table_remove (self->transfers, path);
}

static void
on_name_appeared (GDBusConnection *connection, const char *name, const char *owner,
                  gpointer user_data)
{
  FerrySession *self = user_data;
  gboolean was_running = self->owner != NULL;
  gboolean restarted = self->last_owner != NULL && g_strcmp0 (self->last_owner, owner) != 0;

  g_free (self->owner);
  self->owner = g_strdup (owner);
  g_free (self->last_owner);
  self->last_owner = g_strdup (owner);
  g_debug ("ferryd is %s%s", owner, restarted ? " (a new instance)" : "");

  if (!was_running)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE_RUNNING]);
  if (restarted)
    {
      g_autoptr(GPtrArray) transfers = copy_transfers (self, NULL);

      for (guint i = 0; i < transfers->len; i++)
        _ferry_transfer_service_restarted (g_ptr_array_index (transfers, i));
    }
}

static void
on_name_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  FerrySession *self = user_data;

  /* The watcher's first report may be a stale "no owner" from before the
   * service was activated; only an owner that leaves ends an instance. */
  if (self->owner == NULL)
    return;
  g_debug ("ferryd %s left", self->owner);
  g_clear_pointer (&self->owner, g_free);
  self->epoch++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE_RUNNING]);
}

static void
ferry_session_dispose (GObject *object)
{
  FerrySession *self = FERRY_SESSION (object);

  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  if (self->connection != NULL)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, self->transfer_signals_id);
      g_dbus_connection_signal_unsubscribe (self->connection, self->properties_changed_id);
      g_object_set_qdata (G_OBJECT (self->connection), session_quark (), NULL);
      g_clear_object (&self->connection);
    }
  G_OBJECT_CLASS (ferry_session_parent_class)->dispose (object);
}

static void
ferry_session_finalize (GObject *object)
{
  FerrySession *self = FERRY_SESSION (object);

  g_free (self->app_id);
  g_free (self->owner);
  g_free (self->last_owner);
  g_hash_table_unref (self->transfers);
  G_OBJECT_CLASS (ferry_session_parent_class)->finalize (object);
}

static void
ferry_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FerrySession *self = FERRY_SESSION (object);

  switch (prop_id)
    {
    case PROP_SERVICE_RUNNING:
      g_value_set_boolean (value, self->owner != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ferry_session_class_init (FerrySessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ferry_session_dispose;
  object_class->finalize = ferry_session_finalize;
  object_class->get_property = ferry_session_get_property;

  properties[PROP_SERVICE_RUNNING] =
    g_param_spec_boolean ("service-running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Maps org.freedesktop.Ferry1.Error.* to FERRY_ERROR from now on. */
  (void) ferry_error_quark ();
  /* The library's messages come from its own domain, whatever the app's. */
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

static void
ferry_session_init (FerrySession *self)
{
  self->transfers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
}

/* Returns the session of @connection, making it on first use. */
FerrySession *
ferry_session_get (GDBusConnection *connection)
{
  FerrySession *self = g_object_get_qdata (G_OBJECT (connection), session_quark ());

  if (self != NULL)
    return g_object_ref (self);

  self = g_object_new (FERRY_TYPE_SESSION, NULL);
  self->connection = g_object_ref (connection);
  /* Not a reference: the session refers to the connection, and clears this
   * when it goes. */
  g_object_set_qdata (G_OBJECT (connection), session_quark (), self);
  self->watch_id = g_bus_watch_name_on_connection (connection, FERRY_BUS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, on_name_vanished,
                                                   self, NULL);
  self->transfer_signals_id =
    g_dbus_connection_signal_subscribe (connection, FERRY_BUS_NAME, FERRY_TRANSFER_IFACE,
                                        NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_transfer_signal, self, NULL);
  self->properties_changed_id =
    g_dbus_connection_signal_subscribe (connection, FERRY_BUS_NAME,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        NULL, FERRY_TRANSFER_IFACE, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_transfer_signal, self, NULL);
  return self;
}

GDBusConnection *
ferry_session_get_connection (FerrySession *self)
{
  return self->connection;
}

const char *
ferry_session_get_app_id (FerrySession *self)
{
  return self->app_id;
}

gboolean
ferry_session_get_service_running (FerrySession *self)
{
  return self->owner != NULL;
}

static gboolean
needs_register (FerrySession *self)
{
  return self->app_id != NULL && (!self->registered || self->registered_epoch != self->epoch);
}

/* Service errors read better without "GDBus.Error:org.freedesktop…: ";
 * their domain and code say the same. */
static void
clean_error (GError *error)
{
  if (error != NULL && error->domain == FERRY_ERROR)
    g_dbus_error_strip_remote_error (error);
}

/* Takes @app_id for the connection; FALSE if it already acts as another. */
static gboolean
claim_app_id (FerrySession *self, const char *app_id, GError **error)
{
  if (self->app_id == NULL)
    {
      self->app_id = g_strdup (app_id);
      return TRUE;
    }
  if (strcmp (self->app_id, app_id) == 0)
    return TRUE;
  g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE,
               _("This D-Bus connection already acts as the application “%s”; "
                 "use another connection for “%s”"), self->app_id, app_id);
  return FALSE;
}

/* The outcome of Register, sent at @epoch. InvalidState means that this
 * connection is registered already: by an earlier call of ours that the
 * session could not tell was still good, since only libferry registers it. */
static gboolean
register_done (FerrySession *self, guint epoch, GVariant *reply, GError **error)
{
  if (reply == NULL && !g_error_matches (*error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE))
    {
      /* A first registration that failed leaves the connection free. */
      if (!self->registered)
        g_clear_pointer (&self->app_id, g_free);
      clean_error (*error);
      return FALSE;
    }
  g_clear_error (error);
  self->registered = TRUE;
  self->registered_epoch = epoch;
  return TRUE;
}

static void
on_register_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  FerrySession *self = g_task_get_source_object (task);
  guint epoch = GPOINTER_TO_UINT (g_task_get_task_data (task));
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (register_done (self, epoch, reply, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Sends Register for the session's app id, whether or not it seems needed. */
static void
send_register (FerrySession *self, GTask *task)
{
  g_task_set_task_data (task, GUINT_TO_POINTER (self->epoch), NULL);
  g_dbus_connection_call (self->connection, FERRY_BUS_NAME, FERRY_MANAGER_PATH,
                          FERRY_MANAGER_IFACE, "Register", g_variant_new ("(s)", self->app_id),
                          G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), on_register_reply, task);
}

void
ferry_session_register (FerrySession        *self,
                        const char          *app_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, ferry_session_register);
  if (app_id == NULL || (g_strcmp0 (self->app_id, app_id) == 0 && !needs_register (self)))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!claim_app_id (self, app_id, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  send_register (self, g_steal_pointer (&task));
}

gboolean
ferry_session_register_finish (FerrySession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
send_register_sync (FerrySession *self, GCancellable *cancellable, GError **error)
{
  guint epoch = self->epoch;
  g_autoptr(GVariant) reply = NULL;
  GError *local_error = NULL;

  reply = g_dbus_connection_call_sync (self->connection, FERRY_BUS_NAME, FERRY_MANAGER_PATH,
                                       FERRY_MANAGER_IFACE, "Register",
                                       g_variant_new ("(s)", self->app_id), G_VARIANT_TYPE_UNIT,
                                       G_DBUS_CALL_FLAGS_NONE, -1, cancellable, &local_error);
  if (register_done (self, epoch, reply, &local_error))
    return TRUE;
  g_propagate_error (error, local_error);
  return FALSE;
}

gboolean
ferry_session_register_sync (FerrySession  *self,
                             const char    *app_id,
                             GCancellable  *cancellable,
                             GError       **error)
{
  if (app_id == NULL || (g_strcmp0 (self->app_id, app_id) == 0 && !needs_register (self)))
    return TRUE;
  if (!claim_app_id (self, app_id, error))
    return FALSE;
  return send_register_sync (self, cancellable, error);
}

/* ---- calls ------------------------------------------------------------ */

typedef struct {
  char         *path;
  char         *interface;
  char         *method;
  GVariant     *parameters;
  GVariantType *reply_type;
  GUnixFDList  *fd_list;
} Call;

/* The reply of a call with the descriptors that came with it. */
typedef struct {
  GVariant    *reply;
  GUnixFDList *fd_list;
} Reply;

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->reply, g_variant_unref);
  g_clear_object (&reply->fd_list);
  g_free (reply);
}

static void
call_free (Call *call)
{
  g_free (call->path);
  g_free (call->interface);
  g_free (call->method);
  g_clear_pointer (&call->parameters, g_variant_unref);
  g_clear_pointer (&call->reply_type, g_variant_type_free);
  g_clear_object (&call->fd_list);
  g_free (call);
}

static void
on_call_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Reply *reply = g_new0 (Reply, 1);
  GError *error = NULL;

  reply->reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source),
                                                                  &reply->fd_list, result,
                                                                  &error);
  if (reply->reply == NULL)
    {
      reply_free (reply);
      clean_error (error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
}

static void
send_call (FerrySession *self, GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_dbus_connection_call_with_unix_fd_list (self->connection, FERRY_BUS_NAME, call->path,
                                            call->interface, call->method, call->parameters,
                                            call->reply_type, G_DBUS_CALL_FLAGS_NONE, -1,
                                            call->fd_list, g_task_get_cancellable (task),
                                            on_call_reply, task);
}

static void
on_registered_for_call (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ferry_session_register_finish (FERRY_SESSION (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  send_call (FERRY_SESSION (source), g_steal_pointer (&task));
}

void
ferry_session_call (FerrySession        *self,
                    const char          *path,
                    const char          *interface,
                    const char          *method,
                    GVariant            *parameters,
                    const GVariantType  *reply_type,
                    GUnixFDList         *fd_list,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) register_task = NULL;
  Call *call = g_new0 (Call, 1);

  g_task_set_source_tag (task, ferry_session_call);
  call->path = g_strdup (path);
  call->interface = g_strdup (interface);
  call->method = g_strdup (method);
  call->parameters = parameters ? g_variant_ref_sink (parameters) : NULL;
  call->reply_type = reply_type ? g_variant_type_copy (reply_type) : NULL;
  call->fd_list = fd_list ? g_object_ref (fd_list) : NULL;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (!needs_register (self))
    {
      send_call (self, g_steal_pointer (&task));
      return;
    }
  /* The service restarted since the connection registered. */
  register_task = g_task_new (self, cancellable, on_registered_for_call, g_steal_pointer (&task));
  g_task_set_source_tag (register_task, ferry_session_register);
  send_register (self, g_steal_pointer (&register_task));
}

GVariant *
ferry_session_call_finish (FerrySession  *self,
                           GAsyncResult  *result,
                           GUnixFDList  **out_fd_list,
                           GError       **error)
{
  Reply *reply;
  GVariant *value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  reply = g_task_propagate_pointer (G_TASK (result), error);
  if (reply == NULL)
    return NULL;
  value = g_steal_pointer (&reply->reply);
  if (out_fd_list != NULL)
    *out_fd_list = g_steal_pointer (&reply->fd_list);
  reply_free (reply);
  return value;
}

GVariant *
ferry_session_call_sync (FerrySession        *self,
                         const char          *path,
                         const char          *interface,
                         const char          *method,
                         GVariant            *parameters,
                         const GVariantType  *reply_type,
                         GUnixFDList         *fd_list,
                         GUnixFDList        **out_fd_list,
                         GCancellable        *cancellable,
                         GError             **error)
{
  GVariant *reply;

  if (needs_register (self) && !send_register_sync (self, cancellable, error))
    {
      /* Do not leak a floating @parameters. */
      if (parameters != NULL)
        g_variant_unref (g_variant_ref_sink (parameters));
      return NULL;
    }
  reply = g_dbus_connection_call_with_unix_fd_list_sync (self->connection, FERRY_BUS_NAME, path,
                                                         interface, method, parameters,
                                                         reply_type, G_DBUS_CALL_FLAGS_NONE, -1,
                                                         fd_list, out_fd_list, cancellable,
                                                         error);
  if (reply == NULL && error != NULL)
    clean_error (*error);
  return reply;
}

/* ---- transfer ids ----------------------------------------------------- */

static gboolean
is_path_element (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_')
      return FALSE;
  return TRUE;
}

char *
ferry_session_transfer_path (const char *id_or_path)
{
  const char *element = id_or_path;

  if (id_or_path[0] == '/')
    {
      if (!g_str_has_prefix (id_or_path, FERRY_TRANSFER_PATH_PREFIX))
        return NULL;
      element = id_or_path + strlen (FERRY_TRANSFER_PATH_PREFIX);
    }
  if (!is_path_element (element))
    return NULL;
  return g_strconcat (FERRY_TRANSFER_PATH_PREFIX, element, NULL);
}
