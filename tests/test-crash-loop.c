/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crash loop: a batch of throttled downloads, and ferryd killed with
 * SIGKILL at random moments, again and again, and started again each time.
 * In the end every file is byte-identical to the server's, no .part is
 * left, the database passes PRAGMA integrity_check, and after each crash
 * ferryd fetched again no more than one checkpoint window of bytes.
 *
 * Environment:
 *   FERRY_CRASH_SEED   the seed of the random kill delays (default: from
 *                      the clock); printed, so that a failure can be
 *                      replayed.
 *   FERRY_CRASH_KILLS  how many kills mid-transfer (default 50; the suite
 *                      needs at least 50). tests/crash-soak.sh runs many
 *                      rounds with more.
 *   FERRY_CRASH_CHECKPOINT_MS  ferryd's --checkpoint-interval (default 250).
 *   FERRY_CRASH_MAX_DELAY_MS   the longest a ferryd runs before it is
 *                      killed (default 900: over three windows).
 *   FERRY_CRASH_VERBOSE  print every kill and what it cost.
 *
 * How re-fetched bytes are measured: the server records, for every
 * request, where its body started (the Range offset) and how many body
 * bytes it wrote to the socket. At each kill the test takes, per file, the
 * frontier F = the furthest byte the server has sent; after the restart,
 * the first request for the file starts at R. F - R bytes are fetched a
 * second time. F counts only the requests of the ferryd that was killed
 * (those made since the kill before), so that a loss is counted once. ferryd may lose what it received after its last checkpoint:
 * at the throttled rate that is RATE * --checkpoint-interval bytes, the
 * window. What the server wrote but ferryd never read (a throttle piece,
 * the socket buffer) is counted in F too, so the bound allows for it:
 * WINDOW + one throttle piece + the send buffer. */
#define G_LOG_DOMAIN "test-crash-loop"

#include <signal.h>
#include <string.h>

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* Per response. */
#define RATE (256 * KiB)
/* The server writes a throttled body in pieces every 50 ms. */
#define THROTTLE_PIECE (RATE / 20)
#define SEND_BUFFER (16 * KiB)

/* Sizes that are no prefix of each other, so /file/<size> names one file. */
static const guint64 sizes[] = { 1000000, 2000000, 3000000, 5000000 };
#define N_FILES G_N_ELEMENTS (sizes)

/* ferryd is started by the test, with its --checkpoint-interval. */
static const FerryFixtureConfig crash_config = {
  .no_ferryd = TRUE,
};

/* --checkpoint-interval, FERRY_CRASH_CHECKPOINT_MS or 250; one window is
 * what arrives at RATE in that time. Long enough for the throttle's
 * granularity and the send buffer to be small beside it. */
static guint checkpoint_ms;
#define WINDOW ((guint64) RATE * checkpoint_ms / 1000)
#define REFETCH_BOUND (WINDOW + THROTTLE_PIECE + SEND_BUFFER)

typedef struct {
  char *server_path;
  char *dest;
  char *transfer;
  guint64 refetched;       /* over all kills */
  guint64 worst_refetch;   /* after one kill */
  guint worst_kill;
} File;

typedef struct {
  gint64 time;                   /* when ferryd was seen gone */
  guint64 frontier[N_FILES];     /* the furthest byte sent, per file */
  gboolean early;                /* killed before it owned its name */
  guint ran_ms;                  /* how long it ran before the kill */
} Kill;

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

static guint
env_uint (const char *name, guint fallback)
{
  const char *value = g_getenv (name);
  guint64 parsed;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &parsed, NULL))
    return fallback;
  return (guint) parsed;
}

/* ---- what the server saw ---------------------------------------------- */

static guint64
request_start (FerryTestRequest *req)
{
  guint64 start = 0;

  if (req->range != NULL && req->status == 206)
    ferry_test_parse_range_start (req->range, &start);
  return start;
}

/* The furthest byte of @file the server has sent in answer to requests
 * made after @since: what the ferryd started then was given. */
static guint64
frontier (FerryTestServer *server, const File *file, gint64 since)
{
  GPtrArray *requests = ferry_test_server_get_requests (server);
  guint64 furthest = 0;

  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (req->time > since && g_str_equal (req->path, file->server_path))
        furthest = MAX (furthest, request_start (req) + req->body_bytes_sent);
    }
  return furthest;
}

/* The first request for @file after @time, or NULL. */
static FerryTestRequest *
first_request_after (FerryTestServer *server, const File *file, gint64 time)
{
  GPtrArray *requests = ferry_test_server_get_requests (server);

  for (guint i = 0; i < requests->len; i++)
    {
      FerryTestRequest *req = g_ptr_array_index (requests, i);

      if (req->time > time && g_str_equal (req->path, file->server_path))
        return req;
    }
  return NULL;
}

/* ---- the database ----------------------------------------------------- */

/* PRAGMA integrity_check on ferryd's database, with the sqlite3 shell or,
 * without one, Python's sqlite3 module. ferryd must not be running. */
static void
assert_database_intact (FerryFixture *fx)
{
  g_autofree char *db = g_build_filename (fx->data_home, "ferry", "ferry.db", NULL);
  g_autofree char *shell = g_find_program_in_path ("sqlite3");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (ferry_test_file_exists (db));
  if (shell != NULL)
    {
      const char *argv[] = { shell, db, "PRAGMA integrity_check;", NULL };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                    &status, &error);
    }
  else
    {
      const char *argv[] = {
        "/usr/bin/python3", "-c",
        "import sqlite3, sys\n"
        "print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])",
        db, NULL
      };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                    &status, &error);
    }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL) || g_strcmp0 (g_strstrip (out), "ok") != 0)
    g_error ("PRAGMA integrity_check of %s: %s%s", db, out, err);
}

/* ---- killing ---------------------------------------------------------- */

static const char *
status_of (FerryFixture *fx, const File *file, char **owned)
{
  *owned = ferry_client_get_string (fx->app, file->transfer, "Status");
  return *owned;
}

/* Every transfer is on its way or done: none failed or stopped. */
static void
assert_all_on_their_way (FerryFixture *fx, File *files)
{
  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *owned = NULL;
      const char *status = status_of (fx, &files[i], &owned);

      if (!g_str_equal (status, "running") && !g_str_equal (status, "completed") &&
          !g_str_equal (status, "idle"))
        {
          g_autofree char *error_name =
            ferry_client_get_string (fx->app, files[i].transfer, "ErrorName");

          g_error ("%s is “%s” (%s) after a restart", files[i].transfer, status, error_name);
        }
    }
}

/* Records what the server had sent when ferryd died. */
static void
record_kill (FerryFixture *fx, File *files, GArray *kills, gboolean early, guint ran_ms)
{
  Kill kill = { 0, };
  gint64 since = kills->len > 0 ? g_array_index (kills, Kill, kills->len - 1).time : 0;

  kill.time = g_get_monotonic_time ();
  kill.early = early;
  kill.ran_ms = ran_ms;
  for (guint i = 0; i < N_FILES; i++)
    kill.frontier[i] = frontier (fx->server, &files[i], since);
  g_array_append_val (kills, kill);
}

static gboolean
name_released (gpointer data)
{
  return !ferry_fixture_name_has_owner (data);
}

/* A ferryd that is killed before it owns its name: while it opens (and
 * recovers) the database. Started by hand, as the fixture would. */
static void
kill_during_startup (FerryFixture *fx, guint delay_ms)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) early = NULL;
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", fx->tmpdir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", fx->data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", fx->runtime_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", fx->config_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", fx->cache_home, TRUE);
  if (g_getenv ("FERRY_TEST_FERRYD_ASAN_OPTIONS") != NULL)
    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS",
                                  g_getenv ("FERRY_TEST_FERRYD_ASAN_OPTIONS"), TRUE);
  early = g_subprocess_launcher_spawnv (launcher, (const char * const *) fx->ferryd_args, &error);
  g_assert_no_error (error);
  ferry_test_iterate (delay_ms);
  g_subprocess_send_signal (early, SIGKILL);
  g_assert_true (ferry_test_wait_process_exit (early, FERRY_TEST_TIMEOUT_MS, NULL));
  g_assert_true (ferry_test_wait_until (name_released, fx, FERRY_TEST_TIMEOUT_MS));
}

static gboolean
all_completed (FerryFixture *fx, File *files)
{
  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *owned = NULL;

      if (!g_str_equal (status_of (fx, &files[i], &owned), "completed"))
        return FALSE;
    }
  return TRUE;
}

/* After kill @k: what each file fetched again. The first few kills that
 * cost more than the bound are told in detail (all of them with
 * FERRY_CRASH_VERBOSE); @over_bound counts them all. */
static void
account_refetch (FerryFixture *fx, File *files, const Kill *kill, guint k, guint *over_bound)
{
  for (guint i = 0; i < N_FILES; i++)
    {
      FerryTestRequest *next = first_request_after (fx->server, &files[i], kill->time);
      guint64 resumed_at, refetched;

      if (next == NULL)
        continue;   /* it had completed */
      resumed_at = request_start (next);
      refetched = kill->frontier[i] > resumed_at ? kill->frontier[i] - resumed_at : 0;
      files[i].refetched += refetched;
      if (refetched > files[i].worst_refetch)
        {
          files[i].worst_refetch = refetched;
          files[i].worst_kill = k;
        }
      if (refetched > REFETCH_BOUND)
        (*over_bound)++;
      if ((refetched > REFETCH_BOUND && *over_bound <= 8) || g_getenv ("FERRY_CRASH_VERBOSE") != NULL)
        note ("kill %u (%s %u ms): %s had been sent up to %" G_GUINT64_FORMAT
              " and resumed at %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " bytes again (%.2f"
              " windows; bound %" G_GUINT64_FORMAT ")", k,
              kill->early ? "at startup, after" : "after", kill->ran_ms, files[i].server_path,
              kill->frontier[i], resumed_at, refetched, (double) refetched / WINDOW,
              (guint64) REFETCH_BOUND);
    }
}

static void
test_sigkill_at_random_moments_loses_nothing (FerryFixture *fx, gconstpointer config)
{
  const guint n_kills = MAX (env_uint ("FERRY_CRASH_KILLS", 50), 1);
  const guint max_delay = MAX (env_uint ("FERRY_CRASH_MAX_DELAY_MS", 900), 21);
  const guint32 seed = env_uint ("FERRY_CRASH_SEED", (guint32) (g_get_real_time () % G_MAXUINT32));
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GArray) kills = g_array_new (FALSE, TRUE, sizeof (Kill));
  File files[N_FILES] = { 0, };
  gint64 started = g_get_monotonic_time ();
  guint early_kills = 0, integrity_checks = 0, over_bound = 0;
  guint64 total_refetched = 0, worst = 0;
  g_autofree char *checkpoint_arg = NULL;

  checkpoint_ms = MAX (env_uint ("FERRY_CRASH_CHECKPOINT_MS", 250), 10);
  checkpoint_arg = g_strdup_printf ("--checkpoint-interval=%u", checkpoint_ms);
  ferry_fixture_start_ferryd (fx, (const char * const[]) { checkpoint_arg, NULL });
  fx->app = ferry_fixture_connect (fx, FERRY_TEST_APP_ID);

  note ("seed %u (FERRY_CRASH_SEED=%u replays it), %u kills, --checkpoint-interval=%u",
        seed, seed, n_kills, checkpoint_ms);
  ferry_test_server_set_send_buffer (fx->server, SEND_BUFFER);
  ferry_test_server_set_throttle (fx->server, RATE);
  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *uri = NULL;
      g_autofree char *name = g_strdup_printf ("crash-%u.bin", i);

      files[i].server_path = g_strdup_printf ("/file/%" G_GUINT64_FORMAT, sizes[i]);
      files[i].dest = ferry_fixture_dest (fx, name);
      uri = ferry_fixture_uri (fx, "%s", files[i].server_path);
      files[i].transfer = ferry_client_start_download (fx->app, uri, files[i].dest, NULL);
    }

  for (guint k = 0; k < n_kills; k++)
    {
      /* Mostly mid-transfer, for up to a few checkpoint windows; one in
       * five within the first milliseconds, while ferryd loads and
       * restarts its transfers. */
      guint delay = g_rand_int_range (rand, 0, 5) == 0 ? (guint) g_rand_int_range (rand, 0, 20)
                                                       : (guint) g_rand_int_range (rand, 20, max_delay);

      if (k > 0)
        {
          ferry_fixture_restart_ferryd (fx);
          assert_all_on_their_way (fx, files);
        }
      if (delay > 0)
        ferry_test_iterate (delay);
      ferry_fixture_kill_ferryd (fx);
      record_kill (fx, files, kills, FALSE, delay);

      /* Now and then, one more that dies while it starts. */
      if (g_rand_int_range (rand, 0, 8) == 0)
        {
          guint early_delay = (guint) g_rand_int_range (rand, 0, 60);

          kill_during_startup (fx, early_delay);
          record_kill (fx, files, kills, TRUE, early_delay);
          early_kills++;
        }
      if (k % 10 == 9)
        {
          assert_database_intact (fx);
          integrity_checks++;
        }
    }

  /* The rest at full speed, then a clean stop. */
  ferry_test_server_set_throttle (fx->server, 0);
  ferry_fixture_restart_ferryd (fx);
  for (guint i = 0; i < N_FILES; i++)
    ferry_client_wait_status (fx->app, files[i].transfer, "completed");
  g_assert_true (all_completed (fx, files));
  ferry_fixture_stop_ferryd (fx);
  assert_database_intact (fx);
  integrity_checks++;

  for (guint k = 0; k < kills->len; k++)
    account_refetch (fx, files, &g_array_index (kills, Kill, k), k, &over_bound);
  for (guint i = 0; i < N_FILES; i++)
    {
      ferry_assert_downloaded (files[i].dest, 1, sizes[i]);
      note ("%s: %" G_GUINT64_FORMAT " bytes, fetched again %" G_GUINT64_FORMAT
            " in all, at most %" G_GUINT64_FORMAT " after one kill (kill %u)",
            files[i].server_path, sizes[i], files[i].refetched, files[i].worst_refetch,
            files[i].worst_kill);
      total_refetched += files[i].refetched;
      worst = MAX (worst, files[i].worst_refetch);
    }
  note ("%u kills mid-transfer and %u during startup survived in %.1f s; %u integrity checks "
        "ok; %" G_GUINT64_FORMAT " bytes fetched again in all, at most %" G_GUINT64_FORMAT
        " after one kill (%.2f windows); %u file resumes over the bound (window %"
        G_GUINT64_FORMAT " + piece %d + send buffer %d = %" G_GUINT64_FORMAT ")", n_kills,
        early_kills, (g_get_monotonic_time () - started) / 1e6, integrity_checks,
        total_refetched, worst, (double) worst / WINDOW, over_bound, (guint64) WINDOW,
        THROTTLE_PIECE, SEND_BUFFER, (guint64) REFETCH_BOUND);
  g_assert_cmpuint (worst, <=, REFETCH_BOUND);

  for (guint i = 0; i < N_FILES; i++)
    {
      g_free (files[i].server_path);
      g_free (files[i].dest);
      g_free (files[i].transfer);
    }
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/crash-loop/sigkill-at-random-moments-loses-nothing", &crash_config,
                  test_sigkill_at_random_moments_loses_nothing);

  return g_test_run ();
}
