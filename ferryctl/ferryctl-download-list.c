/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ferryctl download --input-file: a list of downloads created, started and
 * followed at once. */
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ferry-progress-bar.h"
#include "ferry-validate.h"
#include "ferryctl-common.h"
#include "ferryctl-download.h"
#include "ferryctl-output.h"

/* How many downloads are being created or started at once. */
#define BATCH_WINDOW 64

typedef struct _Batch Batch;

/* One line of the list, and then its transfer. */
typedef struct {
  Batch               *batch;
  guint                line;
  char                *uri;
  char                *destination;
  FerryTransfer       *transfer;      /* once created */
  char                *refusal;       /* why it was not created or started */
  guint64              received;      /* as the Progress signals tell */
  guint64              total;
  FerryTransferStatus  status;        /* the status that ended it */
  char                *error_name;
  char                *error_message;
  gboolean             resolved;      /* started, or refused */
  gboolean             sized;         /* its total is known, or it ended */
  gboolean             ended;
} BatchEntry;

struct _Batch {
  FerryctlClient   *client;
  GVariant         *options;
  GPtrArray        *entries;          /* BatchEntry, in the order of the list */
  gboolean          wait;
  gboolean          json;
  FerryProgressBar *bar;
  guint             next;             /* the next entry to create */
  guint             next_printed;     /* the next entry whose path to print */
  guint             in_flight;        /* calls not answered yet */
  guint             open;             /* created, not refused, not ended */
  guint             refused;
  guint             ended;
  guint             completed;
  guint             failed;
  guint             canceled;
  guint             unsized;          /* entries whose total is not known yet */
  guint64           received;         /* of the entries not failed or canceled */
  guint64           total;
  gint64            start_us;
  FerryctlStop      stop;
};

static void
batch_entry_free (BatchEntry *e)
{
  if (e->transfer != NULL)
    {
      g_signal_handlers_disconnect_by_data (e->transfer, e);
      g_object_unref (e->transfer);
    }
  g_free (e->uri);
  g_free (e->destination);
  g_free (e->refusal);
  g_free (e->error_name);
  g_free (e->error_message);
  g_free (e);
}

/* Reads FILE, or standard input for "-". */
static gboolean
read_input_file (const char *file, char **out_text, GError **error)
{
  g_autoptr(GString) text = NULL;
  char buffer[65536];
  size_t n;

  if (strcmp (file, "-") != 0)
    return g_file_get_contents (file, out_text, NULL, error);

  text = g_string_new (NULL);
  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, (gssize) n);
  if (ferror (stdin))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, _("Cannot read standard input"));
      return FALSE;
    }
  *out_text = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}

/* The entries of the list: "URL" or "URL DEST" a line, separated by tabs
 * or spaces; blank lines and "#" comments are skipped. A bad URL, or two
 * lines with one destination, is an error that names the line. */
static GPtrArray *
parse_input_list (const char *text, const char *directory, GError **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) batch_entry_free);
  g_autoptr(GHashTable) destinations = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *separator = line + strcspn (line, " \t");
      const char *dest = NULL;
      g_autoptr(GError) local_error = NULL;
      BatchEntry *e;
      gpointer other;

      if (*line == '\0' || *line == '#')
        continue;
      if (*separator != '\0')
        {
          *separator = '\0';
          dest = g_strchug (separator + 1);
        }
      if (!ferry_validate_uri (line, &local_error))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       /* TRANSLATORS: a line number of the input file, then the error */
                       _("Line %u: %s"), i + 1, local_error->message);
          return NULL;
        }
      e = g_new0 (BatchEntry, 1);
      e->line = i + 1;
      e->uri = g_strdup (line);
      e->destination = ferryctl_download_destination (line, dest, directory);
      g_ptr_array_add (entries, e);
      if (g_hash_table_lookup_extended (destinations, e->destination, NULL, &other))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Line %u: %s is also the destination of line %u"),
                       e->line, e->destination, ((BatchEntry *) other)->line);
          return NULL;
        }
      g_hash_table_insert (destinations, e->destination, e);
    }
  if (entries->len == 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("The input file lists no URL"));
      return NULL;
    }
  return g_steal_pointer (&entries);
}

static void batch_fill (Batch *b);

/* Prints the paths of the entries started so far, in the order of the list. */
static void
batch_print_ready (Batch *b)
{
  gboolean printed = FALSE;

  if (b->wait || b->json)
    return;
  for (; b->next_printed < b->entries->len; b->next_printed++)
    {
      BatchEntry *e = g_ptr_array_index (b->entries, b->next_printed);

      if (!e->resolved)
        break;
      if (e->refusal == NULL)
        {
          g_print ("%s\n", ferry_transfer_get_object_path (e->transfer));
          printed = TRUE;
        }
    }
  if (printed)
    fflush (stdout);
}

static void
batch_update_bar (Batch *b)
{
  if (b->bar != NULL)
    ferry_progress_bar_update (b->bar, b->received, b->unsized == 0 ? b->total : 0);
}

static void
batch_update_label (Batch *b)
{
  g_autofree char *label = NULL;

  if (b->bar == NULL)
    return;
  /* TRANSLATORS: the label of the progress bar of a list: files done, files listed */
  label = g_strdup_printf (_("%u/%u files"), b->ended + b->refused, b->entries->len);
  ferry_progress_bar_set_label (b->bar, label);
}

static void
entry_set_sized (BatchEntry *e)
{
  if (e->sized)
    return;
  e->sized = TRUE;
  e->batch->unsized--;
}

/* Its bytes no longer count, in the totals either. */
static void
entry_drop_bytes (BatchEntry *e)
{
  Batch *b = e->batch;

  b->received -= e->received;
  b->total -= e->total;
  e->received = e->total = 0;
}

static void
entry_refuse (BatchEntry *e, const char *what, GError *error)
{
  Batch *b = e->batch;

  g_dbus_error_strip_remote_error (error);
  e->refusal = g_strdup_printf ("%s: %s", what, error->message);
  e->resolved = TRUE;
  b->refused++;
  if (e->transfer != NULL && !e->ended)
    b->open--;
  entry_drop_bytes (e);
  entry_set_sized (e);
  batch_update_label (b);
  batch_update_bar (b);
}

/* O(1): the handlers of each transfer have its entry. */
static void
on_batch_status (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  BatchEntry *e = user_data;
  Batch *b = e->batch;
  FerryTransferStatus status = ferry_transfer_get_status (e->transfer);

  if (e->ended || e->refusal != NULL || !ferryctl_status_is_end (status))
    return;
  e->ended = TRUE;
  e->status = status;
  b->ended++;
  b->open--;
  entry_set_sized (e);
  if (status == FERRY_TRANSFER_STATUS_COMPLETED)
    {
      guint64 received = ferry_transfer_get_bytes_received (e->transfer);

      b->completed++;
      /* The size of a file without a Content-Length is what came. */
      b->received += received - MIN (received, e->received);
      b->total += MAX (received, e->received) - e->total;
      e->received = e->total = MAX (received, e->received);
    }
  else
    {
      if (status == FERRY_TRANSFER_STATUS_CANCELED)
        b->canceled++;
      else
        b->failed++;
      e->error_name = g_strdup (ferry_transfer_get_error_name (e->transfer));
      e->error_message = g_strdup (ferry_transfer_get_error_message (e->transfer));
      entry_drop_bytes (e);
    }
  batch_update_label (b);
  batch_update_bar (b);
}

static void
on_batch_progress (FerryTransfer *transfer, guint64 transferred, guint64 total,
                   gpointer user_data)
{
  BatchEntry *e = user_data;
  Batch *b = e->batch;

  if (e->ended || e->refusal != NULL)
    return;
  b->received = b->received - e->received + transferred;
  b->total = b->total - e->total + total;
  e->received = transferred;
  e->total = total;
  if (total > 0)
    entry_set_sized (e);
  batch_update_bar (b);
}

static void
on_batch_canceled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Batch *b = user_data;

  b->in_flight--;
  if (!ferry_transfer_cancel_finish (FERRY_TRANSFER (source), result, NULL))
    g_debug ("Cannot cancel %s", ferry_transfer_get_id (FERRY_TRANSFER (source)));
}

static void
on_batch_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BatchEntry *e = user_data;
  Batch *b = e->batch;
  g_autoptr(GError) error = NULL;

  b->in_flight--;
  if (ferry_transfer_start_finish (e->transfer, result, &error))
    e->resolved = TRUE;
  else
    {
      /* Do not leave behind an idle transfer that nobody will start. */
      b->in_flight++;
      ferry_transfer_cancel (e->transfer, NULL, on_batch_canceled, b);
      entry_refuse (e, _("Cannot start the download"), error);
    }
  batch_print_ready (b);
  batch_fill (b);
}

static void
on_batch_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BatchEntry *e = user_data;
  Batch *b = e->batch;
  g_autoptr(GError) error = NULL;

  b->in_flight--;
  e->transfer = ferry_downloader_create_download_finish (FERRY_DOWNLOADER (source), result,
                                                         &error);
  if (e->transfer == NULL)
    {
      entry_refuse (e, _("Cannot create the download"), error);
      batch_print_ready (b);
      batch_fill (b);
      return;
    }

  b->open++;
  /* Attached before Start: a small file can be done before the reply. */
  if (b->wait)
    {
      g_signal_connect (e->transfer, "notify::status", G_CALLBACK (on_batch_status), e);
      g_signal_connect (e->transfer, "progress", G_CALLBACK (on_batch_progress), e);
    }
  b->in_flight++;
  ferry_transfer_start (e->transfer, NULL, on_batch_started, e);
}

/* Keeps BATCH_WINDOW downloads being created or started. */
static void
batch_fill (Batch *b)
{
  while (!b->stop.interrupted && !b->stop.service_lost && b->in_flight < BATCH_WINDOW &&
         b->next < b->entries->len)
    {
      BatchEntry *e = g_ptr_array_index (b->entries, b->next++);

      b->in_flight++;
      ferry_downloader_create_download (b->client->downloader, e->uri, e->destination,
                                        b->options, NULL, on_batch_created, e);
    }
}

/* The transfers as JSON: their state as the service last announced it,
 * and the status that ended each one followed to its end. */
static void
batch_print_json (Batch *b)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < b->entries->len; i++)
    {
      BatchEntry *e = g_ptr_array_index (b->entries, i);
      g_autoptr(FerryctlTransferInfo) info = NULL;

      if (e->transfer == NULL || e->refusal != NULL)
        continue;
      info = ferryctl_transfer_info_new (e->transfer);
      if (e->ended)
        ferryctl_transfer_info_set_status (info, ferry_transfer_status_to_string (e->status),
                                           e->error_name, e->error_message);
      json_array_add_element (array, ferryctl_transfer_info_to_json (info));
    }
  json_node_set_array (node, array);
  ferryctl_print_json (node, TRUE);
}

/* One line on stderr for each download refused, failed or canceled. */
static void
batch_print_failures (Batch *b)
{
  for (guint i = 0; i < b->entries->len; i++)
    {
      BatchEntry *e = g_ptr_array_index (b->entries, i);

      if (e->refusal != NULL)
        ferryctl_print_error ("%s: %s", e->uri, e->refusal);
      else if (!e->ended || e->status == FERRY_TRANSFER_STATUS_COMPLETED)
        continue;
      else if (e->status == FERRY_TRANSFER_STATUS_CANCELED)
        ferryctl_print_error (_("%s: canceled"), e->uri);
      else
        ferryctl_print_error ("%s: %s: %s", e->uri, e->error_name, e->error_message);
    }
}

static void
batch_print_summary (Batch *b)
{
  double seconds = (double) (g_get_monotonic_time () - b->start_us) / G_USEC_PER_SEC;
  g_autofree char *size = g_format_size (b->received);
  g_autofree char *duration = ferryctl_format_duration (seconds);
  g_autoptr(GString) line = g_string_new (NULL);
  guint failed = b->failed + b->refused;

  /* TRANSLATORS: files completed, their size and the time taken */
  g_string_printf (line, ngettext ("Downloaded %u file (%s) in %s", "Downloaded %u files (%s) in %s",
                                   b->completed),
                   b->completed, size, duration);
  if (failed > 0)
    /* TRANSLATORS: follows "Downloaded N files (…) in …" */
    g_string_append_printf (line, ngettext ("; %u failed", "; %u failed", failed), failed);
  if (b->canceled > 0)
    /* TRANSLATORS: follows "Downloaded N files (…) in …" */
    g_string_append_printf (line, ngettext ("; %u canceled", "; %u canceled", b->canceled),
                            b->canceled);
  g_print ("%s\n", line->str);
}

static int
batch_report (Batch *b)
{
  if (b->bar != NULL)
    ferry_progress_bar_finish (b->bar);
  batch_print_ready (b);
  if (b->json)
    batch_print_json (b);
  else if (b->wait && !b->stop.interrupted && !b->stop.service_lost)
    batch_print_summary (b);
  batch_print_failures (b);

  if (b->stop.service_lost)
    {
      ferryctl_print_error (_("The Ferry service stopped before the downloads ended"));
      return FERRYCTL_EXIT_SERVICE;
    }
  if (b->stop.interrupted)
    {
      g_printerr (_("Detached: the downloads go on in the background.\n"
                    "Follow them with “ferryctl monitor”.\n"));
      return FERRYCTL_EXIT_INTERRUPTED;
    }
  if (b->refused > 0)
    return FERRYCTL_EXIT_SERVICE;
  if (b->failed > 0)
    return FERRYCTL_EXIT_FAILED;
  if (b->canceled > 0)
    return FERRYCTL_EXIT_CANCELED;
  return FERRYCTL_EXIT_OK;
}

/* Creates and starts every download of @entries, BATCH_WINDOW at a time,
 * and with --wait follows them all to their end through the signals that
 * libferry already receives: no call per transfer but CreateDownload and
 * Start. */
int
ferryctl_download_list_run (FerryctlGlobals *globals, GPtrArray *entries, GVariant *options,
                            gboolean wait, gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FerryctlClient) client = NULL;
  Batch b = { 0, };
  int status;

  client = ferryctl_client_new (globals, &error);
  if (client == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);

  b.client = client;
  b.options = options;
  b.entries = entries;
  b.wait = wait;
  b.json = json;
  b.unsized = entries->len;
  for (guint i = 0; i < entries->len; i++)
    ((BatchEntry *) g_ptr_array_index (entries, i))->batch = &b;

  ferryctl_stop_watch (&b.stop, client->downloader, b.wait);
  if (b.wait)
    {
      if (!b.json && isatty (STDOUT_FILENO))
        {
          b.bar = ferry_progress_bar_new ("");
          batch_update_label (&b);
          batch_update_bar (&b);
        }
    }

  b.start_us = g_get_monotonic_time ();
  batch_fill (&b);
  /* After Ctrl-C, the calls under way are still answered: what they
   * created is started, and then left running. */
  while (b.in_flight > 0 ||
         (!b.stop.interrupted && !b.stop.service_lost && (b.next < entries->len || (b.wait && b.open > 0))))
    g_main_context_iteration (NULL, TRUE);

  status = batch_report (&b);

  ferryctl_stop_unwatch (&b.stop);
  g_clear_pointer (&b.bar, ferry_progress_bar_free);
  return status;
}

GPtrArray *
ferryctl_download_list_read (const char *file, const char *directory, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  GPtrArray *entries;

  if (!read_input_file (file, &text, error))
    return NULL;
  entries = parse_input_list (text, directory, &local_error);
  if (entries == NULL)
    g_set_error (error, local_error->domain, local_error->code, "%s: %s",
                 strcmp (file, "-") == 0 ? _("standard input") : file, local_error->message);
  return entries;
}
