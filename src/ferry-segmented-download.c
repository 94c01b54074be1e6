/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-download"

#include <errno.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "ferry-disk-writer.h"
#include "ferry-http.h"
#include "ferry-segmented-download.h"

/* Each connection reads and writes this much at a time. */
#define SEGMENT_BUFFER_SIZE (256 * 1024)

typedef struct _Download Download;

/* One segment's connection, in a thread of its own. */
typedef struct {
  Download      *download;
  FerrySegment  *segment;
  GInputStream  *body;
  GThread       *thread;
  guint64        written;     /* under the download's lock */

  /* What went wrong, read after the thread is joined. */
  GError        *error;
  SoupMessage   *refused;     /* an error answer */
  int            write_errno;
  gboolean       changed;     /* the answer is of another version */
} Connection;

struct _Download
{
  FerryJob     *job;
  int           fd;
  const char   *validator;
  /* Cancelled by the caller, or by the first connection that fails, so
   * that the others stop too. */
  GCancellable *cancellable;

  GMutex        lock;
  GCond         finished;
  guint         running;
};

static gboolean
connection_failed (Connection *connection)
{
  return connection->refused != NULL || connection->write_errno != 0 || connection->changed ||
         (connection->error != NULL &&
          !g_error_matches (connection->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

/* Asks for the rest of the segment; NULL when the answer is not that. */
static GInputStream *
open_segment (Connection *connection)
{
  Download *download = connection->download;
  FerryJob *job = download->job;
  g_autoptr(SoupMessage) msg = ferry_job_new_message (job, SOUP_METHOD_GET,
                                                      ferry_job_get_uri (job));
  SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers;
  g_autoptr(GInputStream) body = NULL;
  guint64 start, end;
  gint64 total;

  soup_message_headers_set_range (request_headers, (goffset) connection->written,
                                  (goffset) connection->segment->end - 1);
  soup_message_headers_replace (request_headers, "If-Range", download->validator);
  body = soup_session_send (ferry_job_get_session (job), msg, download->cancellable,
                            &connection->error);
  if (body == NULL)
    return NULL;
  ferry_job_record_response (job, msg);
  response_headers = soup_message_get_response_headers (msg);

  if (soup_message_get_status (msg) == SOUP_STATUS_PARTIAL_CONTENT &&
      ferry_http_parse_content_range (soup_message_headers_get_one (response_headers,
                                                                    "Content-Range"),
                                      &start, &end, &total) &&
      start == connection->written &&
      ferry_http_same_version (download->validator,
                               soup_message_headers_get_one (response_headers, "ETag"),
                               soup_message_headers_get_one (response_headers,
                                                             "Last-Modified")))
    return g_steal_pointer (&body);

  if (SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)) ||
      soup_message_get_status (msg) == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      /* The whole resource instead of the range, or a range of another
       * version: the bytes on disk are of an older one. */
      g_debug ("%s: a segment was answered %u, the resource changed",
               ferry_job_get_uri (job), soup_message_get_status (msg));
      connection->changed = TRUE;
    }
  else
    connection->refused = g_steal_pointer (&msg);
  g_input_stream_close (body, NULL, NULL);
  return NULL;
}

/* Reads the body into the file until the segment's end. */
static void
receive_segment (Connection *connection)
{
  Download *download = connection->download;
  g_autofree guint8 *buffer = g_malloc (SEGMENT_BUFFER_SIZE);
  guint64 end = connection->segment->end;
  guint64 position = connection->written;

  while (position < end)
    {
      gsize allowed = ferry_job_throttle (download->job,
                                          (gsize) MIN (SEGMENT_BUFFER_SIZE, end - position),
                                          download->cancellable);
      gsize done;
      gssize n;

      if (allowed == 0)
        {
          g_cancellable_set_error_if_cancelled (download->cancellable, &connection->error);
          return;
        }
      n = g_input_stream_read (connection->body, buffer, allowed, download->cancellable,
                               &connection->error);
      ferry_job_unthrottle (download->job, n > 0 ? allowed - (gsize) n : allowed);
      if (n < 0)
        return;
      if (n == 0)
        {
          g_set_error (&connection->error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       _("The connection ended %" G_GUINT64_FORMAT " bytes before the end of "
                         "its segment"), end - position);
          return;
        }
      if (!ferry_pwrite_all (download->fd, buffer, (gsize) n, position, &done))
        {
          connection->write_errno = errno;
          return;
        }
      position += (guint64) n;
      g_mutex_lock (&download->lock);
      connection->written = position;
      g_mutex_unlock (&download->lock);
      ferry_job_add_transferred (download->job, (guint64) n);
    }
}

/* A connection lost after it moved forward asks again at once, alone:
 * the others keep going. One that fails without progress fails the
 * attempt, and the scheduler's retries take over. */
static gboolean
may_reconnect (Connection *connection, guint64 written_before)
{
  return connection->written > written_before && connection->error != NULL &&
         connection->refused == NULL && connection->write_errno == 0 && !connection->changed &&
         !g_cancellable_is_cancelled (connection->download->cancellable);
}

static gpointer
connection_thread (gpointer data)
{
  Connection *connection = data;
  Download *download = connection->download;
  guint64 written_before;

  do
    {
      written_before = connection->written;
      g_clear_error (&connection->error);
      if (connection->body == NULL)
        connection->body = open_segment (connection);
      if (connection->body != NULL)
        {
          receive_segment (connection);
          /* Before the end of its body (the first segment's answer runs to
           * the end of the file): libsoup drops the connection. */
          g_input_stream_close (connection->body, NULL, NULL);
          g_clear_object (&connection->body);
        }
      if (may_reconnect (connection, written_before))
        g_debug ("%s: a segment's connection was lost at %" G_GUINT64_FORMAT ": %s",
                 ferry_job_get_uri (download->job), connection->written,
                 connection->error->message);
    }
  while (may_reconnect (connection, written_before));
  if (connection_failed (connection))
    g_cancellable_cancel (download->cancellable);

  g_mutex_lock (&download->lock);
  download->running--;
  g_cond_signal (&download->finished);
  g_mutex_unlock (&download->lock);
  return NULL;
}

/* Makes what the connections wrote durable, then says so; nothing to do
 * when nothing was written since the last time. */
static int
checkpoint (Download *download, Connection *connections, GArray *segments,
            FerrySegmentsFlushedFunc flushed, gpointer user_data)
{
  g_autofree guint64 *written = g_new (guint64, segments->len);
  gboolean moved = FALSE;

  g_mutex_lock (&download->lock);
  for (guint i = 0; i < segments->len; i++)
    {
      written[i] = connections[i].written;
      moved = moved || written[i] != g_array_index (segments, FerrySegment, i).durable;
    }
  g_mutex_unlock (&download->lock);

  if (!moved)
    return 0;
  if (fdatasync (download->fd) != 0)
    return errno;
  for (guint i = 0; i < segments->len; i++)
    g_array_index (segments, FerrySegment, i).durable = written[i];
  flushed (segments, user_data);
  return 0;
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* The failure that explains the others: those were cancelled because of it. */
static FerrySegmentsResult
report_failure (Download *download, Connection *connections, guint n, const char *part_path,
                int flush_errno, GCancellable *cancellable, GError **error)
{
  FerryJob *job = download->job;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FERRY_SEGMENTS_FAILED;
  for (guint i = 0; i < n; i++)
    if (connections[i].write_errno != 0 || flush_errno != 0)
      {
        ferry_job_fail_from_errno (job, error, flush_errno ? flush_errno : connections[i].write_errno,
                                   _("write"), part_path);
        return FERRY_SEGMENTS_FAILED;
      }
  for (guint i = 0; i < n; i++)
    if (connections[i].changed)
      return FERRY_SEGMENTS_CHANGED;
  for (guint i = 0; i < n; i++)
    if (connections[i].refused != NULL)
      {
        ferry_job_fail_from_http_status (job, error, connections[i].refused);
        return FERRY_SEGMENTS_FAILED;
      }
  for (guint i = 0; i < n; i++)
    if (connection_failed (&connections[i]))
      {
        ferry_job_fail_from_gerror (job, error, connections[i].error);
        return FERRY_SEGMENTS_FAILED;
      }
  g_assert_not_reached ();
}

FerrySegmentsResult
ferry_segmented_download_run (FerryJob                 *job,
                              int                       fd,
                              const char               *part_path,
                              const char               *validator,
                              GArray                   *segments,
                              GInputStream             *first_body,
                              FerrySegmentsFlushedFunc  flushed,
                              gpointer                  user_data,
                              GCancellable             *cancellable,
                              GError                  **error)
{
  Download download = { .job = job, .fd = fd, .validator = validator };
  g_autofree Connection *connections = g_new0 (Connection, segments->len);
  gint64 interval = ferry_job_get_checkpoint_interval (job);
  FerrySegmentsResult result = FERRY_SEGMENTS_COMPLETE;
  gboolean failed = FALSE;
  gulong cancelled_id = 0;
  int flush_errno = 0;

  g_mutex_init (&download.lock);
  g_cond_init (&download.finished);
  download.cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                          download.cancellable, NULL);

  g_mutex_lock (&download.lock);
  for (guint i = 0; i < segments->len; i++)
    {
      Connection *connection = &connections[i];
      FerrySegment *segment = &g_array_index (segments, FerrySegment, i);

      connection->download = &download;
      connection->segment = segment;
      connection->written = segment->durable;
      if (segment->durable == segment->end)
        continue;
      if (first_body != NULL && i == 0)
        connection->body = g_object_ref (first_body);
      connection->thread = g_thread_new ("ferry-segment", connection_thread, connection);
      download.running++;
    }
  /* Checkpoints while the connections run... */
  while (download.running > 0)
    {
      gint64 deadline = g_get_monotonic_time () + interval;

      while (download.running > 0 && g_cond_wait_until (&download.finished, &download.lock,
                                                        deadline))
        ;
      g_mutex_unlock (&download.lock);
      flush_errno = checkpoint (&download, connections, segments, flushed, user_data);
      g_mutex_lock (&download.lock);
      if (flush_errno != 0)
        break;
    }
  g_mutex_unlock (&download.lock);

  if (flush_errno != 0)
    g_cancellable_cancel (download.cancellable);
  for (guint i = 0; i < segments->len; i++)
    {
      if (connections[i].thread != NULL)
        g_thread_join (connections[i].thread);
      failed = failed || connection_failed (&connections[i]);
    }
  g_cancellable_disconnect (cancellable, cancelled_id);
  /* ...and the last one once they all ended (the last may end while a
   * checkpoint runs): whatever reached the file is kept, and the next
   * attempt resumes there. */
  if (flush_errno == 0)
    flush_errno = checkpoint (&download, connections, segments, flushed, user_data);

  if (failed || flush_errno != 0 || g_cancellable_is_cancelled (cancellable))
    result = report_failure (&download, connections, segments->len, part_path, flush_errno,
                             cancellable, error);

  for (guint i = 0; i < segments->len; i++)
    {
      g_clear_error (&connections[i].error);
      g_clear_object (&connections[i].refused);
    }
  g_object_unref (download.cancellable);
  g_cond_clear (&download.finished);
  g_mutex_clear (&download.lock);
  return result;
}
