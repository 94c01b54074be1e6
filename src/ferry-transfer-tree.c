/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-transfer-tree"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "ferry-dbus-generated.h"
#include "ferry-error.h"
#include "ferry-transfer-tree.h"
#include "ferry-validate.h"

#define TRANSFER_INTERFACE "org.freedesktop.Ferry1.Transfer"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"
#define FERRY_TRANSFER_VERSION 1

struct _FerryTransferTree
{
  GObject          parent_instance;
  GDBusConnection *bus;
  FerryCallers    *callers;
  FerryScheduler  *scheduler;
  guint            registration_id;
};

G_DEFINE_FINAL_TYPE (FerryTransferTree, ferry_transfer_tree, G_TYPE_OBJECT)

static GVariant *
string_or_empty (const char *value)
{
  return g_variant_new_string (value ? value : "");
}

/* Byte counts of one direction; the other direction reads 0. */
static GVariant *
bytes_value (FerryTransfer *transfer, FerryTransferKind kind, gboolean total)
{
  guint64 value = 0;

  if (ferry_transfer_get_kind (transfer) == kind)
    value = total ? (guint64) MAX (ferry_transfer_get_total_bytes (transfer), 0)
                  : ferry_transfer_get_bytes_transferred (transfer);
  return g_variant_new_uint64 (value);
}

/* Each property as it travels on the bus. */
static GVariant *
get_property_value (FerryTransfer *transfer, const char *name)
{
  if (g_str_equal (name, "Kind"))
    return g_variant_new_string (ferry_transfer_get_kind_string (transfer));
  if (g_str_equal (name, "Uri"))
    return g_variant_new_string (ferry_transfer_get_uri (transfer));
  if (g_str_equal (name, "Destination"))
    return string_or_empty (ferry_transfer_get_destination (transfer));
  if (g_str_equal (name, "Source"))
    return string_or_empty (ferry_transfer_get_source (transfer));
  if (g_str_equal (name, "Status"))
    return g_variant_new_string (ferry_status_to_string (ferry_transfer_get_status (transfer)));
  if (g_str_equal (name, "CostPolicy"))
    return g_variant_new_string (ferry_cost_policy_to_string (ferry_transfer_get_cost_policy (transfer)));
  if (g_str_equal (name, "Priority"))
    return g_variant_new_string (ferry_priority_to_string (ferry_transfer_get_priority (transfer)));
  if (g_str_equal (name, "CompletionGroup"))
    return string_or_empty (ferry_transfer_get_completion_group (transfer));
  if (g_str_equal (name, "Group"))
    return g_variant_new_string (ferry_transfer_get_group (transfer));
  if (g_str_equal (name, "BytesReceived"))
    return bytes_value (transfer, FERRY_TRANSFER_KIND_DOWNLOAD, FALSE);
  if (g_str_equal (name, "TotalBytesToReceive"))
    return bytes_value (transfer, FERRY_TRANSFER_KIND_DOWNLOAD, TRUE);
  if (g_str_equal (name, "BytesSent"))
    return bytes_value (transfer, FERRY_TRANSFER_KIND_UPLOAD, FALSE);
  if (g_str_equal (name, "TotalBytesToSend"))
    return bytes_value (transfer, FERRY_TRANSFER_KIND_UPLOAD, TRUE);
  if (g_str_equal (name, "ErrorName"))
    return g_variant_new_string (ferry_transfer_get_error_name (transfer));
  if (g_str_equal (name, "ErrorMessage"))
    return g_variant_new_string (ferry_transfer_get_error_message (transfer));
  if (g_str_equal (name, "HttpStatus"))
    return g_variant_new_uint32 (ferry_transfer_get_response (transfer)->http_status);
  if (g_str_equal (name, "Version"))
    return g_variant_new_uint32 (FERRY_TRANSFER_VERSION);
  return NULL;
}

static GVariant *
get_all_properties (FerryTransfer *transfer)
{
  GDBusInterfaceInfo *info = ferry_dbus_transfer_interface_info ();
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  for (guint i = 0; info->properties[i] != NULL; i++)
    g_variant_builder_add (&builder, "{sv}", info->properties[i]->name,
                           get_property_value (transfer, info->properties[i]->name));
  return g_variant_builder_end (&builder);
}

static void
emit_to_owner (FerryTransferTree *self, FerryTransfer *transfer, const char *interface,
               const char *signal, GVariant *parameters)
{
  g_autoptr(GPtrArray) senders = ferry_callers_get_senders (self->callers,
                                                            ferry_transfer_get_app_id (transfer));
  g_autoptr(GVariant) owned = g_variant_ref_sink (parameters);

  for (guint i = 0; i < senders->len; i++)
    g_dbus_connection_emit_signal (self->bus, g_ptr_array_index (senders, i),
                                   ferry_transfer_get_object_path (transfer), interface,
                                   signal, owned, NULL);
}

static void
on_transfer_progress (FerryTransfer *transfer, gpointer user_data)
{
  emit_to_owner (user_data, transfer, TRANSFER_INTERFACE, "Progress",
                 g_variant_new ("(tt)", ferry_transfer_get_bytes_transferred (transfer),
                                (guint64) MAX (ferry_transfer_get_total_bytes (transfer), 0)));
}

static void
emit_properties_changed (FerryTransferTree *self, FerryTransfer *transfer,
                         const char * const *names)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  for (guint i = 0; names[i] != NULL; i++)
    g_variant_builder_add (&builder, "{sv}", names[i], get_property_value (transfer, names[i]));
  emit_to_owner (self, transfer, PROPERTIES_INTERFACE, "PropertiesChanged",
                 g_variant_new ("(sa{sv}as)", TRANSFER_INTERFACE, &builder, NULL));
}

static void
on_transfer_settings_changed (FerryTransfer *transfer, gpointer user_data)
{
  static const char * const changed[] = { "Uri", "CostPolicy", "Priority", NULL };

  emit_properties_changed (user_data, transfer, changed);
}

static void
on_transfer_status_changed (FerryTransfer *transfer, gpointer user_data)
{
  FerryTransferTree *self = user_data;
  static const char * const changed[] = { "Status", "ErrorName", "ErrorMessage", "HttpStatus",
                                          NULL };

  emit_properties_changed (self, transfer, changed);
  emit_to_owner (self, transfer, TRANSFER_INTERFACE, "StatusChanged",
                 g_variant_new ("(sss)",
                                ferry_status_to_string (ferry_transfer_get_status (transfer)),
                                ferry_transfer_get_error_name (transfer),
                                ferry_transfer_get_error_message (transfer)));
}

static void
on_transfer_added (FerryScheduler *scheduler, FerryTransfer *transfer, gpointer user_data)
{
  g_signal_connect_object (transfer, "progress", G_CALLBACK (on_transfer_progress),
                           user_data, G_CONNECT_DEFAULT);
  g_signal_connect_object (transfer, "status-changed", G_CALLBACK (on_transfer_status_changed),
                           user_data, G_CONNECT_DEFAULT);
  g_signal_connect_object (transfer, "settings-changed",
                           G_CALLBACK (on_transfer_settings_changed), user_data, G_CONNECT_DEFAULT);
}

static void
handle_properties_call (FerryTransfer *transfer, GDBusMethodInvocation *invocation)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  const char *interface, *name;
  GVariant *value;

  if (g_str_equal (method, "GetAll"))
    {
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(@a{sv})", get_all_properties (transfer)));
      return;
    }
  if (g_str_equal (method, "Get"))
    {
      g_variant_get (parameters, "(&s&s)", &interface, &name);
      value = get_property_value (transfer, name);
      if (value != NULL)
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
      else
        g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                               G_DBUS_ERROR_UNKNOWN_PROPERTY,
                                               _("No such property “%s”"), name);
      return;
    }
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                         G_DBUS_ERROR_PROPERTY_READ_ONLY,
                                         _("The properties of a transfer are read-only"));
}

static GVariant *
response_information (FerryTransfer *transfer)
{
  const FerryResponseInfo *response = ferry_transfer_get_response (transfer);
  GVariant *headers = response->headers ? response->headers
                                        : g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0);

  return g_variant_new ("(u@a{ss}sb)", response->http_status, headers,
                        response->actual_uri ? response->actual_uri : "",
                        response->accepts_ranges &&
                        (response->etag != NULL || response->last_modified != NULL));
}

static void
return_fd (GDBusMethodInvocation *invocation, int fd)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new_from_array (&fd, 1);

  g_dbus_method_invocation_return_value_with_unix_fd_list (invocation, g_variant_new ("(h)", 0),
                                                           fds);
}

/* The kept response body, read-only; an empty file when there is none. */
static void
open_response_body (FerryTransfer *transfer, GDBusMethodInvocation *invocation)
{
  g_autofree char *path = ferry_transfer_dup_response_body_path (transfer);
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      g_dbus_method_invocation_return_error (invocation, FERRY_ERROR, FERRY_ERROR_FAILED,
                                             _("Cannot open the response body: %s"),
                                             g_strerror (errno));
      return;
    }
  return_fd (invocation, fd);
}

/* Answers once what the call changed is stored and flushed: an app told
 * that its transfer started, paused or was canceled can count on it after
 * a crash of the service. */
static void
reply_when_stored (const GError *error, gpointer data)
{
  GDBusMethodInvocation *invocation = data;

  if (error != NULL)
    g_dbus_method_invocation_return_error_literal (invocation, FERRY_ERROR, FERRY_ERROR_FAILED,
                                                   error->message);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

typedef struct {
  FerryScheduler        *scheduler;
  GDBusMethodInvocation *invocation;
} StoppedReply;

static void
reply_when_stopped (gpointer data)
{
  StoppedReply *stopped = data;

  ferry_scheduler_when_stored (stopped->scheduler, reply_when_stored, stopped->invocation);
  g_free (stopped);
}

static gboolean
set_policy (FerryTransferTree *self, FerryTransfer *transfer, GDBusMethodInvocation *invocation,
            GError **error)
{
  FerryCostPolicy policy = ferry_transfer_get_cost_policy (transfer);
  FerryPriority priority = ferry_transfer_get_priority (transfer);
  const char *value;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &value);
  if (g_str_equal (g_dbus_method_invocation_get_method_name (invocation), "SetCostPolicy")
      ? !ferry_cost_policy_from_string (value, &policy, error)
      : !ferry_priority_from_string (value, &priority, error))
    return FALSE;
  return ferry_scheduler_set_cost_policy (self->scheduler, transfer, policy, priority);
}

/* Hands a completed download over as a descriptor; the service's own copy
 * of a managed one goes with it. */
static void
open_result (FerryTransfer *transfer, GDBusMethodInvocation *invocation)
{
  const char *path = ferry_transfer_get_destination (transfer);
  int fd;

  if (ferry_transfer_get_status (transfer) != FERRY_STATUS_COMPLETED || path == NULL ||
      (fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    {
      g_dbus_method_invocation_return_error (invocation, FERRY_ERROR, FERRY_ERROR_INVALID_STATE,
                                             _("There is no completed file to hand over"));
      return;
    }
  if (ferry_transfer_is_managed (transfer))
    unlink (path);
  return_fd (invocation, fd);
}

static gboolean
set_requested_uri (FerryTransferTree *self, FerryTransfer *transfer,
                   GDBusMethodInvocation *invocation, GError **error)
{
  const char *uri;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &uri);
  return ferry_validate_uri (uri, error) &&
         ferry_scheduler_set_requested_uri (self->scheduler, transfer, uri, error);
}

static void
handle_transfer_call (FerryTransferTree *self, FerryTransfer *transfer,
                      GDBusMethodInvocation *invocation)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GError *error = NULL;
  gboolean ok;

  if (g_str_equal (method, "GetResponseInformation"))
    {
      g_dbus_method_invocation_return_value (invocation, response_information (transfer));
      return;
    }
  if (g_str_equal (method, "OpenResponseBody"))
    {
      open_response_body (transfer, invocation);
      return;
    }
  if (g_str_equal (method, "OpenResult"))
    {
      open_result (transfer, invocation);
      return;
    }

  if (g_str_equal (method, "SetRequestedUri"))
    ok = set_requested_uri (self, transfer, invocation, &error);
  else if (g_str_equal (method, "SetCostPolicy") || g_str_equal (method, "SetPriority"))
    ok = set_policy (self, transfer, invocation, &error);
  else if (g_str_equal (method, "Start"))
    ok = ferry_scheduler_start (self->scheduler, transfer, &error);
  else if (g_str_equal (method, "Pause"))
    ok = ferry_scheduler_pause (self->scheduler, transfer, &error);
  else if (g_str_equal (method, "Resume"))
    ok = ferry_scheduler_resume (self->scheduler, transfer, &error);
  else if (g_str_equal (method, "Cancel"))
    ok = ferry_scheduler_cancel (self->scheduler, transfer, &error);
  else
    g_assert_not_reached (); /* GDBus checked the method against the interface */

  if (!ok)
    g_dbus_method_invocation_take_error (invocation, error);
  else if (g_str_equal (method, "Pause"))
    {
      /* Answered once the bytes are final, so that what the app reads then
       * is what the transfer will resume from. */
      StoppedReply *stopped = g_new0 (StoppedReply, 1);

      stopped->scheduler = self->scheduler;
      stopped->invocation = invocation;
      ferry_scheduler_when_stopped (self->scheduler, transfer, reply_when_stopped, stopped);
    }
  else
    ferry_scheduler_when_stored (self->scheduler, reply_when_stored, invocation);
}

/* The single gate for every call on a transfer. */
static void
transfer_call_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                          FerryAppInfo *caller)
{
  FerryTransferTree *self = object;
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  FerryTransfer *transfer;

  transfer = ferry_scheduler_lookup (self->scheduler, path + strlen (FERRY_TRANSFER_PATH_PREFIX));
  if (transfer == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, FERRY_ERROR, FERRY_ERROR_NOT_FOUND,
                                             _("No such transfer"));
      return;
    }
  if (!g_str_equal (ferry_transfer_get_app_id (transfer), ferry_app_info_get_id (caller)))
    {
      g_dbus_method_invocation_return_error (invocation, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED,
                                             _("The transfer belongs to another app"));
      return;
    }

  if (g_str_equal (g_dbus_method_invocation_get_interface_name (invocation), PROPERTIES_INTERFACE))
    handle_properties_call (transfer, invocation);
  else
    handle_transfer_call (self, transfer, invocation);
}

static void
subtree_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  FerryTransferTree *self = user_data;

  ferry_callers_dispatch (self->callers, invocation, transfer_call_for_caller, self);
}

/* get_property and set_property are NULL so that property access reaches
 * subtree_method_call, which checks the caller first. */
static const GDBusInterfaceVTable transfer_vtable = {
  .method_call = subtree_method_call,
};

/* Lists only the caller's own transfers, so introspection leaks nothing. */
static char **
subtree_enumerate (GDBusConnection *connection, const char *sender,
                   const char *object_path, gpointer user_data)
{
  FerryTransferTree *self = user_data;
  FerryAppInfo *caller = ferry_callers_peek (self->callers, sender);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();

  if (caller != NULL)
    {
      g_autoptr(GPtrArray) transfers = ferry_scheduler_list_all (self->scheduler);

      for (guint i = 0; i < transfers->len; i++)
        {
          FerryTransfer *transfer = g_ptr_array_index (transfers, i);

          if (g_str_equal (ferry_transfer_get_app_id (transfer), ferry_app_info_get_id (caller)))
            g_ptr_array_add (nodes, g_strdup (ferry_transfer_get_id (transfer)));
        }
    }
  g_ptr_array_add (nodes, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&nodes), FALSE);
}

static GDBusInterfaceInfo **
subtree_introspect (GDBusConnection *connection, const char *sender,
                    const char *object_path, const char *node, gpointer user_data)
{
  FerryTransferTree *self = user_data;
  GDBusInterfaceInfo **infos;

  if (node == NULL || ferry_scheduler_lookup (self->scheduler, node) == NULL)
    return NULL;
  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (ferry_dbus_transfer_interface_info ());
  return infos;
}

static const GDBusInterfaceVTable *
subtree_dispatch (GDBusConnection *connection, const char *sender, const char *object_path,
                  const char *interface_name, const char *node, gpointer *out_user_data,
                  gpointer user_data)
{
  /* Unknown ids reach the handler too, which answers NotFound. */
  if (node == NULL || g_strcmp0 (interface_name, TRANSFER_INTERFACE) != 0)
    return NULL;
  *out_user_data = user_data;
  return &transfer_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = {
  .enumerate = subtree_enumerate,
  .introspect = subtree_introspect,
  .dispatch = subtree_dispatch,
};

static void
ferry_transfer_tree_dispose (GObject *object)
{
  FerryTransferTree *self = FERRY_TRANSFER_TREE (object);

  if (self->registration_id != 0)
    {
      g_dbus_connection_unregister_subtree (self->bus, self->registration_id);
      self->registration_id = 0;
    }
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  g_clear_object (&self->bus);
  g_clear_object (&self->callers);
  g_clear_object (&self->scheduler);

  G_OBJECT_CLASS (ferry_transfer_tree_parent_class)->dispose (object);
}

static void
ferry_transfer_tree_class_init (FerryTransferTreeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_transfer_tree_dispose;
}

static void
ferry_transfer_tree_init (FerryTransferTree *self)
{
}

FerryTransferTree *
ferry_transfer_tree_new (GDBusConnection *bus,
                         FerryCallers    *callers,
                         FerryScheduler  *scheduler,
                         GError         **error)
{
  g_autoptr(FerryTransferTree) self = g_object_new (FERRY_TYPE_TRANSFER_TREE, NULL);
  g_autoptr(GPtrArray) existing = NULL;

  self->bus = g_object_ref (bus);
  self->callers = g_object_ref (callers);
  self->scheduler = g_object_ref (scheduler);

  /* Transfers restored before the tree existed, then every new one. */
  existing = ferry_scheduler_list_all (scheduler);
  for (guint i = 0; i < existing->len; i++)
    on_transfer_added (scheduler, g_ptr_array_index (existing, i), self);
  g_signal_connect (scheduler, "transfer-added", G_CALLBACK (on_transfer_added), self);

  self->registration_id =
    g_dbus_connection_register_subtree (bus, "/org/freedesktop/Ferry1/Transfer", &subtree_vtable,
                                        G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                        self, NULL, error);
  if (self->registration_id == 0)
    return NULL;
  return g_steal_pointer (&self);
}
