/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-test-upload-server"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ferry-test-upload-server.h"

#define THROTTLE_INTERVAL_MS 50
/* The receive buffer of every connection. Small, so that a held or
 * throttled body stops the client soon: with the kernel's autotuning a
 * loopback connection buffers tens of MiB that the server never asked
 * for. */
#define RECEIVE_BUFFER (256 * 1024)
#define TUS_VERSION "1.0.0"
#define TUS_CONTENT_TYPE "application/offset+octet-stream"

struct _FerryTestUploadServer {
  SoupServer *soup;
  char *base_uri;
  char *store_dir;

  guint reply_status;
  char *reply_content_type;
  GBytes *reply_body;        /* NULL: the default JSON summary */
  GPtrArray *reply_headers;  /* name, value, name, value, … */

  gboolean tus_relative_location;
  guint64 hold_at;           /* G_MAXUINT64: hold nothing */
  guint64 throttle;

  GPtrArray *requests;       /* FerryTestUploadRequest, owned */
  GPtrArray *exchanges;      /* Exchange, owned */
  GPtrArray *tus_uploads;    /* FerryTestTusUpload, owned */
  struct _Exchange *holding; /* the exchange held, NULL if none */
  guint active;
};

/* One request being received: where its body goes, and its pacing. */
typedef struct _Exchange {
  FerryTestUploadServer *server;
  SoupServerMessage *msg;    /* owned until the exchange is over */
  FerryTestUploadRequest *req;
  int fd;                    /* where the body goes, -1: dropped */
  guint64 write_offset;
  GChecksum *checksum;       /* of the body, for stored bodies */
  FerryTestTusUpload *tus;   /* a PATCH that is being stored */
  guint patch_error;         /* a PATCH that is not: the status to answer */
  guint64 throttle_used;     /* bytes read in this throttle interval */
  guint throttle_id;
  gboolean paused;
  gboolean over;
} Exchange;

/* ---- records ---------------------------------------------------------- */

static void
request_free (FerryTestUploadRequest *req)
{
  g_free (req->method);
  g_free (req->path);
  g_clear_pointer (&req->headers, soup_message_headers_unref);
  g_free (req->body_path);
  g_free (req->body_sha256);
  g_free (req);
}

static void
tus_upload_free (FerryTestTusUpload *tus)
{
  g_free (tus->id);
  g_free (tus->location);
  g_free (tus->metadata);
  g_free (tus->path);
  g_array_unref (tus->patch_offsets);
  g_free (tus);
}

static FerryTestUploadRequest *
record_request (FerryTestUploadServer *server, SoupServerMessage *msg, const char *path)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  FerryTestUploadRequest *req = g_new0 (FerryTestUploadRequest, 1);

  req->time = g_get_monotonic_time ();
  req->method = g_strdup (soup_server_message_get_method (msg));
  req->path = g_strdup (path);
  req->headers = soup_message_headers_ref (headers);
  req->encoding = soup_message_headers_get_encoding (headers);
  req->content_length = req->encoding == SOUP_ENCODING_CONTENT_LENGTH
                        ? soup_message_headers_get_content_length (headers) : -1;
  req->tus_index = G_MAXUINT;
  req->request_offset = -1;
  req->answered_offset = -1;
  g_ptr_array_add (server->requests, req);

  g_debug ("%s %s (%s %" G_GINT64_FORMAT ")", req->method, req->path,
           req->encoding == SOUP_ENCODING_CHUNKED ? "chunked" : "length", req->content_length);
  return req;
}

static void
respond_text (FerryTestUploadRequest *req, SoupServerMessage *msg, guint status, const char *text)
{
  req->status = status;
  soup_server_message_set_status (msg, status, NULL);
  if (text != NULL)
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
}

/* ---- tus -------------------------------------------------------------- */

/* The upload named by "/tus/files/<id>", or NULL. */
static FerryTestTusUpload *
tus_lookup (FerryTestUploadServer *server, const char *path, guint *out_index)
{
  const char *id;

  if (!g_str_has_prefix (path, "/tus/files/"))
    return NULL;
  id = path + strlen ("/tus/files/");
  for (guint i = 0; i < server->tus_uploads->len; i++)
    {
      FerryTestTusUpload *tus = g_ptr_array_index (server->tus_uploads, i);

      if (strcmp (tus->id, id) == 0)
        {
          *out_index = i;
          return tus;
        }
    }
  return NULL;
}

static gboolean
has_tus_version (FerryTestUploadRequest *req)
{
  return g_strcmp0 (soup_message_headers_get_one (req->headers, "Tus-Resumable"), TUS_VERSION) == 0;
}

static gboolean
parse_offset (const char *text, guint64 *out)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, out, NULL);
}

/* Decides, before the body arrives, whether a PATCH is stored. */
static void
tus_patch_begin (Exchange *ex)
{
  FerryTestUploadRequest *req = ex->req;
  FerryTestTusUpload *tus;
  const char *content_type = soup_message_headers_get_one (req->headers, "Content-Type");
  guint64 offset = G_MAXUINT64;
  guint index;

  if (parse_offset (soup_message_headers_get_one (req->headers, "Upload-Offset"), &offset))
    req->request_offset = (gint64) offset;
  else
    offset = G_MAXUINT64;

  tus = tus_lookup (ex->server, req->path, &index);
  if (tus == NULL)
    {
      ex->patch_error = SOUP_STATUS_NOT_FOUND;
      return;
    }
  req->tus_index = index;
  g_array_append_val (tus->patch_offsets, offset);
  if (tus->gone_status != 0)
    ex->patch_error = tus->gone_status;
  else if (!has_tus_version (req))
    ex->patch_error = SOUP_STATUS_PRECONDITION_FAILED;
  else if (g_strcmp0 (content_type, TUS_CONTENT_TYPE) != 0)
    ex->patch_error = SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE;
  else if (req->request_offset < 0)
    ex->patch_error = SOUP_STATUS_BAD_REQUEST;
  else if ((guint64) req->request_offset != tus->offset)
    ex->patch_error = SOUP_STATUS_CONFLICT;
  if (ex->patch_error != 0)
    return;

  ex->fd = open (tus->path, O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (ex->fd, >=, 0);
  ex->write_offset = tus->offset;
  ex->tus = tus;
}

static void
tus_create (FerryTestUploadServer *server, SoupServerMessage *msg, FerryTestUploadRequest *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  FerryTestTusUpload *tus;
  guint64 length;
  int fd;

  soup_message_headers_replace (headers, "Tus-Resumable", TUS_VERSION);
  if (!has_tus_version (req))
    {
      respond_text (req, msg, SOUP_STATUS_PRECONDITION_FAILED, "Tus-Resumable: 1.0.0 expected\n");
      return;
    }
  if (!parse_offset (soup_message_headers_get_one (req->headers, "Upload-Length"), &length))
    {
      respond_text (req, msg, SOUP_STATUS_BAD_REQUEST, "Upload-Length expected\n");
      return;
    }

  tus = g_new0 (FerryTestTusUpload, 1);
  tus->id = g_strdup_printf ("%u", server->tus_uploads->len + 1);
  tus->location = g_strdup_printf ("%s/tus/files/%s", server->base_uri, tus->id);
  tus->length = length;
  tus->metadata = g_strdup (soup_message_headers_get_one (req->headers, "Upload-Metadata"));
  tus->path = g_strdup_printf ("%s/tus-%s.data", server->store_dir, tus->id);
  tus->patch_offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
  fd = open (tus->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  req->tus_index = server->tus_uploads->len;
  g_ptr_array_add (server->tus_uploads, tus);

  if (server->tus_relative_location)
    {
      g_autofree char *relative = g_strdup_printf ("files/%s", tus->id);

      soup_message_headers_replace (headers, "Location", relative);
    }
  else
    soup_message_headers_replace (headers, "Location", tus->location);
  respond_text (req, msg, SOUP_STATUS_CREATED, NULL);
}

static void
tus_head (FerryTestUploadServer *server, SoupServerMessage *msg, FerryTestUploadRequest *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  FerryTestTusUpload *tus;
  g_autofree char *offset = NULL;
  g_autofree char *length = NULL;
  guint index;

  soup_message_headers_replace (headers, "Tus-Resumable", TUS_VERSION);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  tus = tus_lookup (server, req->path, &index);
  if (tus == NULL)
    {
      respond_text (req, msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  req->tus_index = index;
  if (tus->gone_status != 0)
    {
      respond_text (req, msg, tus->gone_status, NULL);
      return;
    }
  if (!has_tus_version (req))
    {
      respond_text (req, msg, SOUP_STATUS_PRECONDITION_FAILED, NULL);
      return;
    }
  offset = g_strdup_printf ("%" G_GUINT64_FORMAT, tus->offset);
  length = g_strdup_printf ("%" G_GUINT64_FORMAT, tus->length);
  soup_message_headers_replace (headers, "Upload-Offset", offset);
  soup_message_headers_replace (headers, "Upload-Length", length);
  req->answered_offset = (gint64) tus->offset;
  respond_text (req, msg, SOUP_STATUS_OK, NULL);
}

static void
tus_patch_end (Exchange *ex)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (ex->msg);
  g_autofree char *offset = NULL;

  soup_message_headers_replace (headers, "Tus-Resumable", TUS_VERSION);
  if (ex->patch_error != 0)
    {
      respond_text (ex->req, ex->msg, ex->patch_error, NULL);
      return;
    }
  if (ex->tus->offset > ex->tus->length)
    {
      respond_text (ex->req, ex->msg, SOUP_STATUS_BAD_REQUEST, "past Upload-Length\n");
      return;
    }
  offset = g_strdup_printf ("%" G_GUINT64_FORMAT, ex->tus->offset);
  soup_message_headers_replace (headers, "Upload-Offset", offset);
  ex->req->answered_offset = (gint64) ex->tus->offset;
  respond_text (ex->req, ex->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
serve_tus (FerryTestUploadServer *server, Exchange *ex)
{
  const char *method = ex->req->method;

  if (strcmp (ex->req->path, "/tus/") == 0 && strcmp (method, "POST") == 0)
    tus_create (server, ex->msg, ex->req);
  else if (strcmp (ex->req->path, "/tus/") == 0 && strcmp (method, "OPTIONS") == 0)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (ex->msg);

      soup_message_headers_replace (headers, "Tus-Resumable", TUS_VERSION);
      soup_message_headers_replace (headers, "Tus-Version", TUS_VERSION);
      soup_message_headers_replace (headers, "Tus-Extension", "creation");
      respond_text (ex->req, ex->msg, SOUP_STATUS_NO_CONTENT, NULL);
    }
  else if (g_str_has_prefix (ex->req->path, "/tus/files/") && strcmp (method, "HEAD") == 0)
    tus_head (server, ex->msg, ex->req);
  else if (g_str_has_prefix (ex->req->path, "/tus/files/") && strcmp (method, "PATCH") == 0)
    tus_patch_end (ex);
  else
    respond_text (ex->req, ex->msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
}

static void
decode_metadata_pair (const char *pair, char **out_key, char **out_value)
{
  const char *space = strchr (pair, ' ');

  *out_key = space ? g_strndup (pair, space - pair) : g_strdup (pair);
  *out_value = space ? g_strdup (space + 1) : g_strdup ("");
}

char *
ferry_test_tus_metadata_get (const char *metadata, const char *key)
{
  g_auto(GStrv) pairs = NULL;

  if (metadata == NULL)
    return NULL;
  pairs = g_strsplit (metadata, ",", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *encoded = NULL;
      g_autofree guchar *decoded = NULL;
      gsize len = 0;

      decode_metadata_pair (g_strstrip (pairs[i]), &name, &encoded);
      if (strcmp (name, key) != 0)
        continue;
      decoded = g_base64_decode (encoded, &len);
      if (decoded == NULL && *encoded != '\0')
        return NULL;
      return g_strndup ((const char *) decoded, len);
    }
  return NULL;
}

/* ---- receiving bodies ------------------------------------------------- */

/* The position that holding applies to: a PATCH's upload offset, or the
 * bytes of the body. */
static guint64
exchange_position (Exchange *ex)
{
  return ex->tus != NULL ? ex->tus->offset : ex->req->body_bytes;
}

static void
exchange_pause (Exchange *ex)
{
  if (ex->paused || ex->over)
    return;
  ex->paused = TRUE;
  soup_server_message_pause (ex->msg);
}

static void
exchange_unpause (Exchange *ex)
{
  if (!ex->paused)
    return;
  ex->paused = FALSE;
  if (!ex->over)
    soup_server_message_unpause (ex->msg);
}

static gboolean
throttle_cb (gpointer data)
{
  Exchange *ex = data;

  ex->throttle_id = 0;
  ex->throttle_used = 0;
  if (ex->server->holding != ex)
    exchange_unpause (ex);
  return G_SOURCE_REMOVE;
}

static void
exchange_store (Exchange *ex, const guint8 *data, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = pwrite (ex->fd, data + done, len - done, (off_t) (ex->write_offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("storing an upload body: %s", g_strerror (errno));
      done += (gsize) n;
    }
  ex->write_offset += len;
}

static void
got_chunk_cb (SoupServerMessage *msg, GBytes *chunk, Exchange *ex)
{
  FerryTestUploadServer *server = ex->server;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (chunk, &len);

  if (ex->fd >= 0)
    exchange_store (ex, data, len);
  if (ex->checksum != NULL)
    g_checksum_update (ex->checksum, data, len);
  if (ex->tus != NULL)
    ex->tus->offset += len;
  ex->req->body_bytes += len;

  if (server->hold_at != G_MAXUINT64 && server->holding == NULL &&
      exchange_position (ex) >= server->hold_at)
    {
      g_debug ("holding %s %s at %" G_GUINT64_FORMAT, ex->req->method, ex->req->path,
               exchange_position (ex));
      server->hold_at = G_MAXUINT64;
      server->holding = ex;
      exchange_pause (ex);
      return;
    }
  if (server->throttle > 0)
    {
      ex->throttle_used += len;
      if (ex->throttle_used >= MAX (1024, server->throttle * THROTTLE_INTERVAL_MS / 1000) &&
          ex->throttle_id == 0)
        {
          exchange_pause (ex);
          ex->throttle_id = g_timeout_add (THROTTLE_INTERVAL_MS, throttle_cb, ex);
        }
    }
}

static void
exchange_over (Exchange *ex)
{
  if (ex->over)
    return;
  ex->over = TRUE;
  ex->req->finished = TRUE;
  ex->server->active--;
  if (ex->server->holding == ex)
    ex->server->holding = NULL;
  g_clear_handle_id (&ex->throttle_id, g_source_remove);
  if (ex->fd >= 0)
    close (ex->fd);
  ex->fd = -1;
  g_signal_handlers_disconnect_by_data (ex->msg, ex);
  g_object_set_data (G_OBJECT (ex->msg), "ferry-test-exchange", NULL);
  g_clear_object (&ex->msg);
}

static void
finished_cb (SoupServerMessage *msg, Exchange *ex)
{
  g_debug ("%s %s over: %" G_GUINT64_FORMAT " body bytes, %s, answered %u",
           ex->req->method, ex->req->path, ex->req->body_bytes,
           ex->req->body_complete ? "complete" : "incomplete", ex->req->status);
  exchange_over (ex);
}

static void
exchange_free (Exchange *ex)
{
  if (!ex->over)
    exchange_over (ex);
  g_clear_pointer (&ex->checksum, g_checksum_free);
  g_free (ex);
}

/* Runs once the request headers are in, before any of the body. */
static void
early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  FerryTestUploadServer *server = user_data;
  Exchange *ex = g_new0 (Exchange, 1);

  ex->server = server;
  ex->msg = g_object_ref (msg);
  ex->req = record_request (server, msg, path);
  ex->fd = -1;
  g_ptr_array_add (server->exchanges, ex);
  server->active++;

  if (strcmp (ex->req->method, "PATCH") == 0 && g_str_has_prefix (path, "/tus/"))
    tus_patch_begin (ex);
  else
    {
      ex->req->body_path = g_strdup_printf ("%s/request-%u.body", server->store_dir,
                                            server->requests->len);
      ex->fd = open (ex->req->body_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      g_assert_cmpint (ex->fd, >=, 0);
      ex->checksum = g_checksum_new (G_CHECKSUM_SHA256);
    }

  /* Bodies go to disk only: a 64 MiB upload is not kept in memory. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_object_set_data (G_OBJECT (msg), "ferry-test-exchange", ex);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), ex);
  g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), ex);
}

/* ---- answers ---------------------------------------------------------- */

static void
serve_upload (FerryTestUploadServer *server, Exchange *ex)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (ex->msg);

  for (guint i = 0; i + 1 < server->reply_headers->len; i += 2)
    soup_message_headers_append (headers, g_ptr_array_index (server->reply_headers, i),
                                 g_ptr_array_index (server->reply_headers, i + 1));
  ex->req->status = server->reply_status;
  soup_server_message_set_status (ex->msg, server->reply_status, NULL);
  if (server->reply_body != NULL)
    {
      gsize len = 0;
      gconstpointer data = g_bytes_get_data (server->reply_body, &len);

      if (len > 0)
        soup_server_message_set_response (ex->msg, server->reply_content_type,
                                          SOUP_MEMORY_COPY, data, len);
    }
  else
    {
      g_autofree char *json =
        g_strdup_printf ("{\"size\": %" G_GUINT64_FORMAT ", \"sha256\": \"%s\"}\n",
                         ex->req->body_bytes, ex->req->body_sha256);

      soup_server_message_set_response (ex->msg, "application/json", SOUP_MEMORY_COPY,
                                        json, strlen (json));
    }
}

static void
serve_status (Exchange *ex, const char *code_str)
{
  guint64 code;
  g_autofree char *text = NULL;

  if (!g_ascii_string_to_unsigned (code_str, 10, 200, 599, &code, NULL))
    {
      respond_text (ex->req, ex->msg, SOUP_STATUS_NOT_FOUND, "bad status\n");
      return;
    }
  text = g_strdup_printf ("status %u\n", (guint) code);
  respond_text (ex->req, ex->msg, (guint) code, text);
}

/* Runs once the whole body is in. */
static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  FerryTestUploadServer *server = user_data;
  Exchange *ex = g_object_get_data (G_OBJECT (msg), "ferry-test-exchange");

  g_assert_nonnull (ex);
  ex->req->body_complete = TRUE;
  if (ex->checksum != NULL)
    ex->req->body_sha256 = g_strdup (g_checksum_get_string (ex->checksum));

  if (g_str_has_prefix (path, "/upload/"))
    serve_upload (server, ex);
  else if (g_str_has_prefix (path, "/status/"))
    serve_status (ex, path + strlen ("/status/"));
  else if (g_str_has_prefix (path, "/tus/"))
    serve_tus (server, ex);
  else
    respond_text (ex->req, msg, SOUP_STATUS_NOT_FOUND, "not found\n");
}

/* ---- public API ------------------------------------------------------- */

FerryTestUploadServer *
ferry_test_upload_server_new (const char *store_dir)
{
  FerryTestUploadServer *server = g_new0 (FerryTestUploadServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *uris;

  g_assert_true (g_file_test (store_dir, G_FILE_TEST_IS_DIR));
  server->store_dir = g_strdup (store_dir);
  server->reply_status = SOUP_STATUS_OK;
  server->reply_headers = g_ptr_array_new_with_free_func (g_free);
  server->hold_at = G_MAXUINT64;
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  server->exchanges = g_ptr_array_new_with_free_func ((GDestroyNotify) exchange_free);
  server->tus_uploads = g_ptr_array_new_with_free_func ((GDestroyNotify) tus_upload_free);

  server->soup = soup_server_new ("server-header", "ferry-test-upload-server ", NULL);
  soup_server_add_early_handler (server->soup, NULL, early_handler, server, NULL);
  soup_server_add_handler (server->soup, NULL, handler, server, NULL);
  /* Only ever 127.0.0.1: the tests must not reach out of the machine. */
  soup_server_listen (server->soup, address, 0, &error);
  g_assert_no_error (error);
  /* Accepted connections inherit the listener's buffer size. */
  for (GSList *l = soup_server_get_listeners (server->soup); l != NULL; l = l->next)
    {
      g_socket_set_option (l->data, SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER, &error);
      g_assert_no_error (error);
    }

  uris = soup_server_get_uris (server->soup);
  g_assert_nonnull (uris);
  server->base_uri = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

void
ferry_test_upload_server_free (FerryTestUploadServer *server)
{
  /* Connections still open end here; their exchanges end with them or
   * just below. */
  soup_server_disconnect (server->soup);
  server->holding = NULL;
  g_ptr_array_unref (server->exchanges);
  g_clear_object (&server->soup);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->tus_uploads);
  g_ptr_array_unref (server->reply_headers);
  g_clear_pointer (&server->reply_body, g_bytes_unref);
  g_free (server->reply_content_type);
  g_free (server->store_dir);
  g_free (server->base_uri);
  g_free (server);
}

char *
ferry_test_upload_server_uri (FerryTestUploadServer *server, const char *path_format, ...)
{
  va_list args;
  g_autofree char *path = NULL;

  va_start (args, path_format);
  path = g_strdup_vprintf (path_format, args);
  va_end (args);
  return g_strconcat (server->base_uri, path, NULL);
}

void
ferry_test_upload_server_set_reply (FerryTestUploadServer *server,
                                    guint                  status,
                                    const char            *content_type,
                                    GBytes                *body,
                                    ...)
{
  va_list args;
  const char *name;

  server->reply_status = status;
  g_free (server->reply_content_type);
  server->reply_content_type = g_strdup (content_type);
  g_clear_pointer (&server->reply_body, g_bytes_unref);
  server->reply_body = body ? g_bytes_ref (body) : g_bytes_new (NULL, 0);
  g_ptr_array_set_size (server->reply_headers, 0);

  va_start (args, body);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      const char *value = va_arg (args, const char *);

      g_ptr_array_add (server->reply_headers, g_strdup (name));
      g_ptr_array_add (server->reply_headers, g_strdup (value));
    }
  va_end (args);
}

void
ferry_test_upload_server_set_tus_relative_location (FerryTestUploadServer *server,
                                                    gboolean               relative)
{
  server->tus_relative_location = relative;
}

void
ferry_test_upload_server_hold_at (FerryTestUploadServer *server, guint64 position)
{
  server->hold_at = position;
}

gboolean
ferry_test_upload_server_is_holding (FerryTestUploadServer *server)
{
  return server->holding != NULL;
}

void
ferry_test_upload_server_release (FerryTestUploadServer *server)
{
  Exchange *ex = server->holding;

  server->hold_at = G_MAXUINT64;
  server->holding = NULL;
  if (ex != NULL && ex->throttle_id == 0)
    exchange_unpause (ex);
}

void
ferry_test_upload_server_set_throttle (FerryTestUploadServer *server, guint64 bytes_per_second)
{
  server->throttle = bytes_per_second;
  if (bytes_per_second != 0)
    return;
  /* Bodies waiting for their next interval go on at once. */
  for (guint i = 0; i < server->exchanges->len; i++)
    {
      Exchange *ex = g_ptr_array_index (server->exchanges, i);

      if (ex->throttle_id == 0)
        continue;
      g_clear_handle_id (&ex->throttle_id, g_source_remove);
      ex->throttle_used = 0;
      if (server->holding != ex)
        exchange_unpause (ex);
    }
}

guint
ferry_test_upload_server_get_active (FerryTestUploadServer *server)
{
  return server->active;
}

GPtrArray *
ferry_test_upload_server_get_requests (FerryTestUploadServer *server)
{
  return server->requests;
}

static gboolean
request_matches (FerryTestUploadRequest *req, const char *method, const char *path_prefix)
{
  return (method == NULL || strcmp (req->method, method) == 0) &&
         g_str_has_prefix (req->path, path_prefix);
}

guint
ferry_test_upload_server_count_requests (FerryTestUploadServer *server,
                                         const char            *method,
                                         const char            *path_prefix)
{
  guint n = 0;

  for (guint i = 0; i < server->requests->len; i++)
    if (request_matches (g_ptr_array_index (server->requests, i), method, path_prefix))
      n++;
  return n;
}

FerryTestUploadRequest *
ferry_test_upload_server_nth_request (FerryTestUploadServer *server,
                                      const char            *method,
                                      const char            *path_prefix,
                                      guint                  index)
{
  for (guint i = 0; i < server->requests->len; i++)
    {
      FerryTestUploadRequest *req = g_ptr_array_index (server->requests, i);

      if (request_matches (req, method, path_prefix) && index-- == 0)
        return req;
    }
  return NULL;
}

SoupMultipart *
ferry_test_upload_request_parse_multipart (FerryTestUploadRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  char *contents = NULL;
  gsize len = 0;

  if (req->body_path == NULL)
    return NULL;
  g_file_get_contents (req->body_path, &contents, &len, &error);
  g_assert_no_error (error);
  body = g_bytes_new_take (contents, len);
  return soup_multipart_new_from_message (req->headers, body);
}

GPtrArray *
ferry_test_upload_server_get_tus_uploads (FerryTestUploadServer *server)
{
  return server->tus_uploads;
}

void
ferry_test_upload_server_tus_forget (FerryTestUploadServer *server, guint index, guint status)
{
  FerryTestTusUpload *tus = g_ptr_array_index (server->tus_uploads, index);

  g_return_if_fail (status >= 400);
  tus->gone_status = status;
}
