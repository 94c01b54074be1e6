/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-transfer"

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
  gint64             sequence;
  gint64             created_usec;

  char              *group;
  char              *checksum;
  GVariant          *headers;

  FerryStatus        status;
  char              *error_name;
  char              *error_message;
  gboolean           started;

  guint64            bytes_received;
  gint64             total_bytes;
  guint64            durable_offset;

  FerryResponseInfo  response;
};

enum {
  SIGNAL_STATUS_CHANGED,
  SIGNAL_PROGRESS,
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
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ferry_transfer_init (FerryTransfer *self)
{
  self->status = FERRY_STATUS_IDLE;
  self->total_bytes = -1;
  self->group = g_strdup ("");
  self->error_name = g_strdup ("");
  self->error_message = g_strdup ("");
}

FerryTransfer *
ferry_transfer_new (const char        *id,
                    const char        *app_id,
                    FerryTransferKind  kind,
                    const char        *uri,
                    const char        *destination)
{
  FerryTransfer *self = g_object_new (FERRY_TYPE_TRANSFER, NULL);

  self->id = g_strdup (id);
  /* Ids are UUIDs in their 32-hex-digit form, valid in an object path. */
  self->object_path = g_strconcat (FERRY_TRANSFER_PATH_PREFIX, id, NULL);
  self->app_id = g_strdup (app_id);
  self->kind = kind;
  self->uri = g_strdup (uri);
  self->destination = g_strdup (destination);
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
void ferry_transfer_set_created_usec (FerryTransfer *self, gint64 usec) { self->created_usec = usec; }
const char *ferry_transfer_get_group (FerryTransfer *self) { return self->group; }
const char *ferry_transfer_get_checksum (FerryTransfer *self) { return self->checksum; }
GVariant *ferry_transfer_get_headers (FerryTransfer *self) { return self->headers; }
FerryStatus ferry_transfer_get_status (FerryTransfer *self) { return self->status; }
const char *ferry_transfer_get_error_name (FerryTransfer *self) { return self->error_name; }
const char *ferry_transfer_get_error_message (FerryTransfer *self) { return self->error_message; }
gboolean ferry_transfer_get_started (FerryTransfer *self) { return self->started; }
void ferry_transfer_set_started (FerryTransfer *self, gboolean started) { self->started = started; }
guint64 ferry_transfer_get_bytes_received (FerryTransfer *self) { return self->bytes_received; }
gint64 ferry_transfer_get_total_bytes (FerryTransfer *self) { return self->total_bytes; }
guint64 ferry_transfer_get_durable_offset (FerryTransfer *self) { return self->durable_offset; }
void ferry_transfer_set_durable_offset (FerryTransfer *self, guint64 offset) { self->durable_offset = offset; }
const FerryResponseInfo *ferry_transfer_get_response (FerryTransfer *self) { return &self->response; }

const char *
ferry_transfer_get_kind_string (FerryTransfer *self)
{
  return "download";
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
  g_free (self->error_name);
  self->error_name = g_strdup (error_name);
  g_free (self->error_message);
  self->error_message = g_strdup (error_message);
  g_debug ("%s: %s %s", self->id, ferry_status_to_string (status), error_name);
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

void
ferry_transfer_set_progress (FerryTransfer *self, guint64 received, gint64 total)
{
  if (self->bytes_received == received && self->total_bytes == total)
    return;
  self->bytes_received = received;
  self->total_bytes = total;
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

void
ferry_transfer_set_response (FerryTransfer *self, const FerryResponseInfo *info)
{
  ferry_response_info_copy (info, &self->response);
}
