/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-transfer"

#include <string.h>
#include <unistd.h>

#include "ferry-transfer.h"

struct _FerryTransfer
{
  GObject            parent_instance;

  char              *id;
  char              *object_path;
  char              *app_id;
  FerryTransferKind  kind;
  char              *uri;
  char              *destination;
  char              *source;
  GVariant          *parts;
  int                stream_fd;
  gboolean           is_stream;
  char              *method;
  char              *content_type;
  FerryUploadProtocol protocol;
  char              *upload_location;
  gint64             source_size;
  gint64             source_mtime;
  gint64             sequence;
  gint64             created_usec;
  gint64             ended_usec;

  char              *group;
  char              *checksum;
  GVariant          *headers;

  guint64            max_speed;
  guint              connections;
  GVariant          *segments;
  char              *completion_group;
  GVariant          *notify_success;
  GVariant          *notify_failure;
  char              *host_key;
  gint64             queued_time;
  FerryCostPolicy    cost_policy;
  FerryPriority      priority;
  FerryStatus        status;
  char              *error_name;
  char              *error_message;
  gboolean           started;

  guint64            bytes_transferred;
  gint64             total_bytes;
  guint64            durable_offset;

  FerryResponseInfo  response;
};

enum {
  SIGNAL_STATUS_CHANGED,
  SIGNAL_PROGRESS,
  SIGNAL_SETTINGS_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryTransfer, ferry_transfer, G_TYPE_OBJECT)

void
ferry_response_info_clear (FerryResponseInfo *info)
{
  g_clear_pointer (&info->actual_uri, g_free);
  g_clear_pointer (&info->etag, g_free);
  g_clear_pointer (&info->last_modified, g_free);
  g_clear_pointer (&info->headers, g_variant_unref);
  info->http_status = 0;
  info->accepts_ranges = FALSE;
}

void
ferry_response_info_copy (const FerryResponseInfo *src, FerryResponseInfo *dest)
{
  ferry_response_info_clear (dest);
  dest->http_status = src->http_status;
  dest->actual_uri = g_strdup (src->actual_uri);
  dest->etag = g_strdup (src->etag);
  dest->last_modified = g_strdup (src->last_modified);
  dest->accepts_ranges = src->accepts_ranges;
  dest->headers = src->headers ? g_variant_ref_sink (src->headers) : NULL;
}

static void
ferry_transfer_finalize (GObject *object)
{
  FerryTransfer *self = FERRY_TRANSFER (object);

  g_free (self->id);
  g_free (self->object_path);
  g_free (self->app_id);
  g_free (self->uri);
  g_free (self->destination);
  g_free (self->source);
  g_clear_pointer (&self->parts, g_variant_unref);
  g_clear_pointer (&self->segments, g_variant_unref);
  if (self->stream_fd >= 0)
    close (self->stream_fd);
  g_free (self->method);
  g_free (self->content_type);
  g_free (self->upload_location);
  g_free (self->completion_group);
  g_clear_pointer (&self->notify_success, g_variant_unref);
  g_clear_pointer (&self->notify_failure, g_variant_unref);
  g_free (self->host_key);
  g_free (self->group);
  g_free (self->checksum);
  g_clear_pointer (&self->headers, g_variant_unref);
  g_free (self->error_name);
  g_free (self->error_message);
  ferry_response_info_clear (&self->response);

  G_OBJECT_CLASS (ferry_transfer_parent_class)->finalize (object);
}

static void
ferry_transfer_class_init (FerryTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ferry_transfer_finalize;

  /* Emitted after the status (and with it the error) changed. */
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Emitted, coalesced by the scheduler, when the byte counts changed. */
  /* Emitted when the URI, the cost policy or the priority changed. */
  signals[SIGNAL_SETTINGS_CHANGED] =
    g_signal_new ("settings-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ferry_transfer_init (FerryTransfer *self)
{
  self->status = FERRY_STATUS_IDLE;
  self->priority = FERRY_PRIORITY_DEFAULT;
  self->total_bytes = -1;
  self->connections = 1;
  self->stream_fd = -1;
  self->source_size = -1;
  self->group = g_strdup ("");
  self->error_name = g_strdup ("");
  self->error_message = g_strdup ("");
}

static char *
host_key_of (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);

  if (parsed == NULL)
    return g_strdup ("");
  return g_strdup_printf ("%s:%d", g_uri_get_host (parsed),
                          g_uri_get_port (parsed) > 0 ? g_uri_get_port (parsed)
                          : g_ascii_strcasecmp (g_uri_get_scheme (parsed), "https") == 0 ? 443 : 80);
}

char *
ferry_transfer_new_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *id = g_string_sized_new (32);

  for (const char *p = uuid; *p; p++)
    if (*p != '-')
      g_string_append_c (id, *p);
  return g_string_free (id, FALSE);
}

FerryTransfer *
ferry_transfer_new (const char        *id,
                    const char        *app_id,
                    FerryTransferKind  kind,
                    const char        *uri)
{
  FerryTransfer *self = g_object_new (FERRY_TYPE_TRANSFER, NULL);

  self->id = g_strdup (id);
  /* Ids are UUIDs in their 32-hex-digit form, valid in an object path. */
  self->object_path = g_strconcat (FERRY_TRANSFER_PATH_PREFIX, id, NULL);
  self->app_id = g_strdup (app_id);
  self->kind = kind;
  self->uri = g_strdup (uri);
  self->host_key = host_key_of (uri);
  self->created_usec = g_get_real_time ();
  return self;
}

const char *ferry_transfer_get_id (FerryTransfer *self) { return self->id; }
const char *ferry_transfer_get_object_path (FerryTransfer *self) { return self->object_path; }
const char *ferry_transfer_get_app_id (FerryTransfer *self) { return self->app_id; }
FerryTransferKind ferry_transfer_get_kind (FerryTransfer *self) { return self->kind; }
const char *ferry_transfer_get_uri (FerryTransfer *self) { return self->uri; }
const char *ferry_transfer_get_destination (FerryTransfer *self) { return self->destination; }
gint64 ferry_transfer_get_sequence (FerryTransfer *self) { return self->sequence; }
void ferry_transfer_set_sequence (FerryTransfer *self, gint64 sequence) { self->sequence = sequence; }
gint64 ferry_transfer_get_created_usec (FerryTransfer *self) { return self->created_usec; }
gint64 ferry_transfer_get_ended_usec (FerryTransfer *self) { return self->ended_usec; }
void ferry_transfer_set_ended_usec (FerryTransfer *self, gint64 usec) { self->ended_usec = usec; }
void ferry_transfer_set_created_usec (FerryTransfer *self, gint64 usec) { self->created_usec = usec; }
const char *ferry_transfer_get_group (FerryTransfer *self) { return self->group; }
const char *ferry_transfer_get_checksum (FerryTransfer *self) { return self->checksum; }
GVariant *ferry_transfer_get_headers (FerryTransfer *self) { return self->headers; }
FerryStatus ferry_transfer_get_status (FerryTransfer *self) { return self->status; }
FerryCostPolicy ferry_transfer_get_cost_policy (FerryTransfer *self) { return self->cost_policy; }
guint64 ferry_transfer_get_max_speed (FerryTransfer *self) { return self->max_speed; }
void ferry_transfer_set_max_speed (FerryTransfer *self, guint64 bytes_per_second) { self->max_speed = bytes_per_second; }
const char *ferry_transfer_get_completion_group (FerryTransfer *self) { return self->completion_group; }
const char *ferry_transfer_get_host_key (FerryTransfer *self) { return self->host_key; }
gint64 ferry_transfer_get_queued_time (FerryTransfer *self) { return self->queued_time; }
void ferry_transfer_set_queued_time (FerryTransfer *self, gint64 usec) { self->queued_time = usec; }

void
ferry_transfer_set_completion_group (FerryTransfer *self, const char *group)
{
  g_free (self->completion_group);
  self->completion_group = (group && *group) ? g_strdup (group) : NULL;
}

GVariant *
ferry_transfer_get_notification (FerryTransfer *self, gboolean success)
{
  return success ? self->notify_success : self->notify_failure;
}

void
ferry_transfer_set_notification (FerryTransfer *self, gboolean success, GVariant *text)
{
  GVariant **field = success ? &self->notify_success : &self->notify_failure;

  g_clear_pointer (field, g_variant_unref);
  *field = text ? g_variant_ref_sink (text) : NULL;
}
FerryPriority ferry_transfer_get_priority (FerryTransfer *self) { return self->priority; }
const char *ferry_transfer_get_error_name (FerryTransfer *self) { return self->error_name; }
const char *ferry_transfer_get_error_message (FerryTransfer *self) { return self->error_message; }
gboolean ferry_transfer_get_started (FerryTransfer *self) { return self->started; }
void ferry_transfer_set_started (FerryTransfer *self, gboolean started) { self->started = started; }
guint64 ferry_transfer_get_bytes_transferred (FerryTransfer *self) { return self->bytes_transferred; }
gint64 ferry_transfer_get_total_bytes (FerryTransfer *self) { return self->total_bytes; }
guint ferry_transfer_get_connections (FerryTransfer *self) { return self->connections; }
void ferry_transfer_set_connections (FerryTransfer *self, guint connections) { self->connections = MAX (connections, 1); }
GVariant *ferry_transfer_get_segments (FerryTransfer *self) { return self->segments; }

void
ferry_transfer_set_segments (FerryTransfer *self, GVariant *segments)
{
  g_clear_pointer (&self->segments, g_variant_unref);
  self->segments = segments ? g_variant_ref_sink (segments) : NULL;
}

guint64 ferry_transfer_get_durable_offset (FerryTransfer *self) { return self->durable_offset; }
void ferry_transfer_set_durable_offset (FerryTransfer *self, guint64 offset) { self->durable_offset = offset; }
const FerryResponseInfo *ferry_transfer_get_response (FerryTransfer *self) { return &self->response; }

const char *
ferry_transfer_get_kind_string (FerryTransfer *self)
{
  return self->kind == FERRY_TRANSFER_KIND_UPLOAD ? "upload" : "download";
}

static void
replace_string (char **field, const char *value)
{
  g_free (*field);
  *field = (value && *value) ? g_strdup (value) : NULL;
}

void ferry_transfer_set_destination (FerryTransfer *self, const char *destination) { replace_string (&self->destination, destination); }
const char *ferry_transfer_get_source (FerryTransfer *self) { return self->source; }
void ferry_transfer_set_source (FerryTransfer *self, const char *source) { replace_string (&self->source, source); }
GVariant *ferry_transfer_get_parts (FerryTransfer *self) { return self->parts; }
int ferry_transfer_get_stream_fd (FerryTransfer *self) { return self->stream_fd; }
gboolean ferry_transfer_is_stream (FerryTransfer *self) { return self->is_stream; }
void ferry_transfer_set_is_stream (FerryTransfer *self, gboolean is_stream) { self->is_stream = is_stream; }
const char *ferry_transfer_get_method (FerryTransfer *self) { return self->method; }
void ferry_transfer_set_method (FerryTransfer *self, const char *method) { replace_string (&self->method, method); }
const char *ferry_transfer_get_content_type (FerryTransfer *self) { return self->content_type; }
void ferry_transfer_set_content_type (FerryTransfer *self, const char *content_type) { replace_string (&self->content_type, content_type); }
FerryUploadProtocol ferry_transfer_get_protocol (FerryTransfer *self) { return self->protocol; }
void ferry_transfer_set_protocol (FerryTransfer *self, FerryUploadProtocol protocol) { self->protocol = protocol; }
const char *ferry_transfer_get_upload_location (FerryTransfer *self) { return self->upload_location; }
void ferry_transfer_set_upload_location (FerryTransfer *self, const char *location) { replace_string (&self->upload_location, location); }
gint64 ferry_transfer_get_source_size (FerryTransfer *self) { return self->source_size; }
gint64 ferry_transfer_get_source_mtime (FerryTransfer *self) { return self->source_mtime; }

void
ferry_transfer_set_source_stamp (FerryTransfer *self, gint64 size, gint64 mtime)
{
  self->source_size = size;
  self->source_mtime = mtime;
}

void
ferry_transfer_set_parts (FerryTransfer *self, GVariant *parts)
{
  g_clear_pointer (&self->parts, g_variant_unref);
  self->parts = parts ? g_variant_ref_sink (parts) : NULL;
}

/* The transfer owns @fd from now on. */
void
ferry_transfer_take_stream_fd (FerryTransfer *self, int fd)
{
  if (self->stream_fd >= 0)
    close (self->stream_fd);
  self->stream_fd = fd;
}

void
ferry_transfer_set_uri (FerryTransfer *self, const char *uri)
{
  g_free (self->uri);
  self->uri = g_strdup (uri);
  g_free (self->host_key);
  self->host_key = host_key_of (uri);
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
}

static char *
managed_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "ferry", "apps", NULL);
}

char *
ferry_transfer_dup_managed_destination (const char *app_id, const char *id)
{
  g_autofree char *dir = managed_dir ();

  /* The unnamed host app gets a directory name no app id can have. */
  return g_build_filename (dir, *app_id ? app_id : "-", id, NULL);
}

gboolean
ferry_transfer_is_managed (FerryTransfer *self)
{
  g_autofree char *dir = managed_dir ();

  return self->destination != NULL && g_str_has_prefix (self->destination, dir) &&
         self->destination[strlen (dir)] == '/';
}

char *
ferry_transfer_dup_response_body_path (FerryTransfer *self)
{
  return g_build_filename (g_get_user_data_dir (), "ferry", "responses", self->id, NULL);
}

char *
ferry_transfer_dup_part_path (FerryTransfer *self)
{
  return g_strconcat (self->destination, ".part", NULL);
}

void
ferry_transfer_set_group (FerryTransfer *self, const char *group)
{
  g_free (self->group);
  self->group = g_strdup (group ? group : "");
}

void
ferry_transfer_set_checksum (FerryTransfer *self, const char *checksum)
{
  g_free (self->checksum);
  self->checksum = (checksum && *checksum) ? g_strdup (checksum) : NULL;
}

void
ferry_transfer_set_headers (FerryTransfer *self, GVariant *headers)
{
  g_clear_pointer (&self->headers, g_variant_unref);
  self->headers = headers ? g_variant_ref_sink (headers) : NULL;
}

/* Changes of these show as "settings-changed" to the bus. */
void
ferry_transfer_set_cost_policy (FerryTransfer *self, FerryCostPolicy policy)
{
  if (self->cost_policy == policy)
    return;
  self->cost_policy = policy;
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
}

void
ferry_transfer_set_priority (FerryTransfer *self, FerryPriority priority)
{
  if (self->priority == priority)
    return;
  self->priority = priority;
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
}

void
ferry_transfer_set_status (FerryTransfer *self,
                           FerryStatus    status,
                           const char    *error_name,
                           const char    *error_message)
{
  error_name = error_name ? error_name : "";
  error_message = error_message ? error_message : "";

  if (self->status == status &&
      g_str_equal (self->error_name, error_name) &&
      g_str_equal (self->error_message, error_message))
    return;

  self->status = status;
  if (ferry_status_is_final (status) && self->ended_usec == 0)
    self->ended_usec = g_get_real_time ();
  g_free (self->error_name);
  self->error_name = g_strdup (error_name);
  g_free (self->error_message);
  self->error_message = g_strdup (error_message);
  g_debug ("%s: %s %s", self->id, ferry_status_to_string (status), error_name);
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

void
ferry_transfer_set_progress (FerryTransfer *self, guint64 transferred, gint64 total)
{
  if (self->bytes_transferred == transferred && self->total_bytes == total)
    return;
  self->bytes_transferred = transferred;
  self->total_bytes = total;
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

void
ferry_transfer_set_response (FerryTransfer *self, const FerryResponseInfo *info)
{
  ferry_response_info_copy (info, &self->response);
}
