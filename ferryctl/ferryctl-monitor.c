/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>

#include "ferryctl-common.h"
#include "ferryctl-output.h"

/* Progress lines per transfer, at most one in this interval. */
#define PROGRESS_INTERVAL_US G_USEC_PER_SEC

typedef struct _Monitor Monitor;

typedef struct {
  Monitor       *monitor;
  FerryTransfer *transfer;
  char          *path;
  char          *status;
  gint64         last_progress_us;
  gboolean       ended;
} Watch;

struct _Monitor {
  FerryctlClient *client;
  GHashTable     *watches;      /* object path → Watch */
  gboolean        follow_new;   /* no IDs given: every transfer of the app */
  gboolean        json;
  guint           n_active;     /* watches that have not ended */
  guint           discovery_id;
  gboolean        quit;
  int             exit_code;
};

static void
watch_free (Watch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->transfer, watch);
  g_object_unref (watch->transfer);
  g_free (watch->path);
  g_free (watch->status);
  g_free (watch);
}

static JsonBuilder *
begin_json_event (Watch *watch, const char *event)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, ferryctl_id_from_path (watch->path));
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, watch->path);
  return builder;
}

static void
end_json_event (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  ferryctl_print_json (root, FALSE);
}

static void
print_text_event (Watch *watch, const char *text)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");

  g_print ("%s  %s  %s\n", time, ferryctl_id_from_path (watch->path), text);
  fflush (stdout);
}

static void
print_status (Watch *watch, const char *error_name, const char *error_message)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *text = NULL;

  if (!watch->monitor->json)
    {
      if (g_strcmp0 (watch->status, "error") == 0)
        text = g_strdup_printf ("%s  %s: %s", watch->status, error_name, error_message);
      print_text_event (watch, text != NULL ? text : watch->status);
      return;
    }

  builder = begin_json_event (watch, "status");
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, watch->status);
  json_builder_set_member_name (builder, "error_name");
  json_builder_add_string_value (builder, error_name ? error_name : "");
  json_builder_set_member_name (builder, "error_message");
  json_builder_add_string_value (builder, error_message ? error_message : "");
  end_json_event (builder);
}

static void
print_progress (Watch *watch, guint64 done, guint64 total)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *progress = NULL;
  g_autofree char *text = NULL;

  if (!watch->monitor->json)
    {
      progress = ferryctl_format_progress (done, total);
      /* TRANSLATORS: a line of “ferryctl monitor”, such as "progress 1 MB of 2 MB (50%)" */
      text = g_strdup_printf (_("progress %s"), progress);
      print_text_event (watch, text);
      return;
    }

  builder = begin_json_event (watch, "progress");
  json_builder_set_member_name (builder, "bytes_received");
  json_builder_add_int_value (builder, (gint64) done);
  json_builder_set_member_name (builder, "total_bytes");
  json_builder_add_int_value (builder, (gint64) total);
  end_json_event (builder);
}

/* The transfer sets its error before it announces the status. */
static void
on_notify_status (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Watch *watch = user_data;
  Monitor *monitor = watch->monitor;
  FerryTransferStatus value = ferry_transfer_get_status (watch->transfer);
  const char *status = ferry_transfer_status_to_string (value);
  gboolean ended = ferryctl_status_is_end (value);

  if (g_strcmp0 (watch->status, status) == 0)
    return;
  g_free (watch->status);
  watch->status = g_strdup (status);
  print_status (watch, ferry_transfer_get_error_name (watch->transfer),
                ferry_transfer_get_error_message (watch->transfer));

  if (ended && !watch->ended)
    monitor->n_active--;
  else if (!ended && watch->ended)
    monitor->n_active++;
  watch->ended = ended;
}

static void
on_progress (FerryTransfer *transfer, guint64 transferred, guint64 total, gpointer user_data)
{
  Watch *watch = user_data;
  gint64 now = g_get_monotonic_time ();

  /* The last byte is always worth a line; the rest is throttled. */
  if (now - watch->last_progress_us < PROGRESS_INTERVAL_US &&
      (total == 0 || transferred < total))
    return;
  watch->last_progress_us = now;
  print_progress (watch, transferred, total);
}

/* Starts watching @transfer (taking it) and prints where it stands. */
static void
monitor_watch (Monitor *monitor, FerryTransfer *transfer)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->monitor = monitor;
  watch->transfer = transfer;
  watch->path = g_strdup (ferry_transfer_get_object_path (transfer));
  g_hash_table_insert (monitor->watches, watch->path, watch);
  monitor->n_active++;

  g_signal_connect (transfer, "notify::status", G_CALLBACK (on_notify_status), watch);
  g_signal_connect (transfer, "progress", G_CALLBACK (on_progress), watch);
  /* It followed the signals before it read the properties: nothing is missed. */
  on_notify_status (G_OBJECT (transfer), NULL, watch);
}

static gboolean
monitor_add (Monitor *monitor, const char *path, GError **error)
{
  FerryTransfer *transfer = ferryctl_client_get_transfer (monitor->client, path, error);

  if (transfer == NULL)
    return FALSE;
  monitor_watch (monitor, transfer);
  return TRUE;
}

/* Signals reach only the app's own connections, so a signal from an
 * unknown transfer means the app has a new one. */
static void
on_any_transfer_signal (GDBusConnection *connection, const char *sender, const char *path,
                        const char *interface, const char *signal, GVariant *parameters,
                        gpointer user_data)
{
  Monitor *monitor = user_data;
  g_autoptr(GError) error = NULL;

  if (g_hash_table_contains (monitor->watches, path) ||
      !g_str_has_prefix (path, FERRY_TRANSFER_PATH_PREFIX))
    return;
  if (!monitor_add (monitor, path, &error))
    g_debug ("Cannot watch %s: %s", path, error->message);
}

static void
subscribe_new_transfers (Monitor *monitor)
{
  GDBusConnection *connection = ferry_downloader_get_connection (monitor->client->downloader);

  /* GDBus checks the sender against the owner of the name, so no other
   * peer can pose as the service. */
  monitor->discovery_id =
    g_dbus_connection_signal_subscribe (connection, FERRY_BUS_NAME,
                                        "org.freedesktop.Ferry1.Transfer", NULL, NULL, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_any_transfer_signal,
                                        monitor, NULL);
}

static void
on_service_running (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Monitor *monitor = user_data;

  /* The service does not know this connection once it is gone: stop here. */
  if (!ferry_downloader_get_service_running (FERRY_DOWNLOADER (object)) && !monitor->quit)
    {
      ferryctl_print_error (_("The Ferry service stopped"));
      monitor->exit_code = FERRYCTL_EXIT_SERVICE;
      monitor->quit = TRUE;
    }
}

static gboolean
on_sigint (gpointer user_data)
{
  Monitor *monitor = user_data;

  monitor->quit = TRUE;
  return G_SOURCE_CONTINUE;
}

/* Watches the transfers the user named; one that cannot be read is an
 * error. */
static int
monitor_add_all (Monitor *monitor, char **paths)
{
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *what = NULL;

      if (g_hash_table_contains (monitor->watches, paths[i]) ||
          monitor_add (monitor, paths[i], &error))
        continue;
      what = g_strdup_printf (_("Cannot watch %s"), ferryctl_id_from_path (paths[i]));
      return ferryctl_transfer_error (what, error);
    }
  return FERRYCTL_EXIT_OK;
}

/* Watches the current transfers, which come attached. */
static int
monitor_add_current (Monitor *monitor, GPtrArray *current)
{
  for (guint i = 0; i < current->len; i++)
    {
      FerryTransfer *transfer = g_ptr_array_index (current, i);

      if (!g_hash_table_contains (monitor->watches, ferry_transfer_get_object_path (transfer)))
        monitor_watch (monitor, g_object_ref (transfer));
    }
  return FERRYCTL_EXIT_OK;
}

static int
monitor_run (Monitor *monitor, char **paths)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) current = NULL;
  guint sigint_id;
  gulong owner_id;
  int ret;

  if (monitor->follow_new)
    {
      /* Subscribed first, so that a transfer made meanwhile is not missed.
       * Listing is also a call, and the service sends an app's signals only
       * to the connections it has seen calling. */
      subscribe_new_transfers (monitor);
      current = ferryctl_client_list_downloads (monitor->client, NULL, &error);
      if (current == NULL)
        return ferryctl_service_error (_("Cannot list the downloads"), error);
      ret = monitor_add_current (monitor, current);
    }
  else
    ret = monitor_add_all (monitor, paths);
  if (ret != FERRYCTL_EXIT_OK)
    return ret;
  if (!monitor->follow_new && monitor->n_active == 0)
    return FERRYCTL_EXIT_OK;
  if (monitor->follow_new && !monitor->json && isatty (STDERR_FILENO))
    g_printerr (_("Watching the downloads of this application. Press Ctrl-C to stop.\n"));

  owner_id = g_signal_connect (monitor->client->downloader, "notify::service-running",
                               G_CALLBACK (on_service_running), monitor);
  sigint_id = g_unix_signal_add (SIGINT, on_sigint, monitor);
  while (!monitor->quit && (monitor->follow_new || monitor->n_active > 0))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (sigint_id);
  g_signal_handler_disconnect (monitor->client->downloader, owner_id);
  return monitor->exit_code;
}

static int
run_monitor (FerryctlGlobals *globals, gboolean json, char **paths)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FerryctlClient) client = NULL;
  g_autoptr(GHashTable) watches = NULL;
  Monitor monitor = { 0, };
  int ret;

  client = ferryctl_client_new (globals, &error);
  if (client == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);

  watches = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) watch_free);
  monitor.client = client;
  monitor.watches = watches;
  monitor.json = json;
  monitor.follow_new = paths[0] == NULL;

  ret = monitor_run (&monitor, paths);
  if (monitor.discovery_id != 0)
    g_dbus_connection_signal_unsubscribe (ferry_downloader_get_connection (client->downloader),
                                          monitor.discovery_id);
  return ret;
}

int
ferryctl_monitor (FerryctlGlobals *globals, int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print each event as a JSON object on a line of its own"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  context = ferryctl_option_context_new (globals, N_("[ID…]"),
    N_("Print the changes of status and the progress of downloads as they happen."),
    N_("ferryctl prints a line with where each transfer stands, then one for each\n"
       "change of status and, at most once a second per transfer, one for its\n"
       "progress. Lines start with the local time and the transfer's ID.\n"
       "\n"
       "With IDs, ferryctl exits once all these transfers have ended (completed,\n"
       "failed or canceled). Without, it watches all the current downloads of the\n"
       "application, and those it starts later, until it is interrupted.\n"
       "\n"
       "With --json, each line is an object with “event” (“status” or “progress”),\n"
       "“id”, “path”, and either “status”, “error_name” and “error_message”, or\n"
       "“bytes_received” and “total_bytes” (0 while unknown)."),
    entries);

  if (!ferryctl_parse_options (globals, context, "monitor", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  for (int i = 1; i < argc; i++)
    {
      char *path = ferryctl_path_from_id (argv[i]);
      if (path == NULL)
        return ferryctl_usage_error ("monitor", _("“%s” is not a transfer ID"), argv[i]);
      g_ptr_array_add (paths, path);
    }
  g_ptr_array_add (paths, NULL);

  return run_monitor (globals, json, (char **) paths->pdata);
}
