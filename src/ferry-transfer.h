/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "ferry-policy.h"
#include "ferry-status.h"

G_BEGIN_DECLS

/* One transfer's record and state. It knows nothing of D-Bus or sqlite:
 * the scheduler changes it, the store saves it, the bus object shows it. */
#define FERRY_TYPE_TRANSFER (ferry_transfer_get_type ())
G_DECLARE_FINAL_TYPE (FerryTransfer, ferry_transfer, FERRY, TRANSFER, GObject)

#define FERRY_TRANSFER_PATH_PREFIX "/org/freedesktop/Ferry1/Transfer/"

typedef enum {
  FERRY_TRANSFER_KIND_DOWNLOAD,
  FERRY_TRANSFER_KIND_UPLOAD,
} FerryTransferKind;

typedef enum {
  FERRY_UPLOAD_PROTOCOL_PLAIN,  /* one PUT or POST; restarts from zero */
  FERRY_UPLOAD_PROTOCOL_TUS,    /* tus 1.0: resumes from the server's offset */
} FerryUploadProtocol;

/* What a server said about the resource; kept to resume safely. */
typedef struct {
  guint        http_status;
  char        *actual_uri;
  char        *etag;
  char        *last_modified;
  gboolean     accepts_ranges;
  GVariant    *headers;   /* a{ss}, lowercase names */
} FerryResponseInfo;

void               ferry_response_info_clear (FerryResponseInfo *info);
void               ferry_response_info_copy (const FerryResponseInfo *src, FerryResponseInfo *dest);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FerryResponseInfo, ferry_response_info_clear)

/* A new random id: a UUID in its 32-hex-digit form. */
char              *ferry_transfer_new_id (void);
FerryTransfer     *ferry_transfer_new (const char *id, const char *app_id, FerryTransferKind kind,
                                       const char *uri);

const char        *ferry_transfer_get_id (FerryTransfer *self);
const char        *ferry_transfer_get_object_path (FerryTransfer *self);
const char        *ferry_transfer_get_app_id (FerryTransfer *self);
FerryTransferKind  ferry_transfer_get_kind (FerryTransfer *self);
const char        *ferry_transfer_get_kind_string (FerryTransfer *self);
const char        *ferry_transfer_get_uri (FerryTransfer *self);
void               ferry_transfer_set_uri (FerryTransfer *self, const char *uri);
/* A download's file; NULL for uploads. */
const char        *ferry_transfer_get_destination (FerryTransfer *self);
void               ferry_transfer_set_destination (FerryTransfer *self, const char *destination);
char              *ferry_transfer_dup_part_path (FerryTransfer *self);
/* A download kept in the service's own storage for its app (an empty
 * destination), handed over with OpenResult. */
char              *ferry_transfer_dup_managed_destination (const char *app_id, const char *id);
gboolean           ferry_transfer_is_managed (FerryTransfer *self);
/* Where the server's last response body is kept. */
char              *ferry_transfer_dup_response_body_path (FerryTransfer *self);

/* An upload's body: a file (source), the parts of a multipart form, or a
 * stream the service holds only while it runs. */
const char        *ferry_transfer_get_source (FerryTransfer *self);
void               ferry_transfer_set_source (FerryTransfer *self, const char *source);
GVariant          *ferry_transfer_get_parts (FerryTransfer *self);
void               ferry_transfer_set_parts (FerryTransfer *self, GVariant *parts);
int                ferry_transfer_get_stream_fd (FerryTransfer *self);
void               ferry_transfer_take_stream_fd (FerryTransfer *self, int fd);
gboolean           ferry_transfer_is_stream (FerryTransfer *self);
void               ferry_transfer_set_is_stream (FerryTransfer *self, gboolean is_stream);
const char        *ferry_transfer_get_method (FerryTransfer *self);
void               ferry_transfer_set_method (FerryTransfer *self, const char *method);
const char        *ferry_transfer_get_content_type (FerryTransfer *self);
void               ferry_transfer_set_content_type (FerryTransfer *self, const char *content_type);
FerryUploadProtocol ferry_transfer_get_protocol (FerryTransfer *self);
void               ferry_transfer_set_protocol (FerryTransfer *self, FerryUploadProtocol protocol);
/* The tus upload's URL, once created. */
const char        *ferry_transfer_get_upload_location (FerryTransfer *self);
void               ferry_transfer_set_upload_location (FerryTransfer *self, const char *location);
/* The source's size and mtime (µs) the bytes sent so far belong to. */
gint64             ferry_transfer_get_source_size (FerryTransfer *self);
gint64             ferry_transfer_get_source_mtime (FerryTransfer *self);
void               ferry_transfer_set_source_stamp (FerryTransfer *self, gint64 size, gint64 mtime);

gint64             ferry_transfer_get_sequence (FerryTransfer *self);
void               ferry_transfer_set_sequence (FerryTransfer *self, gint64 sequence);
gint64             ferry_transfer_get_created_usec (FerryTransfer *self);
/* When it ended for good (completed or canceled), 0 before. */
gint64             ferry_transfer_get_ended_usec (FerryTransfer *self);
void               ferry_transfer_set_ended_usec (FerryTransfer *self, gint64 usec);
void               ferry_transfer_set_created_usec (FerryTransfer *self, gint64 usec);

const char        *ferry_transfer_get_group (FerryTransfer *self);
void               ferry_transfer_set_group (FerryTransfer *self, const char *group);
const char        *ferry_transfer_get_checksum (FerryTransfer *self);
void               ferry_transfer_set_checksum (FerryTransfer *self, const char *checksum);
GVariant          *ferry_transfer_get_headers (FerryTransfer *self);
void               ferry_transfer_set_headers (FerryTransfer *self, GVariant *headers);

FerryCostPolicy    ferry_transfer_get_cost_policy (FerryTransfer *self);
void               ferry_transfer_set_cost_policy (FerryTransfer *self, FerryCostPolicy policy);
FerryPriority      ferry_transfer_get_priority (FerryTransfer *self);
void               ferry_transfer_set_priority (FerryTransfer *self, FerryPriority priority);

guint64            ferry_transfer_get_max_speed (FerryTransfer *self);
void               ferry_transfer_set_max_speed (FerryTransfer *self, guint64 bytes_per_second);
/* NULL when none. */
const char        *ferry_transfer_get_completion_group (FerryTransfer *self);
void               ferry_transfer_set_completion_group (FerryTransfer *self, const char *group);
/* a{ss} with "title" and "body", or NULL for no notification. */
GVariant          *ferry_transfer_get_notification (FerryTransfer *self, gboolean success);
void               ferry_transfer_set_notification (FerryTransfer *self, gboolean success,
                                                    GVariant *text);
/* "host:port" of the URI, what per-host limits count. */
const char        *ferry_transfer_get_host_key (FerryTransfer *self);
/* Monotonic time it last joined the queue; runtime only. */
gint64             ferry_transfer_get_queued_time (FerryTransfer *self);
void               ferry_transfer_set_queued_time (FerryTransfer *self, gint64 usec);

FerryStatus        ferry_transfer_get_status (FerryTransfer *self);
const char        *ferry_transfer_get_error_name (FerryTransfer *self);
const char        *ferry_transfer_get_error_message (FerryTransfer *self);
void               ferry_transfer_set_status (FerryTransfer *self, FerryStatus status,
                                              const char *error_name, const char *error_message);
/* Whether the app asked for it to run (Start), so it is queued after a restart. */
gboolean           ferry_transfer_get_started (FerryTransfer *self);
void               ferry_transfer_set_started (FerryTransfer *self, gboolean started);

/* Bytes received (downloads) or sent (uploads). */
guint64            ferry_transfer_get_bytes_transferred (FerryTransfer *self);
/* -1 while the size is unknown. */
gint64             ferry_transfer_get_total_bytes (FerryTransfer *self);
void               ferry_transfer_set_progress (FerryTransfer *self, guint64 transferred, gint64 total);
/* How many HTTP connections a download may split into (1: no segments). */
#define FERRY_MAX_CONNECTIONS 16
guint              ferry_transfer_get_connections (FerryTransfer *self);
void               ferry_transfer_set_connections (FerryTransfer *self, guint connections);
/* A segmented download's a(ttt): each segment's start, its end
 * (exclusive) and the offset up to which its bytes are on disk; NULL while
 * not segmented. Its durable offset is then the sum of the segments'
 * bytes on disk. */
GVariant          *ferry_transfer_get_segments (FerryTransfer *self);
void               ferry_transfer_set_segments (FerryTransfer *self, GVariant *segments);
/* The offset known to be on disk, the one the store keeps. */
guint64            ferry_transfer_get_durable_offset (FerryTransfer *self);
void               ferry_transfer_set_durable_offset (FerryTransfer *self, guint64 offset);

const FerryResponseInfo *ferry_transfer_get_response (FerryTransfer *self);
void               ferry_transfer_set_response (FerryTransfer *self, const FerryResponseInfo *info);

G_END_DECLS
