/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "ferry-validate.h"
#include "ferryctl-common.h"

FerryctlClient *
ferryctl_client_new (const FerryctlGlobals *globals, GError **error)
{
  g_autoptr(FerryctlClient) client = g_new0 (FerryctlClient, 1);

  /* With --app-id, the downloader registers the connection as that app
   * before anything else, as the service requires. */
  client->downloader = ferry_downloader_new_sync (globals->app_id, NULL, error);
  if (client->downloader == NULL)
    return NULL;
  return g_steal_pointer (&client);
}

void
ferryctl_client_free (FerryctlClient *client)
{
  g_clear_object (&client->downloader);
  g_free (client);
}

/* Returns the transfer at @path, attached, with its properties read. */
FerryTransfer *
ferryctl_client_get_transfer (FerryctlClient *client, const char *path, GError **error)
{
  return ferry_downloader_get_transfer_sync (client->downloader, path, NULL, error);
}

GPtrArray *
ferryctl_client_list_downloads (FerryctlClient *client, const char *group, GError **error)
{
  return ferry_downloader_get_current_downloads_sync (client->downloader, group, NULL, error);
}

gboolean
ferryctl_status_is_end (FerryTransferStatus status)
{
  return ferry_transfer_status_is_final (status) || status == FERRY_TRANSFER_STATUS_ERROR;
}

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

/* Accepts a full object path, the id the service uses (the last element of
 * the path: a UUID as 32 hex digits) or a UUID written with dashes.
 * Returns NULL for anything else. */
char *
ferryctl_path_from_id (const char *id)
{
  g_autoptr(GString) element = NULL;

  if (id[0] == '/')
    {
      if (!g_variant_is_object_path (id) || !g_str_has_prefix (id, FERRY_TRANSFER_PATH_PREFIX) ||
          !is_path_element (id + strlen (FERRY_TRANSFER_PATH_PREFIX)))
        return NULL;
      return g_strdup (id);
    }

  if (g_uuid_string_is_valid (id))
    {
      element = g_string_new (NULL);
      for (const char *p = id; *p; p++)
        if (*p != '-')
          g_string_append_c (element, g_ascii_tolower (*p));
      return g_strconcat (FERRY_TRANSFER_PATH_PREFIX, element->str, NULL);
    }

  if (!is_path_element (id))
    return NULL;
  return g_strconcat (FERRY_TRANSFER_PATH_PREFIX, id, NULL);
}

const char *
ferryctl_id_from_path (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash ? slash + 1 : path;
}

GOptionContext *
ferryctl_option_context_new (FerryctlGlobals    *globals,
                             const char         *parameter_string,
                             const char         *summary,
                             const char         *description,
                             const GOptionEntry *entries)
{
  /* GOption copies the entries, so a local array will do. */
  const GOptionEntry global_entries[] = {
    { "app-id", 0, 0, G_OPTION_ARG_STRING, &globals->app_id,
      N_("Act as the application ID instead of the unnamed host application"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new (parameter_string);

  /* GOption translates the summary and description through this domain too. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);
  return context;
}

gboolean
ferryctl_parse_options (FerryctlGlobals *globals,
                        GOptionContext  *context,
                        const char      *command,
                        int             *argc,
                        char          ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      ferryctl_usage_error (command, "%s", error->message);
      return FALSE;
    }
  if (globals->app_id != NULL && !ferry_validate_app_id (globals->app_id, &error))
    {
      ferryctl_usage_error (command, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

void
ferryctl_print_error (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("ferryctl: %s\n", message);
}

/* Prints a usage error and a hint; returns the exit code for it. */
int
ferryctl_usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("ferryctl: %s\n", message);
  if (command != NULL)
    g_printerr (_("Try “ferryctl %s --help” for more information.\n"), command);
  else
    g_printerr (_("Try “ferryctl --help” for more information.\n"));
  return FERRYCTL_EXIT_USAGE;
}

/* Like ferryctl_service_error() for a call on a transfer. The service has
 * no object for an unknown ID, so D-Bus itself answers, in its own words. */
int
ferryctl_transfer_error (const char *what, GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
    {
      ferryctl_print_error ("%s: %s", what, _("No such transfer"));
      return FERRYCTL_EXIT_SERVICE;
    }
  return ferryctl_service_error (what, error);
}

/* Prints why a call to the service failed; returns the exit code for it. */
int
ferryctl_service_error (const char *what, GError *error)
{
  g_dbus_error_strip_remote_error (error);
  ferryctl_print_error ("%s: %s", what, error->message);
  return FERRYCTL_EXIT_SERVICE;
}

/* ---- the scheduling options of download and upload ---- */

void
ferryctl_sched_options_clear (FerryctlSchedOptions *opts)
{
  g_clear_pointer (&opts->group, g_free);
  g_clear_pointer (&opts->priority, g_free);
  g_clear_pointer (&opts->cost_policy, g_free);
  g_clear_pointer (&opts->max_speed, g_free);
  g_clear_pointer (&opts->completion_group, g_free);
}

void
ferryctl_sched_options_entries (FerryctlSchedOptions *opts, GOptionEntry *entries)
{
  const GOptionEntry e[FERRYCTL_N_SCHED_ENTRIES] = {
    { "group", 'g', 0, G_OPTION_ARG_STRING, &opts->group,
      N_("Put the transfer in the group NAME"), N_("NAME") },
    { "priority", 0, 0, G_OPTION_ARG_STRING, &opts->priority,
      N_("Queue with the priority low, default or high"), N_("PRIORITY") },
    { "cost-policy", 0, 0, G_OPTION_ARG_STRING, &opts->cost_policy,
      N_("Run on the networks that POLICY allows: default, unrestricted-only or always"),
      N_("POLICY") },
    { "max-speed", 0, 0, G_OPTION_ARG_STRING, &opts->max_speed,
      N_("Move at most BYTES per second (suffixes k, M, G or Ki, Mi, Gi)"), N_("BYTES") },
    { "completion-group", 0, 0, G_OPTION_ARG_STRING, &opts->completion_group,
      N_("Put the transfer in the completion group NAME"), N_("NAME") },
    { "notify", 0, 0, G_OPTION_ARG_NONE, &opts->notify,
      N_("Show a desktop notification when the transfer completes or fails"), NULL },
  };

  memcpy (entries, e, sizeof e);
}

gboolean
ferryctl_parse_bytes (const char *text, guint64 *out_bytes, GError **error)
{
  static const struct { const char *suffix; guint64 factor; } suffixes[] = {
    { "", 1 }, { "B", 1 },
    { "k", 1000 }, { "K", 1000 }, { "kB", 1000 }, { "KB", 1000 },
    { "M", 1000000 }, { "MB", 1000000 },
    { "G", 1000000000 }, { "GB", 1000000000 },
    { "Ki", 1024 }, { "KiB", 1024 },
    { "Mi", 1024 * 1024 }, { "MiB", 1024 * 1024 },
    { "Gi", 1024 * 1024 * 1024 }, { "GiB", 1024 * 1024 * 1024 },
  };
  char *end = NULL;
  guint64 number;

  if (!g_ascii_isdigit (text[0]))
    goto bad;
  errno = 0;
  number = g_ascii_strtoull (text, &end, 10);
  if (errno != 0)
    goto bad;
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (strcmp (end, suffixes[i].suffix) == 0)
      {
        if (number > G_MAXUINT64 / suffixes[i].factor)
          goto bad;
        *out_bytes = number * suffixes[i].factor;
        return TRUE;
      }
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a number of bytes (such as 500k, 2M or 1Gi)"), text);
  return FALSE;
}

gboolean
ferryctl_sched_options_build (const FerryctlSchedOptions *opts, GVariantBuilder *builder,
                              GError **error)
{
  if (opts->group != NULL)
    {
      if (!ferry_validate_group (opts->group, error))
        return FALSE;
      g_variant_builder_add (builder, "{sv}", "group", g_variant_new_string (opts->group));
    }
  if (opts->priority != NULL)
    {
      FerryPriority priority;

      if (!ferry_priority_from_string (opts->priority, &priority))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a priority: expected low, default or high"),
                       opts->priority);
          return FALSE;
        }
      g_variant_builder_add (builder, "{sv}", "priority", g_variant_new_string (opts->priority));
    }
  if (opts->cost_policy != NULL)
    {
      FerryCostPolicy policy;

      if (!ferry_cost_policy_from_string (opts->cost_policy, &policy))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a cost policy: expected default, unrestricted-only or always"),
                       opts->cost_policy);
          return FALSE;
        }
      g_variant_builder_add (builder, "{sv}", "cost-policy",
                             g_variant_new_string (opts->cost_policy));
    }
  if (opts->max_speed != NULL)
    {
      guint64 speed;

      if (!ferryctl_parse_bytes (opts->max_speed, &speed, error))
        return FALSE;
      g_variant_builder_add (builder, "{sv}", "max-speed", g_variant_new_uint64 (speed));
    }
  if (opts->completion_group != NULL)
    {
      if (!ferry_validate_group (opts->completion_group, error))
        return FALSE;
      g_variant_builder_add (builder, "{sv}", "completion-group",
                             g_variant_new_string (opts->completion_group));
    }
  if (opts->notify)
    {
      g_variant_builder_add (builder, "{sv}", "notify-success",
                             g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
      g_variant_builder_add (builder, "{sv}", "notify-failure",
                             g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
    }
  return TRUE;
}

static void
on_stop_service_running (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  FerryctlStop *stop = user_data;
  gboolean running;

  g_object_get (object, "service-running", &running, NULL);
  if (!running)
    stop->service_lost = TRUE;
}

static gboolean
on_stop_sigint (gpointer user_data)
{
  FerryctlStop *stop = user_data;

  stop->interrupted = TRUE;
  return G_SOURCE_CONTINUE;
}

void
ferryctl_stop_watch (FerryctlStop *stop, gpointer service, gboolean catch_sigint)
{
  stop->service = g_object_ref (service);
  stop->notify_id = g_signal_connect (service, "notify::service-running",
                                      G_CALLBACK (on_stop_service_running), stop);
  if (catch_sigint)
    stop->sigint_id = g_unix_signal_add (SIGINT, on_stop_sigint, stop);
}

void
ferryctl_stop_unwatch (FerryctlStop *stop)
{
  g_clear_handle_id (&stop->sigint_id, g_source_remove);
  if (stop->service != NULL)
    g_clear_signal_handler (&stop->notify_id, stop->service);
  g_clear_object (&stop->service);
}
