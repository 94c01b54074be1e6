/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fault catalogue: a server that resets, stalls, answers late, fails
 * with 5xx and 429 (with and without Retry-After), sends too little or
 * too much, answers a range with the wrong Content-Range, changes the file
 * between attempts, redirects in circles or out of HTTP, has a certificate
 * nobody vouches for, sends enormous headers, or gzips a body it was not
 * asked to. Each transfer must end "completed" with the server's exact
 * bytes, or in "error" with the right ErrorName; never with a wrong file
 * at the destination. */
#define G_LOG_DOMAIN "test-faults"

#include <string.h>

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* ---- helpers ---------------------------------------------------------- */

/* A line for the log: a test runs in a subprocess whose stdout (and so
 * g_test_message()) is not kept, while its stderr is. */
static void G_GNUC_PRINTF (1, 2)
note (const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("# %s: %s\n", g_test_get_path (), text);
}

typedef struct {
  char *uri;
  char *dest;
  char *path;   /* the transfer */
} Download;

static void
download_clear (Download *d)
{
  g_clear_pointer (&d->uri, g_free);
  g_clear_pointer (&d->dest, g_free);
  g_clear_pointer (&d->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Download, download_clear)

/* Starts a download of the server's @server_path to a destination named
 * after it. */
static void
start_download (FerryFixture *fx, Download *d, const char *server_path)
{
  g_autofree char *name = g_strdelimit (g_strdup (server_path + 1), "/?=&", '-');

  d->uri = ferry_fixture_uri (fx, "%s", server_path);
  d->dest = ferry_fixture_dest (fx, name);
  d->path = ferry_client_start_download (fx->app, d->uri, d->dest, NULL);
}

/* What the server saw, for failure messages. */
static char *
describe_requests (FerryTestServer *server)
{
  GPtrArray *requests = ferry_test_server_get_requests (server);
  GString *seen = g_string_new (NULL);

  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *r = g_ptr_array_index (requests, i);

      g_string_append_printf (seen, "\n  %u: %s %s Range: %s If-Range: %s → %u, %"
                              G_GUINT64_FORMAT " body bytes%s", i, r->method, r->path,
                              r->range ? r->range : "-", r->if_range ? r->if_range : "-",
                              r->status, r->body_bytes_sent, r->cut ? " (cut)" : "");
    }
  return g_string_free (seen, FALSE);
}

static FerryTestRequest *
nth_request (FerryTestServer *server, const char *prefix, guint index)
{
  FerryTestRequest *req = ferry_test_server_nth_request (server, prefix, index);

  if (req == NULL)
    {
      g_autofree char *seen = describe_requests (server);

      g_error ("expected a request %u for %s; the server saw:%s", index, prefix, seen);
    }
  return req;
}

/* Asserts that request @index asked for the rest from an offset in
 * (0, @at_most] with If-Range, got 206, and returns the offset. */
static guint64
assert_resumed (FerryTestServer *server, const char *prefix, guint index, guint64 at_most)
{
  FerryTestRequest *req = nth_request (server, prefix, index);
  guint64 start = 0;

  if (!ferry_test_parse_range_start (req->range, &start) || start == 0 || start > at_most ||
      req->if_range == NULL || req->status != 206)
    {
      g_autofree char *seen = describe_requests (server);

      g_error ("expected request %u for %s to resume from an offset in (0, %" G_GUINT64_FORMAT
               "] with If-Range, answered 206; the server saw:%s", index, prefix, at_most, seen);
    }
  note ("request %u resumed from %" G_GUINT64_FORMAT, index, start);
  return start;
}

/* Asserts that request @index asked for the whole file (no Range) and got
 * it. */
static void
assert_whole_file_request (FerryTestServer *server, const char *prefix, guint index)
{
  FerryTestRequest *req = nth_request (server, prefix, index);

  if (req->range != NULL || req->status != 200)
    {
      g_autofree char *seen = describe_requests (server);

      g_error ("expected request %u for %s to ask for the whole file; the server saw:%s",
               index, prefix, seen);
    }
}

/* Milliseconds between request @index - 1 and @index for @prefix. */
static gint64
gap_before_ms (FerryTestServer *server, const char *prefix, guint index)
{
  return (nth_request (server, prefix, index)->time -
          nth_request (server, prefix, index - 1)->time) / 1000;
}

/* ferryd is still there and answering: a fault must never crash it. */
static void
assert_ferryd_alive (FerryFixture *fx)
{
  ferry_client_sync (fx->app);
  g_assert_true (ferry_fixture_name_has_owner (fx));
  g_assert_nonnull (g_subprocess_get_identifier (fx->ferryd));
}

/* Waits for "completed" or "error", whichever comes, and returns it. */
static char *
wait_final_status (FerryFixture *fx, const char *path)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) FERRY_TEST_TIMEOUT_MS * 1000;

  while (TRUE)
    {
      char *status = ferry_client_get_string (fx->app, path, "Status");

      if (g_str_equal (status, "completed") || g_str_equal (status, "error"))
        return status;
      if (g_get_monotonic_time () >= deadline)
        g_error ("%s is still “%s” after %d ms", path, status, FERRY_TEST_TIMEOUT_MS);
      g_free (status);
      ferry_test_iterate (20);
    }
}

/* The end of every fault: completed with the server's bytes, or failed
 * with @error_name and nothing at the destination. */
static void
assert_failed_cleanly (FerryFixture *fx, const Download *d, const char *error_name)
{
  ferry_client_wait_error (fx->app, d->path, error_name);
  g_assert_false (ferry_test_file_exists (d->dest));
  assert_ferryd_alive (fx);
}

/* ---- lost connections ------------------------------------------------- */

static void
test_connection_reset_mid_body_resumes_with_range (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB, reset_at = 256 * KiB;
  g_auto(Download) d = { 0, };

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_RESET, reset_at, 1);
  start_download (fx, &d, "/file/1048576");
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, size);
  g_assert_true (nth_request (fx->server, "/file/", 0)->cut);
  assert_resumed (fx->server, "/file/", 1, reset_at);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 2);
}

static void
test_truncated_body_resumes_with_range (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB, cut_at = 300 * KiB;
  g_auto(Download) d = { 0, };

  /* Content-Length says 1 MiB; the server closes cleanly (FIN) after
   * 300 KiB. */
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_TRUNCATE, cut_at, 1);
  start_download (fx, &d, "/file/1048576");
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, size);
  assert_resumed (fx->server, "/file/", 1, cut_at);
}

static const FerryFixtureConfig one_retry = {
  .ferryd_args = (const char * const[]) { "--retries=1", NULL },
};

static void
test_progress_earns_fresh_retries (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  g_auto(Download) d = { 0, };

  /* Five resets in a row with --retries=1: each attempt moved forward, so
   * none of them uses the retry up. */
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_RESET, 128 * KiB, 5);
  start_download (fx, &d, "/file/1048576");
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, size);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 6);
  for (guint i = 1; i < 6; i++)
    assert_resumed (fx->server, "/file/", i, i * 128 * KiB);
}

static void
test_resets_without_progress_fail_as_connection_lost (FerryFixture *fx, gconstpointer config)
{
  g_auto(Download) d = { 0, };

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_RESET, 0, G_MAXUINT);
  start_download (fx, &d, "/file/65536");
  assert_failed_cleanly (fx, &d, "connection-lost");
  /* The first attempt and --retries=1 more. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 2);
}

/* ---- silence ---------------------------------------------------------- */

static const FerryFixtureConfig short_response_timeout = {
  .ferryd_args = (const char * const[]) { "--response-timeout=1", NULL },
};

static void
test_stall_mid_body_times_out_and_resumes (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB, stall_at = 200 * KiB;
  g_auto(Download) d = { 0, };
  gint64 gap;

  /* 200 KiB, then nothing, with the connection held open: only the
   * response timeout can notice. */
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_STALL, stall_at, 1);
  start_download (fx, &d, "/file/1048576");
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, size);
  assert_resumed (fx->server, "/file/", 1, stall_at);
  gap = gap_before_ms (fx->server, "/file/", 1);
  note ("retried %" G_GINT64_FORMAT " ms after the stalled request", gap);
  /* --response-timeout=1: a second of silence, not less. */
  g_assert_cmpint (gap, >=, 990);
}

static const FerryFixtureConfig short_connect_timeout = {
  .ferryd_args = (const char * const[]) { "--connect-timeout=1", "--response-timeout=30",
                                          "--retries=1", NULL },
};

static void
test_slow_start_beyond_connect_timeout_is_retried (FerryFixture *fx, gconstpointer config)
{
  g_auto(Download) d = { 0, };
  gint64 gap;

  /* The first answer would come after 3 s; --connect-timeout=1 gives up
   * on it after one, and the retry is answered at once. */
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_SLOW_HEADERS, 3000, 1);
  start_download (fx, &d, "/file/65536");
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, 65536);
  gap = gap_before_ms (fx->server, "/file/", 1);
  note ("retried %" G_GINT64_FORMAT " ms after the slow request", gap);
  g_assert_cmpint (gap, >=, 990);
  g_assert_cmpint (gap, <, 3000);
}

static void
test_always_slow_start_fails_as_timeout (FerryFixture *fx, gconstpointer config)
{
  g_auto(Download) d = { 0, };

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_SLOW_HEADERS, 5000, G_MAXUINT);
  start_download (fx, &d, "/file/65536");
  assert_failed_cleanly (fx, &d, "timeout");
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 2);
}

/* ---- server errors and Retry-After ------------------------------------ */

static const FerryFixtureConfig backoff_100ms = {
  .ferryd_args = (const char * const[]) { "--retries=3", "--retry-delay=100", NULL },
};

/* @status twice, then the file: completes, with the backoff measured at
 * the server. */
static void
assert_status_retried_with_backoff (FerryFixture *fx, guint status)
{
  g_autofree char *server_path = g_strdup_printf ("/file/%u", 40000 + status);
  g_auto(Download) d = { 0, };
  gint64 first, second;

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_STATUS, status, 2);
  start_download (fx, &d, server_path);
  ferry_client_wait_status (fx->app, d.path, "completed");
  ferry_assert_downloaded (d.dest, 1, 40000 + status);

  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, server_path), ==, 3);
  first = gap_before_ms (fx->server, server_path, 1);
  second = gap_before_ms (fx->server, server_path, 2);
  note ("%u: retried after %" G_GINT64_FORMAT " ms, then %" G_GINT64_FORMAT " ms",
                  status, first, second);
  /* --retry-delay=100, doubling; no Retry-After, so nothing longer. */
  g_assert_cmpint (first, >=, 95);
  g_assert_cmpint (second, >=, 195);
  g_assert_cmpint (first, <, 1000);
  g_assert_cmpint (second, <, 1500);
}

static void
test_500_502_503_are_retried_with_backoff (FerryFixture *fx, gconstpointer config)
{
  assert_status_retried_with_backoff (fx, 500);
  assert_status_retried_with_backoff (fx, 502);
  assert_status_retried_with_backoff (fx, 503);
}

static void
test_408_and_429_are_retried (FerryFixture *fx, gconstpointer config)
{
  assert_status_retried_with_backoff (fx, 408);
  assert_status_retried_with_backoff (fx, 429);
}

/* @status once with Retry-After: @retry_after; the retry must wait at
 * least @min_ms, where the backoff alone would be 100 ms. */
static void
assert_retry_after_honoured (FerryFixture *fx, guint status, const char *retry_after,
                             gint64 min_ms)
{
  g_autofree char *server_path = g_strdup_printf ("/file/%u", 50000 + status);
  g_auto(Download) d = { 0, };
  gint64 gap;

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_STATUS, status, 1);
  ferry_test_server_add_fault_header (fx->server, "Retry-After", retry_after);
  start_download (fx, &d, server_path);
  ferry_client_wait_status (fx->app, d.path, "completed");
  ferry_assert_downloaded (d.dest, 1, 50000 + status);

  gap = gap_before_ms (fx->server, server_path, 1);
  note ("%u with Retry-After: %s: retried after %" G_GINT64_FORMAT " ms",
                  status, retry_after, gap);
  g_assert_cmpint (gap, >=, min_ms);
  /* Honoured, not exceeded by much. */
  g_assert_cmpint (gap, <, min_ms + 2500);
}

/* An IMF-fixdate @seconds from now (whole seconds, as HTTP has them). */
static char *
http_date_in (gint64 seconds)
{
  g_autoptr(GDateTime) date =
    g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + seconds);

  return soup_date_time_to_string (date, SOUP_DATE_HTTP);
}

static void
test_retry_after_seconds_is_honoured_for_503_and_429 (FerryFixture *fx, gconstpointer config)
{
  assert_retry_after_honoured (fx, 503, "2", 1990);
  assert_retry_after_honoured (fx, 429, "1", 990);
}

static void
test_retry_after_on_500_and_502_delays_no_longer (FerryFixture *fx, gconstpointer config)
{
  const guint statuses[] = { 500, 502 };

  /* The contract honours Retry-After on 429 and 503; on other 5xx ferryd
   * may honour it or use its backoff, but must retry, and not later. */
  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autofree char *server_path = g_strdup_printf ("/file/%u", 60000 + statuses[i]);
      g_auto(Download) d = { 0, };
      gint64 gap;

      ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_STATUS, statuses[i], 1);
      ferry_test_server_add_fault_header (fx->server, "Retry-After", "1");
      start_download (fx, &d, server_path);
      ferry_client_wait_status (fx->app, d.path, "completed");
      ferry_assert_downloaded (d.dest, 1, 60000 + statuses[i]);
      gap = gap_before_ms (fx->server, server_path, 1);
      note ("%u with Retry-After: 1: retried after %" G_GINT64_FORMAT " ms (%s)", statuses[i],
            gap, gap >= 990 ? "honoured" : "backoff");
      g_assert_cmpint (gap, >=, 95);
      g_assert_cmpint (gap, <, 1000 + 2500);
    }
}

static void
test_retry_after_http_date_is_honoured (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *in_three_seconds = http_date_in (3);

  /* Whole seconds on both sides: at least two of the three are left by
   * the time ferryd reads it. */
  assert_retry_after_honoured (fx, 503, in_three_seconds, 1990);
}

static void
test_absurd_retry_after_waits_without_failing (FerryFixture *fx, gconstpointer config)
{
  g_auto(Download) d = { 0, };
  g_autoptr(GError) error = NULL;

  /* Far more than the hour it is capped at, and more than 64 bits hold:
   * the transfer waits (it does not fail, spin or overflow into a retry
   * at once), and Pause/Resume ends the wait. */
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_STATUS, 503, 1);
  ferry_test_server_add_fault_header (fx->server, "Retry-After", "4294967296");
  start_download (fx, &d, "/file/65536");
  ferry_client_assert_stays (fx->app, d.path, "running", 1500);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 1);

  ferry_client_transfer_call (fx->app, d.path, "Pause", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, d.path, "paused-by-application");
  ferry_client_transfer_call (fx->app, d.path, "Resume", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, d.path, "completed");
  ferry_assert_downloaded (d.dest, 1, 65536);
}

static const FerryFixtureConfig two_retries = {
  .ferryd_args = (const char * const[]) { "--retries=2", "--retry-delay=20", NULL },
};

static void
test_persistent_429_fails_as_too_many_requests (FerryFixture *fx, gconstpointer config)
{
  g_auto(Download) d = { 0, };

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_STATUS, 429, G_MAXUINT);
  start_download (fx, &d, "/file/4096");
  assert_failed_cleanly (fx, &d, "too-many-requests");
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, d.path, "HttpStatus"), ==, 429);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 3);
}

/* ---- bodies of the wrong length --------------------------------------- */

static void
test_body_longer_than_content_length_is_cut_to_it (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 100 * KiB;
  g_auto(Download) d = { 0, };

  /* Content-Length: 100 KiB, then 164 KiB on the wire. */
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_OVERLONG, 64 * KiB, 1);
  start_download (fx, &d, "/file/102400");
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, d.path, "BytesReceived"), ==, size);
  g_assert_cmpuint (nth_request (fx->server, "/file/", 0)->body_bytes_sent, ==, size + 64 * KiB);
}

/* ---- ranges answered wrongly ------------------------------------------ */

/* The first response is cut at 256 KiB; the resume's answer is @fault. */
static void
assert_bad_range_answer_restarts_from_zero (FerryFixture *fx, FerryTestFault fault, guint64 arg)
{
  const guint64 size = 1 * MiB;
  g_auto(Download) d = { 0, };

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_TRUNCATE, 256 * KiB, 1);
  ferry_test_server_add_fault (fx->server, fault, arg, 1);
  start_download (fx, &d, "/file/1048576");
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, size);
  /* It asked for the rest, could not use the answer, and asked for the
   * whole file. */
  g_assert_nonnull (nth_request (fx->server, "/file/", 1)->range);
  assert_whole_file_request (fx->server, "/file/", 2);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 3);
}

static void
test_range_answered_from_another_offset_restarts_from_zero (FerryFixture *fx, gconstpointer config)
{
  /* 206 from 1000 bytes before the offset asked for, Content-Range saying
   * so: appending it would duplicate 1000 bytes. */
  assert_bad_range_answer_restarts_from_zero (fx, FERRY_TEST_FAULT_SHIFTED_RANGE, 1000);
}

static void
test_range_answered_with_garbled_content_range_restarts_from_zero (FerryFixture *fx,
                                                                   gconstpointer config)
{
  assert_bad_range_answer_restarts_from_zero (fx, FERRY_TEST_FAULT_BAD_CONTENT_RANGE, 0);
}

static void
test_range_answered_416_restarts_from_zero (FerryFixture *fx, gconstpointer config)
{
  assert_bad_range_answer_restarts_from_zero (fx, FERRY_TEST_FAULT_STATUS, 416);
}

/* ---- the file changes ------------------------------------------------- */

static const FerryFixtureConfig slow_retry = {
  .ferryd_args = (const char * const[]) { "--retry-delay=500", NULL },
};

static gboolean
first_request_cut (gpointer data)
{
  FerryTestRequest *req = ferry_test_server_nth_request (data, "/file/", 0);

  return req != NULL && req->cut;
}

/* The first response is cut; while ferryd waits to retry, the file on the
 * server changes (new bytes, ETag and Last-Modified). */
static void
cut_then_change_file (FerryFixture *fx, Download *d, guint64 size)
{
  g_autofree char *server_path = g_strdup_printf ("/file/%" G_GUINT64_FORMAT, size);

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_TRUNCATE, 256 * KiB, 1);
  start_download (fx, d, server_path);
  g_assert_true (ferry_test_wait_until (first_request_cut, fx->server, FERRY_TEST_TIMEOUT_MS));
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 1);
  ferry_test_server_set_seed (fx->server, 2);
}

static void
test_etag_changed_between_attempts_restarts_from_zero (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  g_autofree char *old_etag = ferry_test_server_etag (fx->server, size);
  g_auto(Download) d = { 0, };
  FerryTestRequest *retry;

  cut_then_change_file (fx, &d, size);
  ferry_client_wait_status (fx->app, d.path, "completed");

  /* The retry asked for the rest of the old version; If-Range made the
   * server send all of the new one, and only that was kept. */
  retry = nth_request (fx->server, "/file/", 1);
  g_assert_nonnull (retry->range);
  g_assert_cmpstr (retry->if_range, ==, old_etag);
  g_assert_cmpuint (retry->status, ==, 200);
  ferry_assert_downloaded (d.dest, 2, size);
}

static void
test_etag_changed_and_if_range_ignored_never_stitches (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  g_autofree char *new_etag = NULL;
  g_auto(Download) d = { 0, };
  g_autofree char *actual = NULL;
  g_autofree char *old_sha = ferry_test_content_sha256 (1, size);
  g_autofree char *new_sha = ferry_test_content_sha256 (2, size);
  g_autofree char *status = NULL;
  g_autofree char *seen = NULL;

  /* A server that ignores If-Range: the resume gets 206 with the rest of
   * the new version, and a new ETag. Appending it would stitch two
   * versions together; the ETag of the 206 tells. */
  cut_then_change_file (fx, &d, size);
  new_etag = ferry_test_server_etag (fx->server, size);
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_IGNORE_IF_RANGE, 0, 1);
  status = wait_final_status (fx, d.path);

  actual = ferry_test_file_sha256 (d.dest);
  seen = describe_requests (fx->server);
  note ("ended %s (new ETag %s); the server saw:%s", status, new_etag, seen);
  if (g_str_equal (status, "completed"))
    {
      /* Either version whole, never a mix. */
      g_assert_true (g_strcmp0 (actual, new_sha) == 0 || g_strcmp0 (actual, old_sha) == 0);
      g_assert_cmpint (ferry_test_file_size (d.dest), ==, (gint64) size);
    }
  else
    g_assert_false (ferry_test_file_exists (d.dest));
}

/* ---- redirects -------------------------------------------------------- */

static void
test_redirect_loop_fails_as_too_many_redirects (FerryFixture *fx, gconstpointer config)
{
  g_auto(Download) d = { 0, };
  guint hops;

  ferry_test_server_enable_faults (fx->server);
  start_download (fx, &d, "/loop/0");
  assert_failed_cleanly (fx, &d, "too-many-redirects");
  hops = ferry_test_server_count_requests (fx->server, "/loop/");
  note ("gave up after %u requests", hops);
  /* A bounded loop, and no retry of it. */
  g_assert_cmpuint (hops, >=, 2);
  g_assert_cmpuint (hops, <=, 64);
}

static void
test_redirect_to_other_schemes_fails_without_a_file (FerryFixture *fx, gconstpointer config)
{
  const char *targets[] = {
    "ftp://127.0.0.1/file",
    "file:///etc/passwd",
    "data:,not%20from%20the%20server",
    "javascript:alert(1)",
    "mailto:someone@example.invalid",
    "gopher://127.0.0.1:70/",
  };

  ferry_test_server_enable_faults (fx->server);
  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *escaped = g_uri_escape_string (targets[i], NULL, FALSE);
      g_autofree char *server_path = g_strdup_printf ("/redirect-to?uri=%s", escaped);
      g_autofree char *name = g_strdup_printf ("scheme-%" G_GSIZE_FORMAT ".bin", i);
      g_autofree char *uri = ferry_fixture_uri (fx, "%s", server_path);
      g_autofree char *dest = ferry_fixture_dest (fx, name);
      g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);
      g_autofree char *error_name = NULL;
      g_autofree char *message = NULL;

      ferry_client_wait_status (fx->app, path, "error");
      error_name = ferry_client_get_string (fx->app, path, "ErrorName");
      message = ferry_client_get_string (fx->app, path, "ErrorMessage");
      note ("302 to %s: %s (%s)", targets[i], error_name, message);
      /* The redirect is refused as such, or the 302 is taken as the final
       * answer it then is; either way an error, never a file. */
      if (g_strcmp0 (error_name, "invalid-redirect") != 0 &&
          g_strcmp0 (error_name, "unexpected-response") != 0)
        g_error ("302 to %s failed with “%s” (%s), expected invalid-redirect", targets[i],
                 error_name, message);
      ferry_assert_no_file (dest);
    }
  assert_ferryd_alive (fx);
}

/* ---- TLS -------------------------------------------------------------- */

/* Self-signed for 127.0.0.1: valid in form, vouched for by nobody. */
static const char self_signed_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBkTCCATagAwIBAgIUCMiQ3e0QqvKlFw94+Jl1dRJ8730wCgYIKoZIzj0EAwIw\n"
  "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNzE0NDgyMloYDzIxMjYxMTAz\n"
  "MTQ0ODIyWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
  "PQMBBwNCAARaRoeTseYHR8Y7lJoHsU+dZy+FLN62/wFt0/zZqPWCCx8ZU3zxvbvS\n"
  "YwZuJziESSj1MXDvvDJEVlD6zEjSw3EMo2QwYjAdBgNVHQ4EFgQUSdeiB/Fv7zXc\n"
  "UrPPGCreVwTauakwHwYDVR0jBBgwFoAUSdeiB/Fv7zXcUrPPGCreVwTauakwDwYD\n"
  "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0kAMEYC\n"
  "IQCuUAXEj/D3ssFWi+Yp6XK3/esQUD3AskQJak11cKFaeQIhAK91I2pfsf0z0Fg1\n"
  "+M35HnQ6ojAjPIyZ09HkMPASBWki\n"
  "-----END CERTIFICATE-----\n"
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZkMrTK5OhnicyRGL\n"
  "u5vFCI4C3zjDZWQ/1Hylekv6uxehRANCAARaRoeTseYHR8Y7lJoHsU+dZy+FLN62\n"
  "/wFt0/zZqPWCCx8ZU3zxvbvSYwZuJziESSj1MXDvvDJEVlD6zEjSw3EM\n"
  "-----END PRIVATE KEY-----\n";

static void
count_tls_request (SoupServer *soup, SoupServerMessage *msg, const char *path,
                   GHashTable *query, gpointer user_data)
{
  (*(guint *) user_data)++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "secret\n", 7);
}

static void
test_invalid_certificate_fails_as_certificate_invalid (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupServer) https = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autofree char *dest = ferry_fixture_dest (fx, "tls.bin");
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;
  GSList *uris;
  guint served = 0;

  certificate = g_tls_certificate_new_from_pem (self_signed_pem, -1, &error);
  g_assert_no_error (error);
  https = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (https, NULL, count_tls_request, &served, NULL);
  soup_server_listen (https, address, SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (https);
  uri = g_strdup_printf ("https://127.0.0.1:%d/file", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_error (fx->app, path, "certificate-invalid");
  ferry_assert_no_file (dest);
  /* The handshake failed: no request was ever sent over it. */
  g_assert_cmpuint (served, ==, 0);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, 0);
  assert_ferryd_alive (fx);
  soup_server_disconnect (https);
}

/* ---- enormous headers ------------------------------------------------- */

/* One download whose response carries @fault: completed and exact, or an
 * error and no file; ferryd answers either way. */
static void
assert_survives_headers (FerryFixture *fx, FerryTestFault fault, guint64 arg, const char *name)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/65536");
  g_autofree char *dest = ferry_fixture_dest (fx, name);
  g_autofree char *path = NULL;
  g_autofree char *status = NULL;
  g_autofree char *error_name = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GError) error = NULL;

  ferry_test_server_add_fault (fx->server, fault, arg, G_MAXUINT);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  status = wait_final_status (fx, path);
  error_name = ferry_client_get_string (fx->app, path, "ErrorName");
  note ("%s: %s %s", name, status, error_name);
  if (g_str_equal (status, "completed"))
    ferry_assert_downloaded (dest, 1, 65536);
  else
    ferry_assert_no_file (dest);

  /* What ferryd kept of the response still comes over the bus. */
  info = ferry_client_call (fx->app, path, FERRY_TRANSFER_IFACE, "GetResponseInformation", NULL,
                            G_VARIANT_TYPE ("(ua{ss}sb)"), &error);
  g_assert_no_error (error);
  ferry_test_server_clear_faults (fx->server);
  assert_ferryd_alive (fx);
}

static void
test_enormous_headers_end_cleanly (FerryFixture *fx, gconstpointer config)
{
  assert_survives_headers (fx, FERRY_TEST_FAULT_HUGE_HEADER, 8 * KiB, "huge-8k.bin");
  assert_survives_headers (fx, FERRY_TEST_FAULT_HUGE_HEADER, 64 * KiB, "huge-64k.bin");
  assert_survives_headers (fx, FERRY_TEST_FAULT_HUGE_HEADER, 1 * MiB, "huge-1m.bin");
  assert_survives_headers (fx, FERRY_TEST_FAULT_HUGE_HEADER, 16 * MiB, "huge-16m.bin");
  assert_survives_headers (fx, FERRY_TEST_FAULT_MANY_HEADERS, 100, "many-100.bin");
  assert_survives_headers (fx, FERRY_TEST_FAULT_MANY_HEADERS, 10000, "many-10k.bin");
}

static void
test_header_that_is_not_utf8_ends_cleanly (FerryFixture *fx, gconstpointer config)
{
  /* HTTP allows any octet from 0x80 up in a header value (obs-text);
   * ferryd keeps response headers as D-Bus strings, which are UTF-8. */
  assert_survives_headers (fx, FERRY_TEST_FAULT_BINARY_HEADER, 16, "binary-16.bin");
  assert_survives_headers (fx, FERRY_TEST_FAULT_BINARY_HEADER, 300, "binary-300.bin");
}

/* ---- Content-Encoding ------------------------------------------------- */

static void
test_gzip_body_is_stored_as_sent_and_resumed_by_range (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(GBytes) gzip = ferry_test_server_gzip_body (fx->server, 1 * MiB);
  g_autofree char *etag = ferry_test_server_gzip_etag (fx->server, 1 * MiB);
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, gzip);
  g_autofree char *plain = ferry_test_content_sha256 (1, 1 * MiB);
  g_autofree char *actual = NULL;
  const guint64 cut_at = g_bytes_get_size (gzip) / 3;
  g_auto(Download) d = { 0, };
  const char *accept_encoding;

  /* The server gzips though nobody asked, and cuts the first response:
   * the resume asks for a range of the compressed bytes. */
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_TRUNCATE, cut_at, 1);
  start_download (fx, &d, "/gzip/1048576");
  ferry_client_wait_status (fx->app, d.path, "completed");

  actual = ferry_test_file_sha256 (d.dest);
  g_assert_cmpstr (actual, ==, expected);
  g_assert_cmpstr (actual, !=, plain);
  g_assert_cmpint (ferry_test_file_size (d.dest), ==, (gint64) g_bytes_get_size (gzip));
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, d.path, "BytesReceived"), ==,
                    g_bytes_get_size (gzip));
  assert_resumed (fx->server, "/gzip/", 1, cut_at);
  g_assert_cmpstr (nth_request (fx->server, "/gzip/", 1)->if_range, ==, etag);

  /* Ferry did not ask for a coding it would then have to undo. */
  accept_encoding = soup_message_headers_get_one (nth_request (fx->server, "/gzip/", 0)->headers,
                                                  "Accept-Encoding");
  note ("Accept-Encoding: %s", accept_encoding ? accept_encoding : "(none)");
  g_assert_true (accept_encoding == NULL || strstr (accept_encoding, "gzip") == NULL);
}

/* ---- refused resumes -------------------------------------------------- */

/* The first response is cut at 256 KiB and the resume refused with
 * @status (an expired signed URL); the app gives a fresh URI. */
static void
assert_refused_resume_recovers (FerryFixture *fx, guint status, const char *error_name)
{
  const guint64 size = 1 * MiB;
  g_auto(Download) d = { 0, };
  g_autofree char *fresh = ferry_fixture_uri (fx, "/file/1048576?signature=fresh");
  g_autoptr(GError) error = NULL;
  guint64 kept;

  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_TRUNCATE, 256 * KiB, 1);
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_STATUS, status, 1);
  start_download (fx, &d, "/file/1048576?signature=expired");

  ferry_client_wait_status (fx->app, d.path, "paused-recoverable-web-error");
  ferry_assert_property (fx->app, d.path, "ErrorName", error_name);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, d.path, "HttpStatus"), ==, status);
  kept = ferry_client_wait_kept_bytes (fx->app, d.path, d.dest);
  g_assert_cmpuint (kept, <=, 256 * KiB);
  g_assert_false (ferry_test_file_exists (d.dest));
  /* It waits for the app: no request on its own. */
  ferry_client_assert_stays (fx->app, d.path, "paused-recoverable-web-error", 300);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 2);

  ferry_client_call (fx->app, d.path, FERRY_TRANSFER_IFACE, "SetRequestedUri",
                     g_variant_new ("(s)", fresh), G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, d.path, "completed");

  ferry_assert_downloaded (d.dest, 1, size);
  ferry_assert_property (fx->app, d.path, "Uri", fresh);
  ferry_assert_property (fx->app, d.path, "ErrorName", "");
  /* From the offset it had, not from zero. */
  ferry_assert_range_request (fx->server, "/file/", 2, kept);
  g_assert_cmpuint (nth_request (fx->server, "/file/", 2)->body_bytes_sent, ==, size - kept);
}

static void
test_403_on_resume_waits_for_a_new_uri (FerryFixture *fx, gconstpointer config)
{
  assert_refused_resume_recovers (fx, 403, "forbidden");
}

static void
test_410_on_resume_waits_for_a_new_uri (FerryFixture *fx, gconstpointer config)
{
  assert_refused_resume_recovers (fx, 410, "not-found");
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/faults/connection-reset-mid-body-resumes-with-range", NULL,
                  test_connection_reset_mid_body_resumes_with_range);
  ferry_test_add ("/faults/truncated-body-resumes-with-range", NULL,
                  test_truncated_body_resumes_with_range);
  ferry_test_add ("/faults/progress-earns-fresh-retries", &one_retry,
                  test_progress_earns_fresh_retries);
  ferry_test_add ("/faults/resets-without-progress-fail-as-connection-lost", &one_retry,
                  test_resets_without_progress_fail_as_connection_lost);
  ferry_test_add ("/faults/stall-mid-body-times-out-and-resumes", &short_response_timeout,
                  test_stall_mid_body_times_out_and_resumes);
  ferry_test_add ("/faults/slow-start-beyond-connect-timeout-is-retried", &short_connect_timeout,
                  test_slow_start_beyond_connect_timeout_is_retried);
  ferry_test_add ("/faults/always-slow-start-fails-as-timeout", &short_connect_timeout,
                  test_always_slow_start_fails_as_timeout);
  ferry_test_add ("/faults/500-502-503-are-retried-with-backoff", &backoff_100ms,
                  test_500_502_503_are_retried_with_backoff);
  ferry_test_add ("/faults/408-and-429-are-retried", &backoff_100ms,
                  test_408_and_429_are_retried);
  ferry_test_add ("/faults/retry-after-seconds-is-honoured-for-503-and-429", &backoff_100ms,
                  test_retry_after_seconds_is_honoured_for_503_and_429);
  ferry_test_add ("/faults/retry-after-on-500-and-502-delays-no-longer", &backoff_100ms,
                  test_retry_after_on_500_and_502_delays_no_longer);
  ferry_test_add ("/faults/retry-after-http-date-is-honoured", &backoff_100ms,
                  test_retry_after_http_date_is_honoured);
  ferry_test_add ("/faults/absurd-retry-after-waits-without-failing", &backoff_100ms,
                  test_absurd_retry_after_waits_without_failing);
  ferry_test_add ("/faults/persistent-429-fails-as-too-many-requests", &two_retries,
                  test_persistent_429_fails_as_too_many_requests);
  ferry_test_add ("/faults/body-longer-than-content-length-is-cut-to-it", NULL,
                  test_body_longer_than_content_length_is_cut_to_it);
  ferry_test_add ("/faults/range-answered-from-another-offset-restarts-from-zero", NULL,
                  test_range_answered_from_another_offset_restarts_from_zero);
  ferry_test_add ("/faults/range-answered-with-garbled-content-range-restarts-from-zero", NULL,
                  test_range_answered_with_garbled_content_range_restarts_from_zero);
  ferry_test_add ("/faults/range-answered-416-restarts-from-zero", NULL,
                  test_range_answered_416_restarts_from_zero);
  ferry_test_add ("/faults/etag-changed-between-attempts-restarts-from-zero", &slow_retry,
                  test_etag_changed_between_attempts_restarts_from_zero);
  ferry_test_add ("/faults/etag-changed-and-if-range-ignored-never-stitches", &slow_retry,
                  test_etag_changed_and_if_range_ignored_never_stitches);
  ferry_test_add ("/faults/redirect-loop-fails-as-too-many-redirects", NULL,
                  test_redirect_loop_fails_as_too_many_redirects);
  ferry_test_add ("/faults/redirect-to-other-schemes-fails-without-a-file", NULL,
                  test_redirect_to_other_schemes_fails_without_a_file);
  /* Checked here: a skip inside a test's subprocess would count as a pass. */
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    ferry_test_add ("/faults/invalid-certificate-fails-as-certificate-invalid", NULL,
                    test_invalid_certificate_fails_as_certificate_invalid);
  else
    g_test_add_data_func ("/faults/invalid-certificate-fails-as-certificate-invalid",
                          "no TLS backend (glib-networking) is installed",
                          (GTestDataFunc) g_test_skip);
  ferry_test_add ("/faults/enormous-headers-end-cleanly", NULL,
                  test_enormous_headers_end_cleanly);
  ferry_test_add ("/faults/header-that-is-not-utf8-ends-cleanly", NULL,
                  test_header_that_is_not_utf8_ends_cleanly);
  ferry_test_add ("/faults/gzip-body-is-stored-as-sent-and-resumed-by-range", NULL,
                  test_gzip_body_is_stored_as_sent_and_resumed_by_range);
  ferry_test_add ("/faults/403-on-resume-waits-for-a-new-uri", NULL,
                  test_403_on_resume_waits_for_a_new_uri);
  ferry_test_add ("/faults/410-on-resume-waits-for-a-new-uri", NULL,
                  test_410_on_resume_waits_for_a_new_uri);

  return g_test_run ();
}
