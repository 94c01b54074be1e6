/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-test-server"

#include <string.h>
#include <sys/socket.h>

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
  FerryTestValidators validators;
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
  if (server->validators & FERRY_TEST_VALIDATOR_ETAG)
    soup_message_headers_replace (headers, "ETag", etag);
  else if (server->validators & FERRY_TEST_VALIDATOR_WEAK_ETAG)
    {
      g_autofree char *weak = g_strconcat ("W/", etag, NULL);

      soup_message_headers_replace (headers, "ETag", weak);
    }
  if (server->validators & FERRY_TEST_VALIDATOR_LAST_MODIFIED)
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
  server->validators = FERRY_TEST_VALIDATOR_ETAG | FERRY_TEST_VALIDATOR_LAST_MODIFIED;
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
ferry_test_server_set_validators (FerryTestServer *server, FerryTestValidators validators)
{
  server->validators = validators;
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

guint64
ferry_test_server_bytes_sent (FerryTestServer *server, const char *path_prefix)
{
  guint64 bytes = 0;

  for (guint i = 0; i < server->requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (server->requests, i);

      if (g_str_has_prefix (req->path, path_prefix))
        bytes += req->body_bytes_sent;
    }
  return bytes;
}

static void
set_send_buffer_cb (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  g_autoptr(GError) error = NULL;

  if (socket != NULL &&
      !g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, GPOINTER_TO_INT (user_data), &error))
    g_warning ("could not set SO_SNDBUF: %s", error->message);
}

void
ferry_test_server_set_send_buffer (FerryTestServer *server, guint bytes)
{
  g_return_if_fail (bytes <= G_MAXINT);
  g_signal_connect (server->soup, "request-started", G_CALLBACK (set_send_buffer_cb),
                    GINT_TO_POINTER ((int) bytes));
}

/* ---- fault plans ------------------------------------------------------ */

/* The faults live beside the server, in data of its SoupServer, so that
 * the switches above stay as they are. The first plan installs handlers
 * for /file (in front of the catch-all one; requests are recorded the
 * same way), /gzip, /loop and /redirect-to. */

#define FAULTS_KEY "ferry-test-faults"

typedef struct {
  FerryTestFault fault;
  guint64 arg;
  guint times;
  char *header_name;
  char *header_value;
} FaultPlan;

typedef struct {
  FerryTestServer *server;  /* NULL once the server is gone */
  GQueue plans;             /* FaultPlan, owned; the head applies next */
  GPtrArray *held;          /* GIOStream: stalled connections, kept open */
  GArray *timers;           /* guint source ids of delayed answers */
  GHashTable *gzip;         /* "seed/size" → GBytes */
} FaultState;

/* What a response carries: the /file content of the server's seed, or
 * fixed bytes (a /gzip body). */
typedef struct {
  guint64 size;
  GBytes *bytes;            /* NULL: the seed's content */
  char *etag;
  char *last_modified;
  const char *content_encoding;
} Entity;

static void
fault_plan_free (FaultPlan *plan)
{
  g_free (plan->header_name);
  g_free (plan->header_value);
  g_free (plan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FaultPlan, fault_plan_free)

static void
fault_state_clear (FaultState *state)
{
  g_queue_clear_full (&state->plans, (GDestroyNotify) fault_plan_free);
  g_clear_pointer (&state->held, g_ptr_array_unref);
  g_clear_pointer (&state->timers, g_array_unref);
  g_clear_pointer (&state->gzip, g_hash_table_unref);
}

static void
fault_state_release (FaultState *state)
{
  g_atomic_rc_box_release_full (state, (GDestroyNotify) fault_state_clear);
}

/* The server is going: close the stalled connections, stop the timers,
 * and let late callbacks know. */
static void
fault_state_detach (gpointer data)
{
  FaultState *state = data;

  state->server = NULL;
  for (guint i = 0; i < state->held->len; i++)
    g_io_stream_close (g_ptr_array_index (state->held, i), NULL, NULL);
  g_ptr_array_set_size (state->held, 0);
  for (guint i = 0; i < state->timers->len; i++)
    g_source_remove (g_array_index (state->timers, guint, i));
  g_array_set_size (state->timers, 0);
  fault_state_release (state);
}

static void
entity_clear (Entity *entity)
{
  g_clear_pointer (&entity->bytes, g_bytes_unref);
  g_clear_pointer (&entity->etag, g_free);
  g_clear_pointer (&entity->last_modified, g_free);
}

/* Takes the plan for @req's response, if one applies. Range faults wait
 * for a request with a Range. */
static FaultPlan *
take_plan (FaultState *state, FerryTestRequest *req)
{
  FaultPlan *head = g_queue_peek_head (&state->plans);
  FaultPlan *plan;

  if (head == NULL)
    return NULL;
  if ((head->fault == FERRY_TEST_FAULT_SHIFTED_RANGE ||
       head->fault == FERRY_TEST_FAULT_BAD_CONTENT_RANGE ||
       head->fault == FERRY_TEST_FAULT_IGNORE_IF_RANGE) && req->range == NULL)
    return NULL;

  plan = g_memdup2 (head, sizeof *head);
  plan->header_name = g_strdup (head->header_name);
  plan->header_value = g_strdup (head->header_value);
  if (head->times != G_MAXUINT && --head->times == 0)
    fault_plan_free (g_queue_pop_head (&state->plans));
  return plan;
}

/* ---- raw bodies: written past libsoup, to misbehave ------------------ */

typedef struct {
  FaultState *state;        /* a reference */
  FerryTestRequest *req;
  GBytes *body;
  FerryTestFault fault;
  GIOStream *stream;
} RawBody;

static void
raw_body_free (RawBody *raw)
{
  fault_state_release (raw->state);
  g_bytes_unref (raw->body);
  g_clear_object (&raw->stream);
  g_free (raw);
}

static void
raw_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RawBody *raw = user_data;
  gsize written = 0;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, NULL);
  if (raw->state->server != NULL)
    {
      raw->req->body_bytes_sent += written;
      raw->req->cut = raw->fault == FERRY_TEST_FAULT_RESET ||
                      raw->fault == FERRY_TEST_FAULT_TRUNCATE;
    }
  if (raw->fault == FERRY_TEST_FAULT_STALL && raw->state->server != NULL)
    g_ptr_array_add (raw->state->held, g_steal_pointer (&raw->stream));
  else
    g_io_stream_close (raw->stream, NULL, NULL);
  raw_body_free (raw);
}

/* Once the headers are out, the connection is ours: write the body as
 * the fault wants it, then reset, close or hold the connection. */
static void
raw_wrote_headers_cb (SoupServerMessage *msg, gpointer user_data)
{
  RawBody *pending = user_data;
  RawBody *raw = g_new0 (RawBody, 1);
  GSocket *socket = soup_server_message_get_socket (msg);

  raw->state = g_atomic_rc_box_acquire (pending->state);
  raw->req = pending->req;
  raw->body = g_bytes_ref (pending->body);
  raw->fault = pending->fault;
  /* This frees @pending. */
  g_signal_handlers_disconnect_by_func (msg, raw_wrote_headers_cb, user_data);

  if (raw->fault == FERRY_TEST_FAULT_RESET && socket != NULL)
    {
      /* Closing with a zero linger time sends RST instead of FIN. */
      struct linger linger = { 1, 0 };

      setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    }
  raw->stream = soup_server_message_steal_connection (msg);
  if (raw->stream == NULL)
    {
      raw_body_free (raw);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (raw->stream),
                                   g_bytes_get_data (raw->body, NULL),
                                   g_bytes_get_size (raw->body), G_PRIORITY_DEFAULT, NULL,
                                   raw_written_cb, raw);
}

static void
raw_pending_free (gpointer data, GClosure *closure)
{
  raw_body_free (data);
}

/* The bytes [@start, @start + @len) of @entity; past its end, more of the
 * seed's content (or zeros): what an over-long body carries. */
static GBytes *
entity_slice (FaultState *state, const Entity *entity, guint64 start, guint64 len)
{
  guint8 *buf = g_malloc (MAX (len, 1));

  if (entity->bytes == NULL)
    ferry_test_content_fill (state->server->seed, start, buf, len);
  else
    {
      gsize size = g_bytes_get_size (entity->bytes);
      gsize have = start < size ? MIN ((gsize) len, size - (gsize) start) : 0;

      memset (buf, 0, len);
      if (have > 0)
        memcpy (buf, (const guint8 *) g_bytes_get_data (entity->bytes, NULL) + start, have);
    }
  return g_bytes_new_take (buf, len);
}

static void
send_raw_body (FaultState *state, SoupServerMessage *msg, FerryTestRequest *req,
               const Entity *entity, const FaultPlan *plan, guint64 start, guint64 end)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  RawBody *pending = g_new0 (RawBody, 1);
  guint64 len = end - start;

  if (plan->fault == FERRY_TEST_FAULT_OVERLONG)
    len += plan->arg;
  else
    len = MIN (len, plan->arg);

  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (headers, end - start);
  pending->state = g_atomic_rc_box_acquire (state);
  pending->req = req;
  pending->body = entity_slice (state, entity, start, len);
  pending->fault = plan->fault;
  g_signal_connect_data (msg, "wrote-headers", G_CALLBACK (raw_wrote_headers_cb), pending,
                         raw_pending_free, 0);
}

/* ---- serving an entity with a plan ------------------------------------ */

static void
count_body_bytes_cb (SoupServerMessage *msg, guint chunk_size, FerryTestRequest *req)
{
  req->body_bytes_sent += chunk_size;
}

static void
add_plan_headers (SoupMessageHeaders *headers, const FaultPlan *plan)
{
  if (plan == NULL)
    return;
  if (plan->header_name != NULL)
    soup_message_headers_replace (headers, plan->header_name, plan->header_value);
  if (plan->fault == FERRY_TEST_FAULT_HUGE_HEADER)
    {
      g_autofree char *value = g_malloc (plan->arg + 1);

      memset (value, 'h', plan->arg);
      value[plan->arg] = '\0';
      soup_message_headers_replace (headers, "X-Ferry-Huge", value);
    }
  if (plan->fault == FERRY_TEST_FAULT_BINARY_HEADER)
    {
      g_autofree char *value = g_malloc (plan->arg + 1);

      for (guint64 i = 0; i < plan->arg; i++)
        value[i] = (char) (0x80 + i % 0x80);
      value[plan->arg] = '\0';
      soup_message_headers_replace (headers, "X-Ferry-Binary", value);
    }
  if (plan->fault == FERRY_TEST_FAULT_MANY_HEADERS)
    for (guint64 i = 0; i < plan->arg; i++)
      {
        g_autofree char *name = g_strdup_printf ("X-Ferry-%" G_GUINT64_FORMAT, i);

        soup_message_headers_append (headers, name, "many");
      }
}

/* Range and If-Range as serve_file() has them, for @entity; @plan may
 * move or garble the answer. */
static void
serve_entity (FaultState *state, SoupServerMessage *msg, FerryTestRequest *req,
              const Entity *entity, const FaultPlan *plan)
{
  FerryTestServer *server = state->server;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  FerryTestFault fault = plan ? plan->fault : (FerryTestFault) -1;
  guint64 start = 0, end = entity->size;
  guint status = SOUP_STATUS_OK;

  soup_message_headers_replace (headers, "ETag", entity->etag);
  soup_message_headers_replace (headers, "Last-Modified", entity->last_modified);
  soup_message_headers_replace (headers, "Content-Type", "application/octet-stream");
  if (entity->content_encoding != NULL)
    soup_message_headers_replace (headers, "Content-Encoding", entity->content_encoding);
  if (!server->ignore_ranges)
    soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  add_plan_headers (headers, plan);

  if (!server->ignore_ranges && ferry_test_parse_range_start (req->range, &start))
    {
      gboolean same_version = req->if_range == NULL ||
                              g_strcmp0 (req->if_range, entity->etag) == 0 ||
                              g_strcmp0 (req->if_range, entity->last_modified) == 0 ||
                              fault == FERRY_TEST_FAULT_IGNORE_IF_RANGE;
      guint64 range_end;

      if (!same_version)
        start = 0;
      else if (start >= entity->size)
        {
          g_autofree char *content_range =
            g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, entity->size);

          soup_message_headers_replace (headers, "Content-Range", content_range);
          respond (req, msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "");
          return;
        }
      else
        {
          if (parse_range_end (req->range, &range_end) && range_end + 1 < entity->size)
            end = range_end + 1;
          if (fault == FERRY_TEST_FAULT_SHIFTED_RANGE)
            start = start > plan->arg ? start - plan->arg : 0;
          status = SOUP_STATUS_PARTIAL_CONTENT;
          if (fault == FERRY_TEST_FAULT_BAD_CONTENT_RANGE)
            soup_message_headers_replace (headers, "Content-Range", "bytes lots-more/please");
          else
            soup_message_headers_set_content_range (headers, start, end - 1, entity->size);
        }
    }

  req->status = status;
  soup_server_message_set_status (msg, status, NULL);
  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_HEAD) == 0)
    {
      soup_message_headers_set_content_length (headers, end - start);
      return;
    }

  switch (fault)
    {
    case FERRY_TEST_FAULT_RESET:
    case FERRY_TEST_FAULT_TRUNCATE:
    case FERRY_TEST_FAULT_STALL:
    case FERRY_TEST_FAULT_OVERLONG:
      send_raw_body (state, msg, req, entity, plan, start, end);
      return;
    default:
      break;
    }

  if (entity->bytes == NULL)
    {
      /* The seed's content, throttled and cut as the switches say. */
      start_body (server, msg, req, start, end);
      return;
    }
  {
    g_autoptr(GBytes) slice = g_bytes_new_from_bytes (entity->bytes, start, end - start);

    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CONTENT_LENGTH);
    soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                      g_bytes_get_data (slice, NULL), g_bytes_get_size (slice));
    g_signal_connect (msg, "wrote-body-data", G_CALLBACK (count_body_bytes_cb), req);
  }
}

static GBytes *
gzip_body (FaultState *state, guint64 size)
{
  g_autofree char *key = g_strdup_printf ("%u/%" G_GUINT64_FORMAT, state->server->seed, size);
  GBytes *cached = g_hash_table_lookup (state->gzip, key);
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GOutputStream) memory = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autofree guint8 *plain = NULL;
  GBytes *compressed;

  if (cached != NULL)
    return g_bytes_ref (cached);
  plain = g_malloc (MAX (size, 1));
  ferry_test_content_fill (state->server->seed, 0, plain, size);
  /* Half of each 8-byte word repeats, so that there is something to
   * compress. */
  for (guint64 i = 4; i + 4 <= size; i += 8)
    memcpy (plain + i, plain + i - 4, 4);
  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  memory = g_memory_output_stream_new_resizable ();
  out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_assert_true (g_output_stream_write_all (out, plain, size, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  compressed = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  g_hash_table_insert (state->gzip, g_steal_pointer (&key), g_bytes_ref (compressed));
  return compressed;
}

static gboolean
parse_size (const char *text, guint64 *size)
{
  return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, size, NULL);
}

static void
file_entity (FaultState *state, guint64 size, Entity *entity)
{
  entity->size = size;
  entity->etag = ferry_test_server_etag (state->server, size);
  entity->last_modified = ferry_test_server_last_modified (state->server);
}

static void
gzip_entity (FaultState *state, guint64 size, Entity *entity)
{
  entity->bytes = gzip_body (state, size);
  entity->size = g_bytes_get_size (entity->bytes);
  entity->etag = ferry_test_server_gzip_etag (state->server, size);
  entity->last_modified = ferry_test_server_last_modified (state->server);
  entity->content_encoding = "gzip";
}

/* A delayed answer: after the delay, the request is served as if no
 * plan applied. */
typedef struct {
  FaultState *state;
  SoupServerMessage *msg;
  FerryTestRequest *req;
  char *path;
  guint id;
} SlowAnswer;

static void serve_planned (FaultState *state, SoupServerMessage *msg, FerryTestRequest *req,
                           const char *path, const FaultPlan *plan);

static gboolean
slow_answer_cb (gpointer data)
{
  SlowAnswer *slow = data;
  FaultState *state = slow->state;

  for (guint i = 0; i < state->timers->len; i++)
    if (g_array_index (state->timers, guint, i) == slow->id)
      {
        g_array_remove_index_fast (state->timers, i);
        break;
      }
  if (state->server != NULL)
    {
      serve_planned (state, slow->msg, slow->req, slow->path, NULL);
      soup_server_message_unpause (slow->msg);
    }
  return G_SOURCE_REMOVE;
}

static void
slow_answer_free (gpointer data)
{
  SlowAnswer *slow = data;

  fault_state_release (slow->state);
  g_object_unref (slow->msg);
  g_free (slow->path);
  g_free (slow);
}

static void
serve_planned (FaultState *state, SoupServerMessage *msg, FerryTestRequest *req,
               const char *path, const FaultPlan *plan)
{
  FerryTestServer *server = state->server;
  gboolean gzip = g_str_has_prefix (path, "/gzip/");
  Entity entity = { 0, };
  guint64 size;

  if (!parse_size (strchr (path + 1, '/') + 1, &size))
    {
      respond (req, msg, SOUP_STATUS_NOT_FOUND, "no such file\n");
      return;
    }
  if (plan != NULL && plan->fault == FERRY_TEST_FAULT_STATUS)
    {
      g_autofree char *text = g_strdup_printf ("failing with %u on purpose\n", (guint) plan->arg);

      add_plan_headers (soup_server_message_get_response_headers (msg), plan);
      respond (req, msg, (guint) plan->arg, text);
      return;
    }
  if (plan != NULL && plan->fault == FERRY_TEST_FAULT_SLOW_HEADERS)
    {
      SlowAnswer *slow = g_new0 (SlowAnswer, 1);

      slow->state = g_atomic_rc_box_acquire (state);
      slow->msg = g_object_ref (msg);
      slow->req = req;
      slow->path = g_strdup (path);
      soup_server_message_pause (msg);
      slow->id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) plan->arg, slow_answer_cb,
                                     slow, slow_answer_free);
      g_array_append_val (state->timers, slow->id);
      return;
    }
  /* /file without a plan that changes the answer: the switches rule. */
  if (!gzip && (plan == NULL || plan->fault == FERRY_TEST_FAULT_HUGE_HEADER ||
                plan->fault == FERRY_TEST_FAULT_MANY_HEADERS ||
                plan->fault == FERRY_TEST_FAULT_BINARY_HEADER))
    {
      add_plan_headers (soup_server_message_get_response_headers (msg), plan);
      serve_file (server, msg, req, path + strlen ("/file/"));
      return;
    }

  if (gzip)
    gzip_entity (state, size, &entity);
  else
    file_entity (state, size, &entity);
  serve_entity (state, msg, req, &entity, plan);
  entity_clear (&entity);
}

static void
handle_planned (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  FaultState *state = user_data;
  FerryTestRequest *req = record_request (state->server, msg, path);
  g_autoptr(FaultPlan) plan = NULL;

  if (strchr (path + 1, '/') == NULL)
    {
      respond (req, msg, SOUP_STATUS_NOT_FOUND, "not found\n");
      return;
    }
  plan = take_plan (state, req);
  serve_planned (state, msg, req, path, plan);
}


static void
handle_loop (SoupServer        *soup,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  FaultState *state = user_data;
  FerryTestRequest *req = record_request (state->server, msg, path);
  g_autofree char *location =
    g_strdup_printf ("%s/loop/%d", state->server->base_uri, g_str_has_suffix (path, "/0") ? 1 : 0);

  req->status = SOUP_STATUS_FOUND;
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

static void
handle_redirect_to (SoupServer        *soup,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  FaultState *state = user_data;
  FerryTestRequest *req = record_request (state->server, msg, path);
  const char *target = query ? g_hash_table_lookup (query, "uri") : NULL;

  if (target == NULL)
    {
      respond (req, msg, SOUP_STATUS_BAD_REQUEST, "?uri= missing\n");
      return;
    }
  req->status = SOUP_STATUS_FOUND;
  /* Set by hand: soup_server_message_set_redirect() wants a URI it can
   * parse, and the point is to send anything. */
  soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                target);
}

static FaultState *
fault_state (FerryTestServer *server)
{
  FaultState *state = g_object_get_data (G_OBJECT (server->soup), FAULTS_KEY);

  if (state != NULL)
    return state;
  state = g_atomic_rc_box_new0 (FaultState);
  state->server = server;
  g_queue_init (&state->plans);
  state->held = g_ptr_array_new_with_free_func (g_object_unref);
  state->timers = g_array_new (FALSE, FALSE, sizeof (guint));
  state->gzip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_bytes_unref);
  /* The server's reference, dropped with its SoupServer. */
  g_object_set_data_full (G_OBJECT (server->soup), FAULTS_KEY, state, fault_state_detach);
  soup_server_add_handler (server->soup, "/file", handle_planned, state, NULL);
  soup_server_add_handler (server->soup, "/gzip", handle_planned, state, NULL);
  soup_server_add_handler (server->soup, "/loop", handle_loop, state, NULL);
  soup_server_add_handler (server->soup, "/redirect-to", handle_redirect_to, state, NULL);
  return state;
}

void
ferry_test_server_enable_faults (FerryTestServer *server)
{
  (void) fault_state (server);
}

void
ferry_test_server_add_fault (FerryTestServer *server,
                             FerryTestFault   fault,
                             guint64          arg,
                             guint            times)
{
  FaultState *state = fault_state (server);
  FaultPlan *plan = g_new0 (FaultPlan, 1);

  g_return_if_fail (times > 0);
  plan->fault = fault;
  plan->arg = arg;
  plan->times = times;
  g_queue_push_tail (&state->plans, plan);
}

void
ferry_test_server_add_fault_header (FerryTestServer *server, const char *name, const char *value)
{
  FaultPlan *plan = g_queue_peek_tail (&fault_state (server)->plans);

  g_return_if_fail (plan != NULL);
  g_free (plan->header_name);
  g_free (plan->header_value);
  plan->header_name = g_strdup (name);
  plan->header_value = g_strdup (value);
}

void
ferry_test_server_clear_faults (FerryTestServer *server)
{
  g_queue_clear_full (&fault_state (server)->plans, (GDestroyNotify) fault_plan_free);
}

GBytes *
ferry_test_server_gzip_body (FerryTestServer *server, guint64 size)
{
  return gzip_body (fault_state (server), size);
}

char *
ferry_test_server_gzip_etag (FerryTestServer *server, guint64 size)
{
  return g_strdup_printf ("\"ferry-gzip-%u-%" G_GUINT64_FORMAT "\"", server->seed, size);
}
