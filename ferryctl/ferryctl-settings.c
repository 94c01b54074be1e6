/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The commands that change settings of the service, of a group or of one
 * transfer, and "network", which shows what the service sees. */
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "ferry-validate.h"
#include "ferryctl-common.h"
#include "ferryctl-output.h"

static FerryManager *
manager_new (FerryctlGlobals *globals)
{
  g_autoptr(GError) error = NULL;
  FerryManager *manager = ferry_manager_new_sync (globals->app_id, NULL, &error);

  if (manager == NULL)
    ferryctl_service_error (_("Cannot reach the Ferry service"), error);
  return manager;
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

static const char *
yes_no (gboolean value)
{
  return value ? _("yes") : _("no");
}

/* ---- network ---- */

static void
print_network_json (FerryManager *m)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connectivity");
  json_builder_add_string_value (b, ferry_manager_get_connectivity (m));
  json_builder_set_member_name (b, "metered");
  json_builder_add_boolean_value (b, ferry_manager_get_metered (m));
  json_builder_set_member_name (b, "roaming");
  json_builder_add_boolean_value (b, ferry_manager_get_roaming (m));
  json_builder_set_member_name (b, "connection");
  json_builder_add_string_value (b, ferry_manager_get_network_connection (m));
  json_builder_set_member_name (b, "network_source");
  json_builder_add_string_value (b, ferry_manager_get_network_source (m));
  json_builder_set_member_name (b, "data_usage");
  json_builder_add_int_value (b, (gint64) ferry_manager_get_data_usage (m));
  json_builder_set_member_name (b, "data_limit");
  json_builder_add_int_value (b, (gint64) ferry_manager_get_data_limit (m));
  json_builder_set_member_name (b, "billing_cycle_start_day");
  json_builder_add_int_value (b, ferry_manager_get_billing_cycle_start_day (m));
  json_builder_set_member_name (b, "on_track_to_exceed");
  json_builder_add_boolean_value (b, ferry_manager_get_on_track_to_exceed (m));
  json_builder_set_member_name (b, "over_limit");
  json_builder_add_boolean_value (b, ferry_manager_get_over_limit (m));
  json_builder_set_member_name (b, "restrict_background_data");
  json_builder_add_boolean_value (b, ferry_manager_get_restrict_background_data (m));
  json_builder_set_member_name (b, "power_saver");
  json_builder_add_boolean_value (b, ferry_manager_get_power_saver (m));
  json_builder_set_member_name (b, "battery_low");
  json_builder_add_boolean_value (b, ferry_manager_get_battery_low (m));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ferryctl_print_json (root, TRUE);
}

static void
print_network_text (FerryManager *m)
{
  guint64 limit = ferry_manager_get_data_limit (m);
  g_autofree char *usage = g_format_size (ferry_manager_get_data_usage (m));
  g_autofree char *limit_text = limit > 0 ? g_format_size (limit) : g_strdup (_("none"));
  g_autofree char *day = g_strdup_printf ("%u", ferry_manager_get_billing_cycle_start_day (m));
  const char *connection = ferry_manager_get_network_connection (m);
  const char *fields[] = {
    _("Connectivity"), ferry_manager_get_connectivity (m),
    _("Metered"), yes_no (ferry_manager_get_metered (m)),
    _("Roaming"), yes_no (ferry_manager_get_roaming (m)),
    _("Connection"), *connection ? connection : _("unknown"),
    _("Source"), ferry_manager_get_network_source (m),
    _("Data usage"), usage,
    _("Data limit"), limit_text,
    _("Cycle starts on day"), day,
    _("On track to exceed"), yes_no (ferry_manager_get_on_track_to_exceed (m)),
    _("Over limit"), yes_no (ferry_manager_get_over_limit (m)),
    _("Restrict background data"), yes_no (ferry_manager_get_restrict_background_data (m)),
    _("Power saver"), yes_no (ferry_manager_get_power_saver (m)),
    _("Battery low"), yes_no (ferry_manager_get_battery_low (m)),
    NULL
  };

  print_fields (fields);
}

int
ferryctl_network (FerryctlGlobals *globals, int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(FerryManager) manager = NULL;

  context = ferryctl_option_context_new (globals, "",
    N_("Show the network and power state that the Ferry service sees."),
    N_("Connectivity is none, limited, portal, full or unknown; transfers wait unless\n"
       "it is full (or unknown). The source is “networkmanager”, or “gio” when\n"
       "NetworkManager is not running. Usage and limit are those of the primary\n"
       "connection in the current billing cycle.\n"
       "\n"
       "With --json, ferryctl prints an object with the keys connectivity, metered,\n"
       "roaming, connection, network_source, data_usage, data_limit,\n"
       "billing_cycle_start_day, on_track_to_exceed, over_limit,\n"
       "restrict_background_data, power_saver and battery_low."),
    entries);
  if (!ferryctl_parse_options (globals, context, "network", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc > 1)
    return ferryctl_usage_error ("network", _("Unexpected argument “%s”"), argv[1]);
  manager = manager_new (globals);
  if (manager == NULL)
    return FERRYCTL_EXIT_SERVICE;
  if (json)
    print_network_json (manager);
  else
    print_network_text (manager);
  return FERRYCTL_EXIT_OK;
}

/* ---- data-limit, restrict-background-data ---- */

int
ferryctl_data_limit (FerryctlGlobals *globals, int argc, char **argv)
{
  g_autofree char *connection = NULL;
  int day = 1;
  const GOptionEntry entries[] = {
    { "connection", 'c', 0, G_OPTION_ARG_STRING, &connection,
      N_("Set the limit of the NetworkManager connection UUID (default: the current one)"),
      N_("UUID") },
    { "cycle-start-day", 0, 0, G_OPTION_ARG_INT, &day,
      N_("The billing cycle starts on day N of the month, 1 to 28 (default: 1)"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(FerryManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  guint64 limit;

  context = ferryctl_option_context_new (globals, N_("BYTES"),
    N_("Set the data limit of a billing cycle on a connection."),
    N_("BYTES takes the suffixes k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024);\n"
       "0 removes the limit. Transfers with the default cost policy wait when the\n"
       "usage is on track to exceed the limit. Only host applications may set it."),
    entries);
  if (!ferryctl_parse_options (globals, context, "data-limit", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc != 2)
    return ferryctl_usage_error ("data-limit", argc < 2 ? _("No limit given")
                                                        : _("Too many arguments"));
  if (!ferryctl_parse_bytes (argv[1], &limit, &error))
    return ferryctl_usage_error ("data-limit", "%s", error->message);
  if (day < 1 || day > 28)
    return ferryctl_usage_error ("data-limit", _("The cycle start day must be from 1 to 28"));
  manager = manager_new (globals);
  if (manager == NULL)
    return FERRYCTL_EXIT_SERVICE;
  if (!ferry_manager_set_data_limit_sync (manager, connection ? connection : "", limit, day, NULL,
                                          &error))
    return ferryctl_service_error (_("Cannot set the data limit"), error);
  return FERRYCTL_EXIT_OK;
}

int
ferryctl_restrict_background_data (FerryctlGlobals *globals, int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(FerryManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  gboolean restrict_;

  context = ferryctl_option_context_new (globals, N_("on|off"),
    N_("Restrict background data over the data limit."),
    N_("When on, no transfer runs on a connection over its data limit, whatever its\n"
       "cost policy. Only host applications may change it."),
    NULL);
  if (!ferryctl_parse_options (globals, context, "restrict-background-data", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc != 2)
    return ferryctl_usage_error ("restrict-background-data",
                                 argc < 2 ? _("Say on or off") : _("Too many arguments"));
  if (strcmp (argv[1], "on") == 0)
    restrict_ = TRUE;
  else if (strcmp (argv[1], "off") == 0)
    restrict_ = FALSE;
  else
    return ferryctl_usage_error ("restrict-background-data",
                                 _("“%s” is neither on nor off"), argv[1]);
  manager = manager_new (globals);
  if (manager == NULL)
    return FERRYCTL_EXIT_SERVICE;
  if (!ferry_manager_set_restrict_background_data_sync (manager, restrict_, NULL, &error))
    return ferryctl_service_error (_("Cannot change the restriction"), error);
  return FERRYCTL_EXIT_OK;
}

/* ---- group ---- */

static int
print_results (FerryManager *manager, const char *group, gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) results = NULL;
  gboolean complete = FALSE;
  GVariantIter iter;
  const char *path, *status, *error_name;

  results = ferry_manager_get_completion_group_results_sync (manager, group, &complete, NULL,
                                                             &error);
  if (results == NULL)
    return ferryctl_service_error (_("Cannot read the results of the group"), error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "group");
      json_builder_add_string_value (b, group);
      json_builder_set_member_name (b, "complete");
      json_builder_add_boolean_value (b, complete);
      json_builder_set_member_name (b, "results");
      json_builder_begin_array (b);
      g_variant_iter_init (&iter, results);
      while (g_variant_iter_next (&iter, "(&o&s&s)", &path, &status, &error_name))
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          json_builder_add_string_value (b, ferryctl_id_from_path (path));
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, path);
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, status);
          json_builder_set_member_name (b, "error_name");
          json_builder_add_string_value (b, error_name);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      ferryctl_print_json (root, TRUE);
    }
  else
    {
      const char *headers[] = { _("ID"), _("STATUS"), _("ERROR"), NULL };
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

      g_print (complete ? _("Group %s: complete\n") : _("Group %s: not complete\n"), group);
      g_variant_iter_init (&iter, results);
      while (g_variant_iter_next (&iter, "(&o&s&s)", &path, &status, &error_name))
        {
          char **row = g_new0 (char *, 4);

          row[0] = g_strdup (ferryctl_id_from_path (path));
          row[1] = g_strdup (status);
          row[2] = g_strdup (error_name);
          g_ptr_array_add (rows, row);
        }
      ferryctl_print_table (headers, rows);
    }
  return FERRYCTL_EXIT_OK;
}

int
ferryctl_group (FerryctlGlobals *globals, int argc, char **argv)
{
  gboolean serialized = FALSE, parallel = FALSE, complete = FALSE, results = FALSE, json = FALSE;
  g_autofree char *action = NULL;
  const GOptionEntry entries[] = {
    { "serialized", 0, 0, G_OPTION_ARG_NONE, &serialized,
      N_("Run the group's transfers one at a time, in creation order"), NULL },
    { "parallel", 0, 0, G_OPTION_ARG_NONE, &parallel,
      N_("Run the group's transfers side by side (the default)"), NULL },
    { "complete", 0, 0, G_OPTION_ARG_NONE, &complete,
      N_("Enable the completion group NAME: all its transfers are created"), NULL },
    { "action", 0, 0, G_OPTION_ARG_STRING, &action,
      N_("With --complete, the action to activate (default: ferry-transfers-done)"),
      N_("ACTION") },
    { "results", 0, 0, G_OPTION_ARG_NONE, &results,
      N_("Print the results of the completion group NAME"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("With --results, print a JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *group;
  int n_modes;

  context = ferryctl_option_context_new (globals, N_("NAME"),
    N_("Set how a group runs, or enable and read a completion group."),
    N_("--serialized and --parallel set the behavior of the group NAME (the --group\n"
       "of downloads and uploads), kept across restarts.\n"
       "--complete enables the completion group NAME (the --completion-group of\n"
       "transfers) once all its transfers are created: when all have ended, the\n"
       "service activates the application's ACTION. It needs --app-id.\n"
       "--results prints whether the completion group is complete and the status\n"
       "and error name of each of its transfers; with --json an object with the\n"
       "keys group, complete and results (an array of objects with the keys id,\n"
       "path, status and error_name)."),
    entries);
  if (!ferryctl_parse_options (globals, context, "group", &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc != 2)
    return ferryctl_usage_error ("group", argc < 2 ? _("No group given")
                                                   : _("Too many arguments"));
  group = argv[1];
  if (!ferry_validate_group (group, &error))
    return ferryctl_usage_error ("group", "%s", error->message);
  n_modes = (serialized != 0) + (parallel != 0) + (complete != 0) + (results != 0);
  if (n_modes != 1)
    return ferryctl_usage_error ("group", _("Give one of --serialized, --parallel, --complete "
                                            "or --results"));
  if (action != NULL && !complete)
    return ferryctl_usage_error ("group", _("--action goes with --complete"));

  if (serialized || parallel)
    {
      g_autoptr(FerryDownloader) downloader = ferry_downloader_new_sync (globals->app_id, NULL,
                                                                         &error);

      if (downloader == NULL)
        return ferryctl_service_error (_("Cannot reach the Ferry service"), error);
      if (!ferry_downloader_set_group_behavior_sync (downloader, group,
                                                     serialized ? FERRY_GROUP_BEHAVIOR_SERIALIZED
                                                                : FERRY_GROUP_BEHAVIOR_PARALLEL,
                                                     NULL, &error))
        return ferryctl_service_error (_("Cannot set the behavior of the group"), error);
      return FERRYCTL_EXIT_OK;
    }
  else
    {
      g_autoptr(FerryManager) manager = manager_new (globals);

      if (manager == NULL)
        return FERRYCTL_EXIT_SERVICE;
      if (results)
        return print_results (manager, group, json);
      if (!ferry_manager_enable_completion_group_sync (manager, group, action, NULL, &error))
        return ferryctl_service_error (_("Cannot enable the completion group"), error);
      return FERRYCTL_EXIT_OK;
    }
}

/* ---- priority, cost-policy, set-uri ---- */

typedef gboolean (*SetCall) (FerryTransfer *transfer, const char *value, GError **error);

static gboolean
set_priority (FerryTransfer *transfer, const char *value, GError **error)
{
  FerryPriority priority;

  ferry_priority_from_string (value, &priority);
  return ferry_transfer_set_priority_sync (transfer, priority, NULL, error);
}

static gboolean
set_cost_policy (FerryTransfer *transfer, const char *value, GError **error)
{
  FerryCostPolicy policy;

  ferry_cost_policy_from_string (value, &policy);
  return ferry_transfer_set_cost_policy_sync (transfer, policy, NULL, error);
}

static gboolean
set_uri (FerryTransfer *transfer, const char *value, GError **error)
{
  return ferry_transfer_set_requested_uri_sync (transfer, value, NULL, error);
}

static int
run_set (FerryctlGlobals *globals, const char *command, int argc, char **argv,
         const char *parameter, const char *summary, const char *description,
         gboolean (*check) (const char *value, GError **error), SetCall call,
         const char *failure)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(FerryctlClient) client = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  context = ferryctl_option_context_new (globals, parameter, summary, description, NULL);
  if (!ferryctl_parse_options (globals, context, command, &argc, &argv))
    return FERRYCTL_EXIT_USAGE;
  if (argc != 3)
    return ferryctl_usage_error (command, argc < 3 ? _("Missing arguments")
                                                   : _("Too many arguments"));
  path = ferryctl_path_from_id (argv[1]);
  if (path == NULL)
    return ferryctl_usage_error (command, _("“%s” is not a transfer ID"), argv[1]);
  if (!check (argv[2], &error))
    return ferryctl_usage_error (command, "%s", error->message);

  client = ferryctl_client_new (globals, &error);
  if (client == NULL)
    return ferryctl_service_error (_("Cannot reach the Ferry service"), error);
  transfer = ferryctl_client_get_transfer (client, path, &error);
  if (transfer == NULL || !call (transfer, argv[2], &error))
    {
      g_autofree char *what = g_strdup_printf ("%s %s", _(failure), ferryctl_id_from_path (path));
      return ferryctl_transfer_error (what, error);
    }
  return FERRYCTL_EXIT_OK;
}

static gboolean
check_priority (const char *value, GError **error)
{
  FerryPriority priority;

  if (ferry_priority_from_string (value, &priority))
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a priority: expected low, default or high"), value);
  return FALSE;
}

static gboolean
check_cost_policy (const char *value, GError **error)
{
  FerryCostPolicy policy;

  if (ferry_cost_policy_from_string (value, &policy))
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a cost policy: expected default, unrestricted-only or always"),
               value);
  return FALSE;
}

int
ferryctl_priority (FerryctlGlobals *globals, int argc, char **argv)
{
  return run_set (globals, "priority", argc, argv, N_("ID low|default|high"),
                  N_("Change the priority of a transfer."),
                  N_("Among transfers waiting for a slot, higher priority goes first; a high\n"
                    "one may take the slot of a running low one. Low priority transfers also\n"
                    "wait while the system saves power."),
                  check_priority, set_priority, N_("Cannot change the priority of"));
}

int
ferryctl_cost_policy (FerryctlGlobals *globals, int argc, char **argv)
{
  return run_set (globals, "cost-policy", argc, argv, N_("ID POLICY"),
                  N_("Change on which networks a transfer may run."),
                  N_("POLICY is default (not when roaming or over the data limit),\n"
                    "unrestricted-only (only on networks that are not metered) or always.\n"
                    "A transfer its policy forbids waits as “paused-costed-network”."),
                  check_cost_policy, set_cost_policy, N_("Cannot change the cost policy of"));
}

int
ferryctl_set_uri (FerryctlGlobals *globals, int argc, char **argv)
{
  return run_set (globals, "set-uri", argc, argv, N_("ID URI"),
                  N_("Give a transfer a new URI for the same resource."),
                  N_("For a download waiting as “paused-recoverable-web-error” because its\n"
                    "server refused to resume it (an expired signed URL, say): with the new\n"
                    "URI it continues from its offset."),
                  ferry_validate_uri, set_uri, N_("Cannot change the URI of"));
}
