/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-callers"

#include <glib/gi18n.h>

#include "ferry-callers.h"
#include "ferry-error.h"
#include "ferry-validate.h"

struct _FerryCallers
{
  GObject          parent_instance;
  GDBusConnection *bus;
  GHashTable      *known;      /* unique name → FerryAppInfo */
  GHashTable      *pending;    /* unique name → GPtrArray of GTask */
  guint            name_owner_changed_id;
};

enum {
  SIGNAL_ACTIVITY,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryCallers, ferry_callers, G_TYPE_OBJECT)

static void
on_name_owner_changed (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  FerryCallers *self = user_data;
  const char *name, *old_owner, *new_owner;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  /* A unique name that leaves never comes back. */
  if (name[0] == ':' && new_owner[0] == '\0')
    g_hash_table_remove (self->known, name);
}

static void
ferry_callers_dispose (GObject *object)
{
  FerryCallers *self = FERRY_CALLERS (object);

  if (self->name_owner_changed_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->bus, self->name_owner_changed_id);
      self->name_owner_changed_id = 0;
    }
  g_clear_object (&self->bus);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);

  G_OBJECT_CLASS (ferry_callers_parent_class)->dispose (object);
}

static void
ferry_callers_class_init (FerryCallersClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_callers_dispose;

  /* Emitted for every method call, so the service knows it is in use. */
  signals[SIGNAL_ACTIVITY] =
    g_signal_new ("activity", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ferry_callers_init (FerryCallers *self)
{
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
}

FerryCallers *
ferry_callers_new (GDBusConnection *bus)
{
  FerryCallers *self = g_object_new (FERRY_TYPE_CALLERS, NULL);

  self->bus = g_object_ref (bus);
  self->name_owner_changed_id =
    g_dbus_connection_signal_subscribe (bus, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                        "NameOwnerChanged", "/org/freedesktop/DBus", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed,
                                        self, NULL);
  return self;
}

static FerryAppInfo *
app_info_from_credentials (GVariant *credentials)
{
  g_autoptr(GVariant) dict = g_variant_get_child_value (credentials, 0);
  guint32 pid;

  /* Without a process id nothing proves a sandbox: treat as host. */
  if (!g_variant_lookup (dict, "ProcessID", "u", &pid))
    return ferry_app_info_new (FERRY_APP_KIND_HOST, NULL, FALSE);
  return ferry_app_info_new_for_pid (pid);
}

typedef struct {
  FerryCallers *self;
  char         *sender;
} CredentialsQuery;

static void
credentials_query_free (CredentialsQuery *query)
{
  g_object_unref (query->self);
  g_free (query->sender);
  g_free (query);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CredentialsQuery, credentials_query_free)

static void
on_credentials (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(CredentialsQuery) query = user_data;
  FerryCallers *self = query->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) credentials = NULL;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autofree char *sender = NULL;

  credentials = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (self->pending == NULL ||
      !g_hash_table_steal_extended (self->pending, query->sender, (gpointer *) &sender,
                                    (gpointer *) &waiting))
    return;

  if (credentials != NULL)
    {
      FerryAppInfo *info = app_info_from_credentials (credentials);

      g_debug ("%s is app “%s”", sender, ferry_app_info_get_id (info));
      g_hash_table_insert (self->known, g_strdup (sender), info);
    }

  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (credentials != NULL)
        g_task_return_pointer (task, g_object_ref (g_hash_table_lookup (self->known, sender)),
                               g_object_unref);
      else
        g_task_return_new_error (task, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED,
                                 _("Cannot identify the caller: %s"), error->message);
    }
}

void
ferry_callers_lookup_async (FerryCallers       *self,
                            const char         *sender,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  FerryAppInfo *known = g_hash_table_lookup (self->known, sender);
  GPtrArray *waiting;

  if (known != NULL)
    {
      g_task_return_pointer (task, g_object_ref (known), g_object_unref);
      return;
    }

  /* Several calls from a new connection share one credentials query. */
  waiting = g_hash_table_lookup (self->pending, sender);
  if (waiting == NULL)
    {
      CredentialsQuery *query = g_new0 (CredentialsQuery, 1);

      query->self = g_object_ref (self);
      query->sender = g_strdup (sender);
      waiting = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->pending, g_strdup (sender), waiting);
      g_dbus_connection_call (self->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "GetConnectionCredentials",
                              g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                              G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_credentials, query);
    }
  g_ptr_array_add (waiting, g_steal_pointer (&task));
}

FerryAppInfo *
ferry_callers_lookup_finish (FerryCallers *self,
                             GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

FerryAppInfo *
ferry_callers_peek (FerryCallers *self, const char *sender)
{
  return g_hash_table_lookup (self->known, sender);
}

gboolean
ferry_callers_register (FerryCallers *self,
                        const char   *sender,
                        const char   *app_id,
                        GError      **error)
{
  FerryAppInfo *info = g_hash_table_lookup (self->known, sender);

  g_return_val_if_fail (info != NULL, FALSE);

  if (ferry_app_info_is_sandboxed (info))
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED,
                           _("A sandboxed app cannot declare its app id"));
      return FALSE;
    }
  if (ferry_app_info_is_registered (info))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE,
                   _("This connection is already registered as “%s”"),
                   ferry_app_info_get_id (info));
      return FALSE;
    }
  if (!ferry_validate_app_id (app_id, error))
    return FALSE;

  g_debug ("%s registered as “%s”", sender, app_id);
  g_hash_table_insert (self->known, g_strdup (sender),
                       ferry_app_info_new (FERRY_APP_KIND_HOST, app_id, TRUE));
  return TRUE;
}

GPtrArray *
ferry_callers_get_senders (FerryCallers *self, const char *app_id)
{
  GPtrArray *senders = g_ptr_array_new ();
  GHashTableIter iter;
  const char *sender;
  FerryAppInfo *info;

  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, (gpointer *) &sender, (gpointer *) &info))
    if (g_str_equal (ferry_app_info_get_id (info), app_id))
      g_ptr_array_add (senders, (gpointer) sender);
  return senders;
}

typedef struct {
  FerryCallerHandler     handler;
  GObject               *object;
  GDBusMethodInvocation *invocation;
} PendingCall;

static void
on_caller_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PendingCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(FerryAppInfo) caller = ferry_callers_lookup_finish (FERRY_CALLERS (source), result,
                                                                &error);

  if (caller != NULL)
    call->handler (call->object, call->invocation, caller);
  else
    g_dbus_method_invocation_return_gerror (call->invocation, error);

  g_object_unref (call->object);
  g_free (call);
}

void
ferry_callers_dispatch (FerryCallers          *self,
                        GDBusMethodInvocation *invocation,
                        FerryCallerHandler     handler,
                        gpointer               object)
{
  PendingCall *call = g_new0 (PendingCall, 1);

  g_signal_emit (self, signals[SIGNAL_ACTIVITY], 0);
  call->handler = handler;
  call->object = g_object_ref (object);
  /* The invocation is owned by whoever returns it: the handler does. */
  call->invocation = invocation;
  ferry_callers_lookup_async (self, g_dbus_method_invocation_get_sender (invocation),
                              on_caller_resolved, call);
}
