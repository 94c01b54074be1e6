/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Segmented downloads (issue 8): the "connections" option of CreateDownload
 * splits a large file across several range requests, for servers that
 * limit the speed of each connection. Checked at the server: which ranges
 * were asked for, with which If-Range, and how many bytes went out; and at
 * the end the file must be byte-identical, however it was put together,
 * after a pause, a cut connection, SIGKILL of ferryd or a changed file. */
#define G_LOG_DOMAIN "test-segments"

#include <string.h>

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* A "bytes=S-" range, as read from a request: no end. */
#define OPEN_END G_MAXUINT64

/* One segment of a split download, from the requests that opened it. */
typedef struct {
  guint64 start;
  guint64 end;        /* inclusive */
  guint64 sent;       /* body bytes the server sent for it so far */
  gboolean resumed;   /* a later request asked for its rest */
} Segment;

/* ---- what the server saw ---------------------------------------------- */

/* Parses "bytes=S-E" (@out_end = E) or "bytes=S-" (@out_end = OPEN_END). */
static gboolean
parse_range (const char *range, guint64 *out_start, guint64 *out_end)
{
  const char *dash;
  guint64 end;

  if (!ferry_test_parse_range_start (range, out_start))
    return FALSE;
  dash = strchr (range, '-');
  if (dash[1] == '\0')
    {
      *out_end = OPEN_END;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXUINT64, &end, NULL) || end < *out_start)
    return FALSE;
  *out_end = end;
  return TRUE;
}

static GPtrArray *
file_requests_from (FerryTestServer *server, guint from)
{
  GPtrArray *requests = ferry_test_server_get_requests (server);
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = from; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (g_str_has_prefix (req->path, "/file/"))
        g_ptr_array_add (found, req);
    }
  return found;
}

static guint
request_count (FerryTestServer *server)
{
  return ferry_test_server_get_requests (server)->len;
}

/* Every /file request the server saw, for the failure messages. */
static char *
describe_requests (FerryTestServer *server)
{
  GPtrArray *requests = ferry_test_server_get_requests (server);
  GString *text = g_string_new ("the server saw:");

  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (!g_str_has_prefix (req->path, "/file/"))
        continue;
      g_string_append_printf (text, "\n  #%u %s %s Range: %s If-Range: %s → %u, %" G_GUINT64_FORMAT
                              " body bytes%s",
                              i, req->method, req->path, req->range ? req->range : "-",
                              req->if_range ? req->if_range : "-", req->status,
                              req->body_bytes_sent, req->cut ? " (cut)" : "");
    }
  return g_string_free (text, FALSE);
}

/* Fails with a message and what the server saw. */
#define fail_seen(server, ...) \
  G_STMT_START { \
    g_autofree char *fail_what_ = g_strdup_printf (__VA_ARGS__); \
    g_autofree char *fail_seen_ = describe_requests (server); \
    g_error ("%s; %s", fail_what_, fail_seen_); \
  } G_STMT_END
#define check_seen(server, condition, ...) \
  G_STMT_START { if (!(condition)) fail_seen (server, __VA_ARGS__); } G_STMT_END

/* What the server saw, in the verbose output. */
static void
log_seen (FerryTestServer *server)
{
  g_autofree char *seen = describe_requests (server);

  g_test_message ("%s", seen);
}

static guint64
sent_since (FerryTestServer *server, guint from)
{
  g_autoptr(GPtrArray) requests = file_requests_from (server, from);
  guint64 sent = 0;

  for (guint i = 0; i < requests->len; i++)
    sent += ((FerryTestRequest *) g_ptr_array_index (requests, i))->body_bytes_sent;
  return sent;
}

static gint
compare_segments (gconstpointer a, gconstpointer b)
{
  const Segment *sa = a, *sb = b;

  return sa->start < sb->start ? -1 : sa->start > sb->start;
}

static gboolean
has_validator (FerryTestRequest *req, const char *etag, const char *last_modified)
{
  return req->if_range != NULL &&
         (strcmp (req->if_range, etag) == 0 || strcmp (req->if_range, last_modified) == 0);
}

/* The first @n /file requests from request number @from must be one split
 * of a @size-byte file into @n segments: "bytes=0-" without If-Range, then
 * closed ranges with If-Range naming the version served (@etag or
 * @last_modified), together covering [0, @size) without a gap or an
 * overlap, all answered 206. Returns the segments, in file order. */
static GArray *
assert_split (FerryTestServer *server, guint from, guint n, guint64 size,
              const char *etag, const char *last_modified)
{
  g_autoptr(GPtrArray) requests = file_requests_from (server, from);
  GArray *segments = g_array_new (FALSE, TRUE, sizeof (Segment));

  check_seen (server, requests->len >= n, "expected %u requests for the split, saw %u",
              n, requests->len);
  for (guint i = 0; i < n; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);
      Segment seg = { 0, };

      check_seen (server, parse_range (req->range, &seg.start, &seg.end),
                  "request %u of the split has no usable Range", i);
      if (i == 0)
        {
          check_seen (server, seg.start == 0 && seg.end == OPEN_END && req->if_range == NULL,
                      "the first request must be “Range: bytes=0-” without If-Range");
          /* It serves segment 0 and is closed where segment 1 starts. */
          seg.end = OPEN_END;
        }
      else
        {
          check_seen (server, seg.end != OPEN_END, "request %u of the split is open-ended", i);
          check_seen (server, has_validator (req, etag, last_modified),
                      "request %u of the split lacks If-Range: %s (or %s)", i, etag,
                      last_modified);
        }
      check_seen (server, req->status == 206, "request %u of the split was answered %u", i,
                  req->status);
      seg.sent = req->body_bytes_sent;
      g_array_append_val (segments, seg);
    }

  g_array_sort (segments, compare_segments);
  for (guint i = 1; i < n; i++)
    check_seen (server, g_array_index (segments, Segment, i).start >
                        g_array_index (segments, Segment, i - 1).start,
                "two requests of the split start at %" G_GUINT64_FORMAT,
                g_array_index (segments, Segment, i).start);
  for (guint i = 0; i < n; i++)
    {
      Segment *seg = &g_array_index (segments, Segment, i);
      guint64 next = i + 1 < n ? g_array_index (segments, Segment, i + 1).start : size;

      if (i == 0)
        seg->end = next - 1;
      check_seen (server, seg->end + 1 == next,
                  "segment %u [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] is not followed by "
                  "one starting at %" G_GUINT64_FORMAT " (a gap or an overlap)",
                  i, seg->start, seg->end, seg->end + 1);
      check_seen (server, seg->end > seg->start, "segment %u is empty", i);
    }
  /* Roughly equal: none is more than twice another. */
  for (guint i = 0; i < n; i++)
    {
      Segment *seg = &g_array_index (segments, Segment, i);

      check_seen (server, (seg->end - seg->start + 1) * n <= 2 * size &&
                          (seg->end - seg->start + 1) * n * 2 >= size,
                  "segment %u is %" G_GUINT64_FORMAT " bytes of %" G_GUINT64_FORMAT
                  " in %u segments: not roughly equal", i, seg->end - seg->start + 1, size, n);
    }
  return segments;
}

static Segment *
segment_at (GArray *segments, guint64 offset)
{
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *seg = &g_array_index (segments, Segment, i);

      if (seg->start <= offset && offset <= seg->end)
        return seg;
    }
  return NULL;
}

/* Every /file request from request number @from must continue one of
 * @segments, once: "bytes=D-E" with D at or after its start and no further
 * than the server had sent for it, E its end (the last one may say
 * "bytes=D-"), If-Range the version it was split from, answered 206.
 * Returns the bytes the segments had kept: the sum of D - start. */
static guint64
assert_resumed (FerryTestServer *server, guint from, GArray *segments, guint64 size,
                const char *etag, const char *last_modified)
{
  g_autoptr(GPtrArray) requests = file_requests_from (server, from);
  guint64 kept = 0;

  check_seen (server, requests->len > 0, "nothing was requested after request #%u", from);
  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);
      guint64 start, end;
      Segment *seg;

      check_seen (server, parse_range (req->range, &start, &end),
                  "request %u after #%u asked for no range: not a segment resuming", i, from);
      seg = segment_at (segments, start);
      check_seen (server, seg != NULL && !seg->resumed,
                  "request %u after #%u (start %" G_GUINT64_FORMAT ") continues no segment, "
                  "or one that was already continued", i, from, start);
      check_seen (server, end == seg->end || (end == OPEN_END && seg->end == size - 1),
                  "request %u after #%u does not end where its segment [%" G_GUINT64_FORMAT
                  ", %" G_GUINT64_FORMAT "] ends", i, from, seg->start, seg->end);
      check_seen (server, start - seg->start <= seg->sent,
                  "request %u after #%u continues at %" G_GUINT64_FORMAT ", but the server had "
                  "sent only %" G_GUINT64_FORMAT " bytes of the segment at %" G_GUINT64_FORMAT,
                  i, from, start, seg->sent, seg->start);
      check_seen (server, has_validator (req, etag, last_modified),
                  "request %u after #%u lacks If-Range: %s (or %s)", i, from, etag, last_modified);
      check_seen (server, req->status == 206, "request %u after #%u was answered %u", i, from,
                  req->status);
      seg->resumed = TRUE;
      kept += start - seg->start;
    }
  return kept;
}

/* ---- waiting ---------------------------------------------------------- */

typedef struct {
  FerryTestServer *server;
  guint from;
  guint n;
  guint64 bytes;
} SegmentsFlowing;

/* The first @n /file requests from @from have each sent @bytes. */
static gboolean
segments_flowing (gpointer data)
{
  SegmentsFlowing *w = data;
  g_autoptr(GPtrArray) requests = file_requests_from (w->server, w->from);

  if (requests->len < w->n)
    return FALSE;
  for (guint i = 0; i < w->n; i++)
    if (((FerryTestRequest *) g_ptr_array_index (requests, i))->body_bytes_sent < w->bytes)
      return FALSE;
  return TRUE;
}

static void
wait_segments_flowing (FerryFixture *fx, guint from, guint n, guint64 bytes)
{
  SegmentsFlowing w = { fx->server, from, n, bytes };

  if (!ferry_test_wait_until (segments_flowing, &w, FERRY_TEST_TIMEOUT_MS))
    fail_seen (fx->server, "timed out waiting for %u requests to send %" G_GUINT64_FORMAT
               " bytes each", n, bytes);
}

static gboolean
server_is_idle (gpointer data)
{
  return ferry_test_server_get_active (data) == 0;
}

/* ---- downloads -------------------------------------------------------- */

static GVariant *
connections_option (guint32 connections)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "connections", g_variant_new_uint32 (connections));
  return g_variant_builder_end (&options);
}

static char *
start_segmented (FerryFixture *fx, guint64 size, const char *dest, guint32 connections)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);

  return ferry_client_start_download (fx->app, uri, dest, connections_option (connections));
}

/* Downloads @size bytes over up to @connections; returns how long it took
 * from Start to "completed", in milliseconds. */
static guint
timed_download (FerryFixture *fx, guint64 size, const char *dest, guint32 connections,
                char **out_path)
{
  gint64 start = g_get_monotonic_time ();
  g_autofree char *path = start_segmented (fx, size, dest, connections);
  guint ms;

  ferry_client_wait_status (fx->app, path, "completed");
  ms = (guint) ((g_get_monotonic_time () - start) / 1000);
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "TotalBytesToReceive"), ==, size);
  if (out_path != NULL)
    *out_path = g_steal_pointer (&path);
  return ms;
}

/* The Progress signals of @path count the bytes of all segments together:
 * never more than the total, never going back. */
static void
assert_progress_sums_segments (FerryFixture *fx, const char *path, guint64 size)
{
  guint64 last = 0;
  guint n = 0;

  ferry_client_sync (fx->app);
  for (guint i = 0; i < fx->app->signals->len; i++)
    {
      FerryTestSignal *signal = g_ptr_array_index (fx->app->signals, i);
      guint64 received, total;

      if (g_strcmp0 (signal->path, path) != 0 || g_strcmp0 (signal->member, "Progress") != 0)
        continue;
      g_variant_get (signal->parameters, "(tt)", &received, &total);
      g_assert_cmpuint (received, >=, last);
      g_assert_cmpuint (received, <=, size);
      g_assert_cmpuint (total, ==, size);
      last = received;
      n++;
    }
  g_assert_cmpuint (n, >, 0);
}

/* ---- tests ------------------------------------------------------------ */

static void
test_four_connections_are_faster (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *dest1 = ferry_fixture_dest (fx, "one-connection.bin");
  g_autofree char *dest4 = ferry_fixture_dest (fx, "four-connections.bin");
  g_autofree char *etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path4 = NULL;
  g_autofree char *sha1 = NULL;
  g_autofree char *sha4 = NULL;
  g_autoptr(GArray) segments = NULL;
  guint ms1, ms4, before;

  /* The server paces every response by itself: one connection takes 4 s,
   * four take about one. */
  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  ms1 = timed_download (fx, size, dest1, 1, NULL);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 1);
  g_assert_null (ferry_test_server_nth_request (fx->server, "/file/", 0)->range);

  before = request_count (fx->server);
  ms4 = timed_download (fx, size, dest4, 4, &path4);
  log_seen (fx->server);
  g_test_message ("1 connection: %u ms, 4 connections: %u ms", ms1, ms4);

  sha1 = ferry_test_file_sha256 (dest1);
  sha4 = ferry_test_file_sha256 (dest4);
  g_assert_cmpstr (sha1, ==, sha4);
  if (ms4 * 3 > ms1)
    fail_seen (fx->server, "4 connections took %u ms, 1 took %u ms: not 3 times faster", ms4, ms1);

  {
    g_autoptr(GPtrArray) requests = file_requests_from (fx->server, before);

    check_seen (fx->server, requests->len == 4, "expected 4 requests for 4 connections, saw %u",
                requests->len);
  }
  segments = assert_split (fx->server, before, 4, size, etag, last_modified);
  /* The first response is closed at the end of segment 0: what the server
   * sent beyond the file is what it had written before the close, a few
   * 50 ms pieces at 1 MiB/s, far below 512 KiB. */
  check_seen (fx->server, sent_since (fx->server, before) <= size + 512 * KiB,
              "the server sent %" G_GUINT64_FORMAT " bytes for a file of %" G_GUINT64_FORMAT,
              sent_since (fx->server, before), size);
  assert_progress_sums_segments (fx, path4, size);
}

static void
test_server_ignoring_ranges_gets_one_request (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "no-ranges.bin");
  FerryTestRequest *req;

  ferry_test_server_set_ignore_ranges (fx->server, TRUE);
  timed_download (fx, size, dest, 4, NULL);

  check_seen (fx->server, ferry_test_server_count_requests (fx->server, "/file/") == 1,
              "a server that ignores ranges must get one request");
  req = ferry_test_server_nth_request (fx->server, "/file/", 0);
  g_assert_cmpstr (req->range, ==, "bytes=0-");
  g_assert_null (req->if_range);
  g_assert_cmpuint (req->status, ==, 200);
  g_assert_cmpuint (req->body_bytes_sent, ==, size);
}

/* Below 2 MiB nothing is split; from there on, a segment per whole MiB at
 * most, and never more than asked for. */
static void
test_segment_count_follows_the_size (FerryFixture *fx, gconstpointer config)
{
  static const struct { guint64 size; guint32 connections; guint segments; } cases[] = {
    { 2 * MiB - 1, 4, 1 },
    { 1 * MiB, 16, 1 },
    { 2 * MiB, 4, 2 },
    { 3 * MiB + 512 * KiB, 4, 3 },
    { 4 * MiB, 2, 2 },
    { 4 * MiB, 1, 1 },
  };
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("size-%u.bin", i);
      g_autofree char *dest = ferry_fixture_dest (fx, name);
      g_autofree char *etag = ferry_test_server_etag (fx->server, cases[i].size);
      guint before = request_count (fx->server);
      g_autoptr(GPtrArray) requests = NULL;

      g_test_message ("%" G_GUINT64_FORMAT " bytes, %u connections", cases[i].size,
                      cases[i].connections);
      timed_download (fx, cases[i].size, dest, cases[i].connections, NULL);
      requests = file_requests_from (fx->server, before);
      check_seen (fx->server, requests->len == cases[i].segments,
                  "%" G_GUINT64_FORMAT " bytes with connections=%u: expected %u requests, saw %u",
                  cases[i].size, cases[i].connections, cases[i].segments, requests->len);
      if (cases[i].segments > 1)
        g_array_unref (assert_split (fx->server, before, cases[i].segments, cases[i].size, etag,
                                     last_modified));
      else
        {
          FerryTestRequest *req = g_ptr_array_index (requests, 0);

          /* One connection: a plain GET, or "bytes=0-" when it asked for
           * more and the answer said no. */
          check_seen (fx->server, req->range == NULL || (cases[i].connections > 1 &&
                                                         g_strcmp0 (req->range, "bytes=0-") == 0),
                      "an unsplit download asked for Range: %s", req->range);
          g_assert_cmpuint (req->body_bytes_sent, ==, cases[i].size);
        }
    }
}

/* Segments resume with If-Range, so a split needs a validator If-Range can
 * carry: a strong ETag or a Last-Modified; without, one connection. */
static void
test_split_needs_a_validator (FerryFixture *fx, gconstpointer config)
{
  static const struct { FerryTestValidators validators; guint segments; } cases[] = {
    { FERRY_TEST_VALIDATOR_NONE, 1 },
    { FERRY_TEST_VALIDATOR_WEAK_ETAG, 1 },
    { FERRY_TEST_VALIDATOR_LAST_MODIFIED, 4 },
    { FERRY_TEST_VALIDATOR_WEAK_ETAG | FERRY_TEST_VALIDATOR_LAST_MODIFIED, 4 },
    { FERRY_TEST_VALIDATOR_ETAG, 4 },
  };
  const guint64 size = 4 * MiB;
  g_autofree char *etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("validators-%u.bin", i);
      g_autofree char *dest = ferry_fixture_dest (fx, name);
      guint before = request_count (fx->server);
      g_autoptr(GPtrArray) requests = NULL;

      g_test_message ("validators %#x", cases[i].validators);
      ferry_test_server_set_validators (fx->server, cases[i].validators);
      timed_download (fx, size, dest, 4, NULL);
      requests = file_requests_from (fx->server, before);
      check_seen (fx->server, requests->len == cases[i].segments,
                  "validators %#x: expected %u requests, saw %u", cases[i].validators,
                  cases[i].segments, requests->len);
      if (cases[i].segments > 1)
        {
          /* If-Range names the validator the server gave, the ETag first. */
          const char *validator = (cases[i].validators & FERRY_TEST_VALIDATOR_ETAG)
                                  ? etag : last_modified;

          g_array_unref (assert_split (fx->server, before, cases[i].segments, size, validator,
                                       validator));
        }
    }
}

/* A 4 MiB download over 4 connections, paced at 256 KiB/s each, with
 * every segment under way (128 KiB sent on each). Returns the transfer;
 * @out_before: the request count before it started. */
static char *
start_four_segments (FerryFixture *fx, const char *dest, guint *out_before)
{
  char *path;

  *out_before = request_count (fx->server);
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  path = start_segmented (fx, 4 * MiB, dest, 4);
  wait_segments_flowing (fx, *out_before, 4, 128 * KiB);
  return path;
}

/* The segments of the split that started at request @before, with what
 * the server has sent for each since (every request from @before that
 * falls in it). */
static GArray *
segments_with_sent (FerryFixture *fx, guint before, guint64 size, const char *etag,
                    const char *last_modified)
{
  GArray *segments = assert_split (fx->server, before, 4, size, etag, last_modified);
  g_autoptr(GPtrArray) requests = file_requests_from (fx->server, before);

  check_seen (fx->server, requests->len == 4, "4 segments, but %u requests", requests->len);
  for (guint i = 0; i < segments->len; i++)
    g_array_index (segments, Segment, i).sent = 0;
  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);
      guint64 start, end;

      g_assert_true (parse_range (req->range, &start, &end));
      segment_at (segments, start)->sent += req->body_bytes_sent;
    }
  return segments;
}

static void
test_pause_then_resume_continues_every_segment (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "paused.bin");
  g_autofree char *etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path = NULL;
  g_autoptr(GArray) segments = NULL;
  g_autoptr(GError) error = NULL;
  guint64 received, kept, finished = 0, sent_before, total_sent;
  guint before, paused_at;

  path = start_four_segments (fx, dest, &before);
  ferry_client_transfer_call (fx->app, path, "Pause", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "paused-by-application");
  /* Paused means no segment is being fetched any more. */
  if (!ferry_test_wait_until (server_is_idle, fx->server, FERRY_TEST_TIMEOUT_MS))
    fail_seen (fx->server, "%u responses still being sent after the pause",
               ferry_test_server_get_active (fx->server));
  received = ferry_client_get_uint64 (fx->app, path, "BytesReceived");
  g_assert_cmpuint (received, >=, 4 * 128 * KiB);
  g_assert_cmpuint (received, <, size);
  g_assert_false (ferry_test_file_exists (dest));
  segments = segments_with_sent (fx, before, size, etag, last_modified);
  sent_before = sent_since (fx->server, before);

  ferry_test_server_set_throttle (fx->server, 0);
  paused_at = request_count (fx->server);
  ferry_client_transfer_call (fx->app, path, "Resume", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "completed");
  log_seen (fx->server);
  ferry_assert_downloaded (dest, 1, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);

  kept = assert_resumed (fx->server, paused_at, segments, size, etag, last_modified);
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *seg = &g_array_index (segments, Segment, i);

      if (!seg->resumed)
        finished += seg->end - seg->start + 1;
    }
  /* A pause keeps every byte received: each segment asks for the rest
   * from exactly where its data ends, and BytesReceived was their sum. */
  check_seen (fx->server, kept + finished == received,
              "BytesReceived was %" G_GUINT64_FORMAT " at the pause, but the segments went on "
              "from %" G_GUINT64_FORMAT " kept bytes (and %" G_GUINT64_FORMAT " in finished ones)",
              received, kept, finished);
  /* Nothing fetched twice but what was in flight at the pause: at
   * 256 KiB/s a connection has well under 256 KiB in flight (a second of
   * its data), so 4 × 256 KiB bounds the waste. A segment that started
   * over would exceed it only when it had received more than that; the
   * check above catches the others. */
  total_sent = sent_since (fx->server, before);
  check_seen (fx->server, total_sent <= size + 4 * 256 * KiB,
              "the server sent %" G_GUINT64_FORMAT " bytes (%" G_GUINT64_FORMAT " before the "
              "pause) for a file of %" G_GUINT64_FORMAT, total_sent, sent_before, size);
}

static void
test_sigkill_then_restart_resumes_every_segment (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "killed.bin");
  g_autofree char *etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path = NULL;
  g_autoptr(GArray) segments = NULL;
  guint64 total_sent;
  guint before, restarted_at;

  path = start_four_segments (fx, dest, &before);
  /* The fixture runs ferryd with --checkpoint-interval=100: give it a few
   * intervals to record where each segment is. */
  ferry_test_iterate (500);
  ferry_fixture_kill_ferryd (fx);
  g_assert_true (ferry_test_wait_until (server_is_idle, fx->server, FERRY_TEST_TIMEOUT_MS));
  segments = segments_with_sent (fx, before, size, etag, last_modified);

  ferry_test_server_set_throttle (fx->server, 0);
  restarted_at = request_count (fx->server);
  /* No Start: a transfer that was running starts again by itself. */
  ferry_fixture_restart_ferryd (fx);
  ferry_client_wait_status (fx->app, path, "completed");
  log_seen (fx->server);
  ferry_assert_downloaded (dest, 1, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);

  assert_resumed (fx->server, restarted_at, segments, size, etag, last_modified);
  /* Every segment had received 256 KiB or more over several checkpoints
   * (none could have finished, at 256 KiB/s in 1 MiB): each goes on from
   * a checkpoint past its start. */
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *seg = &g_array_index (segments, Segment, i);

      check_seen (fx->server, seg->resumed,
                  "segment %u [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] was not resumed",
                  i, seg->start, seg->end);
    }
  {
    g_autoptr(GPtrArray) requests = file_requests_from (fx->server, restarted_at);

    for (guint i = 0; i < requests->len; i++)
      {
        FerryTestRequest *req = g_ptr_array_index (requests, i);
        guint64 start, end;

        g_assert_true (parse_range (req->range, &start, &end));
        check_seen (fx->server, start > segment_at (segments, start)->start,
                    "after the restart, request %u started its segment over", i);
      }
  }
  /* What SIGKILL loses is what came after a segment's last checkpoint:
   * about a checkpoint interval (100 ms, 26 KiB at 256 KiB/s) plus what
   * sat in buffers; 256 KiB a segment is ten times that. */
  total_sent = sent_since (fx->server, before);
  check_seen (fx->server, total_sent <= size + 4 * 256 * KiB,
              "the server sent %" G_GUINT64_FORMAT " bytes for a file of %" G_GUINT64_FORMAT,
              total_sent, size);
}

static void
test_sigkill_then_content_changed_starts_over (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "killed-changed.bin");
  g_autofree char *old_etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *old_last_modified = ferry_test_server_last_modified (fx->server);
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  FerryTestRequest *first;
  guint before, restarted_at;

  path = start_four_segments (fx, dest, &before);
  ferry_test_iterate (500);
  ferry_fixture_kill_ferryd (fx);
  g_assert_true (ferry_test_wait_until (server_is_idle, fx->server, FERRY_TEST_TIMEOUT_MS));

  ferry_test_server_set_seed (fx->server, 2);
  ferry_test_server_set_throttle (fx->server, 0);
  restarted_at = request_count (fx->server);
  ferry_fixture_restart_ferryd (fx);
  ferry_client_wait_status (fx->app, path, "completed");
  log_seen (fx->server);

  /* It asked for the rest of the old version, the server said it changed,
   * and the whole file is the new one: never two versions stitched. */
  requests = file_requests_from (fx->server, restarted_at);
  check_seen (fx->server, requests->len > 0, "nothing requested after the restart");
  first = g_ptr_array_index (requests, 0);
  check_seen (fx->server, has_validator (first, old_etag, old_last_modified),
              "the first request after the restart does not name the old version");
  ferry_assert_downloaded (dest, 2, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);
}

/* A server that answers a Range with If-Range from whatever version it has
 * (206 with the new ETag): the change shows only in the ETag. */
static void
test_resume_with_206_of_another_version_starts_over (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "other-version.bin");
  g_autofree char *new_etag = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  guint before, paused_at;
  gboolean got_other_version = FALSE;

  ferry_test_server_enable_faults (fx->server);
  path = start_four_segments (fx, dest, &before);
  ferry_client_transfer_call (fx->app, path, "Pause", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "paused-by-application");
  g_assert_true (ferry_test_wait_until (server_is_idle, fx->server, FERRY_TEST_TIMEOUT_MS));

  ferry_test_server_set_seed (fx->server, 3);
  new_etag = ferry_test_server_etag (fx->server, size);
  ferry_test_server_add_fault (fx->server, FERRY_TEST_FAULT_IGNORE_IF_RANGE, 0, G_MAXUINT);
  ferry_test_server_set_throttle (fx->server, 0);
  paused_at = request_count (fx->server);
  ferry_client_transfer_call (fx->app, path, "Resume", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "completed");
  log_seen (fx->server);

  requests = file_requests_from (fx->server, paused_at);
  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (req->if_range != NULL && g_strcmp0 (req->if_range, new_etag) != 0 && req->status == 206)
        got_other_version = TRUE;
    }
  check_seen (fx->server, got_other_version,
              "no segment was answered 206 from the new version (the case under test)");
  ferry_assert_downloaded (dest, 3, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);
}

/* The index among all recorded requests of @req. */
static guint
request_index (FerryTestServer *server, FerryTestRequest *req)
{
  guint index;

  g_assert_true (g_ptr_array_find (ferry_test_server_get_requests (server), req, &index));
  return index;
}

static void
test_cut_segment_is_retried (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  const guint64 cut = 256 * KiB;
  g_autofree char *dest = ferry_fixture_dest (fx, "cut.bin");
  g_autofree char *etag = ferry_test_server_etag (fx->server, size);
  g_autofree char *last_modified = ferry_test_server_last_modified (fx->server);
  g_autoptr(GArray) segments = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  FerryTestRequest *cut_req = NULL;
  Segment *cut_seg;
  guint64 cut_start, cut_end;

  /* The first response (segment 0) goes through (G_MAXUINT64: no cut);
   * the second one, another segment's, is cut after 256 KiB; the rest go
   * through. */
  ferry_test_server_cut_after (fx->server, G_MAXUINT64, 1);
  ferry_test_server_cut_after (fx->server, cut, 1);
  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  timed_download (fx, size, dest, 4, NULL);
  log_seen (fx->server);

  segments = assert_split (fx->server, 0, 4, size, etag, last_modified);
  requests = file_requests_from (fx->server, 0);
  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (req->cut)
        {
          check_seen (fx->server, cut_req == NULL, "more than one response was cut");
          cut_req = req;
        }
    }
  check_seen (fx->server, cut_req != NULL && cut_req == g_ptr_array_index (requests, 1),
              "the second response was to be cut");
  g_assert_true (parse_range (cut_req->range, &cut_start, &cut_end));
  cut_seg = segment_at (segments, cut_start);
  g_assert_cmpuint (cut_seg->sent, ==, cut);
  check_seen (fx->server, requests->len > 4, "the cut segment was not retried");

  /* Every later request continues a segment from what it kept, the cut
   * one among them: from past its start (256 KiB arrived, over several
   * checkpoint intervals) and never past what arrived. */
  assert_resumed (fx->server, request_index (fx->server, g_ptr_array_index (requests, 4)),
                  segments, size, etag, last_modified);
  check_seen (fx->server, cut_seg->resumed, "the cut segment was not retried");
  for (guint i = 4; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);
      guint64 start, end;

      g_assert_true (parse_range (req->range, &start, &end));
      if (segment_at (segments, start) == cut_seg)
        check_seen (fx->server, start > cut_start,
                    "the retry of the cut segment started it over: %s", req->range);
    }
}

static void
test_bad_connections_are_invalid_arguments (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 4 * MiB);
  GVariant *bad[] = {
    g_variant_new_uint32 (0),
    g_variant_new_uint32 (17),
    g_variant_new_uint32 (G_MAXUINT32),
    g_variant_new_string ("4"),
    g_variant_new_uint64 (4),
    g_variant_new_int32 (4),
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *name = g_strdup_printf ("bad-%u.bin", i);
      g_autofree char *dest = ferry_fixture_dest (fx, name);
      g_autofree char *value = g_variant_print (bad[i], TRUE);
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      GVariantBuilder options;

      g_test_message ("connections: %s", value);
      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "connections", bad[i]);
      path = ferry_client_create_download (fx->app, uri, dest, g_variant_builder_end (&options),
                                           &error);
      ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
      g_assert_null (path);
    }
  {
    g_auto(GStrv) transfers = ferry_client_list (fx->app, "");

    g_assert_cmpuint (g_strv_length (transfers), ==, 0);
  }

  /* The bounds themselves are fine. */
  for (guint32 connections = 1; connections <= 16; connections += 15)
    {
      g_autofree char *name = g_strdup_printf ("good-%u.bin", connections);
      g_autofree char *dest = ferry_fixture_dest (fx, name);
      g_autoptr(GError) error = NULL;
      g_autofree char *path = ferry_client_create_download (fx->app, uri, dest,
                                                            connections_option (connections),
                                                            &error);

      g_assert_no_error (error);
      g_assert_nonnull (path);
    }
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 0);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/segments/four-connections-are-3x-faster", NULL,
                  test_four_connections_are_faster);
  ferry_test_add ("/segments/server-ignoring-ranges-gets-one-request", NULL,
                  test_server_ignoring_ranges_gets_one_request);
  ferry_test_add ("/segments/segment-count-follows-the-size", NULL,
                  test_segment_count_follows_the_size);
  ferry_test_add ("/segments/split-needs-a-validator", NULL, test_split_needs_a_validator);
  ferry_test_add ("/segments/pause-then-resume-continues-every-segment", NULL,
                  test_pause_then_resume_continues_every_segment);
  ferry_test_add ("/segments/sigkill-then-restart-resumes-every-segment", NULL,
                  test_sigkill_then_restart_resumes_every_segment);
  ferry_test_add ("/segments/sigkill-then-content-changed-starts-over", NULL,
                  test_sigkill_then_content_changed_starts_over);
  ferry_test_add ("/segments/resume-with-206-of-another-version-starts-over", NULL,
                  test_resume_with_206_of_another_version_starts_over);
  ferry_test_add ("/segments/cut-segment-is-retried", NULL, test_cut_segment_is_retried);
  ferry_test_add ("/segments/bad-connections-are-invalid-arguments", NULL,
                  test_bad_connections_are_invalid_arguments);

  return g_test_run ();
}
