/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-completion"

#include <glib/gi18n.h>

#include "ferry-completion-groups.h"
#include "ferry-error.h"

typedef struct {
  FerryCompletionGroups *owner;   /* unowned */
  char                  *app_id;
  char                  *name;
  char                  *action;
  gboolean               delivered;
  gboolean               calling;
  guint                  watch_id; /* waiting for the app to appear */
} Group;

struct _FerryCompletionGroups
{
  GObject          parent_instance;
  GDBusConnection *bus;
  FerryScheduler  *scheduler;
  FerryStore      *store;
  GHashTable      *groups;   /* "app\ngroup" → Group */
};

G_DEFINE_FINAL_TYPE (FerryCompletionGroups, ferry_completion_groups, G_TYPE_OBJECT)

static void deliver (Group *group);

static void
group_free (Group *group)
{
  if (group->watch_id != 0)
    g_bus_unwatch_name (group->watch_id);
  g_free (group->app_id);
  g_free (group->name);
  g_free (group->action);
  g_free (group);
}

static char *
group_key (const char *app_id, const char *name)
{
  return g_strconcat (app_id, "\n", name, NULL);
}

static gboolean
is_ended (FerryStatus status)
{
  return ferry_status_is_final (status) || status == FERRY_STATUS_ERROR;
}

/* Results of the group's transfers; @complete when all of them ended. */
static GVariant *
collect_results (FerryCompletionGroups *self, const char *app_id, const char *name,
                 gboolean *complete)
{
  g_autoptr(GPtrArray) all = ferry_scheduler_list_all (self->scheduler);
  g_auto(GVariantBuilder) results = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(oss)"));

  *complete = TRUE;
  for (guint i = 0; i < all->len; i++)
    {
      FerryTransfer *transfer = g_ptr_array_index (all, i);

      if (!g_str_equal (ferry_transfer_get_app_id (transfer), app_id) ||
          g_strcmp0 (ferry_transfer_get_completion_group (transfer), name) != 0)
        continue;
      *complete &= is_ended (ferry_transfer_get_status (transfer));
      g_variant_builder_add (&results, "(oss)", ferry_transfer_get_object_path (transfer),
                             ferry_status_to_string (ferry_transfer_get_status (transfer)),
                             ferry_transfer_get_error_name (transfer));
    }
  return g_variant_builder_end (&results);
}

/* org.freedesktop.Application's object path for an app id. */
static char *
application_path (const char *app_id)
{
  char *path = g_strconcat ("/", app_id, NULL);

  g_strdelimit (path, ".", '/');
  g_strdelimit (path, "-", '_');
  return path;
}

static void
on_name_appeared (GDBusConnection *bus, const char *name, const char *owner, gpointer user_data)
{
  Group *group = user_data;

  g_debug ("%s appeared: delivering completion group “%s”", name, group->name);
  deliver (group);
}

static void
on_activated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Group *group = user_data;
  g_autoptr(FerryCompletionGroups) self = group->owner;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  group->calling = FALSE;
  if (reply == NULL)
    {
      g_message ("Cannot activate %s for completion group “%s”: %s; waiting for it",
                 group->app_id, group->name, error->message);
      if (group->watch_id == 0)
        group->watch_id = g_bus_watch_name_on_connection (self->bus, group->app_id,
                                                          G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                          on_name_appeared, NULL, group, NULL);
      return;
    }

  g_message ("Completion group “%s” delivered to %s", group->name, group->app_id);
  group->delivered = TRUE;
  g_clear_handle_id (&group->watch_id, g_bus_unwatch_name);
  if (!ferry_store_save_completion_group (self->store, group->app_id, group->name,
                                          group->action, TRUE, &error))
    g_warning ("Cannot store completion group: %s", error->message);
}

static void
deliver (Group *group)
{
  FerryCompletionGroups *self = group->owner;
  g_autofree char *path = application_path (group->app_id);
  g_auto(GVariantBuilder) parameter = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
  GVariant *results;
  gboolean complete;

  if (group->delivered || group->calling)
    return;
  results = collect_results (self, group->app_id, group->name, &complete);
  if (!complete)
    {
      g_variant_unref (g_variant_ref_sink (results));
      return;
    }
  g_variant_builder_add (&parameter, "v", g_variant_new ("(s@a(oss))", group->name, results));
  group->calling = TRUE;
  /* The call keeps the owner, and with it the group, alive. */
  g_object_ref (self);
  g_dbus_connection_call (self->bus, group->app_id, path, "org.freedesktop.Application",
                          "ActivateAction",
                          g_variant_new ("(sava{sv})", group->action, &parameter, NULL),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_activated, group);
}

static Group *
add_group (FerryCompletionGroups *self, const char *app_id, const char *name,
           const char *action, gboolean delivered)
{
  Group *group = g_new0 (Group, 1);

  group->owner = self;
  group->app_id = g_strdup (app_id);
  group->name = g_strdup (name);
  group->action = g_strdup (action);
  group->delivered = delivered;
  g_hash_table_replace (self->groups, group_key (app_id, name), group);
  return group;
}

static void
on_stored_group (const char *app_id, const char *name, gboolean delivered, const char *action,
                 gpointer user_data)
{
  FerryCompletionGroups *self = user_data;

  if (!delivered)
    deliver (add_group (self, app_id, name, action, delivered));
  else
    add_group (self, app_id, name, action, delivered);
}

static void
on_status_changed (FerryTransfer *transfer, gpointer user_data)
{
  FerryCompletionGroups *self = user_data;
  g_autofree char *key = NULL;
  Group *group;

  if (!is_ended (ferry_transfer_get_status (transfer)))
    return;
  key = group_key (ferry_transfer_get_app_id (transfer),
                   ferry_transfer_get_completion_group (transfer));
  group = g_hash_table_lookup (self->groups, key);
  if (group != NULL)
    deliver (group);
}

static void
on_transfer_added (FerryScheduler *scheduler, FerryTransfer *transfer, gpointer user_data)
{
  if (ferry_transfer_get_completion_group (transfer) != NULL)
    g_signal_connect_object (transfer, "status-changed", G_CALLBACK (on_status_changed),
                             user_data, G_CONNECT_DEFAULT);
}

gboolean
ferry_completion_groups_enable (FerryCompletionGroups *self, const char *app_id,
                                const char *name, const char *action, GError **error)
{
  if (*app_id == '\0')
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE,
                           _("Only a named app can be activated: call Register first"));
      return FALSE;
    }
  if (!g_action_name_is_valid (action))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid action name"), action);
      return FALSE;
    }
  if (!ferry_store_save_completion_group (self->store, app_id, name, action, FALSE, error))
    return FALSE;
  deliver (add_group (self, app_id, name, action, FALSE));
  return TRUE;
}

GVariant *
ferry_completion_groups_get_results (FerryCompletionGroups *self, const char *app_id,
                                     const char *group)
{
  gboolean complete;
  GVariant *results = collect_results (self, app_id, group, &complete);

  return g_variant_new ("(b@a(oss))", complete, results);
}

static void
ferry_completion_groups_finalize (GObject *object)
{
  FerryCompletionGroups *self = FERRY_COMPLETION_GROUPS (object);

  g_hash_table_unref (self->groups);
  g_object_unref (self->scheduler);
  g_object_unref (self->store);
  g_object_unref (self->bus);
  G_OBJECT_CLASS (ferry_completion_groups_parent_class)->finalize (object);
}

static void
ferry_completion_groups_class_init (FerryCompletionGroupsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_completion_groups_finalize;
}

static void
ferry_completion_groups_init (FerryCompletionGroups *self)
{
  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) group_free);
}

FerryCompletionGroups *
ferry_completion_groups_new (GDBusConnection *bus, FerryScheduler *scheduler, FerryStore *store)
{
  FerryCompletionGroups *self = g_object_new (FERRY_TYPE_COMPLETION_GROUPS, NULL);
  g_autoptr(GPtrArray) existing = ferry_scheduler_list_all (scheduler);

  self->bus = g_object_ref (bus);
  self->scheduler = g_object_ref (scheduler);
  self->store = g_object_ref (store);
  for (guint i = 0; i < existing->len; i++)
    on_transfer_added (scheduler, g_ptr_array_index (existing, i), self);
  g_signal_connect_object (scheduler, "transfer-added", G_CALLBACK (on_transfer_added), self,
                           G_CONNECT_DEFAULT);
  ferry_store_load_completion_groups (self->store, on_stored_group, self);
  return self;
}
