/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-upload"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "ferry-multipart-body.h"
#include "ferry-upload-job.h"

#define TUS_VERSION "1.0.0"

struct _FerryUploadJob
{
  FerryJob             parent_instance;

  /* Inputs, copied from the transfer on the main thread. */
  char                *method;
  char                *content_type;
  char                *source;
  GVariant            *parts;
  gboolean             is_stream;
  int                  stream_fd;      /* a dup, owned */
  FerryUploadProtocol  protocol;

  /* In and out: guarded by the job's lock once it runs. */
  char                *location;       /* the tus upload's URL */
  gint64               stamp_size;
  gint64               stamp_mtime;
};

G_DEFINE_FINAL_TYPE (FerryUploadJob, ferry_upload_job, FERRY_TYPE_JOB)

static gboolean ferry_upload_job_run (FerryJob *job, GCancellable *cancellable, GError **error);

static void
ferry_upload_job_sync_to_transfer (FerryJob *job, FerryTransfer *transfer)
{
  FerryUploadJob *self = FERRY_UPLOAD_JOB (job);

  ferry_transfer_set_upload_location (transfer, self->location);
  ferry_transfer_set_source_stamp (transfer, self->stamp_size, self->stamp_mtime);
}

static void
ferry_upload_job_finalize (GObject *object)
{
  FerryUploadJob *self = FERRY_UPLOAD_JOB (object);

  g_free (self->method);
  g_free (self->content_type);
  g_free (self->source);
  g_clear_pointer (&self->parts, g_variant_unref);
  if (self->stream_fd >= 0)
    close (self->stream_fd);
  g_free (self->location);

  G_OBJECT_CLASS (ferry_upload_job_parent_class)->finalize (object);
}

static void
ferry_upload_job_class_init (FerryUploadJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_upload_job_finalize;
  FERRY_JOB_CLASS (klass)->run = ferry_upload_job_run;
  FERRY_JOB_CLASS (klass)->sync_to_transfer = ferry_upload_job_sync_to_transfer;
}

static void
ferry_upload_job_init (FerryUploadJob *self)
{
  self->stream_fd = -1;
}

FerryUploadJob *
ferry_upload_job_new (SoupSession         *session,
                      FerryTransfer       *transfer,
                      const FerrySettings *settings,
                        FerryRateLimiter    *shared)
{
  FerryUploadJob *self = g_object_new (FERRY_TYPE_UPLOAD_JOB, NULL);
  int fd = ferry_transfer_get_stream_fd (transfer);

  ferry_job_setup (FERRY_JOB (self), session, transfer, settings, shared);
  self->method = g_strdup (ferry_transfer_get_method (transfer));
  self->content_type = g_strdup (ferry_transfer_get_content_type (transfer));
  self->source = g_strdup (ferry_transfer_get_source (transfer));
  if (ferry_transfer_get_parts (transfer) != NULL)
    self->parts = g_variant_ref (ferry_transfer_get_parts (transfer));
  self->is_stream = ferry_transfer_is_stream (transfer);
  /* The transfer keeps its descriptor; a retry of a seekable one rewinds. */
  self->stream_fd = fd >= 0 ? fcntl (fd, F_DUPFD_CLOEXEC, 3) : -1;
  self->protocol = ferry_transfer_get_protocol (transfer);
  self->location = g_strdup (ferry_transfer_get_upload_location (transfer));
  self->stamp_size = ferry_transfer_get_source_size (transfer);
  self->stamp_mtime = ferry_transfer_get_source_mtime (transfer);
  return self;
}

static void
on_wrote_body_data (SoupMessage *msg, guint chunk_size, gpointer user_data)
{
  ferry_job_add_transferred (FERRY_JOB (user_data), chunk_size);
}

/* Sends @msg with @body of @length bytes (-1: chunked), counting what goes
 * out, and keeps the reply. FALSE with @error on a failure of any kind. */
static gboolean
send_body (FerryUploadJob *self, SoupMessage *msg, const char *content_type,
           GInputStream *body, goffset length, goffset offset,
           GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(GInputStream) reply = NULL;
  g_autoptr(GError) local_error = NULL;

  if (body != NULL)
    {
      g_autoptr(GInputStream) throttled = ferry_job_throttle_stream (job, body);

      soup_message_set_request_body (msg, content_type, throttled, length);
      g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), self);
      ferry_job_publish_progress (job, offset, length >= 0 ? offset + length : -1, offset);
    }

  reply = soup_session_send (ferry_job_get_session (job), msg, cancellable, &local_error);
  if (reply == NULL)
    return ferry_job_fail_from_gerror (job, error, local_error);
  ferry_job_record_response (job, msg);
  if (!ferry_job_save_response_body (job, reply, cancellable, error))
    return FALSE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    return ferry_job_fail_from_http_status (job, error, msg);
  return TRUE;
}

/* Reads the source's size and mtime; it must not change under us. */
static gboolean
stat_source (FerryUploadJob *self, gint64 *size, gint64 *mtime, GError **error)
{
  struct stat st;

  if (stat (self->source, &st) != 0 || !S_ISREG (st.st_mode))
    return ferry_job_fail (FERRY_JOB (self), error, "source-unavailable", FALSE,
                           _("Cannot read “%s”: %s"), self->source,
                           g_strerror (errno ? errno : EISDIR));
  *size = st.st_size;
  *mtime = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
  return TRUE;
}

static gboolean
check_source_unchanged (FerryUploadJob *self, gint64 size, gint64 mtime, GError **error)
{
  gint64 now_size, now_mtime;

  if (!stat_source (self, &now_size, &now_mtime, error))
    return FALSE;
  if (now_size != size || now_mtime != mtime)
    return ferry_job_fail (FERRY_JOB (self), error, "source-changed", TRUE,
                           _("“%s” changed while it was sent"), self->source);
  return TRUE;
}

static GInputStream *
open_source (FerryUploadJob *self, goffset offset, GCancellable *cancellable, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->source);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;

  stream = g_file_read (file, cancellable, &local_error);
  if (stream == NULL ||
      (offset > 0 && !g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, cancellable,
                                       &local_error)))
    {
      ferry_job_fail (FERRY_JOB (self), error, "source-unavailable", FALSE, "%s",
                      local_error->message);
      return NULL;
    }
  return G_INPUT_STREAM (g_steal_pointer (&stream));
}

static gboolean
finish_complete (FerryUploadJob *self, guint64 size)
{
  ferry_job_publish_response (FERRY_JOB (self), size, (gint64) size, size);
  return TRUE;
}

static gboolean
upload_file (FerryUploadJob *self, gint64 size, gint64 mtime,
             GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(SoupMessage) msg = ferry_job_new_message (job, self->method, ferry_job_get_uri (job));
  g_autoptr(GInputStream) body = open_source (self, 0, cancellable, error);

  if (body == NULL ||
      !send_body (self, msg, self->content_type, body, size, 0, cancellable, error) ||
      !check_source_unchanged (self, size, mtime, error))
    return FALSE;
  return finish_complete (self, (guint64) size);
}

static gboolean
upload_multipart (FerryUploadJob *self, GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(SoupMessage) msg = ferry_job_new_message (job, "POST", ferry_job_get_uri (job));
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *content_type = NULL;
  goffset length;

  body = ferry_multipart_body_new (self->parts, &content_type, &length, cancellable, &local_error);
  if (body == NULL)
    return ferry_job_fail (job, error, "source-unavailable", FALSE, "%s", local_error->message);
  if (!send_body (self, msg, content_type, body, length, 0, cancellable, error))
    return FALSE;
  return finish_complete (self, (guint64) length);
}

static gboolean
upload_stream (FerryUploadJob *self, GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(SoupMessage) msg = ferry_job_new_message (job, self->method, ferry_job_get_uri (job));
  g_autoptr(GInputStream) body = NULL;
  struct stat st;
  goffset length = -1;
  guint64 sent, durable;
  gint64 total;

  if (self->stream_fd < 0)
    return ferry_job_fail (job, error, "source-unavailable", FALSE,
                           _("The stream ended with the service that held it"));
  /* A file can be sent again from its start, and its size is known. */
  if (fstat (self->stream_fd, &st) == 0 && S_ISREG (st.st_mode) &&
      lseek (self->stream_fd, 0, SEEK_SET) == 0)
    length = st.st_size;
  body = g_unix_input_stream_new (self->stream_fd, FALSE);
  if (!send_body (self, msg, self->content_type, body, length, 0, cancellable, error))
    {
      /* What a pipe gave cannot be read again: no retry can help. */
      if (length < 0)
        ferry_job_forbid_retry (job);
      return FALSE;
    }
  ferry_job_get_progress (job, &sent, &total, &durable);
  return finish_complete (self, sent);
}

/* tus 1.0 (https://tus.io/protocols/resumable-upload): a creation gives the
 * upload a URL; HEAD tells how much of it the server has; PATCH appends. */

static gboolean
parse_offset (SoupMessage *msg, guint64 *offset)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Upload-Offset");

  return value != NULL && g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, offset, NULL);
}

static SoupMessage *
new_tus_message (FerryUploadJob *self, const char *method, const char *uri)
{
  SoupMessage *msg = ferry_job_new_message (FERRY_JOB (self), method, uri);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Tus-Resumable",
                                TUS_VERSION);
  return msg;
}

static void
set_location (FerryUploadJob *self, const char *location)
{
  ferry_job_lock (FERRY_JOB (self));
  g_free (self->location);
  self->location = g_strdup (location);
  ferry_job_unlock (FERRY_JOB (self));
}

static gboolean
tus_create (FerryUploadJob *self, gint64 size, GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(SoupMessage) msg = new_tus_message (self, "POST", ferry_job_get_uri (job));
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *length = g_strdup_printf ("%" G_GINT64_FORMAT, size);
  g_autofree char *name = g_path_get_basename (self->source);
  g_autofree char *name64 = g_base64_encode ((const guchar *) name, strlen (name));
  g_autofree char *metadata = g_strconcat ("filename ", name64, NULL);
  g_autoptr(GUri) resolved = NULL;
  const char *location;

  soup_message_headers_replace (headers, "Upload-Length", length);
  soup_message_headers_replace (headers, "Upload-Metadata", metadata);
  if (!send_body (self, msg, NULL, NULL, 0, 0, cancellable, error))
    return FALSE;

  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (soup_message_get_status (msg) != SOUP_STATUS_CREATED || location == NULL)
    return ferry_job_fail (job, error, "unexpected-response", FALSE,
                           _("The tus server answered %u without an upload location"),
                           soup_message_get_status (msg));
  resolved = g_uri_parse_relative (soup_message_get_uri (msg), location, G_URI_FLAGS_NONE, NULL);
  if (resolved == NULL)
    return ferry_job_fail (job, error, "unexpected-response", FALSE,
                           _("The tus server gave an invalid upload location “%s”"), location);
  {
    g_autofree char *text = g_uri_to_string (resolved);

    g_debug ("tus upload created at %s", text);
    set_location (self, text);
  }
  ferry_job_publish_response (job, 0, size, 0);
  return TRUE;
}

/* The server's offset for our upload; 0 with no location when it is gone. */
static gboolean
tus_query_offset (FerryUploadJob *self, guint64 *offset, GCancellable *cancellable,
                  GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(SoupMessage) msg = new_tus_message (self, "HEAD", self->location);
  g_autoptr(GError) local_error = NULL;

  if (send_body (self, msg, NULL, NULL, 0, 0, cancellable, &local_error) &&
      parse_offset (msg, offset))
    return TRUE;

  if (soup_message_get_status (msg) == SOUP_STATUS_NOT_FOUND ||
      soup_message_get_status (msg) == SOUP_STATUS_GONE)
    {
      g_debug ("tus upload %s is gone, creating it again", self->location);
      set_location (self, NULL);
      *offset = 0;
      return TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return ferry_job_fail (job, error, "unexpected-response", TRUE,
                         _("The tus server gave no Upload-Offset"));
}

static gboolean
upload_tus (FerryUploadJob *self, gint64 size, gint64 mtime, gboolean changed,
            GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autofree char *offset_text = NULL;
  guint64 offset = 0, confirmed;

  /* New content is a new upload: never append it to the old bytes. */
  if (changed)
    set_location (self, NULL);
  if (self->location != NULL && !tus_query_offset (self, &offset, cancellable, error))
    return FALSE;
  if (self->location == NULL || offset > (guint64) size)
    {
      offset = 0;
      if (!tus_create (self, size, cancellable, error))
        return FALSE;
    }
  ferry_job_publish_response (job, offset, size, offset);

  msg = new_tus_message (self, "PATCH", self->location);
  offset_text = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Offset",
                                offset_text);
  body = open_source (self, (goffset) offset, cancellable, error);
  if (body == NULL ||
      !send_body (self, msg, "application/offset+octet-stream", body,
                  size - (goffset) offset, (goffset) offset, cancellable, error) ||
      !check_source_unchanged (self, size, mtime, error))
    return FALSE;

  if (!parse_offset (msg, &confirmed))
    return ferry_job_fail (job, error, "unexpected-response", TRUE,
                           _("The tus server gave no Upload-Offset"));
  ferry_job_publish_response (job, confirmed, size, confirmed);
  if (confirmed != (guint64) size)
    return ferry_job_fail (job, error, "connection-lost", TRUE,
                           _("The tus server has %" G_GUINT64_FORMAT " of %" G_GINT64_FORMAT
                             " bytes"), confirmed, size);
  return TRUE;
}

static gboolean
ferry_upload_job_run (FerryJob *job, GCancellable *cancellable, GError **error)
{
  FerryUploadJob *self = FERRY_UPLOAD_JOB (job);
  gint64 size, mtime;
  gboolean changed;

  if (self->is_stream)
    return upload_stream (self, cancellable, error);
  if (self->parts != NULL)
    return upload_multipart (self, cancellable, error);

  if (!stat_source (self, &size, &mtime, error))
    return FALSE;
  changed = size != self->stamp_size || mtime != self->stamp_mtime;
  if (changed)
    {
      ferry_job_lock (job);
      self->stamp_size = size;
      self->stamp_mtime = mtime;
      ferry_job_unlock (job);
    }

  if (self->protocol == FERRY_UPLOAD_PROTOCOL_TUS)
    return upload_tus (self, size, mtime, changed, cancellable, error);
  return upload_file (self, size, mtime, cancellable, error);
}
