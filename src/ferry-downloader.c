/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-downloader"

#include <errno.h>
#include <glib/gi18n.h>

#include "ferry-app-settings.h"
#include "ferry-created-reply.h"
#include "ferry-downloader.h"
#include "ferry-error.h"
#include "ferry-options.h"
#include "ferry-validate.h"

#define FERRY_DOWNLOADER_VERSION 1

struct _FerryDownloader
{
  FerryDBusDownloaderSkeleton  parent_instance;
  FerryCallers                *callers;
  FerryScheduler              *scheduler;
};

static void ferry_downloader_iface_init (FerryDBusDownloaderIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FerryDownloader, ferry_downloader,
                               FERRY_DBUS_TYPE_DOWNLOADER_SKELETON,
                               G_IMPLEMENT_INTERFACE (FERRY_DBUS_TYPE_DOWNLOADER,
                                                      ferry_downloader_iface_init))

/* Two live transfers writing one file would corrupt each other's part. */
static gboolean
check_destination_free (FerryDownloader *self, const char *destination, GError **error)
{
  if (!ferry_scheduler_destination_in_use (self->scheduler, destination))
    return TRUE;
  g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
               _("Another transfer is already downloading to “%s”"), destination);
  return FALSE;
}

/* The app's file in the service's own storage, for an empty destination. */
static char *
make_managed_destination (FerryAppInfo *caller, const char *id, GError **error)
{
  char *destination = ferry_transfer_dup_managed_destination (ferry_app_info_get_id (caller), id);
  g_autofree char *dir = g_path_get_dirname (destination);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_FAILED, _("Cannot create %s: %s"), dir,
                   g_strerror (errno));
      g_free (destination);
      return NULL;
    }
  return destination;
}

static FerryTransfer *
create_download (FerryDownloader *self, FerryAppInfo *caller, GVariant *parameters,
                 GError **error)
{
  g_auto(FerryOptions) options = { 0 };
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(GVariant) options_dict = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *id = NULL;
  const char *uri, *requested_destination;

  g_variant_get (parameters, "(&s&s@a{sv})", &uri, &requested_destination, &options_dict);
  if (*requested_destination != '\0' && ferry_app_info_is_sandboxed (caller))
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED,
                           _("A sandboxed app passes no path: use an empty destination and "
                             "Transfer.OpenResult"));
      return NULL;
    }
  id = ferry_transfer_new_id ();
  if (!ferry_validate_uri (uri, error) ||
      !(destination = *requested_destination
          ? ferry_validate_destination (requested_destination, error)
          : make_managed_destination (caller, id, error)) ||
      !ferry_options_parse (options_dict, FERRY_OPTIONS_FOR_DOWNLOAD, &options, error) ||
      !check_destination_free (self, destination, error))
    return NULL;

  transfer = ferry_transfer_new (id, ferry_app_info_get_id (caller),
                                 FERRY_TRANSFER_KIND_DOWNLOAD, uri);
  ferry_transfer_set_destination (transfer, destination);
  ferry_transfer_set_group (transfer, options.group);
  ferry_transfer_set_checksum (transfer, options.checksum);
  ferry_transfer_set_priority (transfer, options.priority);
  ferry_transfer_set_max_speed (transfer, options.max_speed);
  ferry_transfer_set_connections (transfer, options.connections);
  ferry_transfer_set_completion_group (transfer, options.completion_group);
  ferry_transfer_set_notification (transfer, TRUE, options.notify_success);
  ferry_transfer_set_notification (transfer, FALSE, options.notify_failure);
  ferry_transfer_set_cost_policy (transfer, options.has_cost_policy
    ? options.cost_policy
    : ferry_scheduler_get_default_cost_policy (self->scheduler, ferry_app_info_get_id (caller),
                                               FERRY_TRANSFER_KIND_DOWNLOAD));
  ferry_transfer_set_headers (transfer, options.headers);
  if (!ferry_scheduler_add (self->scheduler, transfer, error))
    return NULL;

  g_debug ("%s: created for “%s”: %s → %s", id, ferry_app_info_get_id (caller), uri, destination);
  return g_steal_pointer (&transfer);
}

static void
create_download_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                            FerryAppInfo *caller)
{
  FerryDownloader *self = object;
  g_autoptr(FerryTransfer) transfer = NULL;
  GError *error = NULL;

  transfer = create_download (self, caller, g_dbus_method_invocation_get_parameters (invocation),
                              &error);
  if (transfer == NULL)
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  ferry_created_reply_when_stored (self->scheduler, invocation, transfer);
}

static gboolean
handle_create_download (FerryDBusDownloader   *downloader,
                        GDBusMethodInvocation *invocation,
                        const char            *uri,
                        const char            *destination,
                        GVariant              *options)
{
  FerryDownloader *self = FERRY_DOWNLOADER (downloader);

  ferry_callers_dispatch (self->callers, invocation, create_download_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
list_downloads_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                           FerryAppInfo *caller)
{
  FerryDownloader *self = object;
  g_autofree const char **paths = NULL;
  const char *group;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &group);
  paths = ferry_scheduler_list_current_paths (self->scheduler, ferry_app_info_get_id (caller),
                                              FERRY_TRANSFER_KIND_DOWNLOAD, group);
  ferry_dbus_downloader_complete_get_current_downloads (FERRY_DBUS_DOWNLOADER (self),
                                                        invocation, paths);
}

static gboolean
handle_get_current_downloads (FerryDBusDownloader   *downloader,
                              GDBusMethodInvocation *invocation,
                              const char            *group)
{
  FerryDownloader *self = FERRY_DOWNLOADER (downloader);

  ferry_callers_dispatch (self->callers, invocation, list_downloads_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
app_settings_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                         FerryAppInfo *caller)
{
  FerryDownloader *self = object;

  ferry_app_settings_handle (self->scheduler, invocation, caller, FERRY_TRANSFER_KIND_DOWNLOAD);
}

static gboolean
handle_app_settings (FerryDBusDownloader *downloader, GDBusMethodInvocation *invocation)
{
  FerryDownloader *self = FERRY_DOWNLOADER (downloader);

  ferry_callers_dispatch (self->callers, invocation, app_settings_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_default_cost_policy (FerryDBusDownloader *downloader, GDBusMethodInvocation *invocation,
                                const char *policy)
{
  return handle_app_settings (downloader, invocation);
}

static gboolean
handle_set_group_behavior (FerryDBusDownloader *downloader, GDBusMethodInvocation *invocation,
                           const char *group, const char *behavior)
{
  return handle_app_settings (downloader, invocation);
}

static void
ferry_downloader_iface_init (FerryDBusDownloaderIface *iface)
{
  iface->handle_create_download = handle_create_download;
  iface->handle_get_current_downloads = handle_get_current_downloads;
  iface->handle_set_default_cost_policy = handle_set_default_cost_policy;
  iface->handle_get_default_cost_policy = handle_app_settings;
  iface->handle_set_group_behavior = handle_set_group_behavior;
}

static void
ferry_downloader_finalize (GObject *object)
{
  FerryDownloader *self = FERRY_DOWNLOADER (object);

  g_clear_object (&self->callers);
  g_clear_object (&self->scheduler);
  G_OBJECT_CLASS (ferry_downloader_parent_class)->finalize (object);
}

static void
ferry_downloader_class_init (FerryDownloaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_downloader_finalize;
}

static void
ferry_downloader_init (FerryDownloader *self)
{
  ferry_dbus_downloader_set_version (FERRY_DBUS_DOWNLOADER (self), FERRY_DOWNLOADER_VERSION);
}

FerryDownloader *
ferry_downloader_new (FerryCallers *callers, FerryScheduler *scheduler)
{
  FerryDownloader *self = g_object_new (FERRY_TYPE_DOWNLOADER, NULL);

  self->callers = g_object_ref (callers);
  self->scheduler = g_object_ref (scheduler);
  return self;
}
