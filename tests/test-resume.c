/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resuming: after Pause, after a lost connection, after ferryd is killed;
 * with a server that honours ranges, one that ignores them, and one whose
 * file changed in between. The file must always end up byte-identical to
 * what the server serves at the end, never two versions stitched together. */
#define G_LOG_DOMAIN "test-resume"

#include <string.h>

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* The first GET of /file/ at or after request number @from. */
static FerryTestRequest *
first_get_from (FerryTestServer *server, guint from)
{
  GPtrArray *requests = ferry_test_server_get_requests (server);

  for (guint i = from; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (strcmp (req->method, "GET") == 0 && g_str_has_prefix (req->path, "/file/"))
        return req;
    }
  g_error ("no GET /file/ request after request %u", from);
}

static guint
request_count (FerryTestServer *server)
{
  return ferry_test_server_get_requests (server)->len;
}

/* The request asked to continue at @start with If-Range naming the version
 * the server served (ETag or Last-Modified) when @etag was current. */
static void
assert_resume_request (FerryTestRequest *req, guint64 start, const char *etag, const char *last_modified)
{
  g_autofree char *expected_range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", start);

  g_assert_cmpstr (req->range, ==, expected_range);
  g_assert_nonnull (req->if_range);
  if (g_strcmp0 (req->if_range, etag) != 0)
    g_assert_cmpstr (req->if_range, ==, last_modified);
}

/* The offset a Range request starts at; fails if it has none. */
static guint64
range_start (FerryTestRequest *req)
{
  guint64 start = 0;

  if (!ferry_test_parse_range_start (req->range, &start))
    g_error ("expected a “Range: bytes=N-” request, got Range: %s",
             req->range ? req->range : "(none)");
  return start;
}

static gboolean
server_is_idle (gpointer data)
{
  return ferry_test_server_get_active (data) == 0;
}

/* Starts a throttled download of @size bytes, pauses it part-way, and
 * returns the transfer with BytesReceived at the pause in @out_bytes. */
static char *
start_and_pause (FerryFixture *fx, guint64 size, const char *dest, guint64 *out_bytes)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *part = g_strconcat (dest, ".part", NULL);
  g_autoptr(GError) error = NULL;
  char *path;
  guint64 bytes;

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_bytes (fx->app, path, 128 * KiB);

  ferry_client_transfer_call (fx->app, path, "Pause", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "paused-by-application");
  /* Paused means nothing is being fetched any more. */
  g_assert_true (ferry_test_wait_until (server_is_idle, fx->server, FERRY_TEST_TIMEOUT_MS));

  bytes = ferry_client_get_uint64 (fx->app, path, "BytesReceived");
  g_assert_cmpuint (bytes, >=, 128 * KiB);
  g_assert_cmpuint (bytes, <, size);
  /* The bytes are kept. */
  g_assert_cmpint (ferry_test_file_size (part), ==, (gint64) bytes);
  g_assert_false (ferry_test_file_exists (dest));

  ferry_test_server_set_throttle (fx->server, 0);
  *out_bytes = bytes;
  return path;
}

static void
resume (FerryFixture *fx, const char *path)
{
  g_autoptr(GError) error = NULL;

  ferry_client_transfer_call (fx->app, path, "Resume", &error);
  g_assert_no_error (error);
}

/* ---- pause and resume ------------------------------------------------- */

static void
test_pause_then_resume_continues_with_range (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "paused.bin");
  g_autofree char *etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path = NULL;
  FerryTestRequest *req;
  guint64 bytes;
  guint before;

  path = start_and_pause (fx, size, dest, &bytes);
  before = request_count (fx->server);
  resume (fx, path);
  ferry_client_wait_status (fx->app, path, "completed");

  req = first_get_from (fx->server, before);
  assert_resume_request (req, bytes, etag, last_modified);
  g_assert_cmpuint (req->status, ==, 206);
  /* Only the rest was fetched again. */
  g_assert_cmpuint (req->body_bytes_sent, ==, size - bytes);
  ferry_assert_downloaded (dest, 1, size);
}

static void
test_resume_after_content_changed_restarts_from_zero (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "changed.bin");
  g_autofree char *old_etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *old_last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path = NULL;
  FerryTestRequest *req;
  guint64 bytes;
  guint before;

  path = start_and_pause (fx, size, dest, &bytes);
  ferry_test_server_set_seed (fx->server, 2);
  before = request_count (fx->server);
  resume (fx, path);
  ferry_client_wait_status (fx->app, path, "completed");

  /* It asked for the rest of the old version; the server sent all of the
   * new one, and that is what was kept. */
  req = first_get_from (fx->server, before);
  assert_resume_request (req, bytes, old_etag, old_last_modified);
  g_assert_cmpuint (req->status, ==, 200);
  ferry_assert_downloaded (dest, 2, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);
}

static void
test_server_ignoring_ranges_restarts_from_zero (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "no-ranges.bin");
  g_autofree char *path = NULL;
  FerryTestRequest *req;
  guint64 bytes;
  guint before;

  ferry_test_server_set_ignore_ranges (fx->server, TRUE);
  path = start_and_pause (fx, size, dest, &bytes);
  before = request_count (fx->server);
  resume (fx, path);
  ferry_client_wait_status (fx->app, path, "completed");

  req = first_get_from (fx->server, before);
  g_assert_cmpuint (req->status, ==, 200);
  ferry_assert_downloaded (dest, 1, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);
}

/* ---- lost connections ------------------------------------------------- */

static void
test_connection_cut_mid_body_is_retried_with_range (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  const guint64 cut = 256 * KiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "cut.bin");
  g_autofree char *path = NULL;
  FerryTestRequest *first, *retry;
  guint64 start;

  ferry_test_server_cut_after (fx->server, cut, 1);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, size);

  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 2);
  first = ferry_test_server_nth_request (fx->server, "/file/", 0);
  retry = ferry_test_server_nth_request (fx->server, "/file/", 1);
  g_assert_true (first->cut);
  /* The retry continues from what was kept, never past what arrived. */
  start = range_start (retry);
  g_assert_cmpuint (start, >, 0);
  g_assert_cmpuint (start, <=, cut);
  g_assert_cmpuint (retry->status, ==, 206);
}

static const FerryFixtureConfig two_retries = {
  .ferryd_args = (const char * const[]) { "--retries=2", "--retry-delay=20", NULL },
};

static void
test_connection_lost_after_retries_then_resume_completes (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 512 * KiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "lost.bin");
  g_autofree char *path = NULL;
  FerryTestRequest *req;
  guint before;

  /* The first response is cut after 64 KiB, every later one before any
   * body: the two retries make no progress, and it fails. */
  ferry_test_server_cut_after (fx->server, 64 * KiB, 1);
  ferry_test_server_cut_after (fx->server, 0, G_MAXUINT);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_error (fx->app, path, "connection-lost");
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 3);
  g_assert_false (ferry_test_file_exists (dest));

  /* Resume from "error" continues from what was kept. */
  ferry_test_server_cut_never (fx->server);
  before = request_count (fx->server);
  resume (fx, path);
  ferry_client_wait_status (fx->app, path, "completed");
  req = first_get_from (fx->server, before);
  g_assert_cmpuint (range_start (req), >, 0);
  g_assert_cmpuint (range_start (req), <=, 64 * KiB);
  g_assert_cmpuint (req->status, ==, 206);
  ferry_assert_downloaded (dest, 1, size);
  ferry_assert_property (fx->app, path, "ErrorName", "");
}

/* ---- ferryd killed ---------------------------------------------------- */

/* Starts a throttled 2 MiB download, lets it run for several checkpoint
 * intervals and kills ferryd with SIGKILL. Returns the transfer and, in
 * @out_sent, how many bytes the server had sent. */
static char *
start_and_kill (FerryFixture *fx, const char *dest, guint64 size, guint64 *out_sent)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  char *path;

  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_bytes (fx->app, path, 256 * KiB);
  /* The fixture runs ferryd with --checkpoint-interval=100: give it a few
   * intervals to record an offset, while the body keeps flowing. */
  ferry_test_iterate (500);

  ferry_fixture_kill_ferryd (fx);
  *out_sent = ferry_test_server_nth_request (fx->server, "/file/", 0)->body_bytes_sent;
  g_assert_cmpuint (*out_sent, <, size);
  ferry_test_server_set_throttle (fx->server, 0);
  return path;
}

static void
test_sigkill_mid_download_resumes_with_range_after_restart (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 2 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "killed.bin");
  g_autofree char *etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path = NULL;
  FerryTestRequest *req;
  guint64 sent, start;
  guint before;

  path = start_and_kill (fx, dest, size, &sent);
  before = request_count (fx->server);
  /* No Start: a transfer that was running starts again by itself. */
  ferry_fixture_restart_ferryd (fx);
  ferry_client_wait_status (fx->app, path, "completed");

  req = first_get_from (fx->server, before);
  start = range_start (req);
  g_assert_cmpuint (start, >, 0);
  g_assert_cmpuint (start, <=, sent);
  assert_resume_request (req, start, etag, last_modified);
  g_assert_cmpuint (req->status, ==, 206);
  ferry_assert_downloaded (dest, 1, size);
}

static void
test_sigkill_then_content_changed_restarts_from_zero (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 2 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "killed-changed.bin");
  g_autofree char *old_etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *old_last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path = NULL;
  FerryTestRequest *req;
  guint64 sent;
  guint before;

  path = start_and_kill (fx, dest, size, &sent);
  ferry_test_server_set_seed (fx->server, 3);
  before = request_count (fx->server);
  ferry_fixture_restart_ferryd (fx);
  ferry_client_wait_status (fx->app, path, "completed");

  req = first_get_from (fx->server, before);
  assert_resume_request (req, range_start (req), old_etag, old_last_modified);
  g_assert_cmpuint (req->status, ==, 200);
  ferry_assert_downloaded (dest, 3, size);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/resume/pause-then-resume-continues-with-range", NULL,
                  test_pause_then_resume_continues_with_range);
  ferry_test_add ("/resume/resume-after-content-changed-restarts-from-zero", NULL,
                  test_resume_after_content_changed_restarts_from_zero);
  ferry_test_add ("/resume/server-ignoring-ranges-restarts-from-zero", NULL,
                  test_server_ignoring_ranges_restarts_from_zero);
  ferry_test_add ("/resume/connection-cut-mid-body-is-retried-with-range", NULL,
                  test_connection_cut_mid_body_is_retried_with_range);
  ferry_test_add ("/resume/connection-lost-after-retries-then-resume-completes", &two_retries,
                  test_connection_lost_after_retries_then_resume_completes);
  ferry_test_add ("/resume/sigkill-mid-download-resumes-with-range-after-restart", NULL,
                  test_sigkill_mid_download_resumes_with_range_after_restart);
  ferry_test_add ("/resume/sigkill-then-content-changed-restarts-from-zero", NULL,
                  test_sigkill_then_content_changed_restarts_from_zero);

  return g_test_run ();
}
