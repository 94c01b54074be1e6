/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "ferryctl-common.h"
#include "ferryctl-output.h"

typedef struct {
  const char *name;
  const char *summary;
  int       (*run) (FerryctlGlobals *globals, int argc, char **argv);
} Command;

/* Parses a command's arguments as IDs into object paths. */
static GPtrArray *
parse_ids (const char *command, int argc, char **argv)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (int i = 1; i < argc; i++)
    {
      char *path = ferryctl_path_from_id (argv[i]);
      if (path == NULL)
        {
          ferryctl_usage_error (command, _("“%s” is not a transfer ID"), argv[i]);
          return NULL;
        }
      g_ptr_array_add (paths, path);
    }
  return g_steal_pointer (&paths);
}

/* ---- list ---- */

static GPtrArray *
collect_infos (GPtrArray *transfers)
{
  GPtrArray *infos = g_ptr_array_new_with_free_func ((GDestroyNotify) ferryctl_transfer_info_free);

  for (guint i = 0; i < transfers->len; i++)
    g_ptr_array_add (infos, ferryctl_transfer_info_new (g_ptr_array_index (transfers, i)));
  return infos;
}

static void
print_list_json (GPtrArray *infos)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < infos->len; i++)
    {
      json_builder_begin_object (builder);
      ferryctl_transfer_info_add_json_members (g_ptr_array_index (infos, i), builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  ferryctl_print_json (root, TRUE);
}

static void
print_list_table (GPtrArray *infos)
{
  const char *headers[] = { _("ID"), _("STATUS"), _("PROGRESS"), _("URI"), _("DESTINATION"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; i < infos->len; i++)
    {
      FerryctlTransferInfo *info = g_ptr_array_index (infos, i);
      char **row = g_new0 (char *, 6);

      row[0] = g_strdup (info->id);
      row[1] = g_strdup (info->status);
      /* With an unknown size, the bytes say more than a percentage could. */
      row[2] = info->total_bytes > 0
               ? g_strdup_printf ("%u%%", ferryctl_percent (info->bytes_received, info->total_bytes))
               : g_format_size (info->bytes_received);
      row[3] = g_strdup (info->uri);
      row[4] = g_strdup (info->destination);
      g_ptr_array_add (rows, row);
    }
  ferryctl_print_table (headers, rows);
}

static int
cmd_list (FerryctlGlobals *globals, int argc, char **argv)
{
  g_autofree char *group = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "group", 'g', 0, G_OPTION_ARG_STRING, &group,
      N_("List only the downloads of the group NAME"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON array of transfer objects"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(FerryctlClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GPtrArray) transfers = NULL;

  context = ferryctl_option_context_new (globals, "",
    N_("List the current downloads of the application."),
    N_("A download is current until it completes or is canceled; failed downloads\n"
       "stay listed, since they can be resumed. ferryctl prints a table with the ID,\n"
       "status, progress (bytes while the size is unknown), URI and destination of\n"
       "each, oldest first.\n"
       "\n"
       "With --json, it prints an array of objects with the keys id, path, kind,\n"
       "uri, destination, status, group, bytes_received, total_bytes (0 while\n"
       "unknown), error_name, error_message and http_status."),
    entries);
  if (!ferryctl_parse_options (globals, context, "list", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc > 1)
    return ferryctl_usage_error ("list", _("Unexpected argument “%s”"), argv[1]);

  client = ferryctl_client_new (globals, &error);
  if (client == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);
  transfers = ferryctl_client_list_downloads (client, group, &error);
  if (transfers == NULL)
    return ferryctl_service_error (_("Cannot list the downloads"), error);

  infos = collect_infos (transfers);
  if (json)
    print_list_json (infos);
  else
    print_list_table (infos);
  return FERRYCTL_EXIT_OK;
}

/* ---- info ---- */

/* What GetResponseInformation returns. */
typedef struct {
  guint       http_status;
  GHashTable *headers;
  char       *actual_uri;
  gboolean    resumable;
} Response;

static void
response_clear (Response *response)
{
  g_clear_pointer (&response->headers, g_hash_table_unref);
  g_clear_pointer (&response->actual_uri, g_free);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The header names, sorted: the same output for the same answer. */
static GPtrArray *
response_header_names (const Response *response)
{
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, response->headers);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, name);
  g_ptr_array_sort (names, compare_names);
  return names;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Response, response_clear)

static void
print_info_json (const FerryctlTransferInfo *info, const Response *response)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) names = response_header_names (response);

  json_builder_begin_object (builder);
  ferryctl_transfer_info_add_json_members (info, builder);
  json_builder_set_member_name (builder, "response");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "http_status");
  json_builder_add_int_value (builder, response->http_status);
  json_builder_set_member_name (builder, "headers");
  json_builder_begin_object (builder);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      json_builder_set_member_name (builder, name);
      json_builder_add_string_value (builder, g_hash_table_lookup (response->headers, name));
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "actual_uri");
  json_builder_add_string_value (builder, response->actual_uri);
  json_builder_set_member_name (builder, "resumable");
  json_builder_add_boolean_value (builder, response->resumable);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  ferryctl_print_json (root, TRUE);
}

/* Prints "Label: value" lines, NULL-terminated pairs, values aligned. */
static void
print_fields (const char * const *pairs)
{
  glong width = 0;

  for (guint i = 0; pairs[i] != NULL; i += 2)
    width = MAX (width, g_utf8_strlen (pairs[i], -1));
  for (guint i = 0; pairs[i] != NULL; i += 2)
    g_print ("%s:%*s %s\n", pairs[i], (int) (width - g_utf8_strlen (pairs[i], -1)), "",
             pairs[i + 1]);
}

static void
print_info_text (const FerryctlTransferInfo *info, const Response *response)
{
  g_autofree char *progress = ferryctl_format_progress (info->bytes_received, info->total_bytes);
  g_autofree char *received = g_strdup_printf ("%" G_GUINT64_FORMAT, info->bytes_received);
  g_autofree char *total = info->total_bytes > 0
                           ? g_strdup_printf ("%" G_GUINT64_FORMAT, info->total_bytes)
                           : g_strdup (_("unknown"));
  g_autofree char *http_status = g_strdup_printf ("%u", info->http_status);
  g_autofree char *response_status = g_strdup_printf ("%u", response->http_status);
  const char *fields[] = {
    _("ID"), info->id,
    _("Path"), info->path,
    _("Kind"), info->kind,
    _("URI"), info->uri,
    _("Destination"), info->destination,
    _("Status"), info->status,
    _("Group"), info->group,
    _("Progress"), progress,
    _("Bytes received"), received,
    _("Total bytes"), total,
    _("Error name"), info->error_name,
    _("Error message"), info->error_message,
    _("HTTP status"), http_status,
    _("Response status"), response_status,
    _("Actual URI"), response->actual_uri,
    _("Resumable"), response->resumable ? _("yes") : _("no"),
    NULL
  };
  g_autoptr(GPtrArray) names = response_header_names (response);

  print_fields (fields);
  g_print ("%s:\n", _("Response headers"));
  for (guint i = 0; i < names->len; i++)
    g_print ("  %s: %s\n", (char *) g_ptr_array_index (names, i),
             (char *) g_hash_table_lookup (response->headers, g_ptr_array_index (names, i)));
}

static int
show_info (FerryctlGlobals *globals, const char *path, gboolean json)
{
  g_autoptr(FerryctlClient) client = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(FerryctlTransferInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Response) response = { 0, };

  client = ferryctl_client_new (globals, &error);
  if (client == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);
  transfer = ferryctl_client_get_transfer (client, path, &error);
  if (transfer == NULL ||
      !ferry_transfer_get_response_information_sync (transfer, NULL, &response.http_status,
                                                     &response.headers, &response.actual_uri,
                                                     &response.resumable, &error))
    return ferryctl_transfer_error (ferryctl_id_from_path (path), error);

  info = ferryctl_transfer_info_new (transfer);
  if (json)
    print_info_json (info, &response);
  else
    print_info_text (info, &response);
  return FERRYCTL_EXIT_OK;
}

static int
cmd_info (FerryctlGlobals *globals, int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) paths = NULL;

  context = ferryctl_option_context_new (globals, N_("ID"),
    N_("Show all the properties of a transfer and what its server answered."),
    N_("ID is the last element of the transfer's object path, or the whole path.\n"
       "Completed and canceled transfers can be shown too.\n"
       "\n"
       "With --json, ferryctl prints the object that “ferryctl list --json” prints\n"
       "for a transfer, with a “response” object added: http_status, headers,\n"
       "actual_uri (after redirects) and resumable."),
    entries);
  if (!ferryctl_parse_options (globals, context, "info", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc != 2)
    return ferryctl_usage_error ("info", argc < 2 ? _("No transfer ID given")
                                                  : _("Only one transfer ID is allowed"));
  paths = parse_ids ("info", argc, argv);
  if (paths == NULL)
    return FERRYCTL_EXIT_USAGE;

  return show_info (globals, g_ptr_array_index (paths, 0), json);
}

/* ---- pause, resume, cancel ---- */

typedef gboolean (*TransferCall) (FerryTransfer *transfer, GCancellable *cancellable,
                                  GError **error);

typedef struct {
  const char   *name;
  const char   *summary;
  const char   *description;
  const char   *failure;   /* "Cannot pause", the ID follows */
  TransferCall  call;
} Control;

static const Control controls[] = {
  { "pause",
    N_("Pause transfers, keeping the bytes they have."),
    N_("A paused transfer has the status “paused-by-application” and waits for\n"
       "“ferryctl resume”. ID is the last element of the transfer's object path,\n"
       "or the whole path."),
    N_("Cannot pause"), ferry_transfer_pause_sync },
  { "resume",
    N_("Queue paused or failed transfers again."),
    N_("The transfer continues where it stopped when the server allows it, and\n"
       "starts over otherwise. ID is the last element of the transfer's object\n"
       "path, or the whole path."),
    N_("Cannot resume"), ferry_transfer_resume_sync },
  { "cancel",
    N_("Stop transfers for good and delete their partial data."),
    N_("A canceled transfer cannot be resumed. ID is the last element of the\n"
       "transfer's object path, or the whole path."),
    N_("Cannot cancel"), ferry_transfer_cancel_sync },
};

/* Calls the control on each transfer; one failure does not stop the rest. */
static int
run_control (FerryctlGlobals *globals, const Control *control, GPtrArray *paths)
{
  g_autoptr(FerryctlClient) client = NULL;
  g_autoptr(GError) error = NULL;
  int ret = FERRYCTL_EXIT_OK;

  client = ferryctl_client_new (globals, &error);
  if (client == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(FerryTransfer) transfer = NULL;

      transfer = ferryctl_client_get_transfer (client, path, &error);
      if (transfer == NULL || !control->call (transfer, NULL, &error))
        {
          g_autofree char *what = g_strdup_printf ("%s %s", _(control->failure),
                                                   ferryctl_id_from_path (path));
          ret = ferryctl_transfer_error (what, error);
          g_clear_error (&error);
        }
    }
  return ret;
}

static int
cmd_control (FerryctlGlobals *globals, const Control *control, int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) paths = NULL;

  context = ferryctl_option_context_new (globals, N_("ID…"), control->summary,
                                         control->description, NULL);
  if (!ferryctl_parse_options (globals, context, control->name, &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc < 2)
    return ferryctl_usage_error (control->name, _("No transfer ID given"));
  /* Check every ID before acting on any. */
  paths = parse_ids (control->name, argc, argv);
  if (paths == NULL)
    return FERRYCTL_EXIT_USAGE;
  return run_control (globals, control, paths);
}

static int
cmd_pause (FerryctlGlobals *globals, int argc, char **argv)
{
  return cmd_control (globals, &controls[0], argc, argv);
}

static int
cmd_resume (FerryctlGlobals *globals, int argc, char **argv)
{
  return cmd_control (globals, &controls[1], argc, argv);
}

static int
cmd_cancel (FerryctlGlobals *globals, int argc, char **argv)
{
  return cmd_control (globals, &controls[2], argc, argv);
}

/* ---- the dispatcher ---- */

static int cmd_help (FerryctlGlobals *globals, int argc, char **argv);

static const Command commands[] = {
  { "download", N_("Download a URL in the background"), ferryctl_download },
  { "list", N_("List the current downloads"), cmd_list },
  { "info", N_("Show all about a transfer"), cmd_info },
  { "pause", N_("Pause transfers"), cmd_pause },
  { "resume", N_("Resume paused or failed transfers"), cmd_resume },
  { "cancel", N_("Cancel transfers"), cmd_cancel },
  { "monitor", N_("Print the events of transfers as they happen"), ferryctl_monitor },
  { "upload", N_("Upload files, a form or standard input in the background"), ferryctl_upload },
  { "priority", N_("Change the priority of a transfer"), ferryctl_priority },
  { "cost-policy", N_("Change the cost policy of a transfer"), ferryctl_cost_policy },
  { "set-uri", N_("Give a transfer a new URI"), ferryctl_set_uri },
  { "group", N_("Set a group's behavior; enable or read a completion group"), ferryctl_group },
  { "network", N_("Show the network state the service sees"), ferryctl_network },
  { "data-limit", N_("Set the data limit of a connection"), ferryctl_data_limit },
  { "restrict-background-data", N_("Restrict background data over the limit: on or off"),
    ferryctl_restrict_background_data },
  { "help", N_("Show the help of ferryctl or of a command"), cmd_help },
};

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static GOptionContext *
main_context_new (FerryctlGlobals *globals, gboolean *version)
{
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GString) summary = g_string_new (_("Control the transfers of the Ferry service."));
  GOptionContext *context;

  g_string_append_printf (summary, "\n\n%s", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (summary, "\n  %-12s%s%s", commands[i].name,
                            strlen (commands[i].name) > 11 ? "\n              " : "",
                            _(commands[i].summary));

  context = ferryctl_option_context_new (globals, N_("COMMAND [ARGUMENT…]"), summary->str,
    N_("Run “ferryctl COMMAND --help” for the options of a command.\n"
       "\n"
       "ferryctl acts as the unnamed host application unless --app-id is given (it\n"
       "then calls Register on org.freedesktop.Ferry1.Manager first); an application\n"
       "sees and controls only its own transfers. A transfer ID is the last element\n"
       "of the transfer's D-Bus object path; the whole path is accepted too.\n"
       "\n"
       "Exit status:\n"
       "  0    success; for “download --wait” or “upload --wait”, the transfer\n"
       "       completed\n"
       "  1    with --wait: the transfer failed (the reason goes to stderr); for\n"
       "       “download --input-file”, any of them\n"
       "  2    with --wait: the transfer was canceled; for a list, one was and none\n"
       "       failed\n"
       "  3    usage error: unknown command or option, bad argument\n"
       "  4    the Ferry service cannot be reached, or refused a call\n"
       "  130  --wait interrupted by Ctrl-C; the transfer goes on"),
    entries);
  /* Stop at the command: the rest are the command's arguments. */
  g_option_context_set_strict_posix (context, TRUE);
  return context;
}

static int
cmd_help (FerryctlGlobals *globals, int argc, char **argv)
{
  const Command *command = argc > 1 ? find_command (argv[1]) : NULL;
  char *help_argv[] = { argv[1], (char *) "--help", NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *help = NULL;
  gboolean version = FALSE;

  if (argc > 2)
    return ferryctl_usage_error ("help", _("Too many arguments"));
  if (argc == 2 && command == NULL)
    return ferryctl_usage_error (NULL, _("Unknown command “%s”"), argv[1]);
  if (command != NULL && command->run != cmd_help)
    {
      g_autofree char *prgname = g_strdup_printf ("ferryctl %s", command->name);
      g_set_prgname (prgname);
      return command->run (globals, 2, help_argv);   /* GOption prints the help and exits */
    }

  g_set_prgname ("ferryctl");
  context = main_context_new (globals, &version);
  help = g_option_context_get_help (context, TRUE, NULL);
  g_print ("%s", help);
  return FERRYCTL_EXIT_OK;
}

int
main (int argc, char **argv)
{
  FerryctlGlobals globals = { NULL, };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *prgname = NULL;
  gboolean version = FALSE;
  const Command *command;
  int ret;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("ferryctl");

  context = main_context_new (&globals, &version);
  if (!ferryctl_parse_options (&globals, context, NULL, &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (version)
    {
      g_print ("ferryctl %s\n", PACKAGE_VERSION);
      return FERRYCTL_EXIT_OK;
    }
  if (argc < 2)
    return ferryctl_usage_error (NULL, _("No command given"));
  command = find_command (argv[1]);
  if (command == NULL)
    return ferryctl_usage_error (NULL, _("Unknown command “%s”"), argv[1]);

  /* So that a command's --help reads "Usage: ferryctl download [OPTION…]". */
  prgname = g_strdup_printf ("ferryctl %s", command->name);
  g_set_prgname (prgname);
  ret = command->run (&globals, argc - 1, argv + 1);
  g_free (globals.app_id);
  return ret;
}
