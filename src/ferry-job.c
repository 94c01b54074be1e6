/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-job"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ferry-download-job.h"
#include "ferry-error.h"
#include "ferry-http.h"
#include "ferry-job.h"
#include "ferry-main-context.h"
#include "ferry-throttled-input-stream.h"
#include "ferry-upload-job.h"

typedef struct
{
  /* Inputs, copied from the transfer on the main thread. */
  SoupSession       *session;
  char              *uri;
  GVariant          *headers;
  char              *response_body_path;
  gsize              max_response_body;
  gint64             checkpoint_interval_usec;
  gint64             start_time;
  FerryRateLimiter  *own_limit;
  FerryRateLimiter  *shared_limit;
  GMainContext      *context;      /* where the job was made: the main thread */

  /* Shared with the main thread, under the lock. */
  GMutex             lock;
  guint64            transferred;
  gint64             total;
  guint64            durable;
  FerryResponseInfo  recorded;   /* the latest response */
  FerryResponseInfo  published;  /* the one the offsets belong to */
  gboolean           response_is_new;
  gboolean           has_response;
  gboolean           sent_body;

  /* Results, read after the task returned. */
  const char        *error_name;
  gboolean           error_is_transient;
  guint              retry_after_s;
} FerryJobPrivate;

enum {
  SIGNAL_DURABLE_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE_WITH_PRIVATE (FerryJob, ferry_job, G_TYPE_OBJECT)

static void
ferry_job_finalize (GObject *object)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (FERRY_JOB (object));

  g_clear_object (&priv->session);
  g_free (priv->uri);
  g_clear_pointer (&priv->headers, g_variant_unref);
  g_free (priv->response_body_path);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_clear_pointer (&priv->own_limit, ferry_rate_limiter_unref);
  g_clear_pointer (&priv->shared_limit, ferry_rate_limiter_unref);
  ferry_response_info_clear (&priv->recorded);
  ferry_response_info_clear (&priv->published);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (ferry_job_parent_class)->finalize (object);
}

static void
ferry_job_class_init (FerryJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_job_finalize;

  /* Emitted on the main thread once more bytes are on disk, so that the
   * offset is stored right after the flush, not up to an interval later. */
  signals[SIGNAL_DURABLE_CHANGED] =
    g_signal_new ("durable-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static gboolean
emit_durable_changed (gpointer data)
{
  g_signal_emit (data, signals[SIGNAL_DURABLE_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
ferry_job_init (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  g_mutex_init (&priv->lock);
  priv->total = -1;
}

FerryJob *
ferry_job_new_for_transfer (SoupSession         *session,
                            FerryTransfer       *transfer,
                            const FerrySettings *settings,
                            FerryRateLimiter    *shared)
{
  if (ferry_transfer_get_kind (transfer) == FERRY_TRANSFER_KIND_UPLOAD)
    return FERRY_JOB (ferry_upload_job_new (session, transfer, settings, shared));
  return FERRY_JOB (ferry_download_job_new (session, transfer, settings, shared));
}

void
ferry_job_setup (FerryJob            *self,
                 SoupSession         *session,
                 FerryTransfer       *transfer,
                 const FerrySettings *settings,
                 FerryRateLimiter    *shared)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  if (ferry_transfer_get_max_speed (transfer) > 0)
    priv->own_limit = ferry_rate_limiter_new (ferry_transfer_get_max_speed (transfer));
  priv->shared_limit = shared ? ferry_rate_limiter_ref (shared) : NULL;
  priv->context = g_main_context_ref_thread_default ();

  priv->session = g_object_ref (session);
  priv->uri = g_strdup (ferry_transfer_get_uri (transfer));
  if (ferry_transfer_get_headers (transfer) != NULL)
    priv->headers = g_variant_ref (ferry_transfer_get_headers (transfer));
  priv->response_body_path = ferry_transfer_dup_response_body_path (transfer);
  priv->max_response_body = settings->max_response_body;
  priv->checkpoint_interval_usec = (gint64) settings->checkpoint_interval_ms * 1000;
  priv->total = ferry_transfer_get_total_bytes (transfer);
  priv->durable = ferry_transfer_get_durable_offset (transfer);
  priv->transferred = priv->durable;
  ferry_response_info_copy (ferry_transfer_get_response (transfer), &priv->published);
}

gsize
ferry_job_throttle (FerryJob *self, gsize wanted, GCancellable *cancellable)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  return ferry_throttle (priv->own_limit, priv->shared_limit, wanted, cancellable);
}

void
ferry_job_unthrottle (FerryJob *self, gsize unused)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  ferry_throttle_give_back (priv->own_limit, priv->shared_limit, unused);
}

GInputStream *
ferry_job_throttle_stream (FerryJob *self, GInputStream *body)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  if (priv->own_limit == NULL && priv->shared_limit == NULL)
    return g_object_ref (body);
  return ferry_throttled_input_stream_new (body, priv->own_limit, priv->shared_limit);
}

SoupSession *
ferry_job_get_session (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  return priv->session;
}

const char *
ferry_job_get_uri (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  return priv->uri;
}

gint64
ferry_job_get_checkpoint_interval (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  return priv->checkpoint_interval_usec;
}

SoupMessage *
ferry_job_new_message (FerryJob *self, const char *method, const char *uri)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  SoupMessage *msg = soup_message_new (method, uri);
  SoupMessageHeaders *request_headers;
  GVariantIter iter;
  const char *name, *value;

  if (msg == NULL || priv->headers == NULL)
    return msg;
  request_headers = soup_message_get_request_headers (msg);
  g_variant_iter_init (&iter, priv->headers);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    soup_message_headers_replace (request_headers, name, value);
  return msg;
}

gboolean
ferry_job_fail (FerryJob *self, GError **error, const char *name, gboolean transient,
                const char *format, ...)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  priv->error_name = name;
  priv->error_is_transient = transient;
  g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_FAILED, message);
  return FALSE;
}

void
ferry_job_forbid_retry (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  priv->error_is_transient = FALSE;
}

/* Maps a libsoup/GIO failure to a WebErrorStatus-like name. */
gboolean
ferry_job_fail_from_gerror (FerryJob *self, GError **error, GError *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_error_copy (cause));
      return FALSE;
    }
  if (cause->domain == G_RESOLVER_ERROR)
    return ferry_job_fail (self, error, "host-name-not-resolved", TRUE, "%s", cause->message);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return ferry_job_fail (self, error, "timeout", TRUE, "%s", cause->message);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
      g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return ferry_job_fail (self, error, "cannot-connect", TRUE, "%s", cause->message);
  if (cause->domain == G_TLS_ERROR)
    return ferry_job_fail (self, error, "certificate-invalid", FALSE, "%s", cause->message);
  if (g_error_matches (cause, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS))
    return ferry_job_fail (self, error, "too-many-redirects", FALSE, "%s", cause->message);
  if (g_error_matches (cause, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI))
    return ferry_job_fail (self, error, "invalid-redirect", FALSE, "%s", cause->message);
  return ferry_job_fail (self, error, "connection-lost", TRUE, "%s", cause->message);
}

gboolean
ferry_job_fail_from_http_status (FerryJob *self, GError **error, SoupMessage *msg)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  const char *retry_after = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                          "Retry-After");
  guint status = soup_message_get_status (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
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
  /* A busy server says when to come back; an hour at most. */
  if (transient &&
      !ferry_http_parse_retry_after (retry_after, g_get_real_time () / G_USEC_PER_SEC, 3600,
                                     &priv->retry_after_s))
    priv->retry_after_s = 0;
  return ferry_job_fail (self, error, name, transient, _("The server answered %u %s"),
                         status, reason ? reason : "");
}

gboolean
ferry_job_fail_from_errno (FerryJob *self, GError **error, int saved_errno,
                           const char *what, const char *path)
{
  gboolean full = saved_errno == ENOSPC || saved_errno == EDQUOT || saved_errno == EFBIG;

  return ferry_job_fail (self, error, full ? "insufficient-storage" : "io-error", FALSE,
                         _("Cannot %s “%s”: %s"), what, path, g_strerror (saved_errno));
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

void
ferry_job_record_response (FerryJob *self, SoupMessage *msg)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *accept_ranges = soup_message_headers_get_one (headers, "Accept-Ranges");
  guint status = soup_message_get_status (msg);
  FerryResponseInfo *info = &priv->recorded;

  g_mutex_lock (&priv->lock);
  ferry_response_info_clear (info);
  info->http_status = status;
  info->actual_uri = g_uri_to_string (soup_message_get_uri (msg));
  info->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  info->last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
  info->accepts_ranges = status == SOUP_STATUS_PARTIAL_CONTENT ||
    (accept_ranges != NULL && g_ascii_strcasecmp (accept_ranges, "bytes") == 0);
  info->headers = g_variant_ref_sink (response_headers_to_variant (headers));
  priv->has_response = TRUE;
  g_mutex_unlock (&priv->lock);
}

void
ferry_job_publish_response_locked (FerryJob *self, guint64 transferred, gint64 total,
                                   guint64 durable)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  ferry_response_info_copy (&priv->recorded, &priv->published);
  priv->transferred = transferred;
  priv->total = total;
  priv->durable = durable;
  priv->response_is_new = TRUE;
}

void
ferry_job_publish_response (FerryJob *self, guint64 transferred, gint64 total, guint64 durable)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  g_mutex_lock (&priv->lock);
  ferry_job_publish_response_locked (self, transferred, total, durable);
  g_mutex_unlock (&priv->lock);
}

void
ferry_job_publish_progress (FerryJob *self, guint64 transferred, gint64 total, guint64 durable)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  g_mutex_lock (&priv->lock);
  priv->transferred = transferred;
  priv->total = total;
  priv->durable = durable;
  g_mutex_unlock (&priv->lock);
}

void
ferry_job_set_durable (FerryJob *self, guint64 durable)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  g_mutex_lock (&priv->lock);
  priv->durable = durable;
  g_mutex_unlock (&priv->lock);
  ferry_main_context_defer (priv->context, emit_durable_changed, g_object_ref (self),
                            g_object_unref);
}

void
ferry_job_add_transferred (FerryJob *self, guint64 bytes)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  g_mutex_lock (&priv->lock);
  priv->transferred += bytes;
  priv->sent_body = TRUE;
  g_mutex_unlock (&priv->lock);
}

gboolean
ferry_job_save_response_body (FerryJob *self, GInputStream *body,
                              GCancellable *cancellable, GError **error)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  g_autoptr(GFile) file = g_file_new_for_path (priv->response_body_path);
  g_autoptr(GFile) dir = g_file_get_parent (file);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  g_autoptr(GError) local_error = NULL;
  gsize kept = 0;

  g_file_make_directory_with_parents (dir, NULL, NULL);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, &local_error);
  if (out == NULL)
    return ferry_job_fail (self, error, "io-error", FALSE, "%s", local_error->message);

  /* Read to the end so the connection can be reused; keep up to the limit. */
  for (;;)
    {
      gssize n = g_input_stream_read (body, buffer, 64 * 1024, cancellable, &local_error);

      if (n < 0)
        return ferry_job_fail_from_gerror (self, error, local_error);
      if (n == 0)
        break;
      if (kept < priv->max_response_body)
        {
          gsize keep = MIN ((gsize) n, priv->max_response_body - kept);

          if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer, keep, NULL,
                                          cancellable, &local_error))
            return ferry_job_fail (self, error, "io-error", FALSE, "%s", local_error->message);
          kept += keep;
        }
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &local_error))
    return ferry_job_fail (self, error, "io-error", FALSE, "%s", local_error->message);
  return TRUE;
}

static void
job_thread (gpointer data, gpointer unused)
{
  g_autoptr(GTask) task = data;
  FerryJob *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  GPollFD pollfd;
  gboolean ok;

  /* Every blocking read polls the cancellable's descriptor; holding one
   * keeps GIO from making and closing an eventfd for each of them. */
  g_cancellable_make_pollfd (cancellable, &pollfd);
  ok = FERRY_JOB_GET_CLASS (self)->run (self, cancellable, &error);
  g_cancellable_release_fd (cancellable);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Jobs block for as long as a transfer lasts, so they have threads of
 * their own, not GLib's shared pool; idle ones are kept for the next. */
static GThreadPool *
job_pool (void)
{
  static GThreadPool *pool;

  /* Jobs start on the main thread only: no race to create it. */
  if (pool == NULL)
    {
      pool = g_thread_pool_new (job_thread, NULL, -1, FALSE, NULL);
      g_thread_pool_set_max_unused_threads (16);
    }
  return pool;
}

void
ferry_job_run_async (FerryJob           *self,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ferry_job_run_async);
  priv->start_time = g_get_monotonic_time ();
  g_thread_pool_push (job_pool (), g_steal_pointer (&task), NULL);
}

gboolean
ferry_job_run_finish (FerryJob *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ferry_job_get_progress (FerryJob *self, guint64 *transferred, gint64 *total, guint64 *durable)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  g_mutex_lock (&priv->lock);
  *transferred = priv->transferred;
  *total = priv->total;
  *durable = priv->durable;
  g_mutex_unlock (&priv->lock);
}

static void
copy_durable_locked (FerryJob *self, FerryTransfer *transfer)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);

  ferry_transfer_set_durable_offset (transfer, priv->durable);
  if (FERRY_JOB_GET_CLASS (self)->sync_durable != NULL)
    FERRY_JOB_GET_CLASS (self)->sync_durable (self, transfer);
}

gboolean
ferry_job_copy_durable (FerryJob *self, FerryTransfer *transfer)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  gboolean changed;

  g_mutex_lock (&priv->lock);
  changed = priv->durable != ferry_transfer_get_durable_offset (transfer);
  copy_durable_locked (self, transfer);
  g_mutex_unlock (&priv->lock);
  return changed;
}

gboolean
ferry_job_take_response (FerryJob *self, gboolean finished, FerryTransfer *transfer)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  gboolean is_new;

  g_mutex_lock (&priv->lock);
  /* A failed attempt's error page is worth showing too. A success answer
   * that never got to write its body must not be: its validators do not
   * describe the bytes on disk. */
  if (finished && priv->has_response && !priv->response_is_new &&
      !SOUP_STATUS_IS_SUCCESSFUL (priv->recorded.http_status))
    {
      /* The error page is shown, but the validators stay those of the
       * bytes on disk: a 503 says nothing about the resource. */
      g_autofree char *etag = g_steal_pointer (&priv->published.etag);
      g_autofree char *last_modified = g_steal_pointer (&priv->published.last_modified);
      gboolean accepts_ranges = priv->published.accepts_ranges;

      ferry_response_info_copy (&priv->recorded, &priv->published);
      g_free (priv->published.etag);
      priv->published.etag = g_steal_pointer (&etag);
      g_free (priv->published.last_modified);
      priv->published.last_modified = g_steal_pointer (&last_modified);
      priv->published.accepts_ranges = accepts_ranges;
      priv->response_is_new = TRUE;
    }
  is_new = priv->response_is_new;
  if (is_new)
    {
      ferry_transfer_set_response (transfer, &priv->published);
      copy_durable_locked (self, transfer);
      if (FERRY_JOB_GET_CLASS (self)->sync_to_transfer != NULL)
        FERRY_JOB_GET_CLASS (self)->sync_to_transfer (self, transfer);
    }
  priv->response_is_new = FALSE;
  g_mutex_unlock (&priv->lock);
  return is_new;
}

void
ferry_job_lock (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  g_mutex_lock (&priv->lock);
}

void
ferry_job_unlock (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  g_mutex_unlock (&priv->lock);
}

gint64
ferry_job_get_start_time (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  return priv->start_time;
}

gboolean
ferry_job_is_connected (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  gboolean connected;

  g_mutex_lock (&priv->lock);
  connected = priv->has_response || priv->sent_body;
  g_mutex_unlock (&priv->lock);
  return connected;
}

const char *
ferry_job_get_error_name (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  return priv->error_name ? priv->error_name : "";
}

guint
ferry_job_get_retry_after (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  return priv->retry_after_s;
}

gboolean
ferry_job_get_error_is_transient (FerryJob *self)
{
  FerryJobPrivate *priv = ferry_job_get_instance_private (self);
  return priv->error_is_transient;
}
