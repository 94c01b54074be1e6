/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n-lib.h>
#include <string.h>

#include <gio/gunixinputstream.h>

#include "ferry.h"
#include "ferry-calls.h"
#include "ferry-dbus-generated.h"
#include "ferry-transfer-private.h"

/**
 * FerryTransfer:
 *
 * One background transfer of the Ferry service, as its application sees
 * it.
 *
 * A #FerryTransfer comes from a #FerryDownloader (ferry_downloader_create_download(),
 * ferry_downloader_get_current_downloads(), ferry_downloader_get_transfer())
 * already attached: its properties hold the service's values, follow them
 * with `notify::` as they change, and #FerryTransfer::progress reports the
 * bytes as they arrive. The transfer itself lives in the service: dropping
 * the object changes nothing there, and the transfer goes on.
 *
 * Signals and notifications are emitted in the thread-default main context
 * of the thread that first used the D-Bus connection with libferry, which
 * must be running for them to arrive.
 *
 * If the service restarts, the object reads its properties again as soon
 * as the new instance is on the bus, and follows it from there.
 */

struct _FerryTransfer
{
  GObject              parent_instance;
  FerrySession        *session;
  char                *path;
  char                *id;
  FerryTransferKind    kind;
  char                *uri;
  char                *destination;
  char                *source;
  FerryTransferStatus  status;
  FerryCostPolicy      cost_policy;
  FerryPriority        priority;
  char                *group;
  char                *completion_group;
  guint64              bytes_received;
  guint64              total_bytes_to_receive;
  guint64              bytes_sent;
  guint64              total_bytes_to_send;
  char                *error_name;
  char                *error_message;
  guint                http_status;
  GPtrArray           *waits;     /* GTask of ferry_transfer_wait() */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_OBJECT_PATH,
  PROP_KIND,
  PROP_URI,
  PROP_DESTINATION,
  PROP_SOURCE,
  PROP_STATUS,
  PROP_COST_POLICY,
  PROP_PRIORITY,
  PROP_GROUP,
  PROP_COMPLETION_GROUP,
  PROP_BYTES_RECEIVED,
  PROP_TOTAL_BYTES_TO_RECEIVE,
  PROP_BYTES_SENT,
  PROP_TOTAL_BYTES_TO_SEND,
  PROP_ERROR_NAME,
  PROP_ERROR_MESSAGE,
  PROP_HTTP_STATUS,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryTransfer, ferry_transfer, G_TYPE_OBJECT)

static void
ferry_transfer_dispose (GObject *object)
{
  FerryTransfer *self = FERRY_TRANSFER (object);

  if (self->session != NULL)
    {
      _ferry_session_remove_transfer (self->session, self);
      g_clear_object (&self->session);
    }
  G_OBJECT_CLASS (ferry_transfer_parent_class)->dispose (object);
}

static void
ferry_transfer_finalize (GObject *object)
{
  FerryTransfer *self = FERRY_TRANSFER (object);

  g_free (self->path);
  g_free (self->id);
  g_free (self->uri);
  g_free (self->destination);
  g_free (self->source);
  g_free (self->group);
  g_free (self->completion_group);
  g_free (self->error_name);
  g_free (self->error_message);
  g_ptr_array_unref (self->waits);
  G_OBJECT_CLASS (ferry_transfer_parent_class)->finalize (object);
}

static void
ferry_transfer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FerryTransfer *self = FERRY_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_OBJECT_PATH: g_value_set_string (value, self->path); break;
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_URI: g_value_set_string (value, self->uri); break;
    case PROP_DESTINATION: g_value_set_string (value, self->destination); break;
    case PROP_SOURCE: g_value_set_string (value, self->source); break;
    case PROP_STATUS: g_value_set_enum (value, self->status); break;
    case PROP_COST_POLICY: g_value_set_enum (value, self->cost_policy); break;
    case PROP_PRIORITY: g_value_set_enum (value, self->priority); break;
    case PROP_GROUP: g_value_set_string (value, self->group); break;
    case PROP_COMPLETION_GROUP: g_value_set_string (value, self->completion_group); break;
    case PROP_BYTES_RECEIVED: g_value_set_uint64 (value, self->bytes_received); break;
    case PROP_TOTAL_BYTES_TO_RECEIVE: g_value_set_uint64 (value, self->total_bytes_to_receive); break;
    case PROP_BYTES_SENT: g_value_set_uint64 (value, self->bytes_sent); break;
    case PROP_TOTAL_BYTES_TO_SEND: g_value_set_uint64 (value, self->total_bytes_to_send); break;
    case PROP_ERROR_NAME: g_value_set_string (value, self->error_name); break;
    case PROP_ERROR_MESSAGE: g_value_set_string (value, self->error_message); break;
    case PROP_HTTP_STATUS: g_value_set_uint (value, self->http_status); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define READABLE (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY)

static void
install_properties (GObjectClass *object_class)
{
  /**
   * FerryTransfer:id:
   *
   * The transfer's id: the last element of its object path. It stays the
   * same across restarts of the service.
   */
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:object-path:
   *
   * The D-Bus object path of the transfer,
   * `/org/freedesktop/Ferry1/Transfer/<id>`.
   */
  properties[PROP_OBJECT_PATH] = g_param_spec_string ("object-path", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:kind:
   *
   * What the transfer does.
   */
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, FERRY_TYPE_TRANSFER_KIND,
                                             FERRY_TRANSFER_KIND_DOWNLOAD, READABLE);
  /**
   * FerryTransfer:uri:
   *
   * The requested URI.
   */
  properties[PROP_URI] = g_param_spec_string ("uri", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:destination:
   *
   * The absolute path of the downloaded file; `""` for uploads.
   */
  properties[PROP_DESTINATION] = g_param_spec_string ("destination", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:source:
   *
   * The absolute path of the uploaded file: for a multipart upload the
   * first file, for an upload from a stream `""`; `""` for downloads.
   */
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:cost-policy:
   *
   * On which networks the transfer may run; see
   * ferry_transfer_set_cost_policy().
   */
  properties[PROP_COST_POLICY] = g_param_spec_enum ("cost-policy", NULL, NULL,
                                                    FERRY_TYPE_COST_POLICY,
                                                    FERRY_COST_POLICY_DEFAULT, READABLE);
  /**
   * FerryTransfer:priority:
   *
   * Where the transfer goes in the queue; see ferry_transfer_set_priority().
   */
  properties[PROP_PRIORITY] = g_param_spec_enum ("priority", NULL, NULL, FERRY_TYPE_PRIORITY,
                                                 FERRY_PRIORITY_DEFAULT, READABLE);
  /**
   * FerryTransfer:completion-group:
   *
   * The completion group given when the transfer was created, `""` when
   * none.
   */
  properties[PROP_COMPLETION_GROUP] =
    g_param_spec_string ("completion-group", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:status:
   *
   * Where the transfer stands. When it changes, #FerryTransfer:error-name
   * and #FerryTransfer:error-message already hold the values that go with
   * it.
   */
  properties[PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, FERRY_TYPE_TRANSFER_STATUS,
                                               FERRY_TRANSFER_STATUS_IDLE, READABLE);
  /**
   * FerryTransfer:group:
   *
   * The group given when the transfer was created, `""` when none.
   */
  properties[PROP_GROUP] = g_param_spec_string ("group", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:bytes-received:
   *
   * The bytes of the body received so far. It follows the service's
   * progress reports, a few a second at most.
   */
  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_uint64 ("bytes-received", NULL, NULL, 0, G_MAXUINT64, 0, READABLE);
  /**
   * FerryTransfer:total-bytes-to-receive:
   *
   * The size of the body, 0 while it is unknown.
   */
  properties[PROP_TOTAL_BYTES_TO_RECEIVE] =
    g_param_spec_uint64 ("total-bytes-to-receive", NULL, NULL, 0, G_MAXUINT64, 0, READABLE);
  /**
   * FerryTransfer:bytes-sent:
   *
   * The bytes of the request body sent so far (uploads); for a resumable
   * (tus) upload, what the server confirmed. It follows the service's
   * progress reports.
   */
  properties[PROP_BYTES_SENT] =
    g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, READABLE);
  /**
   * FerryTransfer:total-bytes-to-send:
   *
   * The size of the request body, 0 while it is unknown (an upload from a
   * stream).
   */
  properties[PROP_TOTAL_BYTES_TO_SEND] =
    g_param_spec_uint64 ("total-bytes-to-send", NULL, NULL, 0, G_MAXUINT64, 0, READABLE);
  /**
   * FerryTransfer:error-name:
   *
   * Why the transfer failed, such as `"not-found"`, `"cannot-connect"` or
   * `"checksum-mismatch"` (the D-Bus API lists them all); `""` when there
   * is no error.
   */
  properties[PROP_ERROR_NAME] = g_param_spec_string ("error-name", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:error-message:
   *
   * A human readable description of the error, `""` when there is none.
   */
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, READABLE);
  /**
   * FerryTransfer:http-status:
   *
   * The HTTP status of the last response, 0 before any.
   */
  properties[PROP_HTTP_STATUS] =
    g_param_spec_uint ("http-status", NULL, NULL, 0, G_MAXUINT, 0, READABLE);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ferry_transfer_class_init (FerryTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ferry_transfer_dispose;
  object_class->finalize = ferry_transfer_finalize;
  object_class->get_property = ferry_transfer_get_property;
  install_properties (object_class);

  /**
   * FerryTransfer::progress:
   * @self: the transfer
   * @transferred: the bytes transferred so far
   * @total: the expected size, 0 while it is unknown
   *
   * Emitted when the service reports progress, a few times a second at
   * most, after the byte counts of the transfer were updated.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
ferry_transfer_init (FerryTransfer *self)
{
  self->uri = g_strdup ("");
  self->destination = g_strdup ("");
  self->source = g_strdup ("");
  self->group = g_strdup ("");
  self->completion_group = g_strdup ("");
  self->cost_policy = FERRY_COST_POLICY_DEFAULT;
  self->priority = FERRY_PRIORITY_DEFAULT;
  self->error_name = g_strdup ("");
  self->error_message = g_strdup ("");
  self->waits = g_ptr_array_new_with_free_func (g_object_unref);
}

/* ---- following the service ------------------------------------------- */

static void
set_string (FerryTransfer *self, char **field, const char *value, guint prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_uint64 (FerryTransfer *self, guint64 *field, guint64 value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_status (FerryTransfer *self, const char *value)
{
  FerryTransferStatus status;

  /* A newer service may know statuses that this library does not. */
  if (!ferry_transfer_status_from_string (value, &status))
    {
      g_debug ("%s: unknown status “%s”", self->id, value);
      return;
    }
  if (self->status == status)
    return;
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

/* Enum properties from the service's strings; one a newer service knows and
 * this library does not is left as it was. */
static void
set_enum (FerryTransfer *self, int *field, GType type, const char *value, guint prop)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value_by_nick (klass, value);

  if (found == NULL || *field == found->value)
    return;
  *field = found->value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_kind (FerryTransfer *self, const char *value)
{
  FerryTransferKind kind;

  if (!ferry_transfer_kind_from_string (value, &kind) || self->kind == kind)
    return;
  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

/* One property as the service sends it, checked against the XML. */
static void
apply_property (FerryTransfer *self, const char *name, GVariant *value)
{
  GDBusPropertyInfo *info =
    g_dbus_interface_info_lookup_property (ferry_dbus_transfer_interface_info (), name);
  const char *s;

  if (info == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE (info->signature)))
    return;
  s = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ? g_variant_get_string (value, NULL)
                                                          : NULL;
  if (g_str_equal (name, "Kind"))
    set_kind (self, s);
  else if (g_str_equal (name, "Uri"))
    set_string (self, &self->uri, s, PROP_URI);
  else if (g_str_equal (name, "Destination"))
    set_string (self, &self->destination, s, PROP_DESTINATION);
  else if (g_str_equal (name, "Source"))
    set_string (self, &self->source, s, PROP_SOURCE);
  else if (g_str_equal (name, "Status"))
    set_status (self, s);
  else if (g_str_equal (name, "CostPolicy"))
    set_enum (self, (int *) &self->cost_policy, FERRY_TYPE_COST_POLICY, s, PROP_COST_POLICY);
  else if (g_str_equal (name, "Priority"))
    set_enum (self, (int *) &self->priority, FERRY_TYPE_PRIORITY, s, PROP_PRIORITY);
  else if (g_str_equal (name, "Group"))
    set_string (self, &self->group, s, PROP_GROUP);
  else if (g_str_equal (name, "CompletionGroup"))
    set_string (self, &self->completion_group, s, PROP_COMPLETION_GROUP);
  else if (g_str_equal (name, "BytesReceived"))
    set_uint64 (self, &self->bytes_received, g_variant_get_uint64 (value), PROP_BYTES_RECEIVED);
  else if (g_str_equal (name, "TotalBytesToReceive"))
    set_uint64 (self, &self->total_bytes_to_receive, g_variant_get_uint64 (value),
                PROP_TOTAL_BYTES_TO_RECEIVE);
  else if (g_str_equal (name, "BytesSent"))
    set_uint64 (self, &self->bytes_sent, g_variant_get_uint64 (value), PROP_BYTES_SENT);
  else if (g_str_equal (name, "TotalBytesToSend"))
    set_uint64 (self, &self->total_bytes_to_send, g_variant_get_uint64 (value),
                PROP_TOTAL_BYTES_TO_SEND);
  else if (g_str_equal (name, "ErrorName"))
    set_string (self, &self->error_name, s, PROP_ERROR_NAME);
  else if (g_str_equal (name, "ErrorMessage"))
    set_string (self, &self->error_message, s, PROP_ERROR_MESSAGE);
  else if (g_str_equal (name, "HttpStatus") && self->http_status != g_variant_get_uint32 (value))
    {
      self->http_status = g_variant_get_uint32 (value);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HTTP_STATUS]);
    }
}

/* An error ends a wait too: only an explicit resume revives it. */
static gboolean
status_ends_wait (FerryTransferStatus status)
{
  return ferry_transfer_status_is_final (status) || status == FERRY_TRANSFER_STATUS_ERROR;
}

static void
finish_waits (FerryTransfer *self)
{
  g_autoptr(GPtrArray) waits = NULL;

  if (!status_ends_wait (self->status) || self->waits->len == 0)
    return;
  waits = g_steal_pointer (&self->waits);
  self->waits = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waits->len; i++)
    g_task_return_int (g_ptr_array_index (waits, i), self->status);
}

/* Applies an a{sv} of properties at once: every notify comes after all of
 * them are set, so a handler of notify::status sees the matching error. */
static void
apply_properties (FerryTransfer *self, GVariant *dict)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_object_freeze_notify (G_OBJECT (self));
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      apply_property (self, name, value);
      g_variant_unref (value);
    }
  g_object_thaw_notify (G_OBJECT (self));
  finish_waits (self);
}

/* Progress counts the bytes received by a download, sent by an upload. */
static void
handle_progress (FerryTransfer *self, guint64 transferred, guint64 total)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->kind == FERRY_TRANSFER_KIND_UPLOAD)
    {
      set_uint64 (self, &self->bytes_sent, transferred, PROP_BYTES_SENT);
      set_uint64 (self, &self->total_bytes_to_send, total, PROP_TOTAL_BYTES_TO_SEND);
    }
  else
    {
      set_uint64 (self, &self->bytes_received, transferred, PROP_BYTES_RECEIVED);
      set_uint64 (self, &self->total_bytes_to_receive, total, PROP_TOTAL_BYTES_TO_RECEIVE);
    }
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, transferred, total);
}

static void
handle_status_changed (FerryTransfer *self, const char *status, const char *error_name,
                       const char *error_message)
{
  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->error_name, error_name, PROP_ERROR_NAME);
  set_string (self, &self->error_message, error_message, PROP_ERROR_MESSAGE);
  set_status (self, status);
  g_object_thaw_notify (G_OBJECT (self));
  finish_waits (self);
}

/* The byte counts are not in PropertiesChanged: they change too often;
 * Progress carries them. */
void
_ferry_transfer_handle_signal (FerryTransfer *self, const char *interface, const char *member,
                               GVariant *parameters)
{
  if (g_str_equal (member, "Progress") && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(tt)")))
    {
      guint64 transferred, total;

      g_variant_get (parameters, "(tt)", &transferred, &total);
      handle_progress (self, transferred, total);
    }
  else if (g_str_equal (member, "StatusChanged") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    {
      const char *status, *error_name, *error_message;

      g_variant_get (parameters, "(&s&s&s)", &status, &error_name, &error_message);
      handle_status_changed (self, status, error_name, error_message);
    }
  else if (g_str_equal (member, "PropertiesChanged") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    {
      g_autoptr(GVariant) changed = g_variant_get_child_value (parameters, 1);

      apply_properties (self, changed);
    }
}

/* ---- attaching and reading ------------------------------------------- */

static FerryTransfer *
transfer_new (FerrySession *session, const char *path)
{
  FerryTransfer *self = g_object_new (FERRY_TYPE_TRANSFER, NULL);

  self->session = g_object_ref (session);
  self->path = g_strdup (path);
  self->id = g_strdup (strrchr (path, '/') + 1);
  /* From now on it receives signals: before the properties are read, so
   * that no change between the two is missed. */
  _ferry_session_add_transfer (session, self);
  return self;
}

/* D-Bus itself answers a Properties call on a path the service has no
 * object for, in its own words: say what it means. */
static void
fix_unknown_object (FerryTransfer *self, GError **error)
{
  if (!g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) &&
      !g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) &&
      !g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
    return;
  g_clear_error (error);
  g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_NOT_FOUND, _("No such transfer"));
}

static void
on_get_all (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  FerryTransfer *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) dict = NULL;
  GError *error = NULL;

  reply = ferry_session_call_finish (FERRY_SESSION (source), result, NULL, &error);
  if (reply == NULL)
    {
      fix_unknown_object (self, &error);
      g_task_return_error (task, error);
      return;
    }
  dict = g_variant_get_child_value (reply, 0);
  apply_properties (self, dict);
  g_task_return_boolean (task, TRUE);
}

/**
 * ferry_transfer_refresh:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the properties are read
 * @user_data: data for @callback
 *
 * Reads every property of the transfer from the service again. This is
 * rarely needed: the properties follow the service by themselves.
 */
void
ferry_transfer_refresh (FerryTransfer       *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (FERRY_IS_TRANSFER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ferry_transfer_refresh);
  ferry_session_call (self->session, self->path, "org.freedesktop.DBus.Properties", "GetAll",
                      g_variant_new ("(s)", FERRY_TRANSFER_IFACE), G_VARIANT_TYPE ("(a{sv})"),
                      NULL, cancellable, on_get_all, task);
}

/**
 * ferry_transfer_refresh_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the properties were read
 */
gboolean
ferry_transfer_refresh_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ferry_transfer_refresh_sync:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Reads every property of the transfer again, blocking the calling thread.
 *
 * Returns: whether the properties were read
 */
gboolean
ferry_transfer_refresh_sync (FerryTransfer *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) dict = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  reply = ferry_session_call_sync (self->session, self->path, "org.freedesktop.DBus.Properties",
                                   "GetAll", g_variant_new ("(s)", FERRY_TRANSFER_IFACE),
                                   G_VARIANT_TYPE ("(a{sv})"), NULL, NULL, cancellable,
                                   &local_error);
  if (reply == NULL)
    {
      fix_unknown_object (self, &local_error);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  dict = g_variant_get_child_value (reply, 0);
  apply_properties (self, dict);
  return TRUE;
}

static void
on_attach_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (ferry_transfer_refresh_finish (FERRY_TRANSFER (source), result, &error))
    g_task_return_pointer (task, g_object_ref (source), g_object_unref);
  else
    g_task_return_error (task, error);
}

void
_ferry_transfer_attach (FerrySession        *session,
                        const char          *path,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(FerryTransfer) self = transfer_new (session, path);
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _ferry_transfer_attach);
  ferry_transfer_refresh (self, cancellable, on_attach_refreshed, task);
}

FerryTransfer *
_ferry_transfer_attach_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

FerryTransfer *
_ferry_transfer_attach_sync (FerrySession  *session,
                             const char    *path,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(FerryTransfer) self = transfer_new (session, path);

  if (!ferry_transfer_refresh_sync (self, cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
on_restart_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!ferry_transfer_refresh_finish (FERRY_TRANSFER (source), result, &error))
    g_debug ("%s: cannot read it from the restarted service: %s",
             ferry_transfer_get_id (FERRY_TRANSFER (source)), error->message);
}

/* A new instance of the service sends signals only to connections that
 * called it; reading the properties is such a call, and catches up. */
void
_ferry_transfer_service_restarted (FerryTransfer *self)
{
  ferry_transfer_refresh (self, NULL, on_restart_refreshed, NULL);
}

/* ---- properties ------------------------------------------------------- */

/**
 * ferry_transfer_get_id:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:id
 */
const char *
ferry_transfer_get_id (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->id;
}

/**
 * ferry_transfer_get_object_path:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:object-path
 */
const char *
ferry_transfer_get_object_path (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->path;
}

/**
 * ferry_transfer_get_kind:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:kind
 */
FerryTransferKind
ferry_transfer_get_kind (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FERRY_TRANSFER_KIND_DOWNLOAD);
  return self->kind;
}

/**
 * ferry_transfer_get_uri:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:uri
 */
const char *
ferry_transfer_get_uri (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->uri;
}

/**
 * ferry_transfer_get_destination:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:destination
 */
const char *
ferry_transfer_get_destination (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->destination;
}

/**
 * ferry_transfer_get_source:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:source
 */
const char *
ferry_transfer_get_source (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->source;
}

/**
 * ferry_transfer_get_cost_policy:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:cost-policy
 */
FerryCostPolicy
ferry_transfer_get_cost_policy (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FERRY_COST_POLICY_DEFAULT);
  return self->cost_policy;
}

/**
 * ferry_transfer_get_priority:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:priority
 */
FerryPriority
ferry_transfer_get_priority (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FERRY_PRIORITY_DEFAULT);
  return self->priority;
}

/**
 * ferry_transfer_get_completion_group:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:completion-group
 */
const char *
ferry_transfer_get_completion_group (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->completion_group;
}

/**
 * ferry_transfer_get_bytes_sent:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:bytes-sent
 */
guint64
ferry_transfer_get_bytes_sent (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), 0);
  return self->bytes_sent;
}

/**
 * ferry_transfer_get_total_bytes_to_send:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:total-bytes-to-send
 */
guint64
ferry_transfer_get_total_bytes_to_send (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), 0);
  return self->total_bytes_to_send;
}

/**
 * ferry_transfer_get_status:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:status
 */
FerryTransferStatus
ferry_transfer_get_status (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FERRY_TRANSFER_STATUS_ERROR);
  return self->status;
}

/**
 * ferry_transfer_get_group:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:group
 */
const char *
ferry_transfer_get_group (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->group;
}

/**
 * ferry_transfer_get_bytes_received:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:bytes-received
 */
guint64
ferry_transfer_get_bytes_received (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), 0);
  return self->bytes_received;
}

/**
 * ferry_transfer_get_total_bytes_to_receive:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:total-bytes-to-receive
 */
guint64
ferry_transfer_get_total_bytes_to_receive (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), 0);
  return self->total_bytes_to_receive;
}

/**
 * ferry_transfer_get_error_name:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:error-name
 */
const char *
ferry_transfer_get_error_name (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->error_name;
}

/**
 * ferry_transfer_get_error_message:
 * @self: a transfer
 *
 * Returns: (transfer none): the value of #FerryTransfer:error-message
 */
const char *
ferry_transfer_get_error_message (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  return self->error_message;
}

/**
 * ferry_transfer_get_http_status:
 * @self: a transfer
 *
 * Returns: the value of #FerryTransfer:http-status
 */
guint
ferry_transfer_get_http_status (FerryTransfer *self)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), 0);
  return self->http_status;
}

/* ---- control ---------------------------------------------------------- */

static void
control (FerryTransfer *self, const char *method, GVariant *parameters, gpointer tag,
         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  _ferry_call (self, tag, self->session, self->path, FERRY_TRANSFER_IFACE, method, parameters,
               G_VARIANT_TYPE_UNIT, cancellable, callback, user_data);
}

static gboolean
control_finish (FerryTransfer *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result, tag, NULL, error);

  return reply != NULL;
}

static gboolean
control_sync (FerryTransfer *self, const char *method, GVariant *parameters,
              GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_session_call_sync (self->session, self->path, FERRY_TRANSFER_IFACE, method,
                                   parameters, G_VARIANT_TYPE_UNIT, NULL, NULL, cancellable,
                                   error);
  return reply != NULL;
}

/**
 * ferry_transfer_start:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has queued the transfer
 * @user_data: data for @callback
 *
 * Queues a new transfer (status %FERRY_TRANSFER_STATUS_IDLE, never started).
 * It fails with %FERRY_ERROR_INVALID_STATE for any other.
 */
void
ferry_transfer_start (FerryTransfer *self, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  control (self, "Start", NULL, ferry_transfer_start, cancellable, callback, user_data);
}

/**
 * ferry_transfer_start_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the transfer was queued
 */
gboolean
ferry_transfer_start_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  return control_finish (self, result, ferry_transfer_start, error);
}

/**
 * ferry_transfer_start_sync:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Queues a new transfer, blocking the calling thread; see
 * ferry_transfer_start().
 *
 * Returns: whether the transfer was queued
 */
gboolean
ferry_transfer_start_sync (FerryTransfer *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  return control_sync (self, "Start", NULL, cancellable, error);
}

/**
 * ferry_transfer_pause:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the transfer is paused
 * @user_data: data for @callback
 *
 * Stops a queued or running transfer, keeping its bytes; its status becomes
 * %FERRY_TRANSFER_STATUS_PAUSED_BY_APPLICATION.
 */
void
ferry_transfer_pause (FerryTransfer *self, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  control (self, "Pause", NULL, ferry_transfer_pause, cancellable, callback, user_data);
}

/**
 * ferry_transfer_pause_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the transfer was paused
 */
gboolean
ferry_transfer_pause_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  return control_finish (self, result, ferry_transfer_pause, error);
}

/**
 * ferry_transfer_pause_sync:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Pauses the transfer, blocking the calling thread; see
 * ferry_transfer_pause().
 *
 * Returns: whether the transfer was paused
 */
gboolean
ferry_transfer_pause_sync (FerryTransfer *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  return control_sync (self, "Pause", NULL, cancellable, error);
}

/**
 * ferry_transfer_resume:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the transfer is queued again
 * @user_data: data for @callback
 *
 * Queues a paused or failed transfer again. It continues from where it
 * stopped when the server allows it, and starts over otherwise.
 */
void
ferry_transfer_resume (FerryTransfer *self, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  control (self, "Resume", NULL, ferry_transfer_resume, cancellable, callback, user_data);
}

/**
 * ferry_transfer_resume_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the transfer was queued again
 */
gboolean
ferry_transfer_resume_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  return control_finish (self, result, ferry_transfer_resume, error);
}

/**
 * ferry_transfer_resume_sync:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Resumes the transfer, blocking the calling thread; see
 * ferry_transfer_resume().
 *
 * Returns: whether the transfer was queued again
 */
gboolean
ferry_transfer_resume_sync (FerryTransfer *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  return control_sync (self, "Resume", NULL, cancellable, error);
}

/**
 * ferry_transfer_cancel:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the transfer is canceled
 * @user_data: data for @callback
 *
 * Stops the transfer for good and deletes its partial data; its status
 * becomes %FERRY_TRANSFER_STATUS_CANCELED. (@cancellable cancels this call,
 * not the transfer.)
 */
void
ferry_transfer_cancel (FerryTransfer *self, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  control (self, "Cancel", NULL, ferry_transfer_cancel, cancellable, callback, user_data);
}

/**
 * ferry_transfer_cancel_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the transfer was canceled
 */
gboolean
ferry_transfer_cancel_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  return control_finish (self, result, ferry_transfer_cancel, error);
}

/**
 * ferry_transfer_cancel_sync:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Cancels the transfer, blocking the calling thread; see
 * ferry_transfer_cancel().
 *
 * Returns: whether the transfer was canceled
 */
gboolean
ferry_transfer_cancel_sync (FerryTransfer *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  return control_sync (self, "Cancel", NULL, cancellable, error);
}

/**
 * ferry_transfer_set_cost_policy:
 * @self: a transfer
 * @policy: on which networks the transfer may run
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has changed it
 * @user_data: data for @callback
 *
 * Changes the cost policy of the transfer. One that the policy forbids on
 * the current network waits as %FERRY_TRANSFER_STATUS_PAUSED_COSTED_NETWORK
 * and goes on by itself when the network allows it.
 */
void
ferry_transfer_set_cost_policy (FerryTransfer *self, FerryCostPolicy policy,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  control (self, "SetCostPolicy", g_variant_new ("(s)", ferry_cost_policy_to_string (policy)),
           ferry_transfer_set_cost_policy, cancellable, callback, user_data);
}

/**
 * ferry_transfer_set_cost_policy_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the cost policy was changed
 */
gboolean
ferry_transfer_set_cost_policy_finish (FerryTransfer *self, GAsyncResult *result,
                                       GError **error)
{
  return control_finish (self, result, ferry_transfer_set_cost_policy, error);
}

/**
 * ferry_transfer_set_cost_policy_sync:
 * @self: a transfer
 * @policy: on which networks the transfer may run
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Changes the cost policy, blocking the calling thread; see
 * ferry_transfer_set_cost_policy().
 *
 * Returns: whether the cost policy was changed
 */
gboolean
ferry_transfer_set_cost_policy_sync (FerryTransfer *self, FerryCostPolicy policy,
                                     GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  return control_sync (self, "SetCostPolicy",
                       g_variant_new ("(s)", ferry_cost_policy_to_string (policy)), cancellable,
                       error);
}

/**
 * ferry_transfer_set_priority:
 * @self: a transfer
 * @priority: the new priority
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has changed it
 * @user_data: data for @callback
 *
 * Changes where the transfer goes in the queue. Low priority transfers
 * also wait while the system saves power.
 */
void
ferry_transfer_set_priority (FerryTransfer *self, FerryPriority priority,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  control (self, "SetPriority", g_variant_new ("(s)", ferry_priority_to_string (priority)),
           ferry_transfer_set_priority, cancellable, callback, user_data);
}

/**
 * ferry_transfer_set_priority_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the priority was changed
 */
gboolean
ferry_transfer_set_priority_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  return control_finish (self, result, ferry_transfer_set_priority, error);
}

/**
 * ferry_transfer_set_priority_sync:
 * @self: a transfer
 * @priority: the new priority
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Changes the priority, blocking the calling thread; see
 * ferry_transfer_set_priority().
 *
 * Returns: whether the priority was changed
 */
gboolean
ferry_transfer_set_priority_sync (FerryTransfer *self, FerryPriority priority,
                                  GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  return control_sync (self, "SetPriority",
                       g_variant_new ("(s)", ferry_priority_to_string (priority)), cancellable,
                       error);
}

/**
 * ferry_transfer_set_requested_uri:
 * @self: a transfer
 * @uri: a new absolute http:// or https:// URI of the same resource
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has changed it
 * @user_data: data for @callback
 *
 * Gives the transfer a new URI for the same resource, such as a freshly
 * signed URL. A download whose server refused to resume it waits as
 * %FERRY_TRANSFER_STATUS_PAUSED_RECOVERABLE_WEB_ERROR; with a new URI it
 * continues from its offset. Allowed in any status but completed and
 * canceled.
 */
void
ferry_transfer_set_requested_uri (FerryTransfer *self, const char *uri,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  g_return_if_fail (uri != NULL);
  control (self, "SetRequestedUri", g_variant_new ("(s)", uri),
           ferry_transfer_set_requested_uri, cancellable, callback, user_data);
}

/**
 * ferry_transfer_set_requested_uri_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the URI was changed
 */
gboolean
ferry_transfer_set_requested_uri_finish (FerryTransfer *self, GAsyncResult *result,
                                         GError **error)
{
  return control_finish (self, result, ferry_transfer_set_requested_uri, error);
}

/**
 * ferry_transfer_set_requested_uri_sync:
 * @self: a transfer
 * @uri: a new absolute http:// or https:// URI of the same resource
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Gives the transfer a new URI, blocking the calling thread; see
 * ferry_transfer_set_requested_uri().
 *
 * Returns: whether the URI was changed
 */
gboolean
ferry_transfer_set_requested_uri_sync (FerryTransfer *self, const char *uri,
                                       GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);
  return control_sync (self, "SetRequestedUri", g_variant_new ("(s)", uri), cancellable, error);
}

/* ---- the server's response -------------------------------------------- */

/* The stream of the descriptor OpenResponseBody answered. */
static GInputStream *
body_stream (GVariant *reply, GUnixFDList *fd_list, GError **error)
{
  gint32 index;
  int fd;

  g_variant_get (reply, "(h)", &index);
  fd = fd_list != NULL ? g_unix_fd_list_get (fd_list, index, error) : -1;
  if (fd < 0)
    {
      if (fd_list == NULL)
        g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_FAILED,
                             _("The service sent no file descriptor"));
      return NULL;
    }
  return g_unix_input_stream_new (fd, TRUE);
}

/**
 * ferry_transfer_open_response_body:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the stream
 * @user_data: data for @callback
 *
 * Opens the body of the server's last response as the service kept it:
 * an upload's reply, or for a download the body of an error answer. It is
 * empty when there was none, and cut at the service's limit.
 */
void
ferry_transfer_open_response_body (FerryTransfer *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  _ferry_call (self, ferry_transfer_open_response_body, self->session, self->path,
               FERRY_TRANSFER_IFACE, "OpenResponseBody", NULL, G_VARIANT_TYPE ("(h)"),
               cancellable, callback, user_data);
}

/**
 * ferry_transfer_open_response_body_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): a stream of the body, or %NULL with @error set
 */
GInputStream *
ferry_transfer_open_response_body_finish (FerryTransfer *self, GAsyncResult *result,
                                          GError **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = _ferry_call_finish (self, result, ferry_transfer_open_response_body, &fd_list, error);
  if (reply == NULL)
    return NULL;
  return body_stream (reply, fd_list, error);
}

/**
 * ferry_transfer_open_response_body_sync:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Opens the body of the server's last response, blocking the calling
 * thread; see ferry_transfer_open_response_body().
 *
 * Returns: (transfer full): a stream of the body, or %NULL with @error set
 */
GInputStream *
ferry_transfer_open_response_body_sync (FerryTransfer *self, GCancellable *cancellable,
                                        GError **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  reply = ferry_session_call_sync (self->session, self->path, FERRY_TRANSFER_IFACE,
                                   "OpenResponseBody", NULL, G_VARIANT_TYPE ("(h)"), NULL,
                                   &fd_list, cancellable, error);
  if (reply == NULL)
    return NULL;
  return body_stream (reply, fd_list, error);
}

/**
 * ferry_transfer_open_result:
 * @self: a completed download
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the stream
 * @user_data: data for @callback
 *
 * Opens the downloaded file. For a download created with an empty
 * destination (what sandboxed applications do), the file is kept in the
 * service's storage and handed over once: the service removes its copy
 * when it gives the descriptor, so copy the data out of the stream. It
 * fails with %FERRY_ERROR_INVALID_STATE before completion or after the
 * first call; for a download with a destination, it opens that file.
 */
void
ferry_transfer_open_result (FerryTransfer *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  _ferry_call (self, ferry_transfer_open_result, self->session, self->path,
               FERRY_TRANSFER_IFACE, "OpenResult", NULL, G_VARIANT_TYPE ("(h)"),
               cancellable, callback, user_data);
}

/**
 * ferry_transfer_open_result_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): a stream of the downloaded file, or %NULL with
 *   @error set
 */
GInputStream *
ferry_transfer_open_result_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = _ferry_call_finish (self, result, ferry_transfer_open_result, &fd_list, error);
  if (reply == NULL)
    return NULL;
  return body_stream (reply, fd_list, error);
}

/**
 * ferry_transfer_open_result_sync:
 * @self: a completed download
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Opens the downloaded file, blocking the calling thread; see
 * ferry_transfer_open_result().
 *
 * Returns: (transfer full): a stream of the downloaded file, or %NULL with
 *   @error set
 */
GInputStream *
ferry_transfer_open_result_sync (FerryTransfer *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_TRANSFER (self), NULL);
  reply = ferry_session_call_sync (self->session, self->path, FERRY_TRANSFER_IFACE,
                                   "OpenResult", NULL, G_VARIANT_TYPE ("(h)"), NULL,
                                   &fd_list, cancellable, error);
  if (reply == NULL)
    return NULL;
  return body_stream (reply, fd_list, error);
}

/**
 * ferry_transfer_get_response_information:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Asks the service what the server answered last for this transfer.
 */
void
ferry_transfer_get_response_information (FerryTransfer *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_TRANSFER (self));
  _ferry_call (self, ferry_transfer_get_response_information, self->session, self->path,
               FERRY_TRANSFER_IFACE, "GetResponseInformation", NULL,
               G_VARIANT_TYPE ("(ua{ss}sb)"), cancellable, callback, user_data);
}

static void
unpack_response (GVariant *reply, guint *out_http_status, GHashTable **out_headers,
                 char **out_actual_uri, gboolean *out_resumable)
{
  g_autoptr(GVariantIter) headers = NULL;
  const char *actual_uri, *name, *value;
  gboolean resumable;
  guint32 status;

  g_variant_get (reply, "(ua{ss}&sb)", &status, &headers, &actual_uri, &resumable);
  if (out_http_status != NULL)
    *out_http_status = status;
  if (out_actual_uri != NULL)
    *out_actual_uri = g_strdup (actual_uri);
  if (out_resumable != NULL)
    *out_resumable = resumable;
  if (out_headers == NULL)
    return;
  *out_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  while (g_variant_iter_next (headers, "{&s&s}", &name, &value))
    g_hash_table_insert (*out_headers, g_strdup (name), g_strdup (value));
}

/**
 * ferry_transfer_get_response_information_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @out_http_status: (out) (optional): the HTTP status of the last response,
 *   0 before any
 * @out_headers: (out) (optional) (transfer full) (element-type utf8 utf8): the
 *   response headers, names in lower case
 * @out_actual_uri: (out) (optional) (transfer full): the URI after redirects
 * @out_resumable: (out) (optional): whether the server accepts range requests
 *   for it
 * @error: return location for an error
 *
 * Returns: whether the service answered
 */
gboolean
ferry_transfer_get_response_information_finish (FerryTransfer  *self,
                                                 GAsyncResult   *result,
                                                 guint          *out_http_status,
                                                 GHashTable    **out_headers,
                                                 char          **out_actual_uri,
                                                 gboolean       *out_resumable,
                                                 GError        **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = _ferry_call_finish (self, result, ferry_transfer_get_response_information, NULL,
                              error);
  if (reply == NULL)
    return FALSE;
  unpack_response (reply, out_http_status, out_headers, out_actual_uri, out_resumable);
  return TRUE;
}

/**
 * ferry_transfer_get_response_information_sync:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable
 * @out_http_status: (out) (optional): the HTTP status of the last response,
 *   0 before any
 * @out_headers: (out) (optional) (transfer full) (element-type utf8 utf8): the
 *   response headers, names in lower case
 * @out_actual_uri: (out) (optional) (transfer full): the URI after redirects
 * @out_resumable: (out) (optional): whether the server accepts range requests
 *   for it
 * @error: return location for an error
 *
 * Asks the service what the server answered last, blocking the calling
 * thread.
 *
 * Returns: whether the service answered
 */
gboolean
ferry_transfer_get_response_information_sync (FerryTransfer  *self,
                                               GCancellable   *cancellable,
                                               guint          *out_http_status,
                                               GHashTable    **out_headers,
                                               char          **out_actual_uri,
                                               gboolean       *out_resumable,
                                               GError        **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_TRANSFER (self), FALSE);
  reply = ferry_session_call_sync (self->session, self->path, FERRY_TRANSFER_IFACE,
                                   "GetResponseInformation", NULL,
                                   G_VARIANT_TYPE ("(ua{ss}sb)"), NULL, NULL, cancellable,
                                   error);
  if (reply == NULL)
    return FALSE;
  unpack_response (reply, out_http_status, out_headers, out_actual_uri, out_resumable);
  return TRUE;
}

/* ---- waiting for the end ---------------------------------------------- */

static void
destroy_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static gboolean
on_wait_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  FerryTransfer *self = g_task_get_source_object (task);
  g_autoptr(GTask) owned = NULL;
  guint index;

  if (g_ptr_array_find (self->waits, task, &index))
    {
      owned = g_ptr_array_steal_index (self->waits, index);
      g_task_return_error_if_cancelled (owned);
    }
  return G_SOURCE_REMOVE;
}

static void
on_wait_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  FerryTransfer *self = FERRY_TRANSFER (source);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  GSource *cancel_source;

  if (!ferry_transfer_refresh_finish (self, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (status_ends_wait (self->status))
    {
      g_task_return_int (task, self->status);
      return;
    }
  if (cancellable != NULL)
    {
      /* A source, so that the cancellation is handled in the task's
       * context whatever thread cancels. */
      cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancel_source, G_SOURCE_FUNC (on_wait_cancelled), task, NULL);
      g_source_attach (cancel_source, g_task_get_context (task));
      g_task_set_task_data (task, cancel_source, destroy_source);
    }
  g_ptr_array_add (self->waits, g_steal_pointer (&task));
}

/**
 * ferry_transfer_wait:
 * @self: a transfer
 * @cancellable: (nullable): a #GCancellable to stop waiting
 * @callback: (scope async): called when the transfer has ended
 * @user_data: data for @callback
 *
 * Waits for the transfer to complete, be canceled or fail: the
 * asynchronous operation of WinRT's `AttachAsync`. It reads the state of
 * the transfer afresh first, so it finishes at once for a transfer that has
 * already ended. Cancelling @cancellable stops the wait, not the transfer.
 *
 * The object stays alive while the wait is pending.
 */
void
ferry_transfer_wait (FerryTransfer *self, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (FERRY_IS_TRANSFER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ferry_transfer_wait);
  /* The state at hand may lag behind: signals queue up behind the reply
   * of a _sync call until the main context runs. */
  ferry_transfer_refresh (self, cancellable, on_wait_refreshed, task);
}

/**
 * ferry_transfer_wait_finish:
 * @self: a transfer
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes ferry_transfer_wait(). A transfer that failed is not an error
 * here: its status is %FERRY_TRANSFER_STATUS_ERROR, and
 * #FerryTransfer:error-name and #FerryTransfer:error-message say why.
 *
 * Returns: the status that ended the wait: %FERRY_TRANSFER_STATUS_COMPLETED,
 *   %FERRY_TRANSFER_STATUS_CANCELED or %FERRY_TRANSFER_STATUS_ERROR; or
 *   %FERRY_TRANSFER_STATUS_ERROR with @error set when the wait itself failed
 *   or was cancelled
 */
FerryTransferStatus
ferry_transfer_wait_finish (FerryTransfer *self, GAsyncResult *result, GError **error)
{
  gssize status;

  g_return_val_if_fail (g_task_is_valid (result, self), FERRY_TRANSFER_STATUS_ERROR);
  status = g_task_propagate_int (G_TASK (result), error);
  return status < 0 ? FERRY_TRANSFER_STATUS_ERROR : (FerryTransferStatus) status;
}
