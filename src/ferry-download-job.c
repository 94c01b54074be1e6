/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-download"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-download-job.h"
#include "ferry-error.h"
#include "ferry-disk-writer.h"
#include "ferry-http.h"
#include "ferry-segmented-download.h"

/* Reading back for the checksum. */
#define READ_BUFFER_SIZE (256 * 1024)

struct _FerryDownloadJob
{
  FerryJob  parent_instance;

  /* Inputs, copied from the transfer on the main thread. */
  char     *part_path;
  char     *destination;
  char     *checksum;
  char     *validator;     /* for If-Range, NULL if none is safe */
  guint64   start_offset;
  gint64    total;
  guint     connections;
  GArray   *segments;      /* FerrySegment, NULL when not segmented */

  /* The segments on disk, for the transfer; under the job's lock. */
  GVariant *published_segments;
};

G_DEFINE_FINAL_TYPE (FerryDownloadJob, ferry_download_job, FERRY_TYPE_JOB)

static void
ferry_download_job_finalize (GObject *object)
{
  FerryDownloadJob *self = FERRY_DOWNLOAD_JOB (object);

  g_free (self->part_path);
  g_free (self->destination);
  g_free (self->checksum);
  g_free (self->validator);
  g_clear_pointer (&self->segments, g_array_unref);
  g_clear_pointer (&self->published_segments, g_variant_unref);

  G_OBJECT_CLASS (ferry_download_job_parent_class)->finalize (object);
}

static gboolean ferry_download_job_run (FerryJob *job, GCancellable *cancellable, GError **error);

static void
ferry_download_job_sync_durable (FerryJob *job, FerryTransfer *transfer)
{
  ferry_transfer_set_segments (transfer, FERRY_DOWNLOAD_JOB (job)->published_segments);
}

static void
ferry_download_job_class_init (FerryDownloadJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_download_job_finalize;
  FERRY_JOB_CLASS (klass)->run = ferry_download_job_run;
  FERRY_JOB_CLASS (klass)->sync_durable = ferry_download_job_sync_durable;
}

static void
ferry_download_job_init (FerryDownloadJob *self)
{
}

FerryDownloadJob *
ferry_download_job_new (SoupSession         *session,
                        FerryTransfer       *transfer,
                        const FerrySettings *settings,
                        FerryRateLimiter    *shared)
{
  FerryDownloadJob *self = g_object_new (FERRY_TYPE_DOWNLOAD_JOB, NULL);
  const FerryResponseInfo *response = ferry_transfer_get_response (transfer);

  ferry_job_setup (FERRY_JOB (self), session, transfer, settings, shared);
  self->part_path = ferry_transfer_dup_part_path (transfer);
  self->destination = g_strdup (ferry_transfer_get_destination (transfer));
  self->checksum = g_strdup (ferry_transfer_get_checksum (transfer));
  self->validator = g_strdup (ferry_http_pick_validator (response->etag,
                                                         response->last_modified));
  self->total = ferry_transfer_get_total_bytes (transfer);
  self->connections = ferry_transfer_get_connections (transfer);
  /* Resuming without a validator could stitch two versions together. */
  if (self->validator != NULL && ferry_transfer_get_segments (transfer) != NULL)
    self->segments = ferry_segments_from_variant (ferry_transfer_get_segments (transfer),
                                                  self->total);
  /* Kept as they are until a new response replaces them with its offsets. */
  if (ferry_transfer_get_segments (transfer) != NULL)
    self->published_segments = g_variant_ref (ferry_transfer_get_segments (transfer));
  else if (self->validator != NULL)
    self->start_offset = ferry_transfer_get_durable_offset (transfer);
  return self;
}

/* Flushes the data, then declares it durable: never the other way round. */
static gboolean
flush_to_disk (FerryDownloadJob *self, int fd, guint64 received, gint64 total, GError **error)
{
  if (fdatasync (fd) != 0)
    return ferry_job_fail_from_errno (FERRY_JOB (self), error, errno, _("flush"),
                                      self->part_path);
  ferry_job_publish_progress (FERRY_JOB (self), received, total, received);
  return TRUE;
}

/* @probe: ask for "bytes=0-", to learn whether the server would serve
 * segments. */
static SoupMessage *
build_request (FerryDownloadJob *self, guint64 offset, gboolean probe)
{
  SoupMessage *msg = ferry_job_new_message (FERRY_JOB (self), SOUP_METHOD_GET,
                                            ferry_job_get_uri (FERRY_JOB (self)));
  SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);

  if (offset > 0)
    {
      soup_message_headers_set_range (request_headers, (goffset) offset, -1);
      soup_message_headers_replace (request_headers, "If-Range", self->validator);
    }
  else if (probe)
    soup_message_headers_set_range (request_headers, 0, -1);
  return msg;
}

/* Takes the validator of a new response: segments fetched after it must be
 * of its version. */
static void
take_validator (FerryDownloadJob *self, SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  g_free (self->validator);
  self->validator = g_strdup (ferry_http_pick_validator (
    soup_message_headers_get_one (headers, "ETag"),
    soup_message_headers_get_one (headers, "Last-Modified")));
}

/* Where a 206 body starts and the full size, from Content-Range. */
static gboolean
parse_content_range (SoupMessage *msg, guint64 *start, gint64 *total)
{
  guint64 end;

  return ferry_http_parse_content_range (
    soup_message_headers_get_one (soup_message_get_response_headers (msg), "Content-Range"),
    start, &end, total);
}

/* Whether a 206 is of the version we have the start of. */
static gboolean
same_version (FerryDownloadJob *self, SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  return ferry_http_same_version (self->validator,
                                  soup_message_headers_get_one (headers, "ETag"),
                                  soup_message_headers_get_one (headers, "Last-Modified"));
}

/* Sends the request and decides from the answer where the body goes:
 * appended at @offset for a matching 206, from zero for anything else.
 * From zero with several connections allowed, asks for a range of the
 * whole: @ranged tells whether the server would serve segments. */
static GInputStream *
open_body (FerryDownloadJob *self, guint64 *offset, gint64 *total, gboolean *ranged,
           GCancellable *cancellable, GError **error)
{
  gboolean probe = self->connections > 1 && *offset == 0;

  *ranged = FALSE;
  for (;;)
    {
      g_autoptr(SoupMessage) msg = build_request (self, *offset, probe);
      g_autoptr(GInputStream) body = NULL;
      g_autoptr(GError) local_error = NULL;
      guint status;
      guint64 range_start = 0;
      gint64 range_total = -1;
      goffset length;

      body = soup_session_send (ferry_job_get_session (FERRY_JOB (self)), msg, cancellable,
                                &local_error);
      if (body == NULL)
        {
          ferry_job_fail_from_gerror (FERRY_JOB (self), error, local_error);
          return NULL;
        }
      ferry_job_record_response (FERRY_JOB (self), msg);
      status = soup_message_get_status (msg);
      length = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
      if (soup_message_headers_get_encoding (soup_message_get_response_headers (msg)) !=
          SOUP_ENCODING_CONTENT_LENGTH)
        length = -1;

      if (status == SOUP_STATUS_PARTIAL_CONTENT && *offset > 0 &&
          parse_content_range (msg, &range_start, &range_total) && range_start == *offset &&
          same_version (self, msg))
        {
          *total = range_total >= 0 ? range_total : (length >= 0 ? (gint64) *offset + length : -1);
          return g_steal_pointer (&body);
        }
      if (status == SOUP_STATUS_PARTIAL_CONTENT && probe &&
          parse_content_range (msg, &range_start, &range_total) && range_start == 0)
        {
          take_validator (self, msg);
          *total = range_total;
          *ranged = range_total >= 0;
          return g_steal_pointer (&body);
        }
      if (SOUP_STATUS_IS_SUCCESSFUL (status) && status != SOUP_STATUS_PARTIAL_CONTENT)
        {
          if (*offset > 0)
            g_debug ("%s: the server sent the whole resource, starting from zero",
                     ferry_job_get_uri (FERRY_JOB (self)));
          *offset = 0;
          *total = length;
          return g_steal_pointer (&body);
        }
      if ((*offset > 0 || probe) && (status == SOUP_STATUS_PARTIAL_CONTENT ||
                                     status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE))
        {
          /* A range we cannot use (an empty file has none): ask for the
           * whole resource instead. */
          g_debug ("%s: unusable range answer %u, starting from zero",
                   ferry_job_get_uri (FERRY_JOB (self)), status);
          g_input_stream_close (body, NULL, NULL);
          *offset = 0;
          probe = FALSE;
          continue;
        }
      /* Keep the error page for OpenResponseBody; the status says the rest. */
      ferry_job_save_response_body (FERRY_JOB (self), body, cancellable, NULL);
      ferry_job_fail_from_http_status (FERRY_JOB (self), error, msg);
      return NULL;
    }
}

/* What the transfer stores of @segments (NULL: none); the job's lock held. */
static void
set_published_segments_locked (FerryDownloadJob *self, GArray *segments)
{
  g_clear_pointer (&self->published_segments, g_variant_unref);
  if (segments != NULL)
    self->published_segments = g_variant_ref_sink (ferry_segments_to_variant (segments));
}

/* Publishes a new response with the offsets and the segments (NULL: none)
 * that go with it, in one step: no layout is ever stored with the offset or
 * the validators of another. */
static void
publish_response (FerryDownloadJob *self, GArray *segments, guint64 offset, gint64 total)
{
  ferry_job_lock (FERRY_JOB (self));
  set_published_segments_locked (self, segments);
  ferry_job_publish_response_locked (FERRY_JOB (self), offset, total, offset);
  ferry_job_unlock (FERRY_JOB (self));
}

static void
on_flushed (guint64 durable, gpointer user_data)
{
  ferry_job_set_durable (FERRY_JOB (user_data), durable);
}

static void
on_written (gsize bytes, gpointer user_data)
{
  ferry_job_add_transferred (FERRY_JOB (user_data), bytes);
}

/* Hands a buffer over once the writer's threshold is in it, or once it has
 * waited an eighth of a checkpoint interval: large writes, yet a slow
 * transfer still reaches the disk (and its progress) steadily, so a crash
 * loses little. */
static gint64
submit_delay (FerryJob *job)
{
  return ferry_job_get_checkpoint_interval (job) / 8;
}

/* Reads the body into the writer's buffers until EOF, an error, or a
 * failed write. */
static gboolean
receive_into (FerryDownloadJob *self, GInputStream *body, FerryDiskWriter *writer,
              GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  guint8 *buffer;
  gsize capacity, threshold;

  while ((buffer = ferry_disk_writer_get_buffer (writer, &capacity, &threshold)) != NULL)
    {
      gsize length = 0;
      gssize n = 1;

      gint64 deadline = g_get_monotonic_time () + submit_delay (job);

      while (length < threshold && n > 0 &&
             (length == 0 || g_get_monotonic_time () < deadline))
        {
          gsize allowed = ferry_job_throttle (job, capacity - length, cancellable);

          if (allowed == 0)
            {
              ferry_disk_writer_submit (writer, buffer, length);
              return !g_cancellable_set_error_if_cancelled (cancellable, error);
            }
          n = g_input_stream_read (body, buffer + length, allowed, cancellable, error);
          ferry_job_unthrottle (job, n > 0 ? allowed - (gsize) n : allowed);
          if (n > 0)
            length += (gsize) n;
        }
      ferry_disk_writer_submit (writer, buffer, length);
      if (n <= 0)
        return n == 0;
    }
  return TRUE;  /* the write failed: ferry_disk_writer_finish() tells why */
}

/* A body this small is read and written in turn, in the job's thread:
 * threads to overlap them would cost more than they save. */
#define SMALL_BODY (1024 * 1024)

static gboolean
receive_small (FerryDownloadJob *self, GInputStream *body, int fd, guint64 offset, gsize size,
               guint64 *received, int *write_error, GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  /* Room for the whole body and one more byte, to see its end in one read. */
  gsize capacity = size + 1;
  g_autofree guint8 *buffer = g_malloc (capacity);
  gint64 next_flush = g_get_monotonic_time () + ferry_job_get_checkpoint_interval (job);

  *received = offset;
  *write_error = 0;
  for (;;)
    {
      gsize allowed = ferry_job_throttle (job, capacity, cancellable);
      gssize n;

      if (allowed == 0)
        return !g_cancellable_set_error_if_cancelled (cancellable, error);
      n = g_input_stream_read (body, buffer, allowed, cancellable, error);
      ferry_job_unthrottle (job, n > 0 ? allowed - (gsize) n : allowed);
      if (n <= 0)
        return n == 0;
      if (!ferry_write_all (fd, buffer, (gsize) n))
        {
          *write_error = errno;
          return TRUE;
        }
      *received += (guint64) n;
      ferry_job_add_transferred (job, (gsize) n);
      /* Slow, even if small: checkpoints as a big one has. */
      if (g_get_monotonic_time () >= next_flush)
        {
          if (fdatasync (fd) == 0)
            ferry_job_set_durable (job, *received);
          next_flush = g_get_monotonic_time () + ferry_job_get_checkpoint_interval (job);
        }
    }
}

/* Streams the body into @fd from @offset. A writer thread writes while the
 * next bytes arrive, and a flusher makes them durable at checkpoint
 * intervals, off the data path. */
static gboolean
copy_body (FerryDownloadJob *self, GInputStream *body, int fd, guint64 offset,
           gint64 total, GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autoptr(GError) read_error = NULL;
  FerryDiskWriter *writer = NULL;
  gboolean received_all;
  guint64 received;
  int write_error;

  if (ftruncate (fd, (off_t) offset) != 0 || lseek (fd, (off_t) offset, SEEK_SET) < 0)
    return ferry_job_fail_from_errno (job, error, errno, _("prepare"), self->part_path);
  /* The validators and the offset are published together, so that nobody
   * stores new validators with an offset into the old version's bytes. */
  publish_response (self, NULL, offset, total);

  if (total >= 0 && (guint64) total - offset <= SMALL_BODY)
    received_all = receive_small (self, body, fd, offset, (gsize) ((guint64) total - offset),
                                  &received, &write_error, cancellable, &read_error);
  else
    {
      writer = ferry_disk_writer_start (fd, self->part_path, offset,
                                        ferry_job_get_checkpoint_interval (job),
                                        on_written, on_flushed, self);
      received_all = receive_into (self, body, writer, cancellable, &read_error);
      write_error = ferry_disk_writer_finish (writer, &received);
    }

  /* Whatever happened, what reached the file is kept: flushed, it is where
   * the next attempt resumes. */
  if (write_error != 0)
    {
      flush_to_disk (self, fd, received, total, NULL);
      return ferry_job_fail_from_errno (job, error, write_error, _("write"), self->part_path);
    }
  if (!flush_to_disk (self, fd, received, total, error))
    return FALSE;
  if (!received_all)
    return ferry_job_fail_from_gerror (job, error, read_error);
  if (total >= 0 && received != (guint64) total)
    return ferry_job_fail (job, error, "connection-lost", TRUE,
                     _("The connection ended after %" G_GUINT64_FORMAT " of %" G_GINT64_FORMAT " bytes"),
                     received, total);
  return TRUE;
}

static gboolean
verify_checksum (FerryDownloadJob *self, int fd, GError **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (READ_BUFFER_SIZE);
  const char *expected = self->checksum + strlen ("sha256:");
  off_t position = 0;
  ssize_t n;

  while ((n = pread (fd, buffer, READ_BUFFER_SIZE, position)) > 0)
    {
      g_checksum_update (checksum, buffer, n);
      position += n;
    }
  if (n < 0)
    return ferry_job_fail_from_errno (FERRY_JOB (self), error, errno, _("read back"),
                                      self->part_path);

  if (g_ascii_strcasecmp (g_checksum_get_string (checksum), expected) != 0)
    {
      /* The bytes are wrong as a whole: none of them is worth keeping. */
      g_unlink (self->part_path);
      ferry_job_publish_progress (FERRY_JOB (self), 0, -1, 0);
      return ferry_job_fail (FERRY_JOB (self), error, "checksum-mismatch", FALSE,
                       _("The SHA-256 of the file is %s, not %s"),
                       g_checksum_get_string (checksum), expected);
    }
  return TRUE;
}

static void
on_segments_flushed (GArray *segments, gpointer user_data)
{
  FerryDownloadJob *self = user_data;

  ferry_job_lock (FERRY_JOB (self));
  set_published_segments_locked (self, segments);
  ferry_job_unlock (FERRY_JOB (self));
  ferry_job_set_durable (FERRY_JOB (self), ferry_segments_durable (segments));
}

/* Fetches the segments; a fresh layout (@first_body is its first answer)
 * reserves the file's room first, so that a full disk shows at once. */
static gboolean
download_segments (FerryDownloadJob *self, int fd, GInputStream *first_body, gint64 total,
                   gboolean *changed, GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  FerrySegmentsResult result;

  if (first_body != NULL)
    {
      int rc = ftruncate (fd, 0) == 0 ? posix_fallocate (fd, 0, (off_t) total) : errno;

      if (rc != 0)
        return ferry_job_fail_from_errno (job, error, rc, _("reserve space for"),
                                          self->part_path);
      publish_response (self, self->segments, 0, total);
      g_debug ("%s: %u segments", ferry_job_get_uri (job), self->segments->len);
    }
  result = ferry_segmented_download_run (job, fd, self->part_path, self->validator,
                                         self->segments, first_body, on_segments_flushed, self,
                                         cancellable, error);
  *changed = result == FERRY_SEGMENTS_CHANGED;
  return result == FERRY_SEGMENTS_COMPLETE;
}

/* Makes the rename itself survive a crash. */
static void
sync_directory (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static gboolean
ferry_download_job_run (FerryJob *job, GCancellable *cancellable, GError **error)
{
  FerryDownloadJob *self = FERRY_DOWNLOAD_JOB (job);
  struct stat st;
  guint64 offset = self->start_offset;
  gint64 total = self->total;
  gboolean ok, changed = FALSE;
  guint restarts = 0;
  int fd;

  /* The part may be shorter than recorded if someone removed it. */
  if (offset > 0 && (stat (self->part_path, &st) != 0 || (guint64) st.st_size < offset))
    offset = 0;
  if (self->segments != NULL && (stat (self->part_path, &st) != 0 || st.st_size < total))
    g_clear_pointer (&self->segments, g_array_unref);

  for (;;)
    {
      g_autoptr(GInputStream) body = NULL;
      gboolean ranged = FALSE;

      /* Ask first, so an error page leaves no empty part behind. */
      if (self->segments == NULL)
        {
          body = open_body (self, &offset, &total, &ranged, cancellable, error);
          if (body == NULL)
            return FALSE;
          if (ranged && self->validator != NULL)
            self->segments = ferry_segments_split ((guint64) total, self->connections);
        }

      /* Read-write: the checksum reads the whole file back. */
      fd = open (self->part_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0)
        return ferry_job_fail_from_errno (job, error, errno, _("open"), self->part_path);
      if (self->segments != NULL)
        ok = download_segments (self, fd, body, total, &changed, cancellable, error);
      else
        ok = copy_body (self, body, fd, offset, total, cancellable, error);
      if (!changed)
        {
          ok = ok && (self->checksum == NULL || verify_checksum (self, fd, error));
          close (fd);
          break;
        }
      /* Start over; the second time over one connection: a server whose
       * version changes from one request to the next cannot serve segments. */
      close (fd);
      g_clear_pointer (&self->segments, g_array_unref);
      if (++restarts > 1)
        self->connections = 1;
      offset = 0;
      changed = FALSE;
    }
  if (!ok)
    return FALSE;

  /* Canceled meanwhile: the part may not be ours to move any more. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (g_rename (self->part_path, self->destination) != 0)
    return ferry_job_fail_from_errno (job, error, errno, _("rename"), self->destination);
  sync_directory (self->destination);
  return TRUE;
}
