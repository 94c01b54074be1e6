/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-test-server"

#include <string.h>

#include "ferry-test-server.h"

/* How much of a body is handed to libsoup at once, and how often a
 * throttled body gets its next piece. */
#define CHUNK_SIZE (64 * 1024)
#define THROTTLE_INTERVAL_MS 50

struct _FerryTestServer {
  SoupServer *soup;
  char *base_uri;

  guint32 seed;
  gboolean ignore_ranges;
  gboolean chunked;
  gboolean stall;
  guint64 throttle;
  GQueue cut_plans;      /* CutPlan, owned; the head applies next */
  guint fail_status;
  guint fail_times;

  GPtrArray *requests;   /* FerryTestRequest, owned */
  GPtrArray *stalled;    /* SoupServerMessage, owned */
  GHashTable *writers;   /* BodyWriter set, not owned */
  guint active;
  guint max_active;
};

typedef struct {
  guint64 bytes;
  guint times;
} CutPlan;

/* Streams one /file body, a piece at a time, so that it can be throttled
 * or cut without blocking the main context. */
typedef struct {
  FerryTestServer *server;
  SoupServerMessage *msg;
  FerryTestRequest *req;
  guint32 seed;
  guint64 next;        /* the next content offset to append */
  guint64 end;         /* the content offset where the body ends */
  guint64 appended;    /* body bytes handed to libsoup */
  guint64 cut_at;      /* close the connection after this many bytes */
  gboolean chunked;
  guint timeout_id;
  gboolean done;
} BodyWriter;

/* ---- content ---------------------------------------------------------- */

static inline guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

static inline guint64
content_word (guint32 seed, guint64 index)
{
  return splitmix64 (((guint64) seed << 40) ^ index);
}

void
ferry_test_content_fill (guint32 seed, guint64 offset, guint8 *buf, gsize len)
{
  gsize i = 0;

  /* Byte o is byte (o % 8) of word (o / 8), little-endian. */
  while (i < len && ((offset + i) % 8) != 0)
    {
      guint64 o = offset + i;
      buf[i++] = (guint8) (content_word (seed, o / 8) >> (8 * (o % 8)));
    }
  while (len - i >= 8)
    {
      guint64 w = GUINT64_TO_LE (content_word (seed, (offset + i) / 8));
      memcpy (buf + i, &w, 8);
      i += 8;
    }
  while (i < len)
    {
      guint64 o = offset + i;
      buf[i++] = (guint8) (content_word (seed, o / 8) >> (8 * (o % 8)));
    }
}

char *
ferry_test_content_sha256 (guint32 seed, guint64 size)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (CHUNK_SIZE);

  for (guint64 offset = 0; offset < size; offset += CHUNK_SIZE)
    {
      gsize len = (gsize) MIN ((guint64) CHUNK_SIZE, size - offset);

      ferry_test_content_fill (seed, offset, buf, len);
      g_checksum_update (checksum, buf, len);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

gboolean
ferry_test_parse_range_start (const char *range, guint64 *out_start)
{
  const char *p;
  char *end = NULL;
  guint64 start;

  if (range == NULL || !g_str_has_prefix (range, "bytes="))
    return FALSE;
  p = range + strlen ("bytes=");
  if (!g_ascii_isdigit (*p))
    return FALSE;
  start = g_ascii_strtoull (p, &end, 10);
  if (end == NULL || *end != '-')
    return FALSE;
  for (p = end + 1; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  *out_start = start;
  return TRUE;
}

/* Parses the end of "bytes=N-M" (inclusive); FALSE for "bytes=N-". */
static gboolean
parse_range_end (const char *range, guint64 *out_end)
{
  const char *dash = strchr (range, '-');

  if (dash == NULL || dash[1] == '\0')
    return FALSE;
  *out_end = g_ascii_strtoull (dash + 1, NULL, 10);
  return TRUE;
}

/* ---- requests --------------------------------------------------------- */

static void
ferry_test_request_free (FerryTestRequest *req)
{
  g_free (req->method);
  g_free (req->path);
  g_free (req->range);
  g_free (req->if_range);
  g_clear_pointer (&req->headers, soup_message_headers_unref);
  g_free (req);
}

static FerryTestRequest *
record_request (FerryTestServer *server, SoupServerMessage *msg, const char *path)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  FerryTestRequest *req = g_new0 (FerryTestRequest, 1);

  req->time = g_get_monotonic_time ();
  req->method = g_strdup (soup_server_message_get_method (msg));
  req->path = g_strdup (path);
  req->range = g_strdup (soup_message_headers_get_one (headers, "Range"));
  req->if_range = g_strdup (soup_message_headers_get_one (headers, "If-Range"));
  req->headers = soup_message_headers_ref (headers);
  g_ptr_array_add (server->requests, req);

  g_debug ("%s %s%s%s%s%s", req->method, req->path,
           req->range ? " Range: " : "", req->range ? req->range : "",
           req->if_range ? " If-Range: " : "", req->if_range ? req->if_range : "");
  return req;
}

static void
respond (FerryTestRequest *req, SoupServerMessage *msg, guint status, const char *text)
{
  req->status = status;
  soup_server_message_set_status (msg, status, NULL);
  if (text != NULL)
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
}

/* ---- streaming bodies ------------------------------------------------- */

static void
writer_finish (BodyWriter *w)
{
  g_clear_handle_id (&w->timeout_id, g_source_remove);
  if (w->done)
    return;
  w->done = TRUE;
  if (w->server != NULL)
    w->server->active--;
}

static void
writer_free (gpointer data)
{
  BodyWriter *w = data;

  writer_finish (w);
  if (w->server != NULL)
    g_hash_table_remove (w->server->writers, w);
  g_free (w);
}

static void
writer_append_chunk (BodyWriter *w)
{
  SoupMessageBody *body = soup_server_message_get_response_body (w->msg);
  guint64 len = w->end - w->next;
  guint8 *buf;

  if (w->server->throttle > 0)
    len = MIN (len, MAX (1024, w->server->throttle * THROTTLE_INTERVAL_MS / 1000));
  else
    len = MIN (len, CHUNK_SIZE);
  if (w->cut_at != G_MAXUINT64)
    len = MIN (len, w->cut_at - w->appended);

  if (len > 0)
    {
      buf = g_malloc (len);
      ferry_test_content_fill (w->seed, w->next, buf, len);
      soup_message_body_append_take (body, buf, len);
      w->next += len;
      w->appended += len;
    }
  if (w->next == w->end && w->chunked)
    soup_message_body_complete (body);
}

/* Closes the connection under the client's feet: it has received
 * cut_at bytes of a body that was announced longer. */
static void
writer_cut (BodyWriter *w)
{
  g_autoptr(GIOStream) stream = NULL;

  g_debug ("cutting %s after %" G_GUINT64_FORMAT " bytes", w->req->path, w->appended);
  w->req->cut = TRUE;
  writer_finish (w);
  stream = soup_server_message_steal_connection (w->msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static gboolean
writer_throttle_cb (gpointer data)
{
  BodyWriter *w = data;

  w->timeout_id = 0;
  if (w->done)
    return G_SOURCE_REMOVE;
  writer_append_chunk (w);
  soup_server_message_unpause (w->msg);
  return G_SOURCE_REMOVE;
}

/* Feeds the next piece once the previous one is on the wire. */
static void
writer_wrote_chunk_cb (SoupServerMessage *msg, BodyWriter *w)
{
  if (w->done)
    return;
  if (w->appended == w->cut_at && w->next < w->end)
    {
      writer_cut (w);
      return;
    }
  if (w->next >= w->end)
    return;
  if (w->server->throttle > 0)
    w->timeout_id = g_timeout_add (THROTTLE_INTERVAL_MS, writer_throttle_cb, w);
  else
    writer_append_chunk (w);
}

static void
writer_wrote_headers_cb (SoupServerMessage *msg, BodyWriter *w)
{
  if (!w->done && w->cut_at == 0 && w->next < w->end)
    writer_cut (w);
}

static void
writer_wrote_body_data_cb (SoupServerMessage *msg, guint chunk_size, BodyWriter *w)
{
  w->req->body_bytes_sent += chunk_size;
}

static void
writer_finished_cb (SoupServerMessage *msg, BodyWriter *w)
{
  writer_finish (w);
}

static void
start_body (FerryTestServer   *server,
            SoupServerMessage *msg,
            FerryTestRequest  *req,
            guint64            start,
            guint64            end)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  BodyWriter *w = g_new0 (BodyWriter, 1);

  w->server = server;
  w->msg = msg;
  w->req = req;
  w->seed = server->seed;
  w->next = start;
  w->end = end;
  w->chunked = server->chunked;
  w->cut_at = G_MAXUINT64;
  if (!g_queue_is_empty (&server->cut_plans))
    {
      CutPlan *plan = g_queue_peek_head (&server->cut_plans);

      w->cut_at = plan->bytes;
      if (plan->times != G_MAXUINT && --plan->times == 0)
        g_free (g_queue_pop_head (&server->cut_plans));
    }

  if (w->chunked)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  else
    {
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CONTENT_LENGTH);
      soup_message_headers_set_content_length (headers, end - start);
    }
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  g_hash_table_add (server->writers, w);
  g_object_set_data_full (G_OBJECT (msg), "ferry-test-body-writer", w, writer_free);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (writer_wrote_headers_cb), w);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (writer_wrote_chunk_cb), w);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (writer_wrote_body_data_cb), w);
  g_signal_connect (msg, "finished", G_CALLBACK (writer_finished_cb), w);

  server->active++;
  server->max_active = MAX (server->max_active, server->active);

  if (w->cut_at != 0)
    writer_append_chunk (w);
}

/* ---- handlers --------------------------------------------------------- */

static void
serve_file (FerryTestServer   *server,
            SoupServerMessage *msg,
            FerryTestRequest  *req,
            const char        *size_str)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *etag = NULL;
  g_autofree char *last_modified = NULL;
  guint64 size, start = 0, end;
  guint status = SOUP_STATUS_OK;

  if (!g_ascii_string_to_unsigned (size_str, 10, 0, G_MAXUINT64, &size, NULL))
    {
      respond (req, msg, SOUP_STATUS_NOT_FOUND, "no such file\n");
      return;
    }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      respond (req, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "GET or HEAD only\n");
      return;
    }
  if (server->fail_times > 0)
    {
      server->fail_times--;
      respond (req, msg, server->fail_status, "failing on purpose\n");
      return;
    }
  if (server->stall)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (server->stalled, g_object_ref (msg));
      return;
    }

  etag = ferry_test_server_etag (server, size);
  last_modified = ferry_test_server_last_modified (server);
  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "Last-Modified", last_modified);
  soup_message_headers_replace (headers, "Content-Type", "application/octet-stream");
  if (!server->ignore_ranges)
    soup_message_headers_replace (headers, "Accept-Ranges", "bytes");

  end = size;
  if (!server->ignore_ranges && req->range != NULL &&
      ferry_test_parse_range_start (req->range, &start))
    {
      /* If-Range: send the rest only if the client has the same version. */
      gboolean same_version = req->if_range == NULL ||
                              g_strcmp0 (req->if_range, etag) == 0 ||
                              g_strcmp0 (req->if_range, last_modified) == 0;
      guint64 range_end;

      if (!same_version)
        start = 0;
      else if (start >= size)
        {
          g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);

          soup_message_headers_replace (headers, "Content-Range", content_range);
          respond (req, msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "");
          return;
        }
      else
        {
          if (parse_range_end (req->range, &range_end) && range_end + 1 < size)
            end = range_end + 1;
          status = SOUP_STATUS_PARTIAL_CONTENT;
          soup_message_headers_set_content_range (headers, start, end - 1, size);
        }
    }

  req->status = status;
  soup_server_message_set_status (msg, status, NULL);
  if (method == SOUP_METHOD_HEAD)
    {
      soup_message_headers_set_content_length (headers, end - start);
      return;
    }
  start_body (server, msg, req, start, end);
}

static void
serve_redirect (FerryTestServer   *server,
                SoupServerMessage *msg,
                FerryTestRequest  *req,
                const char        *rest)
{
  g_autofree char *location = NULL;
  const char *slash = strchr (rest, '/');
  g_autofree char *count_str = slash ? g_strndup (rest, slash - rest) : NULL;
  guint64 count;

  if (slash == NULL ||
      !g_ascii_string_to_unsigned (count_str, 10, 1, G_MAXUINT, &count, NULL))
    {
      respond (req, msg, SOUP_STATUS_NOT_FOUND, "bad redirect\n");
      return;
    }
  if (count > 1)
    location = g_strdup_printf ("%s/redirect/%" G_GUINT64_FORMAT "%s",
                                server->base_uri, count - 1, slash);
  else
    location = g_strdup_printf ("%s%s", server->base_uri, slash);

  req->status = SOUP_STATUS_FOUND;
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

static void
serve_status (FerryTestServer   *server,
              SoupServerMessage *msg,
              FerryTestRequest  *req,
              const char        *code_str)
{
  guint64 code;
  g_autofree char *text = NULL;

  if (!g_ascii_string_to_unsigned (code_str, 10, 200, 599, &code, NULL))
    {
      respond (req, msg, SOUP_STATUS_NOT_FOUND, "bad status\n");
      return;
    }
  text = g_strdup_printf ("status %u\n", (guint) code);
  respond (req, msg, (guint) code, text);
}

static void
handle_request (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  FerryTestServer *server = user_data;
  FerryTestRequest *req = record_request (server, msg, path);

  if (g_str_has_prefix (path, "/file/"))
    serve_file (server, msg, req, path + strlen ("/file/"));
  else if (g_str_has_prefix (path, "/redirect/"))
    serve_redirect (server, msg, req, path + strlen ("/redirect/"));
  else if (g_str_has_prefix (path, "/status/"))
    serve_status (server, msg, req, path + strlen ("/status/"));
  else
    respond (req, msg, SOUP_STATUS_NOT_FOUND, "not found\n");
}

/* ---- public API ------------------------------------------------------- */

FerryTestServer *
ferry_test_server_new (void)
{
  FerryTestServer *server = g_new0 (FerryTestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *uris;

  server->seed = 1;
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) ferry_test_request_free);
  server->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  server->writers = g_hash_table_new (NULL, NULL);

  server->soup = soup_server_new ("server-header", "ferry-test-server ", NULL);
  soup_server_add_handler (server->soup, NULL, handle_request, server, NULL);
  /* Only ever 127.0.0.1: the tests must not reach out of the machine. */
  soup_server_listen (server->soup, address, 0, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->soup);
  g_assert_nonnull (uris);
  server->base_uri = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

void
ferry_test_server_free (FerryTestServer *server)
{
  GHashTableIter iter;
  gpointer w;

  soup_server_disconnect (server->soup);
  /* Bodies still being written: stop their timers and let their messages
   * (which may outlive us for a moment) forget about this server. */
  g_hash_table_iter_init (&iter, server->writers);
  while (g_hash_table_iter_next (&iter, &w, NULL))
    {
      writer_finish (w);
      ((BodyWriter *) w)->server = NULL;
    }
  g_clear_object (&server->soup);
  g_ptr_array_unref (server->stalled);
  g_hash_table_unref (server->writers);
  g_ptr_array_unref (server->requests);
  g_queue_clear_full (&server->cut_plans, g_free);
  g_free (server->base_uri);
  g_free (server);
}

char *
ferry_test_server_uri (FerryTestServer *server, const char *path_format, ...)
{
  va_list args;
  g_autofree char *path = NULL;

  va_start (args, path_format);
  path = g_strdup_vprintf (path_format, args);
  va_end (args);
  return g_strconcat (server->base_uri, path, NULL);
}

void
ferry_test_server_set_seed (FerryTestServer *server, guint32 seed)
{
  server->seed = seed;
}

guint32
ferry_test_server_get_seed (FerryTestServer *server)
{
  return server->seed;
}

char *
ferry_test_server_etag (FerryTestServer *server, guint64 size)
{
  return g_strdup_printf ("\"ferry-%u-%" G_GUINT64_FORMAT "\"", server->seed, size);
}

char *
ferry_test_server_last_modified (FerryTestServer *server)
{
  /* One day later for every new seed, so If-Range on the date fails too. */
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (1700000000 + (gint64) server->seed * 86400);

  return soup_date_time_to_string (date, SOUP_DATE_HTTP);
}

void
ferry_test_server_set_ignore_ranges (FerryTestServer *server, gboolean ignore)
{
  server->ignore_ranges = ignore;
}

void
ferry_test_server_set_chunked (FerryTestServer *server, gboolean chunked)
{
  server->chunked = chunked;
}

void
ferry_test_server_set_throttle (FerryTestServer *server, guint64 bytes_per_second)
{
  server->throttle = bytes_per_second;
}

void
ferry_test_server_cut_after (FerryTestServer *server, guint64 bytes, guint times)
{
  CutPlan *plan = g_new0 (CutPlan, 1);

  g_return_if_fail (times > 0);
  plan->bytes = bytes;
  plan->times = times;
  g_queue_push_tail (&server->cut_plans, plan);
}

void
ferry_test_server_cut_never (FerryTestServer *server)
{
  g_queue_clear_full (&server->cut_plans, g_free);
}

void
ferry_test_server_fail_next (FerryTestServer *server, guint status, guint times)
{
  server->fail_status = status;
  server->fail_times = times;
}

void
ferry_test_server_set_stall (FerryTestServer *server, gboolean stall)
{
  server->stall = stall;
}

GPtrArray *
ferry_test_server_get_requests (FerryTestServer *server)
{
  return server->requests;
}

guint
ferry_test_server_count_requests (FerryTestServer *server, const char *path_prefix)
{
  guint n = 0;

  for (guint i = 0; i < server->requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (server->requests, i);

      if (g_str_has_prefix (req->path, path_prefix))
        n++;
    }
  return n;
}

FerryTestRequest *
ferry_test_server_nth_request (FerryTestServer *server, const char *path_prefix, guint index)
{
  for (guint i = 0; i < server->requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (server->requests, i);

      if (g_str_has_prefix (req->path, path_prefix) && index-- == 0)
        return req;
    }
  return NULL;
}

guint
ferry_test_server_get_active (FerryTestServer *server)
{
  return server->active;
}

guint
ferry_test_server_get_max_active (FerryTestServer *server)
{
  return server->max_active;
}
