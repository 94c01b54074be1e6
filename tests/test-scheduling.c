/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What runs when: serialized and parallel groups, priorities (order,
 * preemption, aging) and the per-host limit, all seen from the server,
 * which records every request and counts the bodies it sends at once. */
#define G_LOG_DOMAIN "test-scheduling"

#include <string.h>

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* Every transfer of a test downloads /file/<size> with a size of its own,
 * so the server's log tells them apart; sizes of one test have the same
 * number of digits, so that no path is a prefix of another. */
#define SMALL (256 * KiB)

static const char * const one_slot_args[] = { "--max-parallel=1", NULL };
static const FerryFixtureConfig one_slot = { one_slot_args };

static const char * const one_slot_aging_args[] = { "--max-parallel=1", "--aging-interval=1", NULL };
static const FerryFixtureConfig one_slot_aging = { one_slot_aging_args };

static const char * const three_slots_args[] = { "--max-parallel=3", NULL };
static const FerryFixtureConfig three_slots = { three_slots_args };

static const char * const two_per_host_args[] = { "--max-per-host=2", NULL };
static const FerryFixtureConfig two_per_host = { two_per_host_args };

/* ---- helpers ---------------------------------------------------------- */

/* The options of a download: @group and @priority when not NULL. */
static GVariant *
download_options (const char *group, const char *priority)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (group != NULL)
    g_variant_builder_add (&options, "{sv}", "group", g_variant_new_string (group));
  if (priority != NULL)
    g_variant_builder_add (&options, "{sv}", "priority", g_variant_new_string (priority));
  return g_variant_builder_end (&options);
}

static char *
file_dest (FerryFixture *fx, guint64 size)
{
  g_autofree char *name = g_strdup_printf ("file-%" G_GUINT64_FORMAT ".bin", size);

  return ferry_fixture_dest (fx, name);
}

static char *
file_path (guint64 size)
{
  return g_strdup_printf ("/file/%" G_GUINT64_FORMAT, size);
}

/* Creates (without starting) a download of /file/@size from @server. */
static char *
create_from (FerryFixture    *fx,
             FerryTestServer *server,
             guint64          size,
             const char      *group,
             const char      *priority)
{
  g_autofree char *uri = ferry_test_server_uri (server, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = file_dest (fx, size);
  g_autoptr(GError) error = NULL;
  char *path = ferry_client_create_download (fx->app, uri, dest,
                                             download_options (group, priority), &error);

  g_assert_no_error (error);
  return path;
}

static char *
create (FerryFixture *fx, guint64 size, const char *group, const char *priority)
{
  return create_from (fx, fx->server, size, group, priority);
}

static void
start (FerryFixture *fx, const char *transfer)
{
  g_autoptr(GError) error = NULL;

  ferry_client_transfer_call (fx->app, transfer, "Start", &error);
  g_assert_no_error (error);
}

static char *
create_and_start (FerryFixture *fx, guint64 size, const char *group, const char *priority)
{
  char *path = create (fx, size, group, priority);

  start (fx, path);
  return path;
}

static void
set_group_behavior (FerryFixture *fx, const char *object, const char *iface,
                    const char *group, const char *behavior)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (fx->app, object, iface, "SetGroupBehavior",
                             g_variant_new ("(ss)", group, behavior), G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
}

static void
set_priority (FerryFixture *fx, const char *transfer, const char *priority)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (fx->app, transfer, FERRY_TRANSFER_IFACE, "SetPriority",
                             g_variant_new ("(s)", priority), G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
}

typedef struct {
  FerryTestServer *server;
  const char *path;
  guint n;
} RequestWait;

static gboolean
has_requests (gpointer data)
{
  RequestWait *wait = data;

  return ferry_test_server_count_requests (wait->server, wait->path) >= wait->n;
}

/* Waits until @server has seen @n requests for /file/@size. */
static void
wait_requests (FerryTestServer *server, guint64 size, guint n)
{
  g_autofree char *path = file_path (size);
  RequestWait wait = { server, path, n };

  if (!ferry_test_wait_until (has_requests, &wait, FERRY_TEST_TIMEOUT_MS))
    g_error ("the server saw %u requests for %s, waited for %u",
             ferry_test_server_count_requests (server, path), path, n);
}

/* Asserts that the server was first asked for the files of @sizes in that
 * order (a size of 0 ends the list), and for no other file. */
static void
assert_request_order (FerryTestServer *server, const guint64 *sizes)
{
  GPtrArray *requests = ferry_test_server_get_requests (server);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *seen_text = NULL;
  g_autofree char *expected_text = NULL;

  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (g_str_has_prefix (req->path, "/file/") &&
          !g_ptr_array_find_with_equal_func (seen, req->path, g_str_equal, NULL))
        g_ptr_array_add (seen, g_strdup (req->path));
    }
  for (guint i = 0; sizes[i] != 0; i++)
    g_ptr_array_add (expected, file_path (sizes[i]));

  g_ptr_array_add (seen, NULL);
  g_ptr_array_add (expected, NULL);
  seen_text = g_strjoinv (" ", (char **) seen->pdata);
  expected_text = g_strjoinv (" ", (char **) expected->pdata);
  g_assert_cmpstr (seen_text, ==, expected_text);
}

static void
assert_completed (FerryFixture *fx, const char *transfer, guint64 size)
{
  g_autofree char *dest = file_dest (fx, size);

  ferry_client_wait_status (fx->app, transfer, "completed");
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);
}

/* ---- groups ----------------------------------------------------------- */

/* Runs five downloads of a serialized group: the first is started alone,
 * the other four in reverse order while it runs; they must run one at a
 * time in the order they were created. */
static void
run_serialized_group (FerryFixture *fx, const char *behavior_object, const char *behavior_iface)
{
  enum { N = 5 };
  guint64 sizes[N + 1] = { 0 };
  g_auto(GStrv) paths = g_new0 (char *, N + 1);

  set_group_behavior (fx, behavior_object, behavior_iface, "maps", "serialized");
  /* About a quarter of a second each: long enough to overlap if allowed. */
  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  for (guint i = 0; i < N; i++)
    {
      sizes[i] = SMALL + i;
      paths[i] = create (fx, sizes[i], "maps", NULL);
    }

  start (fx, paths[0]);
  wait_requests (fx->server, sizes[0], 1);
  for (guint i = N - 1; i > 0; i--)
    start (fx, paths[i]);
  /* The others wait in the queue, although slots are free. */
  for (guint i = 1; i < N; i++)
    ferry_assert_property (fx->app, paths[i], "Status", "idle");

  for (guint i = 0; i < N; i++)
    assert_completed (fx, paths[i], sizes[i]);
  g_assert_cmpuint (ferry_test_server_get_max_active (fx->server), ==, 1);
  assert_request_order (fx->server, sizes);
}

static void
test_serialized_group_runs_one_at_a_time_in_creation_order (FerryFixture *fx, gconstpointer config)
{
  run_serialized_group (fx, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE);
}

/* Groups belong to the app: the behavior set through the Uploader applies
 * to downloads in the group of that name as well. */
static void
test_group_behavior_set_on_uploader_applies_to_downloads (FerryFixture *fx, gconstpointer config)
{
  run_serialized_group (fx, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE);
}

static void
test_group_behavior_is_kept_across_restarts (FerryFixture *fx, gconstpointer config)
{
  enum { N = 3 };
  guint64 sizes[N + 1] = { 0 };
  g_auto(GStrv) paths = g_new0 (char *, N + 1);

  set_group_behavior (fx, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE, "maps", "serialized");
  ferry_fixture_restart_ferryd (fx);

  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  for (guint i = 0; i < N; i++)
    {
      sizes[i] = SMALL + i;
      paths[i] = create_and_start (fx, sizes[i], "maps", NULL);
    }
  for (guint i = 0; i < N; i++)
    assert_completed (fx, paths[i], sizes[i]);
  g_assert_cmpuint (ferry_test_server_get_max_active (fx->server), ==, 1);
  assert_request_order (fx->server, sizes);
}

static void
test_parallel_group_runs_together_within_max_parallel (FerryFixture *fx, gconstpointer config)
{
  enum { N = 5 };
  guint64 sizes[N] = { 0 };
  g_auto(GStrv) paths = g_new0 (char *, N + 1);
  g_auto(GStrv) listed = NULL;

  set_group_behavior (fx, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE, "tiles", "parallel");
  /* Half a second each: they overlap whenever they are allowed to. */
  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  for (guint i = 0; i < N; i++)
    {
      sizes[i] = SMALL + i;
      paths[i] = create_and_start (fx, sizes[i], "tiles", NULL);
    }
  listed = ferry_client_list (fx->app, "tiles");
  g_assert_cmpuint (g_strv_length (listed), ==, N);

  for (guint i = 0; i < N; i++)
    assert_completed (fx, paths[i], sizes[i]);
  /* Together, as many as --max-parallel=3 allows, and never more. */
  g_assert_cmpuint (ferry_test_server_get_max_active (fx->server), ==, 3);
}

/* ---- priorities ------------------------------------------------------- */

/* Starts a download that holds the only slot until the server's throttle
 * is lifted, and waits until the server is sending it. */
static char *
start_blocker (FerryFixture *fx, guint64 size)
{
  char *path;

  ferry_test_server_set_throttle (fx->server, 64 * KiB);
  path = create_and_start (fx, size, NULL, NULL);
  wait_requests (fx->server, size, 1);
  return path;
}

static void
test_queued_high_starts_before_queued_default (FerryFixture *fx, gconstpointer config)
{
  const guint64 blocker_size = 1 * MiB, d1_size = SMALL + 1, d2_size = SMALL + 2;
  const guint64 high_size = SMALL + 3;
  g_autofree char *blocker_file = file_path (blocker_size);
  g_autofree char *blocker = start_blocker (fx, blocker_size);
  g_autofree char *d1 = create_and_start (fx, d1_size, NULL, NULL);
  g_autofree char *d2 = create_and_start (fx, d2_size, NULL, "default");
  g_autofree char *high = create_and_start (fx, high_size, NULL, "high");

  ferry_assert_property (fx->app, high, "Priority", "high");
  ferry_assert_property (fx->app, d1, "Priority", "default");
  /* The blocker runs a default priority: the high one waits for it. */
  ferry_assert_property (fx->app, blocker, "Status", "running");
  ferry_assert_property (fx->app, high, "Status", "idle");
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 1);

  ferry_test_server_set_throttle (fx->server, 0);
  assert_completed (fx, blocker, blocker_size);
  assert_completed (fx, high, high_size);
  assert_completed (fx, d1, d1_size);
  assert_completed (fx, d2, d2_size);
  assert_request_order (fx->server, (const guint64[]) { blocker_size, high_size, d1_size, d2_size, 0 });
  /* Not preempted: the blocker was fetched in one piece. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, blocker_file), ==, 1);
}

static void
test_set_priority_moves_a_queued_transfer_ahead (FerryFixture *fx, gconstpointer config)
{
  const guint64 blocker_size = 1 * MiB;
  const guint64 sizes[] = { SMALL + 1, SMALL + 2, SMALL + 3 };
  g_autofree char *blocker = start_blocker (fx, blocker_size);
  g_autofree char *d1 = create_and_start (fx, sizes[0], NULL, NULL);
  g_autofree char *d2 = create_and_start (fx, sizes[1], NULL, NULL);
  g_autofree char *d3 = create_and_start (fx, sizes[2], NULL, NULL);

  set_priority (fx, d3, "high");
  ferry_assert_property (fx->app, d3, "Priority", "high");
  ferry_assert_property (fx->app, d3, "Status", "idle");

  ferry_test_server_set_throttle (fx->server, 0);
  assert_completed (fx, blocker, blocker_size);
  assert_completed (fx, d1, sizes[0]);
  assert_completed (fx, d2, sizes[1]);
  assert_completed (fx, d3, sizes[2]);
  assert_request_order (fx->server, (const guint64[]) { blocker_size, sizes[2], sizes[0], sizes[1], 0 });
}

static void
test_high_preempts_running_low_which_resumes_with_range (FerryFixture *fx, gconstpointer config)
{
  const guint64 low_size = 2 * MiB, high_size = SMALL;
  g_autofree char *low_dest = file_dest (fx, low_size);
  g_autofree char *low_part = g_strconcat (low_dest, ".part", NULL);
  g_autofree char *low_path = file_path (low_size);
  g_autofree char *expected_range = NULL;
  g_autofree char *low = NULL;
  g_autofree char *high = NULL;
  FerryTestRequest *resume_req;
  guint64 kept;

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  low = create_and_start (fx, low_size, NULL, "low");
  ferry_client_wait_bytes (fx->app, low, 128 * KiB);

  /* No slot is free: the high one takes the low one's. */
  high = create_and_start (fx, high_size, NULL, "high");
  ferry_client_wait_status (fx->app, low, "idle");
  wait_requests (fx->server, high_size, 1);

  /* The low one stopped with its bytes kept, and waits in the queue. */
  kept = ferry_client_get_uint64 (fx->app, low, "BytesReceived");
  g_assert_cmpuint (kept, >=, 128 * KiB);
  g_assert_cmpuint (kept, <, low_size);
  g_assert_cmpint (ferry_test_file_size (low_part), ==, (gint64) kept);
  ferry_assert_property (fx->app, low, "Status", "idle");

  /* Only once the high one has ended does the low one get its slot back,
   * and it asks for the rest of the file only. */
  ferry_test_server_set_throttle (fx->server, 0);
  wait_requests (fx->server, low_size, 2);
  ferry_assert_property (fx->app, high, "Status", "completed");
  assert_completed (fx, low, low_size);
  assert_completed (fx, high, high_size);

  resume_req = ferry_test_server_nth_request (fx->server, low_path, 1);
  expected_range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", kept);
  g_assert_cmpstr (resume_req->range, ==, expected_range);
  g_assert_cmpuint (resume_req->status, ==, 206);
  g_assert_cmpuint (resume_req->body_bytes_sent, ==, low_size - kept);
}

/* With --aging-interval=1 a low priority transfer that has waited two
 * seconds counts as high: it goes before a default one queued later. */
static void
test_long_waiting_low_is_not_starved (FerryFixture *fx, gconstpointer config)
{
  const guint64 blocker_size = 1 * MiB, low_size = SMALL + 1, default_size = SMALL + 2;
  g_autofree char *blocker = start_blocker (fx, blocker_size);
  g_autofree char *low = create_and_start (fx, low_size, NULL, "low");
  g_autofree char *later = NULL;

  /* The aging under test needs the time to pass; meanwhile the low one
   * must simply wait. */
  ferry_client_assert_stays (fx->app, low, "idle", 2500);
  later = create_and_start (fx, default_size, NULL, NULL);

  ferry_test_server_set_throttle (fx->server, 0);
  assert_completed (fx, blocker, blocker_size);
  assert_completed (fx, low, low_size);
  assert_completed (fx, later, default_size);
  assert_request_order (fx->server, (const guint64[]) { blocker_size, low_size, default_size, 0 });
}

/* ---- the per-host limit ----------------------------------------------- */

static void
test_per_host_limit_holds_and_is_reached (FerryFixture *fx, gconstpointer config)
{
  enum { N = 5 };
  guint64 sizes[N] = { 0 };
  g_auto(GStrv) paths = g_new0 (char *, N + 1);

  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  for (guint i = 0; i < N; i++)
    {
      sizes[i] = SMALL + i;
      paths[i] = create_and_start (fx, sizes[i], NULL, NULL);
    }
  for (guint i = 0; i < N; i++)
    assert_completed (fx, paths[i], sizes[i]);
  /* --max-parallel is 6: only --max-per-host=2 holds them back. */
  g_assert_cmpuint (ferry_test_server_get_max_active (fx->server), ==, 2);
}

typedef struct {
  FerryFixture *fx;
  FerryTestServer *other;
  GPtrArray *paths;
  guint max_together;   /* the most bodies both servers sent at once */
} TwoHosts;

static gboolean
all_completed_counting (gpointer data)
{
  TwoHosts *hosts = data;
  guint together = ferry_test_server_get_active (hosts->fx->server) +
                   ferry_test_server_get_active (hosts->other);

  hosts->max_together = MAX (hosts->max_together, together);
  for (guint i = 0; i < hosts->paths->len; i++)
    {
      g_autofree char *status =
        ferry_client_get_string (hosts->fx->app, g_ptr_array_index (hosts->paths, i), "Status");

      if (strcmp (status, "completed") != 0)
        return FALSE;
    }
  return TRUE;
}

/* The limit is per host and port: two servers on 127.0.0.1 get two
 * transfers each at once. */
static void
test_per_host_limit_counts_each_port_apart (FerryFixture *fx, gconstpointer config)
{
  enum { N = 3 };
  g_autoptr(FerryTestServer) other = ferry_test_server_new ();
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  TwoHosts hosts = { fx, other, paths, 0 };

  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  ferry_test_server_set_throttle (other, 512 * KiB);
  /* Even: from the fixture's server; odd: from the other one. */
  for (guint i = 0; i < N; i++)
    {
      g_ptr_array_add (paths, create_from (fx, fx->server, SMALL + i, NULL, NULL));
      g_ptr_array_add (paths, create_from (fx, other, SMALL + N + i, NULL, NULL));
    }
  for (guint i = 0; i < paths->len; i++)
    start (fx, g_ptr_array_index (paths, i));
  if (!ferry_test_wait_until (all_completed_counting, &hosts, FERRY_TEST_TIMEOUT_MS))
    g_error ("the downloads from two servers did not all complete");

  g_assert_cmpuint (ferry_test_server_get_max_active (fx->server), ==, 2);
  g_assert_cmpuint (ferry_test_server_get_max_active (other), ==, 2);
  g_assert_cmpuint (hosts.max_together, ==, 4);
  for (guint i = 0; i < N; i++)
    {
      assert_completed (fx, g_ptr_array_index (paths, 2 * i), SMALL + i);
      assert_completed (fx, g_ptr_array_index (paths, 2 * i + 1), SMALL + N + i);
    }
}

/* ---- bad values ------------------------------------------------------- */

static void
test_bad_behavior_priority_and_speed_are_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *dest = ferry_fixture_dest (fx, "bad.bin");
  g_autofree char *path = create (fx, 1000, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *rejected = NULL;

  reply = ferry_client_call (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                             "SetGroupBehavior", g_variant_new ("(ss)", "g", "sideways"),
                             G_VARIANT_TYPE_UNIT, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  g_clear_error (&error);

  reply = ferry_client_call (fx->app, path, FERRY_TRANSFER_IFACE, "SetPriority",
                             g_variant_new ("(s)", "urgent"), G_VARIANT_TYPE_UNIT, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  g_clear_error (&error);
  ferry_assert_property (fx->app, path, "Priority", "default");

  /* max-speed is a "t"; an "i" is a mistake, not a limit. */
  rejected = ferry_client_create_download (fx->app, uri, dest,
                                           g_variant_new_parsed ("{'max-speed': <int32 1000>}"),
                                           &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  g_assert_null (rejected);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/scheduling/serialized-group-runs-one-at-a-time-in-creation-order", NULL,
                  test_serialized_group_runs_one_at_a_time_in_creation_order);
  ferry_test_add ("/scheduling/group-behavior-set-on-uploader-applies-to-downloads", NULL,
                  test_group_behavior_set_on_uploader_applies_to_downloads);
  ferry_test_add ("/scheduling/group-behavior-is-kept-across-restarts", NULL,
                  test_group_behavior_is_kept_across_restarts);
  ferry_test_add ("/scheduling/parallel-group-runs-together-within-max-parallel", &three_slots,
                  test_parallel_group_runs_together_within_max_parallel);
  ferry_test_add ("/scheduling/queued-high-starts-before-queued-default", &one_slot,
                  test_queued_high_starts_before_queued_default);
  ferry_test_add ("/scheduling/set-priority-moves-a-queued-transfer-ahead", &one_slot,
                  test_set_priority_moves_a_queued_transfer_ahead);
  ferry_test_add ("/scheduling/high-preempts-running-low-which-resumes-with-range", &one_slot,
                  test_high_preempts_running_low_which_resumes_with_range);
  ferry_test_add ("/scheduling/long-waiting-low-is-not-starved", &one_slot_aging,
                  test_long_waiting_low_is_not_starved);
  ferry_test_add ("/scheduling/per-host-limit-holds-and-is-reached", &two_per_host,
                  test_per_host_limit_holds_and_is_reached);
  ferry_test_add ("/scheduling/per-host-limit-counts-each-port-apart", &two_per_host,
                  test_per_host_limit_counts_each_port_apart);
  ferry_test_add ("/scheduling/bad-behavior-priority-and-speed-are-rejected", NULL,
                  test_bad_behavior_priority_and_speed_are_rejected);

  return g_test_run ();
}
