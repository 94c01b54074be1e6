/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ferry-progress-bar.h"
#include "ferry-validate.h"
#include "ferryctl-common.h"
#include "ferryctl-output.h"

typedef struct {
  gboolean   wait;
  gboolean   json;
  gboolean   tus;
  gboolean   show_response;
  char      *method;
  char      *content_type;
  char      *name;
  char     **fields;
  char     **headers;
  FerryctlSchedOptions sched;
} UploadOptions;

static void
upload_options_clear (UploadOptions *opts)
{
  g_clear_pointer (&opts->method, g_free);
  g_clear_pointer (&opts->content_type, g_free);
  g_clear_pointer (&opts->name, g_free);
  g_clear_pointer (&opts->fields, g_strfreev);
  g_clear_pointer (&opts->headers, g_strfreev);
  ferryctl_sched_options_clear (&opts->sched);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UploadOptions, upload_options_clear)

typedef enum {
  UPLOAD_FILE,
  UPLOAD_MULTIPART,
  UPLOAD_STREAM,
} UploadKind;

static GVariant *
build_options (UploadOptions *opts, UploadKind kind, GError **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (opts->method != NULL)
    {
      g_autofree char *method = g_ascii_strup (opts->method, -1);

      if (strcmp (method, "PUT") != 0 && strcmp (method, "POST") != 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a method: expected PUT or POST"), opts->method);
          return NULL;
        }
      if (kind == UPLOAD_MULTIPART && strcmp (method, "POST") != 0)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("A multipart upload is always a POST"));
          return NULL;
        }
      g_variant_builder_add (&builder, "{sv}", "method", g_variant_new_string (method));
    }
  if (opts->tus)
    {
      if (kind != UPLOAD_FILE)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("--tus needs a single file and no form field"));
          return NULL;
        }
      g_variant_builder_add (&builder, "{sv}", "protocol", g_variant_new_string ("tus"));
    }
  if (opts->content_type != NULL)
    {
      if (kind == UPLOAD_MULTIPART)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("--content-type applies to a single file or a stream"));
          return NULL;
        }
      g_variant_builder_add (&builder, "{sv}", "content-type",
                             g_variant_new_string (opts->content_type));
    }
  if (opts->headers != NULL)
    {
      g_auto(GVariantBuilder) dict = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));

      for (guint i = 0; opts->headers[i] != NULL; i++)
        {
          const char *colon = strchr (opts->headers[i], ':');
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;

          if (colon == NULL)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("“%s” is not a header: expected “Name: value”"), opts->headers[i]);
              return NULL;
            }
          name = g_strndup (opts->headers[i], colon - opts->headers[i]);
          value = g_strstrip (g_strdup (colon + 1));
          if (!ferry_validate_header (name, value, error))
            return NULL;
          g_variant_builder_add (&dict, "{ss}", name, value);
        }
      g_variant_builder_add (&builder, "{sv}", "headers", g_variant_builder_end (&dict));
    }
  if (!ferryctl_sched_options_build (&opts->sched, &builder, error))
    return NULL;
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* The parts of a multipart upload: the files, then the fields. */
static GVariant *
build_parts (UploadOptions *opts, char **files, guint n_files, GError **error)
{
  g_auto(GVariantBuilder) parts = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssa{sv})"));

  if (opts->name != NULL && n_files != 1)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--name applies to a single file"));
      return NULL;
    }
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_canonicalize_filename (files[i], NULL);
      g_autofree char *name = opts->name != NULL ? g_strdup (opts->name)
                                                 : g_strdup_printf ("file%u", i + 1);

      if (strcmp (files[i], "-") == 0)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("Standard input can only be uploaded alone, without fields"));
          return NULL;
        }
      g_variant_builder_add (&parts, "(ss@a{sv})", name, path,
                             g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
    }
  for (guint i = 0; opts->fields != NULL && opts->fields[i] != NULL; i++)
    {
      const char *eq = strchr (opts->fields[i], '=');
      g_autofree char *name = NULL;
      GVariantBuilder part_options;

      if (eq == NULL || eq == opts->fields[i])
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a form field: expected “NAME=VALUE”"), opts->fields[i]);
          return NULL;
        }
      name = g_strndup (opts->fields[i], eq - opts->fields[i]);
      g_variant_builder_init (&part_options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&part_options, "{sv}", "value", g_variant_new_string (eq + 1));
      g_variant_builder_add (&parts, "(ssa{sv})", name, "", &part_options);
    }
  return g_variant_ref_sink (g_variant_builder_end (&parts));
}

/* ---- following the upload ---- */

typedef struct {
  FerryTransfer       *transfer;
  FerryProgressBar    *bar;
  FerryTransferStatus  status;
  gboolean             ended;
  FerryctlStop         stop;
} Follower;

static void
on_notify_status (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Follower *f = user_data;
  FerryTransferStatus status = ferry_transfer_get_status (f->transfer);

  if (!f->ended && ferryctl_status_is_end (status))
    {
      f->ended = TRUE;
      f->status = status;
    }
}

static void
on_progress (FerryTransfer *transfer, guint64 transferred, guint64 total, gpointer user_data)
{
  Follower *f = user_data;

  if (f->bar != NULL && !f->ended)
    ferry_progress_bar_update (f->bar, transferred, total);
}

static void
print_response_body (FerryTransfer *transfer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) body = ferry_transfer_open_response_body_sync (transfer, NULL, &error);
  g_autoptr(GOutputStream) out = NULL;

  if (body == NULL)
    {
      ferryctl_print_error ("%s: %s", _("Cannot read the response body"), error->message);
      return;
    }
  fflush (stdout);
  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (g_output_stream_splice (out, body, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL,
                              &error) < 0)
    ferryctl_print_error ("%s: %s", _("Cannot read the response body"), error->message);
}

static int
follow_upload (FerryUploader *uploader, FerryTransfer *transfer, const char *label,
               UploadOptions *opts)
{
  Follower f = { .transfer = transfer };
  g_autoptr(FerryctlTransferInfo) info = NULL;

  if (!opts->json && isatty (STDOUT_FILENO))
    f.bar = ferry_progress_bar_new (label);
  g_signal_connect (transfer, "notify::status", G_CALLBACK (on_notify_status), &f);
  g_signal_connect (transfer, "progress", G_CALLBACK (on_progress), &f);
  ferryctl_stop_watch (&f.stop, uploader, TRUE);
  on_notify_status (G_OBJECT (transfer), NULL, &f);

  while (!f.ended && !f.stop.interrupted && !f.stop.service_lost)
    g_main_context_iteration (NULL, TRUE);

  ferryctl_stop_unwatch (&f.stop);
  g_signal_handlers_disconnect_by_data (transfer, &f);

  if (!f.ended)
    {
      g_clear_pointer (&f.bar, ferry_progress_bar_free);
      if (f.stop.service_lost)
        {
          ferryctl_print_error (_("The Ferry service stopped before the upload ended"));
          return FERRYCTL_EXIT_SERVICE;
        }
      g_printerr (_("Detached: the upload goes on in the background.\n"));
      return FERRYCTL_EXIT_INTERRUPTED;
    }

  if (!ferry_transfer_refresh_sync (transfer, NULL, NULL))
    g_debug ("Cannot read the final state of %s", ferry_transfer_get_id (transfer));
  if (f.bar != NULL)
    {
      ferry_progress_bar_update (f.bar, ferry_transfer_get_bytes_sent (transfer),
                                 ferry_transfer_get_total_bytes_to_send (transfer));
      ferry_progress_bar_finish (f.bar);
      ferry_progress_bar_free (f.bar);
    }
  info = ferryctl_transfer_info_new (transfer);
  ferryctl_transfer_info_set_status (info, ferry_transfer_status_to_string (f.status),
                                     ferry_transfer_get_error_name (transfer),
                                     ferry_transfer_get_error_message (transfer));
  if (opts->json)
    {
      g_autoptr(JsonNode) node = ferryctl_transfer_info_to_json (info);
      ferryctl_print_json (node, TRUE);
    }
  else if (f.status == FERRY_TRANSFER_STATUS_COMPLETED)
    /* TRANSLATORS: the source and the HTTP status of the server's answer */
    g_print (_("Uploaded %s: HTTP status %u\n"), label, ferry_transfer_get_http_status (transfer));
  else if (f.status == FERRY_TRANSFER_STATUS_CANCELED)
    g_print (_("Canceled the upload of %s\n"), label);
  else
    g_print (_("Failed to upload %s: HTTP status %u\n"), label,
             ferry_transfer_get_http_status (transfer));

  if (opts->show_response && !opts->json)
    print_response_body (transfer);

  if (f.status == FERRY_TRANSFER_STATUS_COMPLETED)
    return FERRYCTL_EXIT_OK;
  if (f.status == FERRY_TRANSFER_STATUS_CANCELED)
    return FERRYCTL_EXIT_CANCELED;
  ferryctl_print_error ("%s: %s", info->error_name, info->error_message);
  return FERRYCTL_EXIT_FAILED;
}

static int
run_upload (FerryctlGlobals *globals, UploadOptions *opts, UploadKind kind, char **files,
            guint n_files, const char *uri, GVariant *options, GVariant *parts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FerryUploader) uploader = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autofree char *label = NULL;

  uploader = ferry_uploader_new_sync (globals->app_id, NULL, &error);
  if (uploader == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);

  switch (kind)
    {
    case UPLOAD_FILE:
      {
        g_autofree char *source = g_canonicalize_filename (files[0], NULL);

        label = g_path_get_basename (source);
        transfer = ferry_uploader_create_upload_sync (uploader, uri, source, options, NULL,
                                                      &error);
      }
      break;
    case UPLOAD_MULTIPART:
      label = n_files > 0 ? g_path_get_basename (files[0]) : g_strdup (_("form"));
      transfer = ferry_uploader_create_multipart_upload_sync (uploader, uri, parts, options,
                                                              NULL, &error);
      break;
    case UPLOAD_STREAM:
      label = g_strdup (_("standard input"));
      transfer = ferry_uploader_create_upload_from_stream_sync (uploader, uri, STDIN_FILENO,
                                                                options, NULL, &error);
      break;
    }
  if (transfer == NULL)
    return ferryctl_service_error (_("Cannot create the upload"), error);
  if (!ferry_transfer_start_sync (transfer, NULL, &error))
    {
      ferry_transfer_cancel_sync (transfer, NULL, NULL);
      return ferryctl_service_error (_("Cannot start the upload"), error);
    }

  if (!opts->json)
    {
      g_print ("%s\n", ferry_transfer_get_object_path (transfer));
      fflush (stdout);
    }
  if (opts->wait || kind == UPLOAD_STREAM)
    /* A stream exists only while ferryctl runs: always follow it. */
    return follow_upload (uploader, transfer, label, opts);

  if (opts->json)
    {
      g_autoptr(FerryctlTransferInfo) info = NULL;
      g_autoptr(JsonNode) node = NULL;

      if (!ferry_transfer_refresh_sync (transfer, NULL, NULL))
        g_debug ("Cannot read %s again", ferry_transfer_get_id (transfer));
      info = ferryctl_transfer_info_new (transfer);
      node = ferryctl_transfer_info_to_json (info);
      ferryctl_print_json (node, TRUE);
    }
  return FERRYCTL_EXIT_OK;
}

int
ferryctl_upload (FerryctlGlobals *globals, int argc, char **argv)
{
  g_auto(UploadOptions) opts = { 0, };
  GOptionEntry entries[11 + FERRYCTL_N_SCHED_ENTRIES] = {
    { "method", 'X', 0, G_OPTION_ARG_STRING, &opts.method,
      N_("Send with METHOD: PUT (the default) or POST"), N_("METHOD") },
    { "field", 'F', 0, G_OPTION_ARG_STRING_ARRAY, &opts.fields,
      N_("Add the form field NAME=VALUE: a multipart upload (repeatable)"), N_("NAME=VALUE") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &opts.name,
      N_("The form name of a single file in a multipart upload (default: file1)"), N_("NAME") },
    { "tus", 0, 0, G_OPTION_ARG_NONE, &opts.tus,
      N_("Upload with the resumable tus 1.0 protocol (one file only)"), NULL },
    { "content-type", 0, 0, G_OPTION_ARG_STRING, &opts.content_type,
      N_("Send the body as TYPE instead of the guessed media type"), N_("TYPE") },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &opts.headers,
      N_("Send the request header “NAME: VALUE” (repeatable)"), N_("HEADER") },
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &opts.wait,
      N_("Follow the upload until it ends, with a progress bar on a terminal"), NULL },
    { "show-response", 0, 0, G_OPTION_ARG_NONE, &opts.show_response,
      N_("Follow the upload, then print the body of the server's answer"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts.json,
      N_("Print the transfer as a JSON object"), NULL },
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GVariant) parts = NULL;
  const char *uri;
  char **files;
  guint n_files;
  UploadKind kind;

  ferryctl_sched_options_entries (&opts.sched, entries + 9);
  context = ferryctl_option_context_new (globals, N_("FILE… URL"),
    N_("Upload files to URL in the background."),
    N_("The Ferry service sends the files: it goes on after ferryctl exits, and\n"
       "survives restarts and network outages (a plain PUT or POST starts over;\n"
       "with --tus the upload continues from the server's offset).\n"
       "\n"
       "One FILE and no --field: the file is the body of a PUT (or --method POST).\n"
       "Several files or any --field: one multipart/form-data POST; the files get\n"
       "the form names file1, file2… in order, or --name NAME for a single file,\n"
       "then come the fields. FILE “-” uploads standard input as a stream of\n"
       "unknown length; ferryctl then follows the upload until it ends.\n"
       "\n"
       "ferryctl prints the D-Bus object path of the new transfer. With --wait, it\n"
       "follows the upload (a progress bar on a terminal) and prints the HTTP\n"
       "status of the answer; --show-response implies --wait and prints the body of\n"
       "the answer too (as the service kept it, up to its size limit).\n"
       "\n"
       "Exit status as for download: with --wait, 0 completed, 1 failed,\n"
       "2 canceled, 130 interrupted; 3 for a usage error, 4 when the service\n"
       "cannot be reached or refuses the request."),
    entries);
  if (!ferryctl_parse_options (globals, context, "upload", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc < 3)
    return ferryctl_usage_error ("upload", argc < 2 ? _("No file given") : _("No URL given"));

  if (opts.show_response)
    opts.wait = TRUE;
  uri = argv[argc - 1];
  files = argv + 1;
  n_files = argc - 2;
  if (n_files == 1 && strcmp (files[0], "-") == 0 && opts.fields == NULL)
    kind = UPLOAD_STREAM;
  else if (n_files == 1 && opts.fields == NULL && opts.name == NULL)
    kind = UPLOAD_FILE;
  else
    kind = UPLOAD_MULTIPART;

  if (!ferry_validate_uri (uri, &error) ||
      (options = build_options (&opts, kind, &error)) == NULL ||
      (kind == UPLOAD_MULTIPART && (parts = build_parts (&opts, files, n_files, &error)) == NULL))
    return ferryctl_usage_error ("upload", "%s", error->message);
  for (guint i = 0; kind != UPLOAD_STREAM && i < n_files; i++)
    if (!g_file_test (files[i], G_FILE_TEST_IS_REGULAR))
      return ferryctl_usage_error ("upload", _("“%s” is not a regular file"), files[i]);

  return run_upload (globals, &opts, kind, files, n_files, uri, options, parts);
}
