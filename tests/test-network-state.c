/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What ferryd makes of the network besides its cost: connectivity (no
 * network: wait as "paused-no-network" without spending retries), roaming
 * from ModemManager only while the modem carries the traffic, the Manager's
 * properties following NetworkManager, a transfer the app paused that no
 * network change resumes, and GIO's GNetworkMonitor when NetworkManager is
 * not on the system bus. NetworkManager and ModemManager are python3-dbusmock
 * mocks on a private system bus. */
#define G_LOG_DOMAIN "test-network-state"

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* A running transfer that the network no longer allows stops within this. */
#define REACTION_MS 1000
/* How long a test watches for something that must not happen. */
#define QUIET_MS 400

static const FerryFixtureConfig mocked = { .no_ferryd = TRUE, .system_bus = TRUE };

typedef struct {
  char   *path;
  char   *dest;
  char   *resource;
  guint64 size;
} Download;

static void
download_clear (Download *d)
{
  g_free (d->path);
  g_free (d->dest);
  g_free (d->resource);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Download, download_clear)

static void
start_download (FerryFixture *fx, Download *d, guint64 size, const char *name, const char *policy)
{
  g_autofree char *uri = NULL;

  d->size = size;
  d->resource = g_strdup_printf ("/file/%" G_GUINT64_FORMAT, size);
  uri = ferry_fixture_uri (fx, "%s", d->resource);
  d->dest = ferry_fixture_dest (fx, name);
  d->path = ferry_client_start_download_with (fx->app, uri, d->dest, "cost-policy", policy, NULL);
}

/* Starts ferryd and waits until it sees NetworkManager's primary
 * connection. */
static void
start_ferryd_on (FerryFixture *fx, FerryMockConnection *primary, gboolean metered)
{
  ferry_fixture_start_ferryd_with_app (fx);
  ferry_client_wait_manager_property (fx->app, "NetworkSource",
                                      g_variant_new_string ("networkmanager"));
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (primary->uuid));
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (metered));
}

static void
wait_connectivity (FerryFixture *fx, const char *connectivity)
{
  ferry_client_wait_manager_property (fx->app, "Connectivity",
                                      g_variant_new_string (connectivity));
}

/* ---- connectivity -------------------------------------------------------- */

/* Two retries, 50 ms apart at first: were they spent while waiting, they
 * would be gone long before the network comes back. */
static const FerryFixtureConfig two_retries = {
  .ferryd_args = (const char * const[]) { "--retries=2", "--retry-delay=50", NULL },
  .no_ferryd = TRUE,
  .system_bus = TRUE,
};

static void
test_no_connectivity_waits_without_spending_retries (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);
  g_auto(Download) d = { 0, };
  g_autofree char *range = NULL;
  FerryTestRequest *req;
  guint64 kept;
  guint requests, ms;

  start_ferryd_on (fx, ethernet, FALSE);
  wait_connectivity (fx, "full");
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  start_download (fx, &d, 2 * MiB, "offline.bin", "default");
  ferry_client_wait_bytes (fx->app, d.path, 128 * KiB);

  ferry_mock_nm_set_connectivity (fx->system_bus, FERRY_NM_CONNECTIVITY_NONE);
  ms = ferry_client_wait_status_within (fx->app, d.path, "paused-no-network", REACTION_MS);
  g_test_message ("stopped %u ms after connectivity went", ms);
  wait_connectivity (fx, "none");
  kept = ferry_client_wait_kept_bytes (fx->app, d.path, d.dest);
  requests = ferry_test_server_count_requests (fx->server, d.resource);

  /* Longer than the whole backoff (50 + 100 ms): no attempt is made, so
   * none fails. A bounded observation window. */
  ferry_client_assert_stays (fx->app, d.path, "paused-no-network", 3 * QUIET_MS);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, d.resource), ==, requests);
  ferry_assert_property (fx->app, d.path, "ErrorName", "");

  /* Back online, both retries are still there: two failures in a row do
   * not stop it. */
  ferry_test_server_set_throttle (fx->server, 0);
  ferry_test_server_fail_next (fx->server, 503, 2);
  ferry_mock_nm_set_connectivity (fx->system_bus, FERRY_NM_CONNECTIVITY_FULL);
  ferry_client_wait_status (fx->app, d.path, "completed");
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, d.resource), ==, requests + 3);
  /* It came back asking for the rest (answered 503 on purpose). */
  req = ferry_test_server_nth_request (fx->server, d.resource, requests);
  range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", kept);
  g_assert_cmpstr (req->range, ==, range);
  g_assert_nonnull (req->if_range);
  ferry_assert_downloaded (d.dest, 1, d.size);
  ferry_assert_property (fx->app, d.path, "ErrorName", "");
}

static void
assert_still_waiting (FerryFixture *fx, Download *d, guint32 connectivity, const char *name)
{
  ferry_mock_nm_set_connectivity (fx->system_bus, connectivity);
  wait_connectivity (fx, name);
  ferry_client_assert_stays (fx->app, d->path, "paused-no-network", QUIET_MS);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, d->resource), ==, 0);
}

static void
test_created_offline_waits_through_portal_and_limited (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);
  g_auto(Download) d = { 0, };

  ferry_mock_nm_set_connectivity (fx->system_bus, FERRY_NM_CONNECTIVITY_NONE);
  start_ferryd_on (fx, ethernet, FALSE);
  wait_connectivity (fx, "none");
  /* "always" too: having no network is not a cost. */
  start_download (fx, &d, 512 * KiB, "later.bin", "always");
  ferry_client_wait_status (fx->app, d.path, "paused-no-network");
  ferry_client_assert_stays (fx->app, d.path, "paused-no-network", QUIET_MS);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, d.resource), ==, 0);

  assert_still_waiting (fx, &d, FERRY_NM_CONNECTIVITY_PORTAL, "portal");
  assert_still_waiting (fx, &d, FERRY_NM_CONNECTIVITY_LIMITED, "limited");

  ferry_mock_nm_set_connectivity (fx->system_bus, FERRY_NM_CONNECTIVITY_FULL);
  ferry_client_wait_status (fx->app, d.path, "completed");
  ferry_assert_downloaded (d.dest, 1, d.size);
}

static void
test_unknown_connectivity_does_not_hold_transfers (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);
  g_auto(Download) d = { 0, };

  ferry_mock_nm_set_connectivity (fx->system_bus, FERRY_NM_CONNECTIVITY_UNKNOWN);
  start_ferryd_on (fx, ethernet, FALSE);
  wait_connectivity (fx, "unknown");
  start_download (fx, &d, 512 * KiB, "unknown.bin", "default");
  ferry_client_wait_status (fx->app, d.path, "completed");
  ferry_assert_downloaded (d.dest, 1, d.size);
}

/* ---- roaming ------------------------------------------------------------- */

static void
test_modem_roaming_pauses_default_then_resumes_with_range (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *mobile;
  g_auto(Download) normal = { 0, };
  g_auto(Download) urgent = { 0, };
  guint64 kept, urgent_bytes;
  guint requests, ms;

  ferry_mock_nm_start (fx->system_bus);
  mobile = ferry_mock_nm_add_connection (fx->system_bus, "mobile", "gsm",
                                         FERRY_NM_METERED_GUESS_YES);
  ferry_mock_nm_set_primary (fx->system_bus, mobile);
  ferry_mock_mm_start_with_modem (fx->system_bus, FERRY_MM_REGISTRATION_HOME);
  start_ferryd_on (fx, mobile, TRUE);
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (FALSE));

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  start_download (fx, &normal, 2 * MiB, "normal.bin", "default");
  start_download (fx, &urgent, 2 * MiB + 1, "urgent.bin", "always");
  ferry_client_wait_bytes (fx->app, normal.path, 128 * KiB);
  ferry_client_wait_bytes (fx->app, urgent.path, 128 * KiB);

  ferry_mock_mm_set_registration (fx->system_bus, FERRY_MM_REGISTRATION_ROAMING);
  ms = ferry_client_wait_status_within (fx->app, normal.path, "paused-costed-network",
                                        REACTION_MS);
  g_test_message ("stopped %u ms after the modem started roaming", ms);
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (TRUE));
  kept = ferry_client_wait_kept_bytes (fx->app, normal.path, normal.dest);
  requests = ferry_test_server_count_requests (fx->server, normal.resource);
  urgent_bytes = ferry_client_get_uint64 (fx->app, urgent.path, "BytesReceived");
  ferry_client_wait_bytes (fx->app, urgent.path, urgent_bytes + 64 * KiB);
  ferry_client_assert_stays (fx->app, normal.path, "paused-costed-network", QUIET_MS);

  ferry_test_server_set_throttle (fx->server, 0);
  ferry_mock_mm_set_registration (fx->system_bus, FERRY_MM_REGISTRATION_HOME);
  ferry_client_wait_status (fx->app, normal.path, "completed");
  ferry_client_wait_status (fx->app, urgent.path, "completed");
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (FALSE));
  ferry_assert_range_request (fx->server, normal.resource, requests, kept);
  ferry_assert_downloaded (normal.dest, 1, normal.size);
  ferry_assert_downloaded (urgent.dest, 1, urgent.size);
}

static void
test_roaming_modem_counts_only_while_it_is_primary (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet, *mobile;
  g_auto(Download) d = { 0, };
  guint ms;

  ferry_mock_nm_start (fx->system_bus);
  ethernet = ferry_mock_nm_add_connection (fx->system_bus, "eth0", "802-3-ethernet",
                                           FERRY_NM_METERED_NO);
  mobile = ferry_mock_nm_add_connection (fx->system_bus, "mobile", "gsm",
                                         FERRY_NM_METERED_GUESS_YES);
  ferry_mock_nm_set_primary (fx->system_bus, ethernet);
  ferry_mock_mm_start_with_modem (fx->system_bus, FERRY_MM_REGISTRATION_ROAMING);
  start_ferryd_on (fx, ethernet, FALSE);

  /* The modem roams, but the traffic goes over Ethernet. */
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (FALSE));
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  start_download (fx, &d, 2 * MiB, "roam.bin", "default");
  ferry_client_wait_bytes (fx->app, d.path, 64 * KiB);

  /* Unplugged: the roaming modem carries it now. */
  ferry_mock_nm_set_primary (fx->system_bus, mobile);
  ms = ferry_client_wait_status_within (fx->app, d.path, "paused-costed-network", REACTION_MS);
  g_test_message ("stopped %u ms after the modem became primary", ms);
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (mobile->uuid));
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (TRUE));
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (TRUE));
}

/* ---- the Manager's view -------------------------------------------------- */

static void
test_manager_properties_follow_networkmanager (FerryFixture *fx, gconstpointer config)
{
  static const struct {
    guint32     nm_metered;
    gboolean    metered;
  } metered_values[] = {
    { FERRY_NM_METERED_YES, TRUE },
    { FERRY_NM_METERED_NO, FALSE },
    { FERRY_NM_METERED_GUESS_YES, TRUE },
    { FERRY_NM_METERED_GUESS_NO, FALSE },
    { FERRY_NM_METERED_UNKNOWN, FALSE },
  };
  static const struct {
    guint32     nm;
    const char *name;
  } connectivity_values[] = {
    { FERRY_NM_CONNECTIVITY_NONE, "none" },
    { FERRY_NM_CONNECTIVITY_PORTAL, "portal" },
    { FERRY_NM_CONNECTIVITY_LIMITED, "limited" },
    { FERRY_NM_CONNECTIVITY_UNKNOWN, "unknown" },
    { FERRY_NM_CONNECTIVITY_FULL, "full" },
  };
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_GUESS_NO);

  start_ferryd_on (fx, ethernet, FALSE);
  wait_connectivity (fx, "full");
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (FALSE));

  for (gsize i = 0; i < G_N_ELEMENTS (metered_values); i++)
    {
      g_test_message ("NetworkManager Metered %u", metered_values[i].nm_metered);
      ferry_mock_nm_set_metered (fx->system_bus, metered_values[i].nm_metered);
      ferry_client_wait_manager_property (fx->app, "Metered",
                                          g_variant_new_boolean (metered_values[i].metered));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (connectivity_values); i++)
    {
      ferry_mock_nm_set_connectivity (fx->system_bus, connectivity_values[i].nm);
      wait_connectivity (fx, connectivity_values[i].name);
    }

  /* No primary connection at all. */
  ferry_mock_nm_set_primary (fx->system_bus, NULL);
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (""));
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (FALSE));
}

/* ---- pausing by the app -------------------------------------------------- */

static void
test_app_paused_transfer_stays_paused_whatever_the_network_does (FerryFixture *fx,
                                                                 gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);
  g_auto(Download) d = { 0, };
  g_autoptr(GError) error = NULL;
  guint requests;

  start_ferryd_on (fx, ethernet, FALSE);
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  start_download (fx, &d, 1 * MiB, "held.bin", "unrestricted-only");
  ferry_client_wait_bytes (fx->app, d.path, 64 * KiB);
  ferry_client_transfer_call (fx->app, d.path, "Pause", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, d.path, "paused-by-application");
  requests = ferry_test_server_count_requests (fx->server, d.resource);

  ferry_mock_nm_set_metered (fx->system_bus, FERRY_NM_METERED_YES);
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (TRUE));
  ferry_client_assert_stays (fx->app, d.path, "paused-by-application", QUIET_MS);

  ferry_mock_nm_set_connectivity (fx->system_bus, FERRY_NM_CONNECTIVITY_NONE);
  wait_connectivity (fx, "none");
  ferry_client_assert_stays (fx->app, d.path, "paused-by-application", QUIET_MS);

  /* Everything allowed again: still the app's to resume. */
  ferry_mock_nm_set_connectivity (fx->system_bus, FERRY_NM_CONNECTIVITY_FULL);
  ferry_mock_nm_set_metered (fx->system_bus, FERRY_NM_METERED_NO);
  wait_connectivity (fx, "full");
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (FALSE));
  ferry_client_assert_stays (fx->app, d.path, "paused-by-application", QUIET_MS);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, d.resource), ==, requests);

  ferry_test_server_set_throttle (fx->server, 0);
  ferry_client_transfer_call (fx->app, d.path, "Resume", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, d.path, "completed");
  ferry_assert_downloaded (d.dest, 1, d.size);
}

/* ---- without NetworkManager ---------------------------------------------- */

static void
test_without_networkmanager_gio_runs_transfers (FerryFixture *fx, gconstpointer config)
{
  g_auto(Download) cautious = { 0, };
  g_auto(Download) normal = { 0, };

  /* Nothing on the system bus. GIO's plain monitor always sees a network
   * (the netlink one would make the test depend on the machine's routes). */
  g_setenv ("GIO_USE_NETWORK_MONITOR", "base", TRUE);
  ferry_fixture_start_ferryd_with_app (fx);
  ferry_client_wait_manager_property (fx->app, "NetworkSource", g_variant_new_string ("gio"));
  ferry_client_wait_manager_property (fx->app, "Connectivity", g_variant_new_string ("full"));
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (FALSE));
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (FALSE));
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (""));

  start_download (fx, &cautious, 1 * MiB, "cautious.bin", "unrestricted-only");
  start_download (fx, &normal, 1 * MiB + 1, "normal.bin", "default");
  ferry_client_wait_status (fx->app, cautious.path, "completed");
  ferry_client_wait_status (fx->app, normal.path, "completed");
  ferry_assert_downloaded (cautious.dest, 1, cautious.size);
  ferry_assert_downloaded (normal.dest, 1, normal.size);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/network/connectivity/none-waits-without-spending-retries", &two_retries,
                  test_no_connectivity_waits_without_spending_retries);
  ferry_test_add ("/network/connectivity/created-offline-waits-through-portal-and-limited",
                  &mocked, test_created_offline_waits_through_portal_and_limited);
  ferry_test_add ("/network/connectivity/unknown-does-not-hold-transfers", &mocked,
                  test_unknown_connectivity_does_not_hold_transfers);
  ferry_test_add ("/network/roaming/modem-roaming-pauses-default-then-resumes-with-range",
                  &mocked, test_modem_roaming_pauses_default_then_resumes_with_range);
  ferry_test_add ("/network/roaming/roaming-modem-counts-only-while-it-is-primary", &mocked,
                  test_roaming_modem_counts_only_while_it_is_primary);
  ferry_test_add ("/network/manager/properties-follow-networkmanager", &mocked,
                  test_manager_properties_follow_networkmanager);
  ferry_test_add ("/network/app-paused-transfer-stays-paused-whatever-the-network-does",
                  &mocked, test_app_paused_transfer_stays_paused_whatever_the_network_does);
  ferry_test_add ("/network/gio/without-networkmanager-gio-runs-transfers", &mocked,
                  test_without_networkmanager_gio_runs_transfers);

  return g_test_run ();
}
