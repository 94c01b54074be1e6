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

/* Large reads and writes keep system calls and lock traffic per byte low. */
#define READ_BUFFER_SIZE (256 * 1024)

struct _FerryDownloadJob
{
  GObject            parent_instance;

  /* Inputs, copied from the transfer on the main thread. */
  SoupSession       *session;
  char              *uri;
  GVariant          *headers;
  char              *part_path;
  char              *destination;
  char              *checksum;
  char              *validator;     /* for If-Range, NULL if none is safe */
  guint64            start_offset;
  gint64             checkpoint_interval_usec;
  gint64             start_time;

  /* Shared with the main thread, under the lock. */
  GMutex             lock;
  guint64            received;
  gint64             total;
  guint64            durable;
  FerryResponseInfo  response;
  gboolean           response_is_new;
  gboolean           has_response;

  /* Results, read after the task returned. */
  const char        *error_name;
  gboolean           error_is_transient;
};

G_DEFINE_FINAL_TYPE (FerryDownloadJob, ferry_download_job, G_TYPE_OBJECT)

static void
ferry_download_job_finalize (GObject *object)
{
  FerryDownloadJob *self = FERRY_DOWNLOAD_JOB (object);

  g_clear_object (&self->session);
  g_free (self->uri);
  g_clear_pointer (&self->headers, g_variant_unref);
  g_free (self->part_path);
  g_free (self->destination);
  g_free (self->checksum);
  g_free (self->validator);
  ferry_response_info_clear (&self->response);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ferry_download_job_parent_class)->finalize (object);
}

static void
ferry_download_job_class_init (FerryDownloadJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_download_job_finalize;
}

static void
ferry_download_job_init (FerryDownloadJob *self)
{
  g_mutex_init (&self->lock);
  self->total = -1;
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
ferry_download_job_new (SoupSession   *session,
                        FerryTransfer *transfer,
                        guint          checkpoint_interval_ms)
{
  FerryDownloadJob *self = g_object_new (FERRY_TYPE_DOWNLOAD_JOB, NULL);
  const FerryResponseInfo *response = ferry_transfer_get_response (transfer);

  self->session = g_object_ref (session);
  self->uri = g_strdup (ferry_transfer_get_uri (transfer));
  if (ferry_transfer_get_headers (transfer) != NULL)
    self->headers = g_variant_ref (ferry_transfer_get_headers (transfer));
  self->part_path = ferry_transfer_dup_part_path (transfer);
  self->destination = g_strdup (ferry_transfer_get_destination (transfer));
  self->checksum = g_strdup (ferry_transfer_get_checksum (transfer));
  self->validator = pick_validator (response);
  /* Resuming without a validator could stitch two versions together. */
  self->start_offset = self->validator ? ferry_transfer_get_durable_offset (transfer) : 0;
  self->checkpoint_interval_usec = (gint64) checkpoint_interval_ms * 1000;
  self->received = self->start_offset;
  self->durable = self->start_offset;
  self->total = ferry_transfer_get_total_bytes (transfer);
  ferry_response_info_copy (response, &self->response);
  return self;
}

/* Fails the attempt: @name is what ErrorName will say. */
static gboolean
job_fail (FerryDownloadJob *self, GError **error, const char *name, gboolean transient,
          const char *format, ...) G_GNUC_PRINTF (5, 6);

static gboolean
job_fail (FerryDownloadJob *self, GError **error, const char *name, gboolean transient,
          const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  self->error_name = name;
  self->error_is_transient = transient;
  g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_FAILED, message);
  return FALSE;
}

/* Maps a libsoup/GIO failure to a WebErrorStatus-like name. */
static gboolean
job_fail_from_gerror (FerryDownloadJob *self, GError **error, GError *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_error_copy (cause));
      return FALSE;
    }
  if (cause->domain == G_RESOLVER_ERROR)
    return job_fail (self, error, "host-name-not-resolved", TRUE, "%s", cause->message);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return job_fail (self, error, "timeout", TRUE, "%s", cause->message);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
      g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return job_fail (self, error, "cannot-connect", TRUE, "%s", cause->message);
  if (cause->domain == G_TLS_ERROR)
    return job_fail (self, error, "certificate-invalid", FALSE, "%s", cause->message);
  if (g_error_matches (cause, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS))
    return job_fail (self, error, "too-many-redirects", FALSE, "%s", cause->message);
  if (g_error_matches (cause, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI))
    return job_fail (self, error, "invalid-redirect", FALSE, "%s", cause->message);
  return job_fail (self, error, "connection-lost", TRUE, "%s", cause->message);
}

static gboolean
job_fail_from_http_status (FerryDownloadJob *self, GError **error, guint status,
                           const char *reason)
{
  const char *name = "client-error";
  gboolean transient = FALSE;

  switch (status)
    {
    case 401: name = "unauthorized"; break;
    case 403: name = "forbidden"; break;
    case 404:
    case 410: name = "not-found"; break;
    case 408: name = "timeout"; transient = TRUE; break;
    case 416: name = "range-not-satisfiable"; break;
    case 429: name = "too-many-requests"; transient = TRUE; break;
    default:
      if (status >= 500)
        {
          name = "server-error";
          transient = TRUE;
        }
      else if (status < 400)
        name = "unexpected-response";
      break;
    }
  return job_fail (self, error, name, transient, _("The server answered %u %s"),
                   status, reason ? reason : "");
}

static gboolean
job_fail_from_errno (FerryDownloadJob *self, GError **error, int saved_errno,
                     const char *what)
{
  gboolean full = saved_errno == ENOSPC || saved_errno == EDQUOT || saved_errno == EFBIG;

  return job_fail (self, error, full ? "insufficient-storage" : "io-error", FALSE,
                   _("Cannot %s “%s”: %s"), what, self->part_path, g_strerror (saved_errno));
}

static void
publish_progress (FerryDownloadJob *self, guint64 received, gint64 total, guint64 durable)
{
  g_mutex_lock (&self->lock);
  self->received = received;
  self->total = total;
  self->durable = durable;
  g_mutex_unlock (&self->lock);
}

/* Flushes the data, then declares it durable: never the other way round. */
static gboolean
flush_to_disk (FerryDownloadJob *self, int fd, guint64 received, gint64 total, GError **error)
{
  if (fdatasync (fd) != 0)
    return job_fail_from_errno (self, error, errno, _("flush"));
  publish_progress (self, received, total, received);
  return TRUE;
}

/* Response headers as a{ss}: names in lower case, repeated ones joined. */
static GVariant *
response_headers_to_variant (SoupMessageHeaders *headers)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);

      if (g_hash_table_contains (seen, lower))
        continue;
      g_variant_builder_add (&builder, "{ss}", lower,
                             soup_message_headers_get_list (headers, name));
      g_hash_table_add (seen, g_steal_pointer (&lower));
    }
  return g_variant_builder_end (&builder);
}

static void
record_response (FerryDownloadJob *self, SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  g_autofree char *actual_uri = g_uri_to_string (soup_message_get_uri (msg));
  const char *accept_ranges = soup_message_headers_get_one (headers, "Accept-Ranges");
  guint status = soup_message_get_status (msg);

  g_mutex_lock (&self->lock);
  ferry_response_info_clear (&self->response);
  self->response.http_status = status;
  self->response.actual_uri = g_steal_pointer (&actual_uri);
  self->response.etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  self->response.last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
  self->response.accepts_ranges = status == SOUP_STATUS_PARTIAL_CONTENT ||
    (accept_ranges != NULL && g_ascii_strcasecmp (accept_ranges, "bytes") == 0);
  self->response.headers = g_variant_ref_sink (response_headers_to_variant (headers));
  self->has_response = TRUE;
  g_mutex_unlock (&self->lock);
}

static SoupMessage *
build_request (FerryDownloadJob *self, guint64 offset)
{
  SoupMessage *msg = soup_message_new (SOUP_METHOD_GET, self->uri);
  SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);

  if (self->headers != NULL)
    {
      GVariantIter iter;
      const char *name, *value;

      g_variant_iter_init (&iter, self->headers);
      while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
        soup_message_headers_replace (request_headers, name, value);
    }
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
  goffset range_start, range_end, range_total;

  if (!soup_message_headers_get_content_range (soup_message_get_response_headers (msg),
                                               &range_start, &range_end, &range_total))
    return FALSE;
  *start = (guint64) range_start;
  *total = range_total;  /* -1 for "*" */
  return TRUE;
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

      body = soup_session_send (self->session, msg, cancellable, &local_error);
      if (body == NULL)
        {
          job_fail_from_gerror (self, error, local_error);
          return NULL;
        }
      record_response (self, msg);
      status = soup_message_get_status (msg);
      length = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
      if (soup_message_headers_get_encoding (soup_message_get_response_headers (msg)) !=
          SOUP_ENCODING_CONTENT_LENGTH)
        length = -1;

      if (status == SOUP_STATUS_PARTIAL_CONTENT && *offset > 0 &&
          parse_content_range (msg, &range_start, &range_total) && range_start == *offset)
        {
          *total = range_total >= 0 ? range_total : (length >= 0 ? (gint64) *offset + length : -1);
          return g_steal_pointer (&body);
        }
      if (SOUP_STATUS_IS_SUCCESSFUL (status) && status != SOUP_STATUS_PARTIAL_CONTENT)
        {
          if (*offset > 0)
            g_debug ("%s: the server sent the whole resource, starting from zero", self->uri);
          *offset = 0;
          *total = length;
          return g_steal_pointer (&body);
        }
      if (*offset > 0 && (status == SOUP_STATUS_PARTIAL_CONTENT ||
                          status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE))
        {
          /* A range we cannot use: ask for the whole resource instead. */
          g_debug ("%s: unusable range answer %u, starting from zero", self->uri, status);
          g_input_stream_close (body, NULL, NULL);
          *offset = 0;
          continue;
        }
      job_fail_from_http_status (self, error, status, soup_message_get_reason_phrase (msg));
      return NULL;
    }
}

static gboolean
write_all (int fd, const guint8 *data, gsize size)
{
  while (size > 0)
    {
      ssize_t n = write (fd, data, size);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += n;
      size -= (gsize) n;
    }
  return TRUE;
}

/* Streams the body into @fd from @offset, flushing at checkpoint intervals. */
static gboolean
copy_body (FerryDownloadJob *self, GInputStream *body, int fd, guint64 offset,
           gint64 total, GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *buffer = g_malloc (READ_BUFFER_SIZE);
  guint64 received = offset;
  gint64 last_flush = g_get_monotonic_time ();

  if (ftruncate (fd, (off_t) offset) != 0 || lseek (fd, (off_t) offset, SEEK_SET) < 0)
    return job_fail_from_errno (self, error, errno, _("prepare"));
  /* The validators and the offset are published together, so that nobody
   * stores new validators with an offset into the old version's bytes. */
  g_mutex_lock (&self->lock);
  self->received = offset;
  self->total = total;
  self->durable = offset;
  self->response_is_new = TRUE;
  g_mutex_unlock (&self->lock);

  for (;;)
    {
      g_autoptr(GError) read_error = NULL;
      gssize n = g_input_stream_read (body, buffer, READ_BUFFER_SIZE, cancellable, &read_error);

      if (n < 0)
        {
          /* Keep what arrived: the next attempt resumes after it. */
          if (!flush_to_disk (self, fd, received, total, error))
            return FALSE;
          return job_fail_from_gerror (self, error, read_error);
        }
      if (n == 0)
        break;
      if (!write_all (fd, buffer, (gsize) n))
        {
          int saved_errno = errno;
          flush_to_disk (self, fd, received, total, NULL);
          return job_fail_from_errno (self, error, saved_errno, _("write"));
        }
      received += (guint64) n;

      if (g_get_monotonic_time () - last_flush >= self->checkpoint_interval_usec)
        {
          if (!flush_to_disk (self, fd, received, total, error))
            return FALSE;
          last_flush = g_get_monotonic_time ();
        }
      else
        {
          g_mutex_lock (&self->lock);
          self->received = received;
          g_mutex_unlock (&self->lock);
        }
    }

  if (!flush_to_disk (self, fd, received, total, error))
    return FALSE;
  if (total >= 0 && received != (guint64) total)
    return job_fail (self, error, "connection-lost", TRUE,
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
    return job_fail_from_errno (self, error, errno, _("read back"));

  if (g_ascii_strcasecmp (g_checksum_get_string (checksum), expected) != 0)
    {
      /* The bytes are wrong as a whole: none of them is worth keeping. */
      g_unlink (self->part_path);
      publish_progress (self, 0, -1, 0);
      return job_fail (self, error, "checksum-mismatch", FALSE,
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
run_download (FerryDownloadJob *self, GCancellable *cancellable, GError **error)
{
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
    return job_fail_from_errno (self, error, errno, _("open"));
  ok = copy_body (self, body, fd, offset, total, cancellable, error) &&
       (self->checksum == NULL || verify_checksum (self, fd, error));
  close (fd);
  if (!ok)
    return FALSE;

  if (g_rename (self->part_path, self->destination) != 0)
    return job_fail_from_errno (self, error, errno, _("rename"));
  sync_directory (self->destination);
  return TRUE;
}

static gpointer
download_thread (gpointer data)
{
  g_autoptr(GTask) task = data;
  FerryDownloadJob *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (run_download (self, g_task_get_cancellable (task), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  return NULL;
}

void
ferry_download_job_run_async (FerryDownloadJob   *self,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ferry_download_job_run_async);
  self->start_time = g_get_monotonic_time ();
  /* A thread of its own: blocking reads would starve GLib's shared pool. */
  g_thread_unref (g_thread_new ("ferry-download", download_thread, g_steal_pointer (&task)));
}

gboolean
ferry_download_job_run_finish (FerryDownloadJob *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ferry_download_job_get_progress (FerryDownloadJob *self,
                                 guint64          *received,
                                 gint64           *total,
                                 guint64          *durable)
{
  g_mutex_lock (&self->lock);
  *received = self->received;
  *total = self->total;
  *durable = self->durable;
  g_mutex_unlock (&self->lock);
}

gboolean
ferry_download_job_take_response (FerryDownloadJob  *self,
                                  gboolean           finished,
                                  FerryResponseInfo *info)
{
  gboolean is_new;

  g_mutex_lock (&self->lock);
  is_new = self->response_is_new || (finished && self->has_response);
  if (is_new)
    ferry_response_info_copy (&self->response, info);
  self->response_is_new = FALSE;
  g_mutex_unlock (&self->lock);
  return is_new;
}

gint64
ferry_download_job_get_start_time (FerryDownloadJob *self)
{
  return self->start_time;
}

gboolean
ferry_download_job_has_response (FerryDownloadJob *self)
{
  gboolean has_response;

  g_mutex_lock (&self->lock);
  has_response = self->has_response;
  g_mutex_unlock (&self->lock);
  return has_response;
}

const char *
ferry_download_job_get_error_name (FerryDownloadJob *self)
{
  return self->error_name ? self->error_name : "";
}

gboolean
ferry_download_job_get_error_is_transient (FerryDownloadJob *self)
{
  return self->error_is_transient;
}
