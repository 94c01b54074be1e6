/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Uploads: files by PUT and POST, multipart forms, streams from a pipe or a
 * file, the server's answer read back, tus uploads that continue from the
 * server's offset after a Pause or a SIGKILL of ferryd, plain uploads that
 * start over, failures, bad input and isolation. A server in this process
 * stores every body as it arrives; what it stored is compared by SHA-256
 * with what was sent. */
#define G_LOG_DOMAIN "test-upload"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-dbus-generated.h"
#include "ferry-test-fixture.h"
#include "ferry-test-upload-server.h"

#define KiB 1024
#define MiB (1024 * 1024)

#define OTHER_APP_ID "org.freedesktop.FerryTest.Other"

/* ---- sources and the server ------------------------------------------- */

static FerryTestUploadServer *
upload_server_new (FerryFixture *fx)
{
  g_autofree char *store = g_build_filename (fx->tmpdir, "received", NULL);

  g_assert_cmpint (g_mkdir_with_parents (store, 0700), ==, 0);
  return ferry_test_upload_server_new (store);
}

static char *
source_path (FerryFixture *fx, const char *name)
{
  g_autofree char *dir = g_build_filename (fx->tmpdir, "sources", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return g_build_filename (dir, name, NULL);
}

/* Writes @size bytes of the test content @seed to @path. */
static void
write_content (const char *path, guint32 seed, guint64 size)
{
  g_autofree guint8 *buf = g_malloc (MiB);
  FILE *f = fopen (path, "wb");

  g_assert_nonnull (f);
  for (guint64 offset = 0; offset < size; offset += MiB)
    {
      gsize len = (gsize) MIN ((guint64) MiB, size - offset);

      ferry_test_content_fill (seed, offset, buf, len);
      g_assert_cmpuint (fwrite (buf, 1, len, f), ==, len);
    }
  g_assert_cmpint (fclose (f), ==, 0);
}

/* A source file of @size bytes of content @seed. */
static char *
make_source (FerryFixture *fx, const char *name, guint32 seed, guint64 size)
{
  char *path = source_path (fx, name);

  write_content (path, seed, size);
  return path;
}

static char *
make_text_source (FerryFixture *fx, const char *name, const char *text)
{
  char *path = source_path (fx, name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Gives @path new content and moves its mtime, as an edit would. */
static void
rewrite_source (const char *path, guint32 seed, guint64 size)
{
  struct stat st;
  struct timespec times[2];

  g_assert_cmpint (stat (path, &st), ==, 0);
  write_content (path, seed, size);
  times[0] = st.st_atim;
  times[1] = st.st_mtim;
  times[1].tv_sec += 10;
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

/* The media types GIO guesses for @path, from its name and from its name
 * and first bytes (they differ only for an empty file). */
static GStrv
guessed_media_types (const char *path)
{
  g_autofree char *head = g_malloc0 (4096);
  g_autofree char *by_data = NULL;
  g_autofree char *by_name = NULL;
  const char *types[3] = { NULL, };
  FILE *f = fopen (path, "rb");
  size_t len;

  g_assert_nonnull (f);
  len = fread (head, 1, 4096, f);
  fclose (f);
  by_data = g_content_type_guess (path, (const guchar *) head, len, NULL);
  by_name = g_content_type_guess (path, NULL, 0, NULL);
  types[0] = g_content_type_get_mime_type (by_data);
  types[1] = g_content_type_get_mime_type (by_name);
  return g_strdupv ((char **) types);
}

/* The media type of a request or a part, without its parameters. */
static const char *
media_type (SoupMessageHeaders *headers)
{
  return soup_message_headers_get_content_type (headers, NULL);
}

static void
assert_media_type_guessed (SoupMessageHeaders *headers, const char *path)
{
  g_auto(GStrv) guesses = guessed_media_types (path);
  const char *actual = media_type (headers);

  if (actual == NULL || !g_strv_contains ((const char * const *) guesses, actual))
    g_error ("Content-Type of %s is “%s”, expected “%s” (or “%s”)", path,
             actual ? actual : "(none)", guesses[0], guesses[1]);
}

/* ---- waiting ---------------------------------------------------------- */

/* Waits until the server holds a body; fails if the transfer stops
 * first. */
static void
wait_server_holding (FerryFixture *fx, FerryTestUploadServer *server, const char *transfer)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) FERRY_TEST_TIMEOUT_MS * 1000;

  while (!ferry_test_upload_server_is_holding (server))
    {
      g_autofree char *status = ferry_client_get_string (fx->app, transfer, "Status");

      if (g_strcmp0 (status, "running") != 0 && g_strcmp0 (status, "idle") != 0)
        {
          g_autofree char *error_name = ferry_client_get_string (fx->app, transfer, "ErrorName");
          g_autofree char *error_message = ferry_client_get_string (fx->app, transfer, "ErrorMessage");

          g_error ("waited for the server to hold the body of %s, but its Status is “%s” "
                   "(%s: %s)", transfer, status, error_name, error_message);
        }
      if (g_get_monotonic_time () >= deadline)
        g_error ("timed out: the server never received the bytes to hold (%s is %s)",
                 transfer, status);
      ferry_test_iterate (10);
    }
}

static gboolean
server_is_idle (gpointer data)
{
  return ferry_test_upload_server_get_active (data) == 0;
}

/* Waits until every exchange is over: the bytes of a request that was
 * cut are stored. */
static void
wait_server_idle (FerryTestUploadServer *server)
{
  if (!ferry_test_wait_until (server_is_idle, server, FERRY_TEST_TIMEOUT_MS))
    g_error ("the upload server still receives %u requests",
             ferry_test_upload_server_get_active (server));
}

static void
transfer_call (FerryFixture *fx, const char *transfer, const char *method)
{
  g_autoptr(GError) error = NULL;

  ferry_client_transfer_call (fx->app, transfer, method, &error);
  g_assert_no_error (error);
}

/* Once the server holds the body (ferry_test_upload_server_hold_at()), the
 * transfer is paused, and the server reads what was already sent. */
static void
pause_when_server_holds (FerryFixture *fx, FerryTestUploadServer *server, const char *transfer)
{
  wait_server_holding (fx, server, transfer);
  transfer_call (fx, transfer, "Pause");
  ferry_client_wait_status (fx->app, transfer, "paused-by-application");
  ferry_test_upload_server_release (server);
  wait_server_idle (server);
}

/* The server holds the body; ferryd is killed after a few checkpoint
 * intervals (the fixture's ferryd checkpoints every 100 ms, and a real
 * upload is killed long after it began), then the server reads what was
 * already sent. */
static void
kill_when_server_holds (FerryFixture *fx, FerryTestUploadServer *server, const char *transfer)
{
  wait_server_holding (fx, server, transfer);
  ferry_test_iterate (300);
  ferry_fixture_kill_ferryd (fx);
  ferry_test_upload_server_release (server);
  wait_server_idle (server);
}

/* ---- assertions ------------------------------------------------------- */

static void
assert_uint64_property (FerryFixture *fx, const char *transfer, const char *name, guint64 expected)
{
  guint64 value = ferry_client_get_uint64 (fx->app, transfer, name);

  if (value != expected)
    g_error ("%s of %s is %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
             name, transfer, value, expected);
}

/* GetAll has every property the XML declares, with its type, for an
 * upload too. */
static void
assert_get_all_typed (FerryFixture *fx, const char *transfer)
{
  GDBusInterfaceInfo *iface = ferry_dbus_transfer_interface_info ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) props = NULL;

  all = ferry_client_call (fx->app, transfer, "org.freedesktop.DBus.Properties", "GetAll",
                           g_variant_new ("(s)", FERRY_TRANSFER_IFACE),
                           G_VARIANT_TYPE ("(a{sv})"), &error);
  g_assert_no_error (error);
  props = g_variant_get_child_value (all, 0);
  for (guint i = 0; iface->properties[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (props, iface->properties[i]->name, NULL);

      if (value == NULL)
        g_error ("GetAll of %s has no %s", transfer, iface->properties[i]->name);
      g_assert_cmpstr (g_variant_get_type_string (value), ==, iface->properties[i]->signature);
    }
}

/* A completed upload says what it did. */
static void
assert_upload_completed (FerryFixture *fx,
                         const char   *transfer,
                         const char   *uri,
                         const char   *source,
                         guint64       size,
                         guint         http_status)
{
  ferry_client_wait_status (fx->app, transfer, "completed");
  ferry_assert_property (fx->app, transfer, "Kind", "upload");
  ferry_assert_property (fx->app, transfer, "Uri", uri);
  ferry_assert_property (fx->app, transfer, "Source", source);
  ferry_assert_property (fx->app, transfer, "Destination", "");
  ferry_assert_property (fx->app, transfer, "ErrorName", "");
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, transfer, "HttpStatus"), ==, http_status);
  assert_uint64_property (fx, transfer, "BytesSent", size);
  assert_uint64_property (fx, transfer, "TotalBytesToSend", size);
}

/* @req carried the whole of @source, framed by Content-Length. */
static void
assert_request_carries_file (FerryTestUploadRequest *req, const char *method, const char *source)
{
  g_autofree char *expected = ferry_test_file_sha256 (source);
  gint64 size = ferry_test_file_size (source);

  g_assert_cmpstr (req->method, ==, method);
  g_assert_cmpint (req->encoding, ==, SOUP_ENCODING_CONTENT_LENGTH);
  g_assert_cmpint (req->content_length, ==, size);
  g_assert_true (req->body_complete);
  g_assert_cmpuint (req->body_bytes, ==, (guint64) size);
  g_assert_cmpstr (req->body_sha256, ==, expected);
}

/* The @index-th tus upload holds exactly @source, under its name. */
static void
assert_tus_upload_stored (FerryTestUploadServer *server, guint index, const char *source)
{
  GPtrArray *uploads = ferry_test_upload_server_get_tus_uploads (server);
  FerryTestTusUpload *tus;
  g_autofree char *expected = ferry_test_file_sha256 (source);
  g_autofree char *actual = NULL;
  g_autofree char *filename = NULL;
  g_autofree char *basename = g_path_get_basename (source);

  g_assert_cmpuint (uploads->len, >, index);
  tus = g_ptr_array_index (uploads, index);
  g_assert_cmpuint (tus->length, ==, (guint64) ferry_test_file_size (source));
  g_assert_cmpuint (tus->offset, ==, tus->length);
  actual = ferry_test_file_sha256 (tus->path);
  g_assert_cmpstr (actual, ==, expected);
  filename = ferry_test_tus_metadata_get (tus->metadata, "filename");
  g_assert_cmpstr (filename, ==, basename);
}

/* The Upload-Offset of every PATCH of the @index-th tus upload. */
static void
assert_patch_offsets (FerryTestUploadServer *server, guint index, const guint64 *offsets, guint n)
{
  FerryTestTusUpload *tus = g_ptr_array_index (ferry_test_upload_server_get_tus_uploads (server), index);
  g_autoptr(GString) seen = g_string_new (NULL);

  for (guint i = 0; i < tus->patch_offsets->len; i++)
    g_string_append_printf (seen, " %" G_GUINT64_FORMAT,
                            g_array_index (tus->patch_offsets, guint64, i));
  g_test_message ("PATCH offsets of tus upload %s:%s", tus->id, seen->str);
  g_assert_cmpuint (tus->patch_offsets->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (tus->patch_offsets, guint64, i), ==, offsets[i]);
}

/* The @index-th request of any kind. */
static FerryTestUploadRequest *
request_at (FerryTestUploadServer *server, guint index)
{
  GPtrArray *requests = ferry_test_upload_server_get_requests (server);

  g_assert_cmpuint (index, <, requests->len);
  return g_ptr_array_index (requests, index);
}

static guint
request_count (FerryTestUploadServer *server)
{
  return ferry_test_upload_server_get_requests (server)->len;
}

static guint
count_requests_from (FerryTestUploadServer *server, guint from, const char *method, const char *path_prefix)
{
  guint n = 0;

  for (guint i = from; i < request_count (server); i++)
    {
      FerryTestUploadRequest *req = request_at (server, i);

      if (strcmp (req->method, method) == 0 && g_str_has_prefix (req->path, path_prefix))
        n++;
    }
  return n;
}

/* Resuming a tus upload after request @from: a HEAD of the upload's
 * location that answered the offset the server had stored, then a PATCH
 * from exactly that offset, and no new creation. Returns the offset. */
static guint64
assert_tus_continued (FerryTestUploadServer *server, guint from, guint64 stored)
{
  FerryTestTusUpload *tus = g_ptr_array_index (ferry_test_upload_server_get_tus_uploads (server), 0);
  g_autofree char *location_path = g_strconcat ("/tus/files/", tus->id, NULL);
  FerryTestUploadRequest *head = request_at (server, from);
  FerryTestUploadRequest *patch;

  g_assert_cmpstr (head->method, ==, "HEAD");
  g_assert_cmpstr (head->path, ==, location_path);
  g_assert_cmpstr (soup_message_headers_get_one (head->headers, "Tus-Resumable"), ==, "1.0.0");
  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpint (head->answered_offset, ==, (gint64) stored);

  patch = request_at (server, from + 1);
  g_assert_cmpstr (patch->method, ==, "PATCH");
  g_assert_cmpstr (patch->path, ==, location_path);
  g_assert_cmpint (patch->request_offset, ==, (gint64) stored);
  g_assert_cmpuint (patch->status, ==, 204);
  g_assert_cmpuint (patch->body_bytes, ==, tus->length - stored);

  g_assert_cmpuint (count_requests_from (server, from, "POST", "/tus/"), ==, 0);
  return stored;
}

/* ---- plain PUT and POST ----------------------------------------------- */

static GVariant *
method_options (const char *method)
{
  /* PUT is the default: leave it out, so that the default is tested. */
  if (strcmp (method, "PUT") == 0)
    return NULL;
  return g_variant_new_parsed ("{'method': <%s>}", method);
}

static void
assert_file_uploaded_whole (FerryFixture *fx, const char *method, guint64 size)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *name = g_strdup_printf ("%s-%" G_GUINT64_FORMAT ".bin", method, size);
  g_autofree char *source = make_source (fx, name, 1, size);
  g_autofree char *request_path = g_strdup_printf ("/upload/%s", name);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "%s", request_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  FerryTestUploadRequest *req;

  path = ferry_client_create_upload (fx->app, uri, source, method_options (method), &error);
  g_assert_no_error (error);
  /* Created is not started: give it a moment to (wrongly) send anything. */
  ferry_assert_property (fx->app, path, "Status", "idle");
  ferry_test_iterate (50);
  g_assert_cmpuint (request_count (server), ==, 0);

  transfer_call (fx, path, "Start");
  assert_upload_completed (fx, path, uri, source, size, 200);

  g_assert_cmpuint (request_count (server), ==, 1);
  req = request_at (server, 0);
  g_assert_cmpstr (req->path, ==, request_path);
  assert_request_carries_file (req, method, source);
  assert_media_type_guessed (req->headers, source);
}

static void
test_put_empty_file_is_stored_identically (FerryFixture *fx, gconstpointer config)
{
  assert_file_uploaded_whole (fx, "PUT", 0);
}

static void
test_put_1mib_file_is_stored_identically (FerryFixture *fx, gconstpointer config)
{
  assert_file_uploaded_whole (fx, "PUT", 1 * MiB);
}

static void
test_put_64mib_file_is_stored_identically (FerryFixture *fx, gconstpointer config)
{
  assert_file_uploaded_whole (fx, "PUT", 64 * MiB);
}

static void
test_post_empty_file_is_stored_identically (FerryFixture *fx, gconstpointer config)
{
  assert_file_uploaded_whole (fx, "POST", 0);
}

static void
test_post_1mib_file_is_stored_identically (FerryFixture *fx, gconstpointer config)
{
  assert_file_uploaded_whole (fx, "POST", 1 * MiB);
}

static void
test_post_64mib_file_is_stored_identically (FerryFixture *fx, gconstpointer config)
{
  assert_file_uploaded_whole (fx, "POST", 64 * MiB);
}

static void
test_new_upload_is_idle_with_its_properties (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "new.bin", 2, 1000);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/new");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  path = ferry_client_create_upload (fx->app, uri, source,
                                     g_variant_new_parsed ("{'group': <'nightly'>}"), &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (path, FERRY_TRANSFER_PATH_PREFIX));
  ferry_assert_property (fx->app, path, "Kind", "upload");
  ferry_assert_property (fx->app, path, "Uri", uri);
  ferry_assert_property (fx->app, path, "Source", source);
  ferry_assert_property (fx->app, path, "Destination", "");
  ferry_assert_property (fx->app, path, "Status", "idle");
  ferry_assert_property (fx->app, path, "Group", "nightly");
  ferry_assert_property (fx->app, path, "ErrorName", "");
  assert_uint64_property (fx, path, "BytesSent", 0);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, 0);
  assert_get_all_typed (fx, path);
}

/* Uploads @source with @options and returns the one request it made. */
static FerryTestUploadRequest *
upload_once (FerryFixture *fx, FerryTestUploadServer *server, const char *source, GVariant *options)
{
  g_autofree char *basename = g_path_get_basename (source);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/%s", basename);
  guint before = request_count (server);
  g_autofree char *path = ferry_client_start_upload (fx->app, uri, source, options);

  assert_upload_completed (fx, path, uri, source, (guint64) ferry_test_file_size (source), 200);
  g_assert_cmpuint (request_count (server), ==, before + 1);
  return request_at (server, before);
}

static void
test_content_type_is_guessed_from_the_file (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *text = make_text_source (fx, "notes.txt", "Ferry notes\nline two\n");
  g_autofree char *json = make_text_source (fx, "data.json", "{\"ferry\": [1, 2, 3]}\n");
  g_autofree char *png = make_text_source (fx, "pixel.png", "\x89PNG\r\n\x1a\n");
  FerryTestUploadRequest *req;

  req = upload_once (fx, server, text, NULL);
  g_assert_cmpstr (media_type (req->headers), ==, "text/plain");
  assert_request_carries_file (req, "PUT", text);

  req = upload_once (fx, server, json, NULL);
  g_assert_cmpstr (media_type (req->headers), ==, "application/json");
  assert_request_carries_file (req, "PUT", json);

  req = upload_once (fx, server, png, g_variant_new_parsed ("{'method': <'POST'>}"));
  g_assert_cmpstr (media_type (req->headers), ==, "image/png");
  assert_request_carries_file (req, "POST", png);
}

static void
test_content_type_and_headers_options_are_sent (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_text_source (fx, "report.txt", "not really text/plain\n");
  FerryTestUploadRequest *req;

  req = upload_once (fx, server, source,
                     g_variant_new_parsed ("{'method': <'PUT'>,"
                                           " 'content-type': <'application/x-ferry-report'>,"
                                           " 'headers': <{'X-Ferry-Test': 'yes',"
                                           "              'Authorization': 'Bearer sesame'}>,"
                                           " 'group': <'reports'>}"));
  g_assert_cmpstr (media_type (req->headers), ==, "application/x-ferry-report");
  g_assert_cmpstr (soup_message_headers_get_one (req->headers, "X-Ferry-Test"), ==, "yes");
  g_assert_cmpstr (soup_message_headers_get_one (req->headers, "Authorization"), ==, "Bearer sesame");
  assert_request_carries_file (req, "PUT", source);
}

/* ---- multipart -------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *filename;      /* NULL for a plain field */
  const char *content_type;  /* NULL: guessed from @path */
  const char *path;          /* the file, NULL for a plain field */
  const char *value;         /* the field's text */
  const char *header;        /* an extra part header "Name: value", or NULL */
} ExpectedPart;

static void
assert_part (SoupMultipart *multipart, guint index, const ExpectedPart *expected)
{
  SoupMessageHeaders *headers = NULL;
  GBytes *body = NULL;
  g_autofree char *disposition = NULL;
  g_autoptr(GHashTable) params = NULL;

  g_test_message ("part %u: %s", index, expected->name);
  g_assert_true (soup_multipart_get_part (multipart, (int) index, &headers, &body));
  g_assert_true (soup_message_headers_get_content_disposition (headers, &disposition, &params));
  g_assert_cmpstr (disposition, ==, "form-data");
  g_assert_cmpstr (g_hash_table_lookup (params, "name"), ==, expected->name);
  g_assert_cmpstr (g_hash_table_lookup (params, "filename"), ==, expected->filename);

  if (expected->path != NULL)
    {
      g_autofree char *sha = ferry_test_file_sha256 (expected->path);
      g_autofree char *actual = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);

      if (expected->content_type != NULL)
        g_assert_cmpstr (media_type (headers), ==, expected->content_type);
      else
        assert_media_type_guessed (headers, expected->path);
      g_assert_cmpuint (g_bytes_get_size (body), ==, (gsize) ferry_test_file_size (expected->path));
      g_assert_cmpstr (actual, ==, sha);
    }
  else
    {
      g_autofree char *value = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

      g_assert_cmpstr (value, ==, expected->value);
    }

  if (expected->header != NULL)
    {
      g_auto(GStrv) name_value = g_strsplit (expected->header, ": ", 2);

      g_assert_cmpstr (soup_message_headers_get_one (headers, name_value[0]), ==, name_value[1]);
    }
}

static void
test_multipart_of_three_files_and_two_fields_is_parsed_back_identically (FerryFixture *fx,
                                                                          gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *notes = make_text_source (fx, "notes.txt", "three files and two fields\n");
  g_autofree char *blob = make_source (fx, "blob.bin", 7, 2 * MiB + 3);
  g_autofree char *empty = make_source (fx, "empty.dat", 8, 0);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/form");
  const char *note = "ünïcödé, and\r\na second line";
  const ExpectedPart expected[] = {
    { "notes", "notes.txt", NULL, notes, NULL, NULL },
    { "title", NULL, NULL, NULL, "Ferry upload test", NULL },
    { "blob", "blob.bin", "application/x-ferry-blob", blob, NULL, NULL },
    { "note", NULL, NULL, NULL, note, NULL },
    { "empty", "renamed.dat", NULL, empty, NULL, "X-Ferry-Part: five" },
  };
  GVariantBuilder parts;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(SoupMultipart) multipart = NULL;
  g_autoptr(GHashTable) params = NULL;
  FerryTestUploadRequest *req;

  g_variant_builder_init (&parts, G_VARIANT_TYPE ("a(ssa{sv})"));
  g_variant_builder_add_parsed (&parts, "(%s, %s, @a{sv} {})", "notes", notes);
  g_variant_builder_add_parsed (&parts, "('title', '', {'value': <'Ferry upload test'>})");
  g_variant_builder_add_parsed (&parts, "(%s, %s, {'content-type': <'application/x-ferry-blob'>})",
                                "blob", blob);
  g_variant_builder_add_parsed (&parts, "('note', '', {'value': <%s>})", note);
  g_variant_builder_add_parsed (&parts, "(%s, %s, {'filename': <'renamed.dat'>,"
                                " 'headers': <{'X-Ferry-Part': 'five'}>})", "empty", empty);
  path = ferry_client_create_multipart_upload (fx->app, uri, g_variant_builder_end (&parts), NULL,
                                               &error);
  g_assert_no_error (error);
  ferry_assert_property (fx->app, path, "Status", "idle");
  transfer_call (fx, path, "Start");
  ferry_client_wait_status (fx->app, path, "completed");

  g_assert_cmpuint (request_count (server), ==, 1);
  req = request_at (server, 0);
  g_assert_cmpstr (req->method, ==, "POST");
  g_assert_cmpstr (soup_message_headers_get_content_type (req->headers, &params), ==,
                   "multipart/form-data");
  g_assert_nonnull (g_hash_table_lookup (params, "boundary"));
  g_assert_cmpint (req->encoding, ==, SOUP_ENCODING_CONTENT_LENGTH);
  g_assert_true (req->body_complete);
  g_assert_cmpint (req->content_length, ==, (gint64) req->body_bytes);

  multipart = ferry_test_upload_request_parse_multipart (req);
  g_assert_nonnull (multipart);
  g_assert_cmpint (soup_multipart_get_length (multipart), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    assert_part (multipart, i, &expected[i]);

  /* The transfer counts the whole body; its Source is the first file. */
  ferry_assert_property (fx->app, path, "Kind", "upload");
  ferry_assert_property (fx->app, path, "Source", notes);
  assert_uint64_property (fx, path, "TotalBytesToSend", req->body_bytes);
  assert_uint64_property (fx, path, "BytesSent", req->body_bytes);
}

/* ---- streams ---------------------------------------------------------- */

typedef struct {
  int fd;
  guint32 seed;
  guint64 size;
} PipeWriter;

/* Writes the content into the pipe while the upload runs, then closes it:
 * the reader sees the end only then. */
static gpointer
pipe_writer_thread (gpointer data)
{
  PipeWriter *w = data;
  guint8 buf[64 * KiB];
  guint64 offset = 0;
  gboolean ok = TRUE;

  while (ok && offset < w->size)
    {
      gsize len = (gsize) MIN ((guint64) sizeof buf, w->size - offset);
      gsize done = 0;

      ferry_test_content_fill (w->seed, offset, buf, len);
      while (done < len)
        {
          ssize_t n = write (w->fd, buf + done, len - done);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              ok = FALSE;
              break;
            }
          done += (gsize) n;
        }
      offset += done;
    }
  close (w->fd);
  return GINT_TO_POINTER (ok);
}

static void
test_stream_from_a_pipe_is_sent_chunked (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/piped");
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  PipeWriter writer = { -1, 11, 3 * MiB + 12345 };
  GThread *thread;
  FerryTestUploadRequest *req;
  int fds[2];

  g_unix_open_pipe (fds, FD_CLOEXEC, &error);
  g_assert_no_error (error);
  path = ferry_client_create_upload_from_fd (fx->app, uri, fds[0], NULL, &error);
  g_assert_no_error (error);
  close (fds[0]);
  ferry_assert_property (fx->app, path, "Status", "idle");
  ferry_assert_property (fx->app, path, "Source", "");
  /* A pipe's length is not known. */
  assert_uint64_property (fx, path, "TotalBytesToSend", 0);

  transfer_call (fx, path, "Start");
  writer.fd = fds[1];
  thread = g_thread_new ("pipe-writer", pipe_writer_thread, &writer);
  ferry_client_wait_status (fx->app, path, "completed");
  g_assert_true (GPOINTER_TO_INT (g_thread_join (thread)));

  g_assert_cmpuint (request_count (server), ==, 1);
  req = request_at (server, 0);
  g_assert_cmpstr (req->method, ==, "PUT");
  g_assert_cmpint (req->encoding, ==, SOUP_ENCODING_CHUNKED);
  g_assert_cmpint (req->content_length, ==, -1);
  g_assert_true (req->body_complete);
  g_assert_cmpuint (req->body_bytes, ==, writer.size);
  expected = ferry_test_content_sha256 (writer.seed, writer.size);
  g_assert_cmpstr (req->body_sha256, ==, expected);
  g_assert_cmpstr (media_type (req->headers), ==, "application/octet-stream");

  ferry_assert_property (fx->app, path, "Kind", "upload");
  ferry_assert_property (fx->app, path, "ErrorName", "");
  assert_uint64_property (fx, path, "BytesSent", writer.size);
}

static void
test_stream_from_a_file_descriptor_is_sent_whole (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "streamed.bin", 12, 5 * MiB + 1);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/streamed");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = ferry_test_file_sha256 (source);
  FerryTestUploadRequest *req;
  int fd = open (source, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  path = ferry_client_create_upload_from_fd (fx->app, uri, fd,
                                             g_variant_new_parsed ("{'method': <'POST'>}"), &error);
  g_assert_no_error (error);
  close (fd);
  transfer_call (fx, path, "Start");
  ferry_client_wait_status (fx->app, path, "completed");

  g_assert_cmpuint (request_count (server), ==, 1);
  req = request_at (server, 0);
  g_assert_cmpstr (req->method, ==, "POST");
  g_assert_true (req->body_complete);
  g_assert_cmpuint (req->body_bytes, ==, 5 * MiB + 1);
  g_assert_cmpstr (req->body_sha256, ==, expected);
  ferry_assert_property (fx->app, path, "Source", "");
  assert_uint64_property (fx, path, "BytesSent", 5 * MiB + 1);
}

/* ---- tus -------------------------------------------------------------- */

static GVariant *
tus_options (void)
{
  return g_variant_new_parsed ("{'protocol': <'tus'>}");
}

static void
test_tus_upload_creates_then_patches_from_zero (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "tus-small.bin", 21, 1 * MiB + 17);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/tus/");
  g_autofree char *path = NULL;
  g_autofree char *length = g_strdup_printf ("%" G_GINT64_FORMAT, ferry_test_file_size (source));
  FerryTestUploadRequest *create, *patch;
  const guint64 offsets[] = { 0 };

  /* A Location relative to the creation URI. */
  ferry_test_upload_server_set_tus_relative_location (server, TRUE);
  path = ferry_client_start_upload (fx->app, uri, source, tus_options ());
  assert_upload_completed (fx, path, uri, source, 1 * MiB + 17, 204);

  g_assert_cmpuint (request_count (server), ==, 2);
  create = request_at (server, 0);
  g_assert_cmpstr (create->method, ==, "POST");
  g_assert_cmpstr (create->path, ==, "/tus/");
  g_assert_cmpstr (soup_message_headers_get_one (create->headers, "Tus-Resumable"), ==, "1.0.0");
  g_assert_cmpstr (soup_message_headers_get_one (create->headers, "Upload-Length"), ==, length);
  g_assert_cmpuint (create->status, ==, 201);

  patch = request_at (server, 1);
  g_assert_cmpstr (patch->method, ==, "PATCH");
  g_assert_cmpstr (patch->path, ==, "/tus/files/1");
  g_assert_cmpstr (soup_message_headers_get_one (patch->headers, "Tus-Resumable"), ==, "1.0.0");
  g_assert_cmpstr (soup_message_headers_get_one (patch->headers, "Content-Type"), ==,
                   "application/offset+octet-stream");
  g_assert_cmpint (patch->request_offset, ==, 0);
  g_assert_cmpuint (patch->status, ==, 204);

  assert_tus_upload_stored (server, 0, source);
  assert_patch_offsets (server, 0, offsets, G_N_ELEMENTS (offsets));
}

static void
test_tus_sigkill_at_half_continues_from_the_server_offset (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 64 * MiB;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "tus-killed.bin", 22, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/tus/");
  g_autofree char *path = NULL;
  FerryTestTusUpload *tus;
  guint64 stored;
  guint before;

  ferry_test_upload_server_hold_at (server, size / 2);
  path = ferry_client_start_upload (fx->app, uri, source, tus_options ());
  kill_when_server_holds (fx, server, path);

  tus = g_ptr_array_index (ferry_test_upload_server_get_tus_uploads (server), 0);
  stored = tus->offset;
  g_test_message ("the server stored %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes "
                  "when ferryd was killed", stored, size);
  g_assert_cmpuint (stored, >=, size / 2);
  g_assert_cmpuint (stored, <, size);

  /* No Start: a transfer that was running starts again by itself. */
  before = request_count (server);
  ferry_fixture_restart_ferryd (fx);
  assert_upload_completed (fx, path, uri, source, size, 204);

  assert_tus_continued (server, before, stored);
  g_assert_cmpuint (ferry_test_upload_server_get_tus_uploads (server)->len, ==, 1);
  assert_patch_offsets (server, 0, (const guint64[]) { 0, stored }, 2);
  assert_tus_upload_stored (server, 0, source);
}

/* Starts a tus upload of @source, pauses it once the server stored
 * @hold_at bytes, and returns the transfer, with the server's offset in
 * @out_stored. */
static char *
start_tus_and_pause (FerryFixture          *fx,
                     FerryTestUploadServer *server,
                     const char            *source,
                     guint64                hold_at,
                     guint64               *out_stored)
{
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/tus/");
  FerryTestTusUpload *tus;
  char *path;

  ferry_test_upload_server_hold_at (server, hold_at);
  path = ferry_client_start_upload (fx->app, uri, source, tus_options ());
  pause_when_server_holds (fx, server, path);

  tus = g_ptr_array_index (ferry_test_upload_server_get_tus_uploads (server), 0);
  g_assert_cmpuint (tus->offset, >=, hold_at);
  g_assert_cmpuint (tus->offset, <, tus->length);
  *out_stored = tus->offset;
  return path;
}

static void
test_tus_pause_then_resume_continues_with_head_and_patch (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 16 * MiB;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "tus-paused.bin", 23, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/tus/");
  g_autofree char *path = NULL;
  guint64 stored;
  guint before;

  path = start_tus_and_pause (fx, server, source, 2 * MiB, &stored);
  before = request_count (server);
  transfer_call (fx, path, "Resume");
  assert_upload_completed (fx, path, uri, source, size, 204);

  assert_tus_continued (server, before, stored);
  assert_patch_offsets (server, 0, (const guint64[]) { 0, stored }, 2);
  assert_tus_upload_stored (server, 0, source);
}

/* The server lost the upload while it was paused: HEAD answers @status,
 * and the upload is created again and sent from zero. */
static void
assert_tus_forgotten_upload_starts_over (FerryFixture *fx, guint status)
{
  const guint64 size = 16 * MiB;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "tus-forgotten.bin", 24, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/tus/");
  g_autofree char *path = NULL;
  FerryTestUploadRequest *head;
  guint64 stored;
  guint before;

  path = start_tus_and_pause (fx, server, source, 1 * MiB, &stored);
  ferry_test_upload_server_tus_forget (server, 0, status);
  before = request_count (server);
  transfer_call (fx, path, "Resume");
  assert_upload_completed (fx, path, uri, source, size, 204);

  head = request_at (server, before);
  g_assert_cmpstr (head->method, ==, "HEAD");
  g_assert_cmpstr (head->path, ==, "/tus/files/1");
  g_assert_cmpuint (head->status, ==, status);
  g_assert_cmpuint (count_requests_from (server, before, "POST", "/tus/"), ==, 1);
  g_assert_cmpuint (count_requests_from (server, before, "PATCH", "/tus/files/1"), ==, 0);
  g_assert_cmpuint (ferry_test_upload_server_get_tus_uploads (server)->len, ==, 2);
  assert_patch_offsets (server, 1, (const guint64[]) { 0 }, 1);
  assert_tus_upload_stored (server, 1, source);
}

static void
test_tus_head_404_after_pause_creates_a_new_upload (FerryFixture *fx, gconstpointer config)
{
  assert_tus_forgotten_upload_starts_over (fx, 404);
}

static void
test_tus_head_410_after_pause_creates_a_new_upload (FerryFixture *fx, gconstpointer config)
{
  assert_tus_forgotten_upload_starts_over (fx, 410);
}

static void
test_tus_source_changed_while_paused_starts_a_new_upload (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 16 * MiB;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "tus-changed.bin", 25, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/tus/");
  g_autofree char *path = NULL;
  FerryTestTusUpload *old;
  guint64 stored;
  guint before;

  path = start_tus_and_pause (fx, server, source, 1 * MiB, &stored);
  /* Same size, new bytes, new mtime. */
  rewrite_source (source, 26, size);
  before = request_count (server);
  transfer_call (fx, path, "Resume");
  assert_upload_completed (fx, path, uri, source, size, 204);

  /* Never a mix of two versions: a new upload carries all of the new
   * content, and nothing more went to the old one. */
  g_assert_cmpuint (count_requests_from (server, before, "POST", "/tus/"), ==, 1);
  g_assert_cmpuint (count_requests_from (server, before, "PATCH", "/tus/files/1"), ==, 0);
  g_assert_cmpuint (ferry_test_upload_server_get_tus_uploads (server)->len, ==, 2);
  old = g_ptr_array_index (ferry_test_upload_server_get_tus_uploads (server), 0);
  g_assert_cmpuint (old->offset, ==, stored);
  assert_patch_offsets (server, 1, (const guint64[]) { 0 }, 1);
  assert_tus_upload_stored (server, 1, source);
}

/* ---- plain uploads start over ----------------------------------------- */

/* The last request to @path_prefix carried the whole of @source, and the
 * earlier ones were cut. */
static void
assert_last_request_complete (FerryTestUploadServer *server, const char *path_prefix,
                              const char *method, const char *source, guint n_requests)
{
  guint n = ferry_test_upload_server_count_requests (server, NULL, path_prefix);
  FerryTestUploadRequest *last;

  g_assert_cmpuint (n, ==, n_requests);
  for (guint i = 0; i + 1 < n; i++)
    {
      FerryTestUploadRequest *cut = ferry_test_upload_server_nth_request (server, NULL, path_prefix, i);

      g_assert_false (cut->body_complete);
    }
  last = ferry_test_upload_server_nth_request (server, NULL, path_prefix, n - 1);
  assert_request_carries_file (last, method, source);
}

static void
test_plain_put_paused_then_resumed_starts_over_from_zero (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 16 * MiB;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "plain-paused.bin", 31, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/plain-paused");
  g_autofree char *path = NULL;

  ferry_test_upload_server_hold_at (server, 1 * MiB);
  path = ferry_client_start_upload (fx->app, uri, source, NULL);
  pause_when_server_holds (fx, server, path);
  transfer_call (fx, path, "Resume");
  assert_upload_completed (fx, path, uri, source, size, 200);

  assert_last_request_complete (server, "/upload/", "PUT", source, 2);
}

static void
test_plain_put_with_source_changed_while_paused_sends_the_new_file (FerryFixture *fx,
                                                                    gconstpointer config)
{
  const guint64 size = 16 * MiB;
  const guint64 new_size = 5 * MiB + 99;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "plain-changed.bin", 32, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/plain-changed");
  g_autofree char *path = NULL;

  ferry_test_upload_server_hold_at (server, 1 * MiB);
  path = ferry_client_start_upload (fx->app, uri, source, NULL);
  pause_when_server_holds (fx, server, path);
  rewrite_source (source, 33, new_size);
  transfer_call (fx, path, "Resume");
  assert_upload_completed (fx, path, uri, source, new_size, 200);

  assert_last_request_complete (server, "/upload/", "PUT", source, 2);
}

static void
test_plain_put_after_sigkill_is_sent_whole_again (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 16 * MiB;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "plain-killed.bin", 34, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/plain-killed");
  g_autofree char *path = NULL;

  ferry_test_upload_server_hold_at (server, 1 * MiB);
  path = ferry_client_start_upload (fx->app, uri, source, NULL);
  kill_when_server_holds (fx, server, path);
  ferry_fixture_restart_ferryd (fx);
  assert_upload_completed (fx, path, uri, source, size, 200);

  assert_last_request_complete (server, "/upload/", "PUT", source, 2);
}

/* ---- the server's answer ---------------------------------------------- */

static void
test_response_body_and_headers_are_read_back (FerryFixture *fx, gconstpointer config)
{
  static const char json[] = "{\"id\": \"ferry-42\", \"stored\": true, \"note\": \"ünïcödé\"}\n";
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autoptr(GBytes) reply = g_bytes_new_static (json, strlen (json));
  g_autofree char *source = make_source (fx, "answered.bin", 41, 300 * KiB);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/answered");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *actual_uri = NULL;
  const char *value = NULL;
  guint32 status = 0;
  gboolean resumable = FALSE;
  int fd;

  ferry_test_upload_server_set_reply (server, 201, "application/json", reply,
                                      "X-Ferry-Upload-Id", "ferry-42",
                                      "Location", "/files/ferry-42", NULL);
  path = ferry_client_start_upload (fx->app, uri, source,
                                    g_variant_new_parsed ("{'method': <'POST'>}"));
  assert_upload_completed (fx, path, uri, source, 300 * KiB, 201);

  info = ferry_client_call (fx->app, path, FERRY_TRANSFER_IFACE, "GetResponseInformation", NULL,
                            G_VARIANT_TYPE ("(ua{ss}sb)"), &error);
  g_assert_no_error (error);
  g_variant_get (info, "(u@a{ss}sb)", &status, &headers, &actual_uri, &resumable);
  g_assert_cmpuint (status, ==, 201);
  g_assert_cmpstr (actual_uri, ==, uri);
  g_assert_true (g_variant_lookup (headers, "x-ferry-upload-id", "&s", &value));
  g_assert_cmpstr (value, ==, "ferry-42");
  g_assert_true (g_variant_lookup (headers, "location", "&s", &value));
  g_assert_cmpstr (value, ==, "/files/ferry-42");
  g_assert_true (g_variant_lookup (headers, "content-type", "&s", &value));
  g_assert_cmpstr (value, ==, "application/json");
  /* Names are lower case only. */
  g_assert_false (g_variant_lookup (headers, "X-Ferry-Upload-Id", "&s", &value));

  fd = ferry_client_open_response_body (fx->app, path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fcntl (fd, F_GETFL) & O_ACCMODE, ==, O_RDONLY);
  body = ferry_test_read_fd (fd);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), json, strlen (json));
}

/* The server answers a body of @reply_size bytes of content 51; it is read
 * back cut to @kept bytes. */
static void
assert_response_body_cut (FerryFixture *fx, gsize reply_size, gsize kept)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree guint8 *data = g_malloc (reply_size);
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *source = make_text_source (fx, "small.txt", "a small upload, a long answer\n");
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/long-answer");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  int fd;

  ferry_test_content_fill (51, 0, data, reply_size);
  reply = g_bytes_new (data, reply_size);
  ferry_test_upload_server_set_reply (server, 200, "application/octet-stream", reply, NULL);
  path = ferry_client_start_upload (fx->app, uri, source, NULL);
  assert_upload_completed (fx, path, uri, source, (guint64) ferry_test_file_size (source), 200);

  fd = ferry_client_open_response_body (fx->app, path, &error);
  g_assert_no_error (error);
  body = ferry_test_read_fd (fd);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), data, kept);
}

static const FerryFixtureConfig small_response_body = {
  .ferryd_args = (const char * const[]) { "--max-response-body=4096", NULL },
};

static void
test_response_body_longer_than_the_limit_is_cut (FerryFixture *fx, gconstpointer config)
{
  assert_response_body_cut (fx, 64 * KiB, 4096);
}

static void
test_response_body_is_cut_at_1mib_by_default (FerryFixture *fx, gconstpointer config)
{
  assert_response_body_cut (fx, 1 * MiB + 4096, 1 * MiB);
}

/* ---- failures --------------------------------------------------------- */

/* An upload to /status/@code fails with @error_name after @n_requests
 * requests, each of which carried the whole file. */
static void
assert_upload_fails (FerryFixture *fx, guint code, const char *error_name, guint n_requests)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "refused.bin", 61, 256 * KiB);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/status/%u", code);
  g_autofree char *path = ferry_client_start_upload (fx->app, uri, source, NULL);

  ferry_client_wait_error (fx->app, path, error_name);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, code);
  ferry_assert_property (fx->app, path, "Kind", "upload");
  g_assert_cmpuint (request_count (server), ==, n_requests);
  for (guint i = 0; i < n_requests; i++)
    assert_request_carries_file (request_at (server, i), "PUT", source);
}

static void
test_upload_answered_404_fails_not_found (FerryFixture *fx, gconstpointer config)
{
  assert_upload_fails (fx, 404, "not-found", 1);
}

static void
test_upload_answered_410_fails_not_found (FerryFixture *fx, gconstpointer config)
{
  assert_upload_fails (fx, 410, "not-found", 1);
}

static void
test_upload_answered_403_fails_forbidden (FerryFixture *fx, gconstpointer config)
{
  assert_upload_fails (fx, 403, "forbidden", 1);
}

static const FerryFixtureConfig two_retries = {
  .ferryd_args = (const char * const[]) { "--retries=2", "--retry-delay=20", NULL },
};

static void
test_upload_answered_500_fails_server_error_after_retries (FerryFixture *fx, gconstpointer config)
{
  assert_upload_fails (fx, 500, "server-error", 3);
}

/* ---- bad input -------------------------------------------------------- */

/* A Create call failed with InvalidArgument and left no trace. */
static void
assert_rejected (FerryFixture          *fx,
                 FerryTestUploadServer *server,
                 const char            *what,
                 const char            *path,
                 const GError          *error)
{
  g_auto(GStrv) uploads = NULL;
  g_auto(GStrv) downloads = NULL;

  if (error == NULL)
    g_error ("%s succeeded with %s; expected %s", what, path, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  g_test_message ("%s: %s", what, error->message);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  g_assert_null (path);

  uploads = ferry_client_list_uploads (fx->app, "");
  g_assert_cmpuint (g_strv_length (uploads), ==, 0);
  downloads = ferry_client_list (fx->app, "");
  g_assert_cmpuint (g_strv_length (downloads), ==, 0);
  g_assert_cmpuint (request_count (server), ==, 0);
}

static void
assert_upload_rejected (FerryFixture          *fx,
                        FerryTestUploadServer *server,
                        const char            *uri,
                        const char            *source,
                        GVariant              *options)
{
  g_autoptr(GVariant) owned = options ? g_variant_ref_sink (options) : NULL;
  g_autofree char *printed = owned ? g_variant_print (owned, TRUE) : g_strdup ("{}");
  g_autofree char *what = g_strdup_printf ("CreateUpload (“%s”, “%s”, %s)", uri, source, printed);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ferry_client_create_upload (fx->app, uri, source, owned, &error);

  assert_rejected (fx, server, what, path, error);
}

static void
assert_multipart_rejected (FerryFixture          *fx,
                           FerryTestUploadServer *server,
                           GVariant              *parts,
                           GVariant              *options)
{
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/form");
  g_autoptr(GVariant) owned_parts = g_variant_ref_sink (parts);
  g_autoptr(GVariant) owned = options ? g_variant_ref_sink (options) : NULL;
  g_autofree char *printed_parts = g_variant_print (owned_parts, TRUE);
  g_autofree char *printed = owned ? g_variant_print (owned, TRUE) : g_strdup ("{}");
  g_autofree char *what = g_strdup_printf ("CreateMultipartUpload (%s, %s)", printed_parts, printed);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ferry_client_create_multipart_upload (fx->app, uri, owned_parts, owned,
                                                                &error);

  assert_rejected (fx, server, what, path, error);
}

static void
assert_stream_rejected (FerryFixture          *fx,
                        FerryTestUploadServer *server,
                        const char            *what,
                        gint32                 handle,
                        GUnixFDList           *fd_list,
                        GVariant              *options)
{
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/stream");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ferry_client_create_upload_from_stream (fx->app, uri, handle, fd_list,
                                                                  options, &error);

  assert_rejected (fx, server, what, path, error);
}

static void
test_missing_relative_and_directory_sources_are_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/x");
  g_autofree char *missing = source_path (fx, "missing.bin");
  g_autofree char *sources = g_path_get_dirname (missing);
  g_autofree char *existing = make_source (fx, "exists.bin", 71, 10);

  assert_upload_rejected (fx, server, uri, missing, NULL);
  assert_upload_rejected (fx, server, uri, "", NULL);
  assert_upload_rejected (fx, server, uri, "sources/exists.bin", NULL);
  assert_upload_rejected (fx, server, uri, "exists.bin", NULL);
  assert_upload_rejected (fx, server, uri, sources, NULL);
  assert_upload_rejected (fx, server, uri, "/", NULL);
  /* The good source with a bad URI. */
  assert_upload_rejected (fx, server, "ftp://127.0.0.1/x", existing, NULL);
  assert_upload_rejected (fx, server, "not a uri", existing, NULL);
}

static void
test_unreadable_source_is_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/x");
  g_autofree char *unreadable = NULL;
  int fd;

  if (geteuid () != 0)
    {
      unreadable = make_source (fx, "unreadable.bin", 72, 10);
      g_assert_cmpint (chmod (unreadable, 0), ==, 0);
    }
  else
    /* Root reads any file of its own; a write-only sysctl is a regular
     * file that not even root may read. Nothing is ever written to it. */
    unreadable = g_strdup ("/proc/sys/vm/drop_caches");

  fd = open (unreadable, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 || errno != EACCES)
    {
      if (fd >= 0)
        close (fd);
      g_test_skip ("no file here is unreadable for this user");
      return;
    }
  assert_upload_rejected (fx, server, uri, unreadable, NULL);
}

static void
test_fifo_source_is_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/x");
  g_autofree char *fifo = source_path (fx, "fifo");

  /* Not a regular file: opening it to read would wait for a writer. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_upload_rejected (fx, server, uri, fifo, NULL);
}

static void
test_bad_upload_options_are_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/x");
  g_autofree char *source = make_source (fx, "good.bin", 73, 10);

  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'bogus': <'x'>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'method': <'GET'>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'method': <'DELETE'>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'method': <''>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'method': <uint32 1>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'headers': <'x'>}"));
  assert_upload_rejected (fx, server, uri, source,
                          g_variant_new_parsed ("{'headers': <{'X-A': <'b'>}>}"));
  assert_upload_rejected (fx, server, uri, source,
                          g_variant_new_parsed ("{'content-type': <int32 5>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'group': <true>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'protocol': <'ftp'>}"));
  assert_upload_rejected (fx, server, uri, source, g_variant_new_parsed ("{'protocol': <1>}"));
}

static void
test_bad_multipart_parts_are_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *good = make_source (fx, "good.bin", 74, 10);
  g_autofree char *missing = source_path (fx, "missing.bin");
  g_autofree char *dir = g_path_get_dirname (good);

  /* A part without a name. */
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('', %s, @a{sv} {})]", good), NULL);
  assert_multipart_rejected (fx, server,
                             g_variant_new_parsed ("[('ok', %s, @a{sv} {}), ('', '', {'value': <'v'>})]",
                                                   good), NULL);
  /* A part with neither a file nor a value. */
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('field', '', @a{sv} {})]"), NULL);
  /* Files that cannot be sent. */
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('f', %s, @a{sv} {})]", missing), NULL);
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('f', 'good.bin', @a{sv} {})]"), NULL);
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('f', %s, @a{sv} {})]", dir), NULL);
  /* Part options of the wrong type, or unknown. */
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('f', '', {'value': <1>})]"), NULL);
  assert_multipart_rejected (fx, server,
                             g_variant_new_parsed ("[('f', %s, {'filename': <1>})]", good), NULL);
  assert_multipart_rejected (fx, server,
                             g_variant_new_parsed ("[('f', %s, {'bogus': <'x'>})]", good), NULL);
  /* Options multipart does not take. */
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('f', %s, @a{sv} {})]", good),
                             g_variant_new_parsed ("{'protocol': <'tus'>}"));
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('f', %s, @a{sv} {})]", good),
                             g_variant_new_parsed ("{'method': <'PUT'>}"));
  assert_multipart_rejected (fx, server, g_variant_new_parsed ("[('f', %s, @a{sv} {})]", good),
                             g_variant_new_parsed ("{'method': <'GET'>}"));
}

static void
test_bad_stream_descriptors_are_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autoptr(GUnixFDList) one = g_unix_fd_list_new ();
  g_autoptr(GUnixFDList) write_end = g_unix_fd_list_new ();
  g_autoptr(GUnixFDList) directory = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  int fds[2];
  int dir_fd;

  g_unix_open_pipe (fds, FD_CLOEXEC, &error);
  g_assert_no_error (error);
  g_unix_fd_list_append (one, fds[0], &error);
  g_assert_no_error (error);
  g_unix_fd_list_append (write_end, fds[1], &error);
  g_assert_no_error (error);
  dir_fd = open (fx->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (dir_fd, >=, 0);
  g_unix_fd_list_append (directory, dir_fd, &error);
  g_assert_no_error (error);
  close (dir_fd);

  /* Handles that name no descriptor. */
  assert_stream_rejected (fx, server, "handle 0, no descriptors", 0, NULL, NULL);
  assert_stream_rejected (fx, server, "handle 1 of one descriptor", 1, one, NULL);
  assert_stream_rejected (fx, server, "handle -1", -1, one, NULL);
  /* Descriptors that cannot be read as a stream. */
  assert_stream_rejected (fx, server, "the write end of a pipe", 0, write_end, NULL);
  assert_stream_rejected (fx, server, "a directory", 0, directory, NULL);
  /* Options a stream does not take. */
  assert_stream_rejected (fx, server, "protocol tus", 0, one,
                          g_variant_new_parsed ("{'protocol': <'tus'>}"));
  assert_stream_rejected (fx, server, "method GET", 0, one,
                          g_variant_new_parsed ("{'method': <'GET'>}"));
  assert_stream_rejected (fx, server, "an unknown option", 0, one,
                          g_variant_new_parsed ("{'bogus': <'x'>}"));

  close (fds[0]);
  close (fds[1]);
}

/* ---- listing, progress, isolation ------------------------------------- */

static void
test_current_uploads_are_listed_by_group_until_done (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "listed.bin", 81, 64 * KiB);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/listed");
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_auto(GStrv) all = NULL;
  g_auto(GStrv) group_a = NULL;
  g_auto(GStrv) after = NULL;
  g_auto(GStrv) none = NULL;

  first = ferry_client_create_upload (fx->app, uri, source,
                                      g_variant_new_parsed ("{'group': <'a'>}"), &error);
  g_assert_no_error (error);
  second = ferry_client_create_upload (fx->app, uri, source,
                                       g_variant_new_parsed ("{'group': <'b'>}"), &error);
  g_assert_no_error (error);
  ferry_assert_property (fx->app, first, "Group", "a");

  all = ferry_client_list_uploads (fx->app, "");
  g_assert_true (g_strv_equal ((const char * const *) all, (const char *[]) { first, second, NULL }));
  group_a = ferry_client_list_uploads (fx->app, "a");
  g_assert_true (g_strv_equal ((const char * const *) group_a, (const char *[]) { first, NULL }));

  transfer_call (fx, first, "Start");
  ferry_client_wait_status (fx->app, first, "completed");
  after = ferry_client_list_uploads (fx->app, "");
  g_assert_true (g_strv_equal ((const char * const *) after, (const char *[]) { second, NULL }));

  transfer_call (fx, second, "Cancel");
  ferry_client_wait_status (fx->app, second, "canceled");
  none = ferry_client_list_uploads (fx->app, "");
  g_assert_cmpuint (g_strv_length (none), ==, 0);
  g_assert_cmpuint (request_count (server), ==, 1);
}

static void
test_progress_reports_bytes_sent_a_few_times_a_second (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 16 * MiB;
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "progress.bin", 82, size);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/progress");
  g_autofree char *path = NULL;
  guint64 last = 0;
  guint n = 0;
  gint64 start, elapsed_ms;

  ferry_test_upload_server_set_throttle (server, 4 * MiB);
  start = g_get_monotonic_time ();
  path = ferry_client_start_upload (fx->app, uri, source, NULL);
  ferry_client_wait_status (fx->app, path, "completed");
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  ferry_client_sync (fx->app);

  for (guint i = 0; i < fx->app->signals->len; i++)
    {
      FerryTestSignal *sig = g_ptr_array_index (fx->app->signals, i);
      guint64 sent, total;

      if (strcmp (sig->path, path) != 0 || strcmp (sig->member, "Progress") != 0)
        continue;
      g_variant_get (sig->parameters, "(tt)", &sent, &total);
      g_assert_cmpuint (total, ==, size);
      g_assert_cmpuint (sent, >=, last);
      g_assert_cmpuint (sent, <=, size);
      last = sent;
      n++;
    }
  g_test_message ("%u Progress signals in %" G_GINT64_FORMAT " ms", n, elapsed_ms);
  g_assert_cmpuint (n, >=, 2);
  /* Coalesced to a 250 ms tick, give or take one at each end. */
  g_assert_cmpuint (n, <=, elapsed_ms / 250 + 2);
  assert_uint64_property (fx, path, "BytesSent", size);
}

static void
test_other_app_can_neither_see_nor_control_an_upload (FerryFixture *fx, gconstpointer config)
{
  const char *methods[] = { "Start", "Pause", "Resume", "Cancel", "GetResponseInformation",
                            "OpenResponseBody" };
  GDBusInterfaceInfo *iface = ferry_dbus_transfer_interface_info ();
  FerryTestClient *other = ferry_fixture_connect (fx, OTHER_APP_ID);
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *source = make_source (fx, "private.bin", 83, 128 * KiB);
  g_autofree char *uri = ferry_test_upload_server_uri (server, "/upload/private");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) listed = NULL;

  path = ferry_client_create_upload (fx->app, uri, source,
                                     g_variant_new_parsed ("{'group': <'shared'>}"), &error);
  g_assert_no_error (error);

  listed = ferry_client_list_uploads (other, "");
  g_assert_cmpuint (g_strv_length (listed), ==, 0);
  g_clear_pointer (&listed, g_strfreev);
  listed = ferry_client_list_uploads (other, "shared");
  g_assert_cmpuint (g_strv_length (listed), ==, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_test_message ("%s", methods[i]);
      if (strcmp (methods[i], "OpenResponseBody") == 0)
        g_assert_cmpint (ferry_client_open_response_body (other, path, &error), ==, -1);
      else
        ferry_client_call (other, path, FERRY_TRANSFER_IFACE, methods[i], NULL, NULL, &error);
      ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
      g_clear_error (&error);
    }
  for (guint i = 0; iface->properties[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = ferry_client_get_property (other, path, iface->properties[i]->name,
                                                             &error);

      g_test_message ("Get %s", iface->properties[i]->name);
      ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
      g_assert_null (value);
      g_clear_error (&error);
    }

  /* None of it had any effect, and the owner's upload runs as usual,
   * telling no one else. */
  ferry_assert_property (fx->app, path, "Status", "idle");
  g_assert_cmpuint (request_count (server), ==, 0);
  transfer_call (fx, path, "Start");
  assert_upload_completed (fx, path, uri, source, 128 * KiB, 200);
  ferry_client_sync (other);
  ferry_client_sync (fx->app);
  g_assert_cmpuint (ferry_client_count_signals (other, path, NULL), ==, 0);
  g_assert_cmpuint (ferry_client_count_signals (fx->app, path, "StatusChanged"), >, 0);
  g_assert_cmpuint (ferry_client_count_broadcast (other), ==, 0);
  g_assert_cmpuint (ferry_client_count_broadcast (fx->app), ==, 0);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);
  /* A pipe whose reader went away must fail the write, not kill us. */
  signal (SIGPIPE, SIG_IGN);

  ferry_test_add ("/upload/put/empty-file-is-stored-identically", NULL,
                  test_put_empty_file_is_stored_identically);
  ferry_test_add ("/upload/put/1mib-file-is-stored-identically", NULL,
                  test_put_1mib_file_is_stored_identically);
  ferry_test_add ("/upload/put/64mib-file-is-stored-identically", NULL,
                  test_put_64mib_file_is_stored_identically);
  ferry_test_add ("/upload/post/empty-file-is-stored-identically", NULL,
                  test_post_empty_file_is_stored_identically);
  ferry_test_add ("/upload/post/1mib-file-is-stored-identically", NULL,
                  test_post_1mib_file_is_stored_identically);
  ferry_test_add ("/upload/post/64mib-file-is-stored-identically", NULL,
                  test_post_64mib_file_is_stored_identically);
  ferry_test_add ("/upload/properties/new-upload-is-idle-with-its-properties", NULL,
                  test_new_upload_is_idle_with_its_properties);
  ferry_test_add ("/upload/content-type/is-guessed-from-the-file", NULL,
                  test_content_type_is_guessed_from_the_file);
  ferry_test_add ("/upload/content-type/and-headers-options-are-sent", NULL,
                  test_content_type_and_headers_options_are_sent);

  ferry_test_add ("/upload/multipart/three-files-and-two-fields-are-parsed-back-identically", NULL,
                  test_multipart_of_three_files_and_two_fields_is_parsed_back_identically);

  ferry_test_add ("/upload/stream/from-a-pipe-is-sent-chunked", NULL,
                  test_stream_from_a_pipe_is_sent_chunked);
  ferry_test_add ("/upload/stream/from-a-file-descriptor-is-sent-whole", NULL,
                  test_stream_from_a_file_descriptor_is_sent_whole);

  ferry_test_add ("/upload/tus/creates-then-patches-from-zero", NULL,
                  test_tus_upload_creates_then_patches_from_zero);
  ferry_test_add ("/upload/tus/sigkill-at-half-continues-from-the-server-offset", NULL,
                  test_tus_sigkill_at_half_continues_from_the_server_offset);
  ferry_test_add ("/upload/tus/pause-then-resume-continues-with-head-and-patch", NULL,
                  test_tus_pause_then_resume_continues_with_head_and_patch);
  ferry_test_add ("/upload/tus/head-404-after-pause-creates-a-new-upload", NULL,
                  test_tus_head_404_after_pause_creates_a_new_upload);
  ferry_test_add ("/upload/tus/head-410-after-pause-creates-a-new-upload", NULL,
                  test_tus_head_410_after_pause_creates_a_new_upload);
  ferry_test_add ("/upload/tus/source-changed-while-paused-starts-a-new-upload", NULL,
                  test_tus_source_changed_while_paused_starts_a_new_upload);

  ferry_test_add ("/upload/plain/paused-then-resumed-starts-over-from-zero", NULL,
                  test_plain_put_paused_then_resumed_starts_over_from_zero);
  ferry_test_add ("/upload/plain/source-changed-while-paused-sends-the-new-file", NULL,
                  test_plain_put_with_source_changed_while_paused_sends_the_new_file);
  ferry_test_add ("/upload/plain/after-sigkill-is-sent-whole-again", NULL,
                  test_plain_put_after_sigkill_is_sent_whole_again);

  ferry_test_add ("/upload/response/body-and-headers-are-read-back", NULL,
                  test_response_body_and_headers_are_read_back);
  ferry_test_add ("/upload/response/body-longer-than-the-limit-is-cut", &small_response_body,
                  test_response_body_longer_than_the_limit_is_cut);
  ferry_test_add ("/upload/response/body-is-cut-at-1mib-by-default", NULL,
                  test_response_body_is_cut_at_1mib_by_default);

  ferry_test_add ("/upload/error/404-fails-not-found", NULL,
                  test_upload_answered_404_fails_not_found);
  ferry_test_add ("/upload/error/410-fails-not-found", NULL,
                  test_upload_answered_410_fails_not_found);
  ferry_test_add ("/upload/error/403-fails-forbidden", NULL,
                  test_upload_answered_403_fails_forbidden);
  ferry_test_add ("/upload/error/500-fails-server-error-after-retries", &two_retries,
                  test_upload_answered_500_fails_server_error_after_retries);

  ferry_test_add ("/upload/bad-input/missing-relative-and-directory-sources", NULL,
                  test_missing_relative_and_directory_sources_are_rejected);
  ferry_test_add ("/upload/bad-input/unreadable-source", NULL,
                  test_unreadable_source_is_rejected);
  ferry_test_add ("/upload/bad-input/fifo-source", NULL,
                  test_fifo_source_is_rejected);
  ferry_test_add ("/upload/bad-input/options", NULL,
                  test_bad_upload_options_are_rejected);
  ferry_test_add ("/upload/bad-input/multipart-parts", NULL,
                  test_bad_multipart_parts_are_rejected);
  ferry_test_add ("/upload/bad-input/stream-descriptors", NULL,
                  test_bad_stream_descriptors_are_rejected);

  ferry_test_add ("/upload/list/by-group-until-done", NULL,
                  test_current_uploads_are_listed_by_group_until_done);
  ferry_test_add ("/upload/progress/reports-bytes-sent-a-few-times-a-second", NULL,
                  test_progress_reports_bytes_sent_a_few_times_a_second);
  ferry_test_add ("/upload/isolation/other-app-can-neither-see-nor-control-an-upload", NULL,
                  test_other_app_can_neither_see_nor_control_an_upload);

  return g_test_run ();
}
