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

  G_OBJECT_CLASS (ferry_download_job_parent_class)->finalize (object);
}

static gboolean ferry_download_job_run (FerryJob *job, GCancellable *cancellable, GError **error);

static void
ferry_download_job_class_init (FerryDownloadJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_download_job_finalize;
  FERRY_JOB_CLASS (klass)->run = ferry_download_job_run;
}

static void
ferry_download_job_init (FerryDownloadJob *self)
{
}

/* A strong ETag, else Last-Modified: what If-Range may carry (RFC 9110 13.1.5). */
static char *
pick_validator (const FerryResponseInfo *response)
{
  if (response->etag != NULL && !g_str_has_prefix (response->etag, "W/"))
    return g_strdup (response->etag);
  return g_strdup (response->last_modified);
}

FerryDownloadJob *
ferry_download_job_new (SoupSession         *session,
                        FerryTransfer       *transfer,
                        const FerrySettings *settings,
                        FerryRateLimiter    *shared)
{
  FerryDownloadJob *self = g_object_new (FERRY_TYPE_DOWNLOAD_JOB, NULL);

  ferry_job_setup (FERRY_JOB (self), session, transfer, settings, shared);
  self->part_path = ferry_transfer_dup_part_path (transfer);
  self->destination = g_strdup (ferry_transfer_get_destination (transfer));
  self->checksum = g_strdup (ferry_transfer_get_checksum (transfer));
  self->validator = pick_validator (ferry_transfer_get_response (transfer));
  /* Resuming without a validator could stitch two versions together. */
  self->start_offset = self->validator ? ferry_transfer_get_durable_offset (transfer) : 0;
  self->total = ferry_transfer_get_total_bytes (transfer);
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

static SoupMessage *
build_request (FerryDownloadJob *self, guint64 offset)
{
  SoupMessage *msg = ferry_job_new_message (FERRY_JOB (self), SOUP_METHOD_GET,
                                            ferry_job_get_uri (FERRY_JOB (self)));
  SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);

  if (offset > 0)
    {
      soup_message_headers_set_range (request_headers, (goffset) offset, -1);
      soup_message_headers_replace (request_headers, "If-Range", self->validator);
    }
  return msg;
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

/* Whether a 206 is of the version we have the start of: a server that
 * ignores If-Range may send a range of a newer one. */
static gboolean
same_version (FerryDownloadJob *self, SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *etag = soup_message_headers_get_one (headers, "ETag");
  const char *last_modified = soup_message_headers_get_one (headers, "Last-Modified");

  if (self->validator[0] == '"')
    return etag == NULL || g_str_equal (etag, self->validator);
  return last_modified == NULL || g_str_equal (last_modified, self->validator);
}

/* Sends the request and decides from the answer where the body goes:
 * appended at @offset for a matching 206, from zero for anything else. */
static GInputStream *
open_body (FerryDownloadJob *self, guint64 *offset, gint64 *total,
           GCancellable *cancellable, GError **error)
{
  for (;;)
    {
      g_autoptr(SoupMessage) msg = build_request (self, *offset);
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
      if (SOUP_STATUS_IS_SUCCESSFUL (status) && status != SOUP_STATUS_PARTIAL_CONTENT)
        {
          if (*offset > 0)
            g_debug ("%s: the server sent the whole resource, starting from zero",
                     ferry_job_get_uri (FERRY_JOB (self)));
          *offset = 0;
          *total = length;
          return g_steal_pointer (&body);
        }
      if (*offset > 0 && (status == SOUP_STATUS_PARTIAL_CONTENT ||
                          status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE))
        {
          /* A range we cannot use: ask for the whole resource instead. */
          g_debug ("%s: unusable range answer %u, starting from zero",
                   ferry_job_get_uri (FERRY_JOB (self)), status);
          g_input_stream_close (body, NULL, NULL);
          *offset = 0;
          continue;
        }
      /* Keep the error page for OpenResponseBody; the status says the rest. */
      ferry_job_save_response_body (FERRY_JOB (self), body, cancellable, NULL);
      ferry_job_fail_from_http_status (FERRY_JOB (self), error, msg);
      return NULL;
    }
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

/* Hands a buffer over once this much is in it, or once it has waited an
 * eighth of a checkpoint interval: large writes, yet a slow transfer still
 * reaches the disk (and its progress) steadily, so a crash loses little. */
#define SUBMIT_THRESHOLD (256 * 1024)

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
  gsize capacity;

  while ((buffer = ferry_disk_writer_get_buffer (writer, &capacity)) != NULL)
    {
      gsize length = 0;
      gssize n = 1;

      gint64 deadline = g_get_monotonic_time () + submit_delay (job);

      while (length < SUBMIT_THRESHOLD && n > 0 &&
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
receive_small (FerryDownloadJob *self, GInputStream *body, int fd, guint64 offset,
               guint64 *received, int *write_error, GCancellable *cancellable, GError **error)
{
  FerryJob *job = FERRY_JOB (self);
  g_autofree guint8 *buffer = g_malloc (SMALL_BODY);
  gint64 next_flush = g_get_monotonic_time () + ferry_job_get_checkpoint_interval (job);

  *received = offset;
  *write_error = 0;
  for (;;)
    {
      gsize allowed = ferry_job_throttle (job, SMALL_BODY, cancellable);
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
  ferry_job_publish_response (job, offset, total, offset);

  if (total >= 0 && (guint64) total - offset <= SMALL_BODY)
    received_all = receive_small (self, body, fd, offset, &received, &write_error,
                                  cancellable, &read_error);
  else
    {
      writer = ferry_disk_writer_start (fd, offset, ferry_job_get_checkpoint_interval (job),
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
  g_autoptr(GInputStream) body = NULL;
  struct stat st;
  guint64 offset = self->start_offset;
  gint64 total = self->total;
  gboolean ok;
  int fd;

  /* The part may be shorter than recorded if someone removed it. */
  if (offset > 0 && (stat (self->part_path, &st) != 0 || (guint64) st.st_size < offset))
    offset = 0;

  /* Ask first, so an error page leaves no empty part behind. */
  body = open_body (self, &offset, &total, cancellable, error);
  if (body == NULL)
    return FALSE;

  /* Read-write: the checksum reads the whole file back. */
  fd = open (self->part_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return ferry_job_fail_from_errno (job, error, errno, _("open"), self->part_path);
  ok = copy_body (self, body, fd, offset, total, cancellable, error) &&
       (self->checksum == NULL || verify_checksum (self, fd, error));
  close (fd);
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
