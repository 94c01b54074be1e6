/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-uploader"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-app-settings.h"
#include "ferry-created-reply.h"
#include "ferry-error.h"
#include "ferry-multipart-body.h"
#include "ferry-options.h"
#include "ferry-uploader.h"
#include "ferry-validate.h"

#define FERRY_UPLOADER_VERSION 1
#define FERRY_MAX_PARTS 256

struct _FerryUploader
{
  FerryDBusUploaderSkeleton  parent_instance;
  FerryCallers              *callers;
  FerryScheduler            *scheduler;
};

static void ferry_uploader_iface_init (FerryDBusUploaderIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FerryUploader, ferry_uploader, FERRY_DBUS_TYPE_UPLOADER_SKELETON,
                               G_IMPLEMENT_INTERFACE (FERRY_DBUS_TYPE_UPLOADER,
                                                      ferry_uploader_iface_init))

/* A transfer with what every upload has; @options were checked. */
static FerryTransfer *
new_upload (FerryUploader *self, FerryAppInfo *caller, const char *uri, FerryOptions *options)
{
  g_autofree char *id = ferry_transfer_new_id ();
  FerryTransfer *transfer = ferry_transfer_new (id, ferry_app_info_get_id (caller),
                                                FERRY_TRANSFER_KIND_UPLOAD, uri);

  ferry_transfer_set_priority (transfer, options->priority);
  ferry_transfer_set_max_speed (transfer, options->max_speed);
  ferry_transfer_set_completion_group (transfer, options->completion_group);
  ferry_transfer_set_notification (transfer, TRUE, options->notify_success);
  ferry_transfer_set_notification (transfer, FALSE, options->notify_failure);
  ferry_transfer_set_cost_policy (transfer, options->has_cost_policy
    ? options->cost_policy
    : ferry_scheduler_get_default_cost_policy (self->scheduler, ferry_app_info_get_id (caller),
                                               FERRY_TRANSFER_KIND_UPLOAD));

  ferry_transfer_set_group (transfer, options->group);
  ferry_transfer_set_headers (transfer, options->headers);
  ferry_transfer_set_method (transfer, options->method);
  ferry_transfer_set_content_type (transfer, options->content_type);
  ferry_transfer_set_protocol (transfer, options->protocol);
  return transfer;
}

static FerryTransfer *
create_file_upload (FerryUploader *self, FerryAppInfo *caller, GVariant *parameters, GError **error)
{
  g_auto(FerryOptions) options = { 0 };
  g_autoptr(GVariant) options_dict = NULL;
  g_autofree char *source = NULL;
  FerryTransfer *transfer;
  const char *uri, *requested_source;
  struct stat st;

  g_variant_get (parameters, "(&s&s@a{sv})", &uri, &requested_source, &options_dict);
  if (ferry_app_info_is_sandboxed (caller))
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED,
                           _("A sandboxed app passes no path: use CreateUploadFromStream"));
      return NULL;
    }
  if (!ferry_validate_uri (uri, error) ||
      !(source = ferry_validate_source (requested_source, error)) ||
      !ferry_options_parse (options_dict, FERRY_OPTIONS_FOR_UPLOAD, &options, error))
    return NULL;
  if (stat (source, &st) != 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Cannot read the source “%s”: %s"), source, g_strerror (errno));
      return NULL;
    }

  transfer = new_upload (self, caller, uri, &options);
  ferry_transfer_set_source (transfer, source);
  ferry_transfer_set_source_stamp (transfer, st.st_size,
                                   (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC +
                                   st.st_mtim.tv_nsec / 1000);
  if (options.content_type == NULL)
    {
      g_autofree char *guessed = ferry_guess_content_type (source);
      ferry_transfer_set_content_type (transfer, guessed);
    }
  return transfer;
}

/* Checks every part and gives the parts back with canonical file paths. */
static GVariant *
check_parts (GVariant *parts, gboolean sandboxed, char **first_file, GError **error)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssa{sv})"));
  GVariantIter iter;
  const char *name, *file;
  GVariant *options;

  if (g_variant_n_children (parts) == 0 || g_variant_n_children (parts) > FERRY_MAX_PARTS)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("A multipart upload has between 1 and %d parts"), FERRY_MAX_PARTS);
      return NULL;
    }
  g_variant_iter_init (&iter, parts);
  while (g_variant_iter_next (&iter, "(&s&s@a{sv})", &name, &file, &options))
    {
      g_autoptr(GVariant) owned = options;
      g_autofree char *canonical = NULL;

      if (!ferry_part_options_check (name, file, options, error))
        return NULL;
      if (*file != '\0' && sandboxed)
        {
          g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED,
                               _("A sandboxed app passes no path: send form fields only"));
          return NULL;
        }
      if (*file != '\0' && !(canonical = ferry_validate_source (file, error)))
        return NULL;
      if (canonical != NULL && *first_file == NULL)
        *first_file = g_strdup (canonical);
      g_variant_builder_add (&builder, "(ss@a{sv})", name, canonical ? canonical : "", options);
    }
  return g_variant_builder_end (&builder);
}

static FerryTransfer *
create_multipart_upload (FerryUploader *self, FerryAppInfo *caller, GVariant *parameters, GError **error)
{
  g_auto(FerryOptions) options = { 0 };
  g_autoptr(GVariant) options_dict = NULL;
  g_autoptr(GVariant) parts = NULL;
  g_autoptr(GVariant) checked = NULL;
  g_autofree char *first_file = NULL;
  FerryTransfer *transfer;
  const char *uri;

  g_variant_get (parameters, "(&s@a(ssa{sv})@a{sv})", &uri, &parts, &options_dict);
  if (!ferry_validate_uri (uri, error) ||
      !(checked = check_parts (parts, ferry_app_info_is_sandboxed (caller), &first_file, error)) ||
      !ferry_options_parse (options_dict, FERRY_OPTIONS_FOR_MULTIPART, &options, error))
    return NULL;

  transfer = new_upload (self, caller, uri, &options);
  ferry_transfer_set_source (transfer, first_file);
  ferry_transfer_set_parts (transfer, g_steal_pointer (&checked));
  return transfer;
}

/* Takes the caller's descriptor out of the message, if it is readable. */
static int
take_stream_fd (GDBusMethodInvocation *invocation, gint32 handle, GError **error)
{
  GUnixFDList *fds = g_dbus_message_get_unix_fd_list (g_dbus_method_invocation_get_message (invocation));
  struct stat st;
  int fd, mode;

  if (fds == NULL || handle < 0 || handle >= g_unix_fd_list_get_length (fds))
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                           _("No file descriptor was passed for the stream"));
      return -1;
    }
  fd = g_unix_fd_list_get (fds, handle, NULL);
  mode = fd >= 0 ? fcntl (fd, F_GETFL) & O_ACCMODE : -1;
  if (fd < 0 || fstat (fd, &st) != 0 || S_ISDIR (st.st_mode) ||
      (mode != O_RDONLY && mode != O_RDWR))
    {
      if (fd >= 0)
        close (fd);
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                           _("The stream’s file descriptor is not open for reading"));
      return -1;
    }
  return fd;
}

static FerryTransfer *
create_stream_upload (FerryUploader *self, FerryAppInfo *caller, GDBusMethodInvocation *invocation, GError **error)
{
  g_auto(FerryOptions) options = { 0 };
  g_autoptr(GVariant) options_dict = NULL;
  FerryTransfer *transfer;
  const char *uri;
  gint32 handle;
  int fd;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&sh@a{sv})",
                 &uri, &handle, &options_dict);
  if (!ferry_validate_uri (uri, error) ||
      !ferry_options_parse (options_dict, FERRY_OPTIONS_FOR_STREAM, &options, error) ||
      (fd = take_stream_fd (invocation, handle, error)) < 0)
    return NULL;

  transfer = new_upload (self, caller, uri, &options);
  ferry_transfer_set_is_stream (transfer, TRUE);
  ferry_transfer_take_stream_fd (transfer, fd);
  if (options.content_type == NULL)
    ferry_transfer_set_content_type (transfer, "application/octet-stream");
  return transfer;
}

static void
create_for_caller (gpointer object, GDBusMethodInvocation *invocation, FerryAppInfo *caller)
{
  FerryUploader *self = object;
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  g_autoptr(FerryTransfer) transfer = NULL;
  GError *error = NULL;

  if (g_str_equal (method, "CreateUpload"))
    transfer = create_file_upload (self, caller, parameters, &error);
  else if (g_str_equal (method, "CreateMultipartUpload"))
    transfer = create_multipart_upload (self, caller, parameters, &error);
  else
    transfer = create_stream_upload (self, caller, invocation, &error);

  if (transfer == NULL || !ferry_scheduler_add (self->scheduler, transfer, &error))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  g_debug ("%s: %s created for “%s”: %s", ferry_transfer_get_id (transfer), method,
           ferry_app_info_get_id (caller), ferry_transfer_get_uri (transfer));
  ferry_created_reply_when_stored (self->scheduler, invocation, transfer);
}

static gboolean
handle_create (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation)
{
  FerryUploader *self = FERRY_UPLOADER (uploader);

  ferry_callers_dispatch (self->callers, invocation, create_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_create_upload (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation,
                      const char *uri, const char *source, GVariant *options)
{
  return handle_create (uploader, invocation);
}

static gboolean
handle_create_multipart_upload (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation,
                                const char *uri, GVariant *parts, GVariant *options)
{
  return handle_create (uploader, invocation);
}

static gboolean
handle_create_upload_from_stream (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation,
                                  GUnixFDList *fd_list, const char *uri, GVariant *fd,
                                  GVariant *options)
{
  return handle_create (uploader, invocation);
}

static void
list_uploads_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                         FerryAppInfo *caller)
{
  FerryUploader *self = object;
  g_autofree const char **paths = NULL;
  const char *group;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &group);
  paths = ferry_scheduler_list_current_paths (self->scheduler, ferry_app_info_get_id (caller),
                                              FERRY_TRANSFER_KIND_UPLOAD, group);
  ferry_dbus_uploader_complete_get_current_uploads (FERRY_DBUS_UPLOADER (self), invocation, paths);
}

static gboolean
handle_get_current_uploads (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation,
                            const char *group)
{
  FerryUploader *self = FERRY_UPLOADER (uploader);

  ferry_callers_dispatch (self->callers, invocation, list_uploads_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
app_settings_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                         FerryAppInfo *caller)
{
  FerryUploader *self = object;

  ferry_app_settings_handle (self->scheduler, invocation, caller, FERRY_TRANSFER_KIND_UPLOAD);
}

static gboolean
handle_app_settings (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation)
{
  FerryUploader *self = FERRY_UPLOADER (uploader);

  ferry_callers_dispatch (self->callers, invocation, app_settings_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_default_cost_policy (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation,
                                const char *policy)
{
  return handle_app_settings (uploader, invocation);
}

static gboolean
handle_set_group_behavior (FerryDBusUploader *uploader, GDBusMethodInvocation *invocation,
                           const char *group, const char *behavior)
{
  return handle_app_settings (uploader, invocation);
}

static void
ferry_uploader_iface_init (FerryDBusUploaderIface *iface)
{
  iface->handle_set_default_cost_policy = handle_set_default_cost_policy;
  iface->handle_get_default_cost_policy = handle_app_settings;
  iface->handle_set_group_behavior = handle_set_group_behavior;
  iface->handle_create_upload = handle_create_upload;
  iface->handle_create_multipart_upload = handle_create_multipart_upload;
  iface->handle_create_upload_from_stream = handle_create_upload_from_stream;
  iface->handle_get_current_uploads = handle_get_current_uploads;
}

static void
ferry_uploader_finalize (GObject *object)
{
  FerryUploader *self = FERRY_UPLOADER (object);

  g_clear_object (&self->callers);
  g_clear_object (&self->scheduler);
  G_OBJECT_CLASS (ferry_uploader_parent_class)->finalize (object);
}

static void
ferry_uploader_class_init (FerryUploaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_uploader_finalize;
}

static void
ferry_uploader_init (FerryUploader *self)
{
  ferry_dbus_uploader_set_version (FERRY_DBUS_UPLOADER (self), FERRY_UPLOADER_VERSION);
}

FerryUploader *
ferry_uploader_new (FerryCallers *callers, FerryScheduler *scheduler)
{
  FerryUploader *self = g_object_new (FERRY_TYPE_UPLOADER, NULL);

  self->callers = g_object_ref (callers);
  self->scheduler = g_object_ref (scheduler);
  return self;
}
