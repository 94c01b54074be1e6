/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ferry-progress-bar.h"
#include "ferry-validate.h"
#include "ferryctl-common.h"
#include "ferryctl-download.h"
#include "ferryctl-output.h"

typedef struct {
  gboolean   wait;
  gboolean   json;
  char     **headers;
  char      *checksum;
  char      *connections;
  char      *input_file;
  char      *directory;
  FerryctlSchedOptions sched;
} DownloadOptions;

static void
download_options_clear (DownloadOptions *opts)
{
  g_clear_pointer (&opts->headers, g_strfreev);
  g_clear_pointer (&opts->checksum, g_free);
  g_clear_pointer (&opts->connections, g_free);
  g_clear_pointer (&opts->input_file, g_free);
  g_clear_pointer (&opts->directory, g_free);
  ferryctl_sched_options_clear (&opts->sched);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DownloadOptions, download_options_clear)

/* Follows one transfer from Start to its end. */
typedef struct {
  FerryctlClient      *client;
  FerryTransfer       *transfer;
  FerryProgressBar    *bar;
  gint64               start_us;
  guint64              start_bytes;
  FerryTransferStatus  status;
  char                *error_name;
  char                *error_message;
  gboolean             ended;
  FerryctlStop         stop;
} Waiter;

static void
waiter_clear (Waiter *w)
{
  if (w->transfer != NULL)
    g_signal_handlers_disconnect_by_data (w->transfer, w);
  ferryctl_stop_unwatch (&w->stop);
  g_clear_object (&w->transfer);
  g_clear_pointer (&w->bar, ferry_progress_bar_free);
  g_clear_pointer (&w->error_name, g_free);
  g_clear_pointer (&w->error_message, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Waiter, waiter_clear)

/* The file name a URI suggests: its last path segment, unescaped. */
static char *
default_file_name (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  const char *path = parsed != NULL ? g_uri_get_path (parsed) : "";
  const char *slash = strrchr (path, '/');
  /* NULL for an escaped "/" or NUL, which cannot be in a file name. */
  g_autofree char *name = g_uri_unescape_string (slash ? slash + 1 : path, "/");

  if (name == NULL || *name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return g_strdup ("index.html");
  return g_steal_pointer (&name);
}

/* DEST made absolute; the URI's file name in DEST when it is a directory,
 * or in the current directory when there is no DEST. */
static char *
choose_destination (const char *uri, const char *dest)
{
  g_autofree char *name = NULL;

  if (dest != NULL && !g_file_test (dest, G_FILE_TEST_IS_DIR))
    return g_canonicalize_filename (dest, NULL);
  name = default_file_name (uri);
  if (dest != NULL)
    {
      g_autofree char *dir = g_canonicalize_filename (dest, NULL);
      return g_build_filename (dir, name, NULL);
    }
  return g_canonicalize_filename (name, NULL);
}

char *
ferryctl_download_destination (const char *uri, const char *dest, const char *directory)
{
  g_autofree char *in_dir = NULL;

  if (directory == NULL)
    return choose_destination (uri, dest);
  if (dest == NULL)
    {
      g_autofree char *name = default_file_name (uri);

      in_dir = g_build_filename (directory, name, NULL);
      return g_canonicalize_filename (in_dir, NULL);
    }
  if (!g_path_is_absolute (dest))
    dest = in_dir = g_build_filename (directory, dest, NULL);
  return choose_destination (uri, dest);
}

/* Turns "Name: value" arguments into the a{ss} of the headers option. */
static GVariant *
parse_headers (char **headers, GError **error)
{
  g_auto(GVariantBuilder) dict = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; headers[i] != NULL; i++)
    {
      const char *colon = strchr (headers[i], ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a header: expected “Name: value”"), headers[i]);
          return NULL;
        }
      name = g_strndup (headers[i], colon - headers[i]);
      value = g_strstrip (g_strdup (colon + 1));
      if (!ferry_validate_header (name, value, error))
        return NULL;
      if (!g_hash_table_add (seen, g_ascii_strdown (name, -1)))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("The header “%s” is given more than once"), name);
          return NULL;
        }
      g_variant_builder_add (&dict, "{ss}", name, value);
    }
  return g_variant_builder_end (&dict);
}

/* The range of the connections option of CreateDownload. */
#define MAX_CONNECTIONS 16

/* "1" to "16": how many HTTP connections may share the download. */
static gboolean
parse_connections (const char *text, guint32 *out_connections, GError **error)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_CONNECTIONS, &number, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a number of connections: expected 1 to %d"),
                   text, MAX_CONNECTIONS);
      return FALSE;
    }
  *out_connections = (guint32) number;
  return TRUE;
}

/* Checks the options here, so that mistakes are usage errors, and builds
 * the a{sv} for CreateDownload. */
static GVariant *
build_options (DownloadOptions *opts, GError **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (opts->headers != NULL)
    {
      GVariant *headers = parse_headers (opts->headers, error);
      if (headers == NULL)
        return NULL;
      g_variant_builder_add (&builder, "{sv}", "headers", headers);
    }
  if (opts->checksum != NULL)
    {
      if (!ferry_validate_checksum (opts->checksum, error))
        return NULL;
      g_variant_builder_add (&builder, "{sv}", "checksum", g_variant_new_string (opts->checksum));
    }
  if (opts->connections != NULL)
    {
      guint32 connections;

      if (!parse_connections (opts->connections, &connections, error))
        return NULL;
      g_variant_builder_add (&builder, "{sv}", "connections", g_variant_new_uint32 (connections));
    }
  if (!ferryctl_sched_options_build (&opts->sched, &builder, error))
    return NULL;
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Creates and starts the download; returns it, attached, or NULL after
 * printing why. */
static FerryTransfer *
create_and_start (FerryctlClient *client, const char *uri, const char *destination,
                  GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;

  /* Attached before Start: a small file can be done before the reply. */
  transfer = ferry_downloader_create_download_sync (client->downloader, uri, destination,
                                                    options, NULL, &error);
  if (transfer == NULL)
    {
      ferryctl_service_error (_("Cannot create the download"), error);
      return NULL;
    }

  if (!ferry_transfer_start_sync (transfer, NULL, &error))
    {
      /* Do not leave behind an idle transfer that nobody will start. */
      ferry_transfer_cancel_sync (transfer, NULL, NULL);
      ferryctl_service_error (_("Cannot start the download"), error);
      return NULL;
    }
  return g_steal_pointer (&transfer);
}

/* What the bar shows instead of the rate while the transfer is not moving. */
static const char *
describe_status (FerryTransferStatus status)
{
  switch (status)
    {
    case FERRY_TRANSFER_STATUS_IDLE: return _("queued");
    case FERRY_TRANSFER_STATUS_RUNNING: return NULL;
    case FERRY_TRANSFER_STATUS_PAUSED_BY_APPLICATION: return _("paused");
    case FERRY_TRANSFER_STATUS_PAUSED_COSTED_NETWORK: return _("paused: metered network");
    case FERRY_TRANSFER_STATUS_PAUSED_NO_NETWORK: return _("paused: no network");
    case FERRY_TRANSFER_STATUS_PAUSED_SYSTEM_POLICY: return _("paused by the system");
    case FERRY_TRANSFER_STATUS_PAUSED_RECOVERABLE_WEB_ERROR: return _("waiting to retry");
    case FERRY_TRANSFER_STATUS_COMPLETED: return _("done");
    case FERRY_TRANSFER_STATUS_CANCELED: return _("canceled");
    case FERRY_TRANSFER_STATUS_ERROR: return _("failed");
    }
  return NULL;
}

/* An error ends the wait too: Resume could revive it, but nobody here
 * will. The transfer sets its error before it announces the status. */
static void
on_notify_status (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Waiter *w = user_data;
  FerryTransferStatus status = ferry_transfer_get_status (w->transfer);

  if (w->ended)
    return;
  if (ferryctl_status_is_end (status))
    {
      w->ended = TRUE;
      w->status = status;
      w->error_name = g_strdup (ferry_transfer_get_error_name (w->transfer));
      w->error_message = g_strdup (ferry_transfer_get_error_message (w->transfer));
    }
  else if (w->bar != NULL)
    ferry_progress_bar_set_note (w->bar, describe_status (status));
}

static void
on_progress (FerryTransfer *transfer, guint64 transferred, guint64 total, gpointer user_data)
{
  Waiter *w = user_data;

  if (w->bar != NULL && !w->ended)
    ferry_progress_bar_update (w->bar, transferred, total);
}

static void
waiter_run (Waiter *w)
{
  g_signal_connect (w->transfer, "notify::status", G_CALLBACK (on_notify_status), w);
  g_signal_connect (w->transfer, "progress", G_CALLBACK (on_progress), w);
  ferryctl_stop_watch (&w->stop, w->client->downloader, TRUE);

  w->start_us = g_get_monotonic_time ();
  w->start_bytes = ferry_transfer_get_bytes_received (w->transfer);
  if (w->bar != NULL)
    ferry_progress_bar_update (w->bar, w->start_bytes,
                               ferry_transfer_get_total_bytes_to_receive (w->transfer));
  on_notify_status (G_OBJECT (w->transfer), NULL, w);

  while (!w->ended && !w->stop.interrupted && !w->stop.service_lost)
    g_main_context_iteration (NULL, TRUE);

  ferryctl_stop_unwatch (&w->stop);
}

/* The final state, read afresh, with the status that ended the wait. */
static FerryctlTransferInfo *
waiter_get_final_info (Waiter *w)
{
  FerryctlTransferInfo *info;

  if (!ferry_transfer_refresh_sync (w->transfer, NULL, NULL))
    g_debug ("Cannot read the final state of %s", ferry_transfer_get_id (w->transfer));
  info = ferryctl_transfer_info_new (w->transfer);
  ferryctl_transfer_info_set_status (info, ferry_transfer_status_to_string (w->status),
                                     w->error_name, w->error_message);
  return info;
}

static void
print_summary (Waiter *w, const FerryctlTransferInfo *info)
{
  double seconds = (double) (g_get_monotonic_time () - w->start_us) / G_USEC_PER_SEC;
  guint64 moved = info->bytes_received - MIN (info->bytes_received, w->start_bytes);
  g_autofree char *size = g_format_size (info->bytes_received);
  g_autofree char *duration = ferryctl_format_duration (seconds);
  g_autofree char *rate = g_format_size ((guint64) (moved / MAX (seconds, 0.001)));

  if (g_strcmp0 (info->status, "completed") == 0)
    /* TRANSLATORS: file, size, duration and average rate */
    g_print (_("Downloaded %s: %s in %s (%s/s)\n"), info->destination, size, duration, rate);
  else if (g_strcmp0 (info->status, "canceled") == 0)
    g_print (_("Canceled the download of %s\n"), info->destination);
  else
    g_print (_("Failed to download %s\n"), info->destination);
}

static int
waiter_report (Waiter *w, gboolean json)
{
  g_autoptr(FerryctlTransferInfo) info = waiter_get_final_info (w);

  if (w->bar != NULL)
    {
      ferry_progress_bar_set_note (w->bar, describe_status (w->status));
      /* With an unknown size, a finished transfer still shows as 100%. */
      ferry_progress_bar_update (w->bar, info->bytes_received,
                                 g_strcmp0 (info->status, "completed") == 0 &&
                                 info->total_bytes == 0 ? info->bytes_received
                                                        : info->total_bytes);
      ferry_progress_bar_finish (w->bar);
    }

  if (json)
    {
      g_autoptr(JsonNode) node = ferryctl_transfer_info_to_json (info);
      ferryctl_print_json (node, TRUE);
    }
  else
    print_summary (w, info);

  if (g_strcmp0 (info->status, "completed") == 0)
    return FERRYCTL_EXIT_OK;
  if (g_strcmp0 (info->status, "canceled") == 0)
    return FERRYCTL_EXIT_CANCELED;
  ferryctl_print_error ("%s: %s", info->error_name, info->error_message);
  return FERRYCTL_EXIT_FAILED;
}

static int
waiter_report_detached (Waiter *w)
{
  const char *id = ferry_transfer_get_id (w->transfer);

  if (w->bar != NULL)
    ferry_progress_bar_finish (w->bar);
  if (w->stop.service_lost)
    {
      ferryctl_print_error (_("The Ferry service stopped before the download ended"));
      return FERRYCTL_EXIT_SERVICE;
    }
  g_printerr (_("Detached: the download goes on in the background.\n"
                "Follow it with “ferryctl monitor %s”, stop it with “ferryctl cancel %s”.\n"),
              id, id);
  return FERRYCTL_EXIT_INTERRUPTED;
}

static int
follow_download (FerryctlClient *client, FerryTransfer *transfer, const char *destination,
                 gboolean json)
{
  g_auto(Waiter) w = { 0, };
  g_autofree char *label = g_path_get_basename (destination);

  w.client = client;
  w.transfer = g_object_ref (transfer);
  if (!json && isatty (STDOUT_FILENO))
    w.bar = ferry_progress_bar_new (label);

  waiter_run (&w);
  if (!w.ended)
    return waiter_report_detached (&w);
  return waiter_report (&w, json);
}

/* The state after Start, read afresh: the signals of the change are still
 * queued behind the reply. */
static void
print_queued_json (FerryTransfer *transfer)
{
  g_autoptr(FerryctlTransferInfo) info = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (!ferry_transfer_refresh_sync (transfer, NULL, NULL))
    g_debug ("Cannot read %s again", ferry_transfer_get_id (transfer));
  info = ferryctl_transfer_info_new (transfer);
  node = ferryctl_transfer_info_to_json (info);
  ferryctl_print_json (node, TRUE);
}

static int
run_download (FerryctlGlobals *globals, DownloadOptions *opts, const char *uri,
              const char *destination, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FerryctlClient) client = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;

  client = ferryctl_client_new (globals, &error);
  if (client == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);

  transfer = create_and_start (client, uri, destination, options);
  if (transfer == NULL)
    return FERRYCTL_EXIT_SERVICE;

  if (!opts->json)
    {
      g_print ("%s\n", ferry_transfer_get_object_path (transfer));
      fflush (stdout);
    }
  if (opts->wait)
    return follow_download (client, transfer, destination, opts->json);

  if (opts->json)
    print_queued_json (transfer);
  return FERRYCTL_EXIT_OK;
}

int
ferryctl_download (FerryctlGlobals *globals, int argc, char **argv)
{
  g_auto(DownloadOptions) opts = { 0, };
  GOptionEntry entries[8 + FERRYCTL_N_SCHED_ENTRIES] = {
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &opts.wait,
      N_("Follow the download until it ends, with a progress bar on a terminal"), NULL },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &opts.headers,
      N_("Send the request header “NAME: VALUE” (repeatable)"), N_("HEADER") },
    { "checksum", 0, 0, G_OPTION_ARG_STRING, &opts.checksum,
      N_("Check the file against CHECKSUM, written “sha256:” and 64 hex digits"), N_("CHECKSUM") },
    { "connections", 0, 0, G_OPTION_ARG_STRING, &opts.connections,
      N_("Fetch a large file over up to N connections at once (1 to 16, default 1)"), N_("N") },
    { "input-file", 'i', 0, G_OPTION_ARG_FILENAME, &opts.input_file,
      N_("Download the URLs that FILE lists, one a line (“-”: standard input)"), N_("FILE") },
    { "directory", 'd', 0, G_OPTION_ARG_FILENAME, &opts.directory,
      N_("Put the files in DIR instead of the current directory"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts.json,
      N_("Print the transfer as a JSON object"), NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autofree char *destination = NULL;

  ferryctl_sched_options_entries (&opts.sched, entries + 7);
  context = ferryctl_option_context_new (globals, N_("URL [DEST] | --input-file FILE"),
    N_("Download URL to the file DEST in the background."),
    N_("The Ferry service downloads the file: it goes on after ferryctl exits, and\n"
       "survives restarts and network outages. DEST defaults to the last segment of\n"
       "the URL's path (“index.html” when it is empty) in the current directory, or\n"
       "in DIR with --directory DIR, which also holds a relative DEST; when DEST is a\n"
       "directory, the file goes there under that name.\n"
       "ferryctl prints the D-Bus object path of the new transfer; its last element\n"
       "is the ID that the other commands take.\n"
       "\n"
       "With --input-file FILE (“-” for standard input), ferryctl downloads every URL\n"
       "that FILE lists instead, one a line: “URL” or “URL DEST”, separated by tabs or\n"
       "spaces, DEST as above; blank lines and lines that start with “#” are skipped.\n"
       "A bad URL, or two lines with one destination, is a usage error that names the\n"
       "line, before any download is created. The other options apply to every\n"
       "download, except --checksum, which belongs to one file and is refused.\n"
       "ferryctl prints the object paths in the order of the list (with --json, an\n"
       "array of the transfers); with --wait, it follows them all, on a terminal with\n"
       "one progress line for the whole list, then prints a summary line, and one line\n"
       "on stderr with the URL and the error of each download that did not complete.\n"
       "\n"
       "With --connections N, a file of at least 2 MiB from a server that accepts\n"
       "range requests is split into up to N segments of at least 1 MiB, which\n"
       "are fetched at once, each over its own connection, and each resumed where\n"
       "it stopped; this helps with servers that limit the speed of each\n"
       "connection. Otherwise the file comes over one connection.\n"
       "\n"
       "With --wait, ferryctl follows the download to its end: on a terminal with a\n"
       "progress bar, then a summary line; otherwise with the summary line only.\n"
       "Ctrl-C stops following but leaves the download running.\n"
       "\n"
       "With --json, ferryctl prints only a JSON object of the transfer (with --wait,\n"
       "its final state) with the keys of “ferryctl list --json”.\n"
       "\n"
       "Exit status with --wait: 0 when the download completed, 1 when it failed,\n"
       "2 when it was canceled, 130 when interrupted; for a list, 1 when any failed,\n"
       "else 2 when any was canceled. Without --wait: 0 once the download is queued.\n"
       "Always: 3 for a usage error, 4 when the service cannot be reached or refuses\n"
       "the request (for a list, any of its requests)."),
    entries);

  if (!ferryctl_parse_options (globals, context, "download", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;

  if (opts.input_file != NULL)
    {
      g_autoptr(GPtrArray) list = NULL;

      if (argc > 1)
        return ferryctl_usage_error ("download", _("No URL can be given with --input-file"));
      if (opts.checksum != NULL)
        return ferryctl_usage_error ("download",
                                     _("--checksum applies to one file: it cannot be given "
                                       "with --input-file"));
      if ((options = build_options (&opts, &error)) == NULL)
        return ferryctl_usage_error ("download", "%s", error->message);
      list = ferryctl_download_list_read (opts.input_file, opts.directory, &error);
      if (list == NULL)
        return ferryctl_usage_error ("download", "%s", error->message);
      return ferryctl_download_list_run (globals, list, options, opts.wait, opts.json);
    }

  if (argc < 2 || argc > 3)
    return ferryctl_usage_error ("download", argc < 2 ? _("No URL given")
                                                      : _("Too many arguments"));
  if (!ferry_validate_uri (argv[1], &error) || (options = build_options (&opts, &error)) == NULL)
    return ferryctl_usage_error ("download", "%s", error->message);

  destination = ferryctl_download_destination (argv[1], argc == 3 ? argv[2] : NULL, opts.directory);

  return run_download (globals, &opts, argv[1], destination, options);
}
