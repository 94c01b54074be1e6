/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The service's life: it exits when idle (never while a transfer runs),
 * D-Bus activation starts it from the build tree's service file, it hands
 * its name over with --replace, and transfers keep their object paths and
 * state across restarts. */
#define G_LOG_DOMAIN "test-lifecycle"

#include <signal.h>

#include "ferry-test-fixture.h"

#define KiB 1024

static const FerryFixtureConfig idle_exit = {
  .ferryd_args = (const char * const[]) { "--idle-timeout=1", NULL },
};

static const FerryFixtureConfig activated = {
  .no_ferryd = TRUE,
  .activatable = TRUE,
};

static const FerryFixtureConfig one_at_a_time = {
  .ferryd_args = (const char * const[]) { "--max-parallel=1", NULL },
};

/* ---- exiting ---------------------------------------------------------- */

static void
test_idle_service_exits_by_itself (FerryFixture *fx, gconstpointer config)
{
  gint64 last_call = g_get_monotonic_time ();
  int code = -1;

  /* The fixture's Register was the last call. */
  g_assert_true (ferry_fixture_wait_ferryd_exit (fx, 15000, &code));
  g_assert_cmpint (code, ==, 0);
  /* Not at once: about a second after the call. (A seconds timer,
   * g_timeout_add_seconds(), may fire up to a quarter second early.) */
  g_assert_cmpint (g_get_monotonic_time () - last_call, >=, 700 * 1000);
  g_assert_false (ferry_fixture_name_has_owner (fx));
}

typedef struct {
  FerryFixture *fx;
  const char *dest;
} FileWatch;

/* The file is in place, or ferryd is gone (and never will put it). */
static gboolean
file_complete_or_ferryd_gone (gpointer data)
{
  FileWatch *watch = data;

  return ferry_test_file_exists (watch->dest) ||
         g_subprocess_get_identifier (watch->fx->ferryd) == NULL;
}

static void
test_idle_timeout_waits_for_running_transfer (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 640 * KiB);
  g_autofree char *dest = ferry_fixture_dest (fx, "long.bin");
  g_autofree char *path = NULL;
  int code = -1;

  /* About 2.5 s, with no call to ferryd meanwhile: only the filesystem is
   * watched, so nothing but the transfer keeps ferryd alive. */
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  g_assert_true (ferry_test_wait_until (file_complete_or_ferryd_gone,
                                        &(FileWatch) { fx, dest }, FERRY_TEST_TIMEOUT_MS));
  g_assert_nonnull (g_subprocess_get_identifier (fx->ferryd));
  ferry_assert_downloaded (dest, 1, 640 * KiB);

  /* Then, with nothing left to do, it goes. */
  g_assert_true (ferry_fixture_wait_ferryd_exit (fx, 15000, &code));
  g_assert_cmpint (code, ==, 0);
}

/* SIGTERM stops the service without a crash, a critical warning (the tests
 * run it with G_DEBUG=fatal-criticals) or a sanitizer report. */
static void
test_sigterm_exits_cleanly_when_idle (FerryFixture *fx, gconstpointer config)
{
  int code = -1;

  g_subprocess_send_signal (fx->ferryd, SIGTERM);
  g_assert_true (ferry_fixture_wait_ferryd_exit (fx, FERRY_TEST_TIMEOUT_MS, &code));
  g_assert_cmpint (code, ==, 0);
}

static void
test_sigterm_exits_cleanly_mid_transfer (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 4 * 1024 * KiB);
  g_autofree char *dest = ferry_fixture_dest (fx, "interrupted.bin");
  g_autofree char *path = NULL;
  int code = -1;

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_bytes (fx->app, path, 1);
  g_subprocess_send_signal (fx->ferryd, SIGTERM);
  g_assert_true (ferry_fixture_wait_ferryd_exit (fx, FERRY_TEST_TIMEOUT_MS, &code));
  g_assert_cmpint (code, ==, 0);
}

/* ---- D-Bus activation ------------------------------------------------- */

static void
test_activation_starts_the_service (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *dest = ferry_fixture_dest (fx, "activated.bin");
  g_autofree char *path = NULL;
  FerryTestClient *client;

  g_assert_false (ferry_fixture_name_has_owner (fx));
  /* Register is the first call: the bus starts ferryd for it. */
  client = ferry_fixture_connect (fx, FERRY_TEST_APP_ID);
  g_assert_true (ferry_fixture_name_has_owner (fx));
  g_assert_cmpuint (ferry_fixture_name_owner_pid (fx), !=, 0);

  path = ferry_client_start_download (client, uri, dest, NULL);
  ferry_client_wait_status (client, path, "completed");
  ferry_assert_downloaded (dest, 1, 1000);
}

static gboolean
name_released (gpointer data)
{
  return !ferry_fixture_name_has_owner (data);
}

static void
test_activated_service_exits_when_idle_and_keeps_transfers (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *dest = ferry_fixture_dest (fx, "kept.bin");
  FerryTestClient *client = ferry_fixture_connect (fx, FERRY_TEST_APP_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) listed = NULL;
  guint first_pid = ferry_fixture_name_owner_pid (fx);

  path = ferry_client_create_download (client, uri, dest,
                                       g_variant_new_parsed ("{'group': <'later'>}"), &error);
  g_assert_no_error (error);

  /* An idle transfer keeps nothing busy: the service file says
   * --idle-timeout=1. */
  g_assert_true (ferry_test_wait_until (name_released, fx, 15000));

  /* The next call activates a new instance, which has the transfer. */
  ferry_client_register (client, FERRY_TEST_APP_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ferry_fixture_name_owner_pid (fx), !=, first_pid);
  listed = ferry_client_list (client, "later");
  g_assert_true (g_strv_equal ((const char * const *) listed, (const char *[]) { path, NULL }));
  ferry_assert_property (client, path, "Uri", uri);
  ferry_assert_property (client, path, "Status", "idle");

  ferry_client_transfer_call (client, path, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (client, path, "completed");
  ferry_assert_downloaded (dest, 1, 1000);
}

/* ---- restarts --------------------------------------------------------- */

static void
test_transfer_keeps_its_path_across_restart (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/5000");
  g_autofree char *dest = ferry_fixture_dest (fx, "restart.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) listed = NULL;

  path = ferry_client_create_download (fx->app, uri, dest,
                                       g_variant_new_parsed ("{'group': <'g1'>}"), &error);
  g_assert_no_error (error);
  ferry_fixture_restart_ferryd (fx);

  listed = ferry_client_list (fx->app, "");
  g_assert_true (g_strv_equal ((const char * const *) listed, (const char *[]) { path, NULL }));
  ferry_assert_property (fx->app, path, "Kind", "download");
  ferry_assert_property (fx->app, path, "Uri", uri);
  ferry_assert_property (fx->app, path, "Destination", dest);
  ferry_assert_property (fx->app, path, "Group", "g1");
  ferry_assert_property (fx->app, path, "Status", "idle");

  ferry_client_transfer_call (fx->app, path, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, 5000);
}

static void
test_ended_transfers_are_forgotten_after_keep_days (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/5000");
  g_autofree char *dest = ferry_fixture_dest (fx, "ended.bin");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) status = NULL;
  g_autofree char *path = NULL;

  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_status (fx->app, path, "completed");

  /* By default an ended transfer is kept for days: a restart keeps it. */
  ferry_fixture_restart_ferryd (fx);
  ferry_assert_property (fx->app, path, "Status", "completed");

  /* Kept for no days, it is forgotten at the next start; the file stays. */
  ferry_fixture_stop_ferryd (fx);
  ferry_fixture_start_ferryd (fx, (const char * const[]) { "--keep-ended-days=0", NULL });
  ferry_client_register (fx->app, FERRY_TEST_APP_ID, &error);
  g_assert_no_error (error);
  status = ferry_client_get_property (fx->app, path, "Status", &error);
  g_assert_null (status);
  g_assert_nonnull (error);
  ferry_assert_downloaded (dest, 1, 5000);
}

static void
test_transfer_is_stored_before_create_returns (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/5000");
  g_autofree char *dest = ferry_fixture_dest (fx, "stored.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) listed = NULL;

  g_autofree char *db = g_build_filename (fx->data_home, "ferry", "ferry.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);

  path = ferry_client_create_download (fx->app, uri, dest, NULL, &error);
  g_assert_no_error (error);
  /* In $XDG_DATA_HOME/ferry/ferry.db, in WAL mode. */
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (wal, G_FILE_TEST_IS_REGULAR));
  /* No time to write anything after the reply. */
  ferry_fixture_kill_ferryd (fx);
  ferry_fixture_restart_ferryd (fx);

  listed = ferry_client_list (fx->app, "");
  g_assert_true (g_strv_equal ((const char * const *) listed, (const char *[]) { path, NULL }));
  ferry_assert_property (fx->app, path, "Status", "idle");
}

static void
test_queued_transfers_start_again_after_sigkill (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 512 * KiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest1 = ferry_fixture_dest (fx, "running.bin");
  g_autofree char *dest2 = ferry_fixture_dest (fx, "queued.bin");
  g_autofree char *running = NULL, *queued = NULL;

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  running = ferry_client_start_download (fx->app, uri, dest1, NULL);
  ferry_client_wait_bytes (fx->app, running, 1);
  queued = ferry_client_start_download (fx->app, uri, dest2, NULL);
  ferry_assert_property (fx->app, queued, "Status", "idle");

  ferry_fixture_kill_ferryd (fx);
  ferry_test_server_set_throttle (fx->server, 0);
  ferry_fixture_restart_ferryd (fx);

  /* Neither is started again by the app. */
  ferry_client_wait_status (fx->app, running, "completed");
  ferry_client_wait_status (fx->app, queued, "completed");
  ferry_assert_downloaded (dest1, 1, size);
  ferry_assert_downloaded (dest2, 1, size);
}

static void
test_paused_transfer_stays_paused_after_restart (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1024 * KiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "paused.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint64 bytes;
  guint requests;

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_bytes (fx->app, path, 64 * KiB);
  ferry_client_transfer_call (fx->app, path, "Pause", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "paused-by-application");
  bytes = ferry_client_get_uint64 (fx->app, path, "BytesReceived");
  ferry_test_server_set_throttle (fx->server, 0);

  ferry_fixture_restart_ferryd (fx);
  ferry_assert_property (fx->app, path, "Status", "paused-by-application");
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, bytes);
  /* It does not start by itself: watch for a while that nothing is
   * fetched (a bounded wait for something that must not happen). */
  requests = ferry_test_server_get_requests (fx->server)->len;
  ferry_test_iterate (500);
  g_assert_cmpuint (ferry_test_server_get_requests (fx->server)->len, ==, requests);
  ferry_assert_property (fx->app, path, "Status", "paused-by-application");

  ferry_client_transfer_call (fx->app, path, "Resume", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, size);
}

static void
test_replace_takes_over_the_name (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/100");
  g_autofree char *dest = ferry_fixture_dest (fx, "replaced.bin");
  g_autoptr(GSubprocess) old = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) listed = NULL;
  int code = -1;

  path = ferry_client_create_download (fx->app, uri, dest, NULL, &error);
  g_assert_no_error (error);

  /* A second ferryd with --replace takes the name; the first one leaves,
   * cleanly: it was asked to (and ferry.service restarts on failure). */
  old = g_steal_pointer (&fx->ferryd);
  ferry_fixture_start_ferryd (fx, (const char * const[]) { "--replace", NULL });
  g_assert_true (ferry_test_wait_process_exit (old, FERRY_TEST_TIMEOUT_MS, &code));
  g_assert_cmpint (code, ==, 0);
  g_assert_cmpstr (g_subprocess_get_identifier (fx->ferryd), !=, NULL);

  /* The new instance has the same data. */
  ferry_client_register (fx->app, FERRY_TEST_APP_ID, &error);
  g_assert_no_error (error);
  listed = ferry_client_list (fx->app, "");
  g_assert_true (g_strv_equal ((const char * const *) listed, (const char *[]) { path, NULL }));
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/lifecycle/idle-service-exits-by-itself", &idle_exit,
                  test_idle_service_exits_by_itself);
  ferry_test_add ("/lifecycle/idle-timeout-waits-for-running-transfer", &idle_exit,
                  test_idle_timeout_waits_for_running_transfer);
  ferry_test_add ("/lifecycle/sigterm-exits-cleanly-when-idle", NULL,
                  test_sigterm_exits_cleanly_when_idle);
  ferry_test_add ("/lifecycle/sigterm-exits-cleanly-mid-transfer", NULL,
                  test_sigterm_exits_cleanly_mid_transfer);
  ferry_test_add ("/lifecycle/activation-starts-the-service", &activated,
                  test_activation_starts_the_service);
  ferry_test_add ("/lifecycle/activated-service-exits-when-idle-and-keeps-transfers", &activated,
                  test_activated_service_exits_when_idle_and_keeps_transfers);
  ferry_test_add ("/lifecycle/transfer-keeps-its-path-across-restart", NULL,
                  test_transfer_keeps_its_path_across_restart);
  ferry_test_add ("/lifecycle/ended-transfers-are-forgotten-after-keep-days", NULL,
                  test_ended_transfers_are_forgotten_after_keep_days);
  ferry_test_add ("/lifecycle/transfer-is-stored-before-create-returns", NULL,
                  test_transfer_is_stored_before_create_returns);
  ferry_test_add ("/lifecycle/queued-transfers-start-again-after-sigkill", &one_at_a_time,
                  test_queued_transfers_start_again_after_sigkill);
  ferry_test_add ("/lifecycle/paused-transfer-stays-paused-after-restart", NULL,
                  test_paused_transfer_stays_paused_after_restart);
  ferry_test_add ("/lifecycle/replace-takes-over-the-name", NULL,
                  test_replace_takes_over_the_name);

  return g_test_run ();
}
