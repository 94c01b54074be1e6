/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-daemon"

#include <glib-unix.h>

#include "ferry-callers.h"
#include "ferry-completion-groups.h"
#include "ferry-conditions-monitor.h"
#include "ferry-daemon.h"
#include "ferry-downloader.h"
#include "ferry-idle.h"
#include "ferry-manager.h"
#include "ferry-notifier.h"
#include "ferry-scheduler.h"
#include "ferry-store.h"
#include "ferry-transfer-tree.h"
#include "ferry-uploader.h"

#define FERRY_BUS_NAME "org.freedesktop.Ferry1"

struct _FerryDaemon
{
  GObject            parent_instance;

  FerrySettings      settings;
  gboolean           replace;
  GMainLoop         *loop;
  int                exit_status;

  GDBusConnection   *bus;
  guint              name_id;
  FerryStore        *store;
  FerryScheduler    *scheduler;
  FerryConditionsMonitor *conditions;
  FerryCompletionGroups *completion_groups;
  FerryNotifier     *notifier;
  FerryCallers      *callers;
  FerryIdle         *idle;
  FerryManager      *manager;
  FerryDownloader   *downloader;
  FerryUploader     *uploader;
  FerryTransferTree *transfer_tree;
  gboolean           holding_idle;
  gboolean           owned_name;
  guint              sigterm_id;
  guint              sigint_id;
};

G_DEFINE_FINAL_TYPE (FerryDaemon, ferry_daemon, G_TYPE_OBJECT)

/* Releases the name first so new callers activate a fresh instance, then
 * lets running jobs flush, then quits. */
static void
ferry_daemon_quit (FerryDaemon *self)
{
  g_clear_handle_id (&self->name_id, g_bus_unown_name);
  if (self->scheduler != NULL)
    ferry_scheduler_shutdown (self->scheduler);
  g_main_loop_quit (self->loop);
}

static void
on_name_acquired (GDBusConnection *bus, const char *name, gpointer user_data)
{
  FerryDaemon *self = user_data;

  self->owned_name = TRUE;
  g_message ("Owning %s", name);
}

static void
on_name_lost (GDBusConnection *bus, const char *name, gpointer user_data)
{
  FerryDaemon *self = user_data;

  /* Being replaced is a clean exit; never getting the name is a failure
   * (and must not make systemd restart us in a loop either way). */
  if (self->owned_name)
    g_message ("Replaced by another instance, exiting");
  else
    {
      g_warning ("Cannot own %s, exiting", name);
      self->exit_status = 1;
    }
  ferry_daemon_quit (self);
}

static void
on_idle_timeout (FerryIdle *idle, gpointer user_data)
{
  ferry_daemon_quit (user_data);
}

static void
on_activity (FerryCallers *callers, gpointer user_data)
{
  FerryDaemon *self = user_data;

  ferry_idle_touch (self->idle);
}

static void
on_busy_changed (FerryScheduler *scheduler, GParamSpec *pspec, gpointer user_data)
{
  FerryDaemon *self = user_data;
  gboolean busy = ferry_scheduler_get_busy (scheduler);

  if (busy && !self->holding_idle)
    ferry_idle_hold (self->idle);
  else if (!busy && self->holding_idle)
    ferry_idle_release (self->idle);
  self->holding_idle = busy;
}

static gboolean
on_unix_signal (gpointer user_data)
{
  FerryDaemon *self = user_data;

  g_message ("Terminating");
  ferry_daemon_quit (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
export_objects (FerryDaemon *self, GError **error)
{
  self->manager = ferry_manager_new (self->callers, self->conditions, self->completion_groups);
  self->downloader = ferry_downloader_new (self->callers, self->scheduler);
  self->uploader = ferry_uploader_new (self->callers, self->scheduler);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->manager), self->bus,
                                         "/org/freedesktop/Ferry1", error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->downloader), self->bus,
                                         "/org/freedesktop/Ferry1/Downloader", error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->uploader), self->bus,
                                         "/org/freedesktop/Ferry1/Uploader", error))
    return FALSE;
  self->transfer_tree = ferry_transfer_tree_new (self->bus, self->callers, self->scheduler, error);
  return self->transfer_tree != NULL;
}

/* The scheduler learns what the outside allows once it is known. */
static void
on_conditions_changed (FerryConditionsMonitor *monitor, gpointer user_data)
{
  FerryDaemon *self = user_data;
  FerryConditions conditions;

  if (!ferry_conditions_monitor_is_ready (monitor))
    return;
  ferry_conditions_monitor_get (monitor, &conditions);
  ferry_scheduler_set_conditions (self->scheduler, &conditions);
}

static gboolean
ferry_daemon_setup (FerryDaemon *self, GError **error)
{
  g_autofree char *db_path = g_build_filename (g_get_user_data_dir (), "ferry", "ferry.db", NULL);

  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (self->bus == NULL)
    return FALSE;
  /* Exit through ferry_daemon_quit, not by the default exit-on-close. */
  g_dbus_connection_set_exit_on_close (self->bus, FALSE);

  self->store = ferry_store_new (db_path, error);
  if (self->store == NULL)
    return FALSE;
  g_debug ("Database: %s", db_path);

  self->idle = ferry_idle_new (self->settings.idle_timeout_s);
  g_signal_connect (self->idle, "timeout", G_CALLBACK (on_idle_timeout), self);

  self->scheduler = ferry_scheduler_new (self->store, &self->settings);
  g_signal_connect (self->scheduler, "notify::busy", G_CALLBACK (on_busy_changed), self);
  if (!ferry_scheduler_restore (self->scheduler, error))
    return FALSE;
  self->conditions = ferry_conditions_monitor_new (self->store);
  g_signal_connect (self->conditions, "changed", G_CALLBACK (on_conditions_changed), self);

  self->callers = ferry_callers_new (self->bus);
  self->completion_groups = ferry_completion_groups_new (self->bus, self->scheduler, self->store);
  self->notifier = ferry_notifier_new (self->bus, self->scheduler);
  g_signal_connect (self->callers, "activity", G_CALLBACK (on_activity), self);
  if (!export_objects (self, error))
    return FALSE;

  self->name_id = g_bus_own_name_on_connection (self->bus, FERRY_BUS_NAME,
                                                G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                                (self->replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                                on_name_acquired, on_name_lost, self, NULL);
  return TRUE;
}

int
ferry_daemon_run (FerryDaemon *self, GError **error)
{
  if (!ferry_daemon_setup (self, error))
    return 1;

  self->sigterm_id = g_unix_signal_add (SIGTERM, on_unix_signal, self);
  self->sigint_id = g_unix_signal_add (SIGINT, on_unix_signal, self);
  g_main_loop_run (self->loop);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);

  if (self->bus != NULL)
    g_dbus_connection_flush_sync (self->bus, NULL, NULL);
  return self->exit_status;
}

static void
ferry_daemon_dispose (GObject *object)
{
  FerryDaemon *self = FERRY_DAEMON (object);

  g_clear_handle_id (&self->name_id, g_bus_unown_name);
  if (self->manager != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->manager));
  if (self->downloader != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->downloader));
  if (self->uploader != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->uploader));
  g_clear_object (&self->transfer_tree);
  g_clear_object (&self->downloader);
  g_clear_object (&self->uploader);
  g_clear_object (&self->manager);
  g_clear_object (&self->callers);
  g_clear_object (&self->completion_groups);
  g_clear_object (&self->notifier);
  if (self->conditions != NULL)
    g_signal_handlers_disconnect_by_data (self->conditions, self);
  g_clear_object (&self->conditions);
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->idle);
  g_clear_object (&self->store);
  g_clear_object (&self->bus);
  g_clear_pointer (&self->loop, g_main_loop_unref);

  G_OBJECT_CLASS (ferry_daemon_parent_class)->dispose (object);
}

static void
ferry_daemon_class_init (FerryDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_daemon_dispose;
}

static void
ferry_daemon_init (FerryDaemon *self)
{
  self->loop = g_main_loop_new (NULL, FALSE);
}

FerryDaemon *
ferry_daemon_new (const FerrySettings *settings, gboolean replace)
{
  FerryDaemon *self = g_object_new (FERRY_TYPE_DAEMON, NULL);

  self->settings = *settings;
  self->replace = replace;
  return self;
}
