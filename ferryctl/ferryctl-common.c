/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
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
