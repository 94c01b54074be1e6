/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cost-policy table of DESIGN.md, row by row, with a transfer of each
 * policy in every row; the state set up before ferryd decides, and changed
 * under running transfers. NetworkManager and ModemManager are mocks on a
 * private system bus; data usage comes from the mock device's Statistics
 * counters, limits from Manager.SetDataLimit. Also: a denied transfer keeps
 * its bytes and resumes by itself with a Range request, cost policies
 * change live, apps have a default policy, usage survives a restart. */
#define G_LOG_DOMAIN "test-network-cost"

#include <string.h>

#include "ferry-test-fixture.h"
#include "ferry-test-upload-server.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* A running transfer that the network no longer allows stops within this. */
#define REACTION_MS 1000
/* How long a test watches for something that must not happen. */
#define QUIET_MS 400
/* The data limit of the tests' billing cycles. The traffic is the mock's
 * counters, not the test's downloads, so it can be this big. */
#define LIMIT ((guint64) 64 * MiB)

static const FerryFixtureConfig mocked = { .no_ferryd = TRUE, .system_bus = TRUE };

enum { UNRESTRICTED_ONLY, DEFAULT, ALWAYS, N_POLICIES };
static const char * const policies[N_POLICIES] = { "unrestricted-only", "default", "always" };

static const gboolean all_run[N_POLICIES] = { TRUE, TRUE, TRUE };
static const gboolean default_and_always_run[N_POLICIES] = { FALSE, TRUE, TRUE };
static const gboolean only_always_runs[N_POLICIES] = { FALSE, FALSE, TRUE };
static const gboolean none_runs[N_POLICIES] = { FALSE, FALSE, FALSE };

typedef struct {
  char   *path;       /* the transfer */
  char   *dest;
  char   *resource;   /* its path on the server */
  guint64 size;
} Download;

/* One download of each cost policy, throttled so that they are still
 * running when the test looks. */
typedef struct {
  Download d[N_POLICIES];
} Trio;

static void
download_clear (Download *d)
{
  g_free (d->path);
  g_free (d->dest);
  g_free (d->resource);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Download, download_clear)

static void
trio_clear (Trio *trio)
{
  for (guint i = 0; i < N_POLICIES; i++)
    download_clear (&trio->d[i]);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Trio, trio_clear)

static void
start_download (FerryFixture *fx, Download *d, guint64 size, const char *policy)
{
  g_autofree char *uri = NULL;
  g_autofree char *name = g_strconcat (policy, ".bin", NULL);

  d->size = size;
  d->resource = g_strdup_printf ("/file/%" G_GUINT64_FORMAT, size);
  uri = ferry_fixture_uri (fx, "%s", d->resource);
  d->dest = ferry_fixture_dest (fx, name);
  d->path = ferry_client_start_download_with (fx->app, uri, d->dest, "cost-policy", policy, NULL);
  ferry_assert_property (fx->app, d->path, "CostPolicy", policy);
}

static void
start_trio (FerryFixture *fx, Trio *trio)
{
  /* Same number of digits, so no resource is a prefix of another. */
  ferry_test_server_set_throttle (fx->server, 128 * KiB);
  for (guint i = 0; i < N_POLICIES; i++)
    start_download (fx, &trio->d[i], 4 * MiB + i, policies[i]);
}

/* Each transfer the row allows is receiving; each one it denies waits as
 * "paused-costed-network", and stays so, without a request, for a while. */
static void
assert_row (FerryFixture *fx, Trio *trio, const gboolean allowed[N_POLICIES])
{
  guint requests[N_POLICIES];
  gint64 end;

  for (guint i = 0; i < N_POLICIES; i++)
    {
      Download *d = &trio->d[i];

      if (allowed[i])
        {
          ferry_client_wait_bytes (fx->app, d->path,
                                   ferry_client_get_uint64 (fx->app, d->path, "BytesReceived") + 1);
          ferry_assert_property (fx->app, d->path, "Status", "running");
        }
      else
        ferry_client_wait_status (fx->app, d->path, "paused-costed-network");
      requests[i] = ferry_test_server_count_requests (fx->server, d->resource);
    }

  /* A bounded observation window: the denied ones send nothing. */
  end = g_get_monotonic_time () + QUIET_MS * 1000;
  while (g_get_monotonic_time () < end)
    {
      ferry_test_iterate (50);
      for (guint i = 0; i < N_POLICIES; i++)
        if (!allowed[i])
          {
            ferry_assert_property (fx->app, trio->d[i].path, "Status", "paused-costed-network");
            g_assert_cmpuint (ferry_test_server_count_requests (fx->server, trio->d[i].resource),
                              ==, requests[i]);
          }
    }
  for (guint i = 0; i < N_POLICIES; i++)
    if (allowed[i])
      ferry_assert_property (fx->app, trio->d[i].path, "Status", "running");
}

/* Before the change the row @before held; after it, each running transfer
 * that @after denies stops within REACTION_MS and keeps its bytes, and
 * those it allows run. @change is what the mocks do. */
static void
assert_row_change (FerryFixture *fx,
                   Trio         *trio,
                   const gboolean before[N_POLICIES],
                   const gboolean after[N_POLICIES],
                   void        (*change) (FerryFixture *fx, gpointer data),
                   gpointer      data)
{
  assert_row (fx, trio, before);
  for (guint i = 0; i < N_POLICIES; i++)
    if (before[i])
      ferry_client_wait_bytes (fx->app, trio->d[i].path, 64 * KiB);

  change (fx, data);
  for (guint i = 0; i < N_POLICIES; i++)
    if (before[i] && !after[i])
      {
        guint ms = ferry_client_wait_status_within (fx->app, trio->d[i].path,
                                                    "paused-costed-network", REACTION_MS);

        g_test_message ("%s stopped %u ms after the change", policies[i], ms);
        ferry_client_wait_kept_bytes (fx->app, trio->d[i].path, trio->d[i].dest);
      }
  assert_row (fx, trio, after);
}

/* ---- the network state -------------------------------------------------- */

typedef struct {
  FerryMockConnection *primary;
  guint                cycle_day;
  double               fraction;   /* of the billing cycle gone by now */
} Plan;

static gboolean
is_metered (guint32 nm_metered)
{
  return nm_metered == FERRY_NM_METERED_YES || nm_metered == FERRY_NM_METERED_GUESS_YES;
}

/* Starts ferryd, and waits until it sees NetworkManager's primary
 * connection. */
static void
start_ferryd_on (FerryFixture *fx, FerryMockConnection *primary)
{
  ferry_fixture_start_ferryd_with_app (fx);
  ferry_client_wait_manager_property (fx->app, "NetworkSource",
                                      g_variant_new_string ("networkmanager"));
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (primary->uuid));
  ferry_client_wait_manager_property (fx->app, "Metered",
                                      g_variant_new_boolean (is_metered (primary->metered)));
  ferry_client_wait_manager_property (fx->app, "Connectivity", g_variant_new_string ("full"));
}

/* The contract's cycle: from local midnight of the last @day on or before
 * today, for one month. */
static double
cycle_fraction (guint day)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  int year = g_date_time_get_year (now);
  int month = g_date_time_get_month (now);

  if (g_date_time_get_day_of_month (now) < (int) day && --month == 0)
    {
      month = 12;
      year--;
    }
  start = g_date_time_new_local (year, month, day, 0, 0, 0);
  end = g_date_time_add_months (start, 1);
  return (double) g_date_time_difference (now, start) / (double) g_date_time_difference (end, start);
}

/* Gives the primary connection a data limit of LIMIT in a cycle about half
 * gone, whatever today's date, so that the usages below land in the rows
 * they are meant for with wide margins. */
static void
set_data_limit (FerryFixture *fx, Plan *plan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  double best = 2;

  for (guint day = 1; day <= 28; day++)
    if (ABS (cycle_fraction (day) - 0.5) < best)
      {
        best = ABS (cycle_fraction (day) - 0.5);
        plan->cycle_day = day;
      }
  plan->fraction = cycle_fraction (plan->cycle_day);
  g_test_message ("billing cycle from day %u, %.3f of it gone", plan->cycle_day, plan->fraction);
  g_assert_cmpfloat (plan->fraction, >, 0.3);
  g_assert_cmpfloat (plan->fraction, <, 0.7);

  reply = ferry_client_call (fx->app, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, "SetDataLimit",
                             g_variant_new ("(stu)", "", LIMIT, plan->cycle_day),
                             G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  ferry_client_wait_manager_property (fx->app, "DataLimit", g_variant_new_uint64 (LIMIT));
  ferry_client_wait_manager_property (fx->app, "BillingCycleStartDay",
                                      g_variant_new_uint32 (plan->cycle_day));
}

typedef struct {
  FerryTestSystemBus  *bus;
  FerryMockConnection *connection;
} RefreshRate;

static gboolean
refresh_rate_set (gpointer data)
{
  RefreshRate *rate = data;

  return ferry_mock_nm_get_refresh_rate (rate->bus, rate->connection) == 1000;
}

/* Waits until ferryd follows the connection's device counters: it asks
 * NetworkManager to refresh them every second. */
static void
wait_counting (FerryFixture *fx, FerryMockConnection *connection)
{
  RefreshRate rate = { fx->system_bus, connection };

  if (!ferry_test_wait_until (refresh_rate_set, &rate, FERRY_TEST_TIMEOUT_MS))
    g_error ("ferryd never set RefreshRateMs on %s's Statistics", connection->device);
}

/* Forgets that ferryd asked for a refresh rate, so that wait_counting()
 * tells when it looks at the counters again. */
static void
forget_refresh_rate (FerryFixture *fx, FerryMockConnection *connection)
{
  ferry_test_mock_set (fx->system_bus, "org.freedesktop.NetworkManager", connection->device,
                       "org.freedesktop.NetworkManager.Device.Statistics", "RefreshRateMs",
                       g_variant_new_uint32 (0));
}

/* Makes the cycle's usage @usage bytes (more than it was) through the mock
 * device's counters, and waits until ferryd shows it. */
static void
use_data (FerryFixture *fx, Plan *plan, guint64 usage)
{
  g_autoptr(GVariant) current = ferry_client_get_manager_property (fx->app, "DataUsage");

  g_assert_cmpuint (usage, >, g_variant_get_uint64 (current));
  ferry_mock_nm_add_traffic (fx->system_bus, plan->primary, usage - g_variant_get_uint64 (current));
  ferry_client_wait_manager_property (fx->app, "DataUsage", g_variant_new_uint64 (usage));
}

/* Usages for each row, given how much of the cycle is gone (f):
 * on track to stay under projects to LIMIT / 4; on track to exceed is
 * between LIMIT·f and LIMIT, projecting to about 1.5 × LIMIT. */
static guint64
usage_on_track (Plan *plan)
{
  return (guint64) (LIMIT * plan->fraction / 4);
}

static guint64
usage_on_track_to_exceed (Plan *plan)
{
  return (guint64) (LIMIT * (1 + plan->fraction) / 2);
}

static guint64
usage_over_limit (Plan *plan)
{
  return LIMIT + LIMIT / 4;
}

static void
assert_plan_state (FerryFixture *fx, gboolean on_track_to_exceed, gboolean over_limit)
{
  ferry_client_wait_manager_property (fx->app, "OnTrackToExceed",
                                      g_variant_new_boolean (on_track_to_exceed));
  ferry_client_wait_manager_property (fx->app, "OverLimit", g_variant_new_boolean (over_limit));
}

static void
restrict_background_data (FerryFixture *fx, gboolean enabled)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (fx->app, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE,
                             "SetRestrictBackgroundData", g_variant_new ("(b)", enabled),
                             G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  ferry_client_wait_manager_property (fx->app, "RestrictBackgroundData",
                                      g_variant_new_boolean (enabled));
}

/* Metered Ethernet with a data limit, and ferryd following its counters;
 * nothing used yet. */
static void
start_metered_with_limit (FerryFixture *fx, Plan *plan)
{
  plan->primary = ferry_mock_nm_start_with_ethernet (fx->system_bus, FERRY_NM_METERED_YES);
  start_ferryd_on (fx, plan->primary);
  set_data_limit (fx, plan);
  wait_counting (fx, plan->primary);
  ferry_client_wait_manager_property (fx->app, "DataUsage", g_variant_new_uint64 (0));
}

/* A mobile connection on a modem registered as @registration; NetworkManager
 * guesses that mobile data is metered. */
static void
start_mobile (FerryFixture *fx, guint32 registration)
{
  FerryMockConnection *mobile;

  ferry_mock_nm_start (fx->system_bus);
  mobile = ferry_mock_nm_add_connection (fx->system_bus, "mobile", "gsm",
                                         FERRY_NM_METERED_GUESS_YES);
  ferry_mock_nm_set_primary (fx->system_bus, mobile);
  ferry_mock_mm_start_with_modem (fx->system_bus, registration);
  start_ferryd_on (fx, mobile);
  ferry_client_wait_manager_property (fx->app, "Roaming",
                                      g_variant_new_boolean (registration ==
                                                             FERRY_MM_REGISTRATION_ROAMING));
}

/* ---- the table, state set up before the transfers ----------------------- */

static void
test_unmetered_runs_every_policy (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);

  start_ferryd_on (fx, ethernet);
  start_trio (fx, &trio);
  assert_row (fx, &trio, all_run);
}

static void
test_metered_on_track_runs_default_and_always (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  Plan plan = { 0, };

  start_metered_with_limit (fx, &plan);
  use_data (fx, &plan, usage_on_track (&plan));
  assert_plan_state (fx, FALSE, FALSE);
  start_trio (fx, &trio);
  assert_row (fx, &trio, default_and_always_run);
}

static void
test_metered_on_track_to_exceed_runs_only_always (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  Plan plan = { 0, };

  start_metered_with_limit (fx, &plan);
  use_data (fx, &plan, usage_on_track_to_exceed (&plan));
  assert_plan_state (fx, TRUE, FALSE);
  start_trio (fx, &trio);
  assert_row (fx, &trio, only_always_runs);
}

static void
test_roaming_runs_only_always (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };

  start_mobile (fx, FERRY_MM_REGISTRATION_ROAMING);
  start_trio (fx, &trio);
  assert_row (fx, &trio, only_always_runs);
}

static void
test_over_limit_with_restriction_runs_nothing (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  Plan plan = { 0, };

  start_metered_with_limit (fx, &plan);
  use_data (fx, &plan, usage_over_limit (&plan));
  restrict_background_data (fx, TRUE);
  ferry_client_wait_manager_property (fx->app, "OverLimit", g_variant_new_boolean (TRUE));
  start_trio (fx, &trio);
  assert_row (fx, &trio, none_runs);
  for (guint i = 0; i < N_POLICIES; i++)
    g_assert_cmpuint (ferry_test_server_count_requests (fx->server, trio.d[i].resource), ==, 0);
}

/* ---- the table, state changed under running transfers ------------------- */

static void
set_metered_cb (FerryFixture *fx, gpointer data)
{
  ferry_mock_nm_set_metered (fx->system_bus, GPOINTER_TO_UINT (data));
}

static void
test_unmetered_live_runs_every_policy (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_YES);

  start_ferryd_on (fx, ethernet);
  start_trio (fx, &trio);
  assert_row_change (fx, &trio, default_and_always_run, all_run,
                     set_metered_cb, GUINT_TO_POINTER (FERRY_NM_METERED_NO));
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (FALSE));
}

static void
test_metered_live_pauses_unrestricted_only (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);

  start_ferryd_on (fx, ethernet);
  start_trio (fx, &trio);
  /* "guess-yes" counts as metered too. */
  assert_row_change (fx, &trio, all_run, default_and_always_run,
                     set_metered_cb, GUINT_TO_POINTER (FERRY_NM_METERED_GUESS_YES));
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (TRUE));
}

typedef struct {
  Plan   *plan;
  guint64 more;   /* traffic to add */
} Traffic;

static void
add_traffic_cb (FerryFixture *fx, gpointer data)
{
  Traffic *traffic = data;

  ferry_mock_nm_add_traffic (fx->system_bus, traffic->plan->primary, traffic->more);
}

static void
test_projected_past_limit_live_pauses_default (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  Plan plan = { 0, };
  Traffic traffic = { &plan, 0 };

  start_metered_with_limit (fx, &plan);
  use_data (fx, &plan, usage_on_track (&plan));
  assert_plan_state (fx, FALSE, FALSE);
  start_trio (fx, &trio);

  traffic.more = usage_on_track_to_exceed (&plan) - usage_on_track (&plan);
  assert_row_change (fx, &trio, default_and_always_run, only_always_runs,
                     add_traffic_cb, &traffic);
  assert_plan_state (fx, TRUE, FALSE);
}

static void
set_registration_cb (FerryFixture *fx, gpointer data)
{
  ferry_mock_mm_set_registration (fx->system_bus, GPOINTER_TO_UINT (data));
}

static void
test_roaming_live_pauses_default (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };

  start_mobile (fx, FERRY_MM_REGISTRATION_HOME);
  start_trio (fx, &trio);
  assert_row_change (fx, &trio, default_and_always_run, only_always_runs,
                     set_registration_cb, GUINT_TO_POINTER (FERRY_MM_REGISTRATION_ROAMING));
  ferry_client_wait_manager_property (fx->app, "Roaming", g_variant_new_boolean (TRUE));
}

static void
test_over_limit_with_restriction_live_pauses_always (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  Plan plan = { 0, };
  Traffic traffic = { &plan, 0 };

  start_metered_with_limit (fx, &plan);
  use_data (fx, &plan, usage_on_track (&plan));
  restrict_background_data (fx, TRUE);
  assert_plan_state (fx, FALSE, FALSE);
  start_trio (fx, &trio);

  traffic.more = usage_over_limit (&plan) - usage_on_track (&plan);
  assert_row_change (fx, &trio, default_and_always_run, none_runs, add_traffic_cb, &traffic);
  ferry_client_wait_manager_property (fx->app, "OverLimit", g_variant_new_boolean (TRUE));
}

/* ---- pausing and resuming ----------------------------------------------- */

static void
test_metered_pauses_unrestricted_only_then_resumes_with_range (FerryFixture *fx,
                                                                gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);
  g_auto(Download) cautious = { 0, };
  g_auto(Download) normal = { 0, };
  guint64 kept, normal_bytes;
  guint requests, ms;

  start_ferryd_on (fx, ethernet);
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  start_download (fx, &cautious, 2 * MiB, "unrestricted-only");
  start_download (fx, &normal, 2 * MiB + 1, "default");
  ferry_client_wait_bytes (fx->app, cautious.path, 128 * KiB);
  ferry_client_wait_bytes (fx->app, normal.path, 128 * KiB);

  ferry_mock_nm_set_metered (fx->system_bus, FERRY_NM_METERED_YES);
  ms = ferry_client_wait_status_within (fx->app, cautious.path, "paused-costed-network",
                                        REACTION_MS);
  g_test_message ("the unrestricted-only download stopped %u ms after the switch", ms);
  kept = ferry_client_wait_kept_bytes (fx->app, cautious.path, cautious.dest);
  g_assert_cmpuint (kept, <, cautious.size);
  requests = ferry_test_server_count_requests (fx->server, cautious.resource);

  /* The default one goes on meanwhile; the other waits, fetching nothing. */
  normal_bytes = ferry_client_get_uint64 (fx->app, normal.path, "BytesReceived");
  ferry_client_wait_bytes (fx->app, normal.path, normal_bytes + 64 * KiB);
  ferry_client_assert_stays (fx->app, cautious.path, "paused-costed-network", QUIET_MS);
  ferry_assert_property (fx->app, normal.path, "Status", "running");
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, cautious.resource), ==, requests);

  /* Back on an unmetered network it goes on by itself from where it was. */
  ferry_test_server_set_throttle (fx->server, 0);
  ferry_mock_nm_set_metered (fx->system_bus, FERRY_NM_METERED_NO);
  ferry_client_wait_status (fx->app, cautious.path, "completed");
  ferry_client_wait_status (fx->app, normal.path, "completed");
  ferry_assert_range_request (fx->server, cautious.resource, requests, kept);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, cautious.resource), ==,
                    requests + 1);
  ferry_assert_downloaded (cautious.dest, 1, cautious.size);
  ferry_assert_downloaded (normal.dest, 1, normal.size);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, normal.resource), ==, 1);
}

/* ferryd restarted on a metered network must not start an
 * unrestricted-only transfer before it knows what the network costs. */
static void
test_restart_on_metered_network_never_fetches_unrestricted_only (FerryFixture *fx,
                                                                  gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_YES);
  g_auto(Download) cautious = { 0, };
  g_auto(Download) normal = { 0, };

  start_ferryd_on (fx, ethernet);
  ferry_test_server_set_throttle (fx->server, 64 * KiB);
  start_download (fx, &cautious, 2 * MiB, "unrestricted-only");
  start_download (fx, &normal, 2 * MiB + 1, "default");
  ferry_client_wait_status (fx->app, cautious.path, "paused-costed-network");
  ferry_client_wait_bytes (fx->app, normal.path, 1);

  ferry_fixture_restart_ferryd (fx);
  ferry_client_wait_status (fx->app, cautious.path, "paused-costed-network");
  ferry_client_wait_bytes (fx->app, normal.path,
                           ferry_client_get_uint64 (fx->app, normal.path, "BytesReceived") + 1);
  ferry_client_assert_stays (fx->app, cautious.path, "paused-costed-network", QUIET_MS);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, cautious.resource), ==, 0);
}

/* ---- cost policies through the API -------------------------------------- */

static void
set_cost_policy (FerryFixture *fx, const char *transfer, const char *policy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (fx->app, transfer, FERRY_TRANSFER_IFACE, "SetCostPolicy",
                             g_variant_new ("(s)", policy), G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  ferry_assert_property (fx->app, transfer, "CostPolicy", policy);
}

static void
test_set_cost_policy_applies_at_once (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_YES);
  g_auto(Download) d = { 0, };
  guint ms;

  start_ferryd_on (fx, ethernet);
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  start_download (fx, &d, 2 * MiB, "unrestricted-only");
  ferry_client_wait_status (fx->app, d.path, "paused-costed-network");

  set_cost_policy (fx, d.path, "default");
  ferry_client_wait_bytes (fx->app, d.path, 64 * KiB);

  set_cost_policy (fx, d.path, "unrestricted-only");
  ms = ferry_client_wait_status_within (fx->app, d.path, "paused-costed-network", REACTION_MS);
  g_test_message ("stopped %u ms after SetCostPolicy", ms);

  set_cost_policy (fx, d.path, "always");
  ferry_test_server_set_throttle (fx->server, 0);
  ferry_client_wait_status (fx->app, d.path, "completed");
  ferry_assert_downloaded (d.dest, 1, d.size);
}

static char *
get_default_cost_policy (FerryTestClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  char *policy = NULL;

  reply = ferry_client_call (client, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                             "GetDefaultCostPolicy", NULL, G_VARIANT_TYPE ("(s)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &policy);
  return policy;
}

static void
test_app_default_cost_policy_applies_to_its_new_downloads (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_YES);
  FerryTestClient *other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *policy = NULL;
  g_autofree char *other_policy = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *path = NULL;
  g_autofree char *explicit_dest = NULL;
  g_autofree char *explicit_path = NULL;

  start_ferryd_on (fx, ethernet);
  other = ferry_fixture_connect (fx, "org.freedesktop.FerryTest.Other");
  policy = get_default_cost_policy (fx->app);
  g_assert_cmpstr (policy, ==, "default");

  reply = ferry_client_call (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                             "SetDefaultCostPolicy", g_variant_new ("(s)", "unrestricted-only"),
                             G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  g_clear_pointer (&policy, g_free);
  policy = get_default_cost_policy (fx->app);
  g_assert_cmpstr (policy, ==, "unrestricted-only");
  /* Per app. */
  other_policy = get_default_cost_policy (other);
  g_assert_cmpstr (other_policy, ==, "default");

  uri = ferry_fixture_uri (fx, "/file/%d", 256 * KiB);
  dest = ferry_fixture_dest (fx, "by-default.bin");
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_assert_property (fx->app, path, "CostPolicy", "unrestricted-only");
  ferry_client_wait_status (fx->app, path, "paused-costed-network");
  /* An explicit option still wins. */
  explicit_dest = ferry_fixture_dest (fx, "explicit.bin");
  explicit_path = ferry_client_start_download_with (fx->app, uri, explicit_dest,
                                                    "cost-policy", "default", NULL);
  ferry_client_wait_status (fx->app, explicit_path, "completed");

  /* Kept across restarts. */
  ferry_fixture_restart_ferryd (fx);
  g_clear_pointer (&policy, g_free);
  policy = get_default_cost_policy (fx->app);
  g_assert_cmpstr (policy, ==, "unrestricted-only");
  ferry_client_wait_status (fx->app, path, "paused-costed-network");
}

static void
assert_invalid_argument (FerryTestClient *client,
                         const char      *path,
                         const char      *interface,
                         const char      *method,
                         GVariant        *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = ferry_client_call (client, path, interface, method, parameters,
                                                 NULL, &error);

  g_test_message ("%s: %s", method, error ? error->message : "succeeded");
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
}

static void
test_bad_policies_priorities_and_limits_are_rejected (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);
  g_autofree char *uri = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) current = NULL;
  g_autoptr(GVariant) limit = NULL;

  start_ferryd_on (fx, ethernet);
  uri = ferry_fixture_uri (fx, "/file/1024");
  dest = ferry_fixture_dest (fx, "bad.bin");

#define CREATE(options) g_variant_new ("(ss@a{sv})", uri, dest, g_variant_new_parsed (options))
  assert_invalid_argument (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE, "CreateDownload",
                           CREATE ("{'cost-policy': <'cheap'>}"));
  assert_invalid_argument (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE, "CreateDownload",
                           CREATE ("{'cost-policy': <uint32 1>}"));
  assert_invalid_argument (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE, "CreateDownload",
                           CREATE ("{'priority': <'urgent'>}"));
  assert_invalid_argument (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE, "CreateDownload",
                           CREATE ("{'priority': <true>}"));
#undef CREATE
  current = ferry_client_list (fx->app, "");
  g_assert_cmpuint (g_strv_length (current), ==, 0);

  assert_invalid_argument (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                           "SetDefaultCostPolicy", g_variant_new ("(s)", "Default"));

  path = ferry_client_start_download_with (fx->app, uri, dest, "priority", "high", NULL);
  ferry_assert_property (fx->app, path, "Priority", "high");
  ferry_assert_property (fx->app, path, "CostPolicy", "default");
  assert_invalid_argument (fx->app, path, FERRY_TRANSFER_IFACE, "SetCostPolicy",
                           g_variant_new ("(s)", ""));
  assert_invalid_argument (fx->app, path, FERRY_TRANSFER_IFACE, "SetPriority",
                           g_variant_new ("(s)", "urgent"));
  ferry_assert_property (fx->app, path, "Priority", "high");
  ferry_assert_property (fx->app, path, "CostPolicy", "default");

  assert_invalid_argument (fx->app, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, "SetDataLimit",
                           g_variant_new ("(stu)", "", (guint64) MiB, 0));
  assert_invalid_argument (fx->app, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, "SetDataLimit",
                           g_variant_new ("(stu)", "", (guint64) MiB, 29));
  limit = ferry_client_get_manager_property (fx->app, "DataLimit");
  g_assert_cmpuint (g_variant_get_uint64 (limit), ==, 0);
}

/* Uploads follow the same table, with the Uploader's own default. */
static void
test_uploads_obey_the_cost_policy (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_YES);
  g_autofree char *store = g_build_filename (fx->tmpdir, "received", NULL);
  g_autofree char *source = g_build_filename (fx->tmpdir, "source.bin", NULL);
  g_autoptr(FerryTestUploadServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree guint8 *content = g_malloc (256 * KiB);
  g_autofree char *cautious_uri = NULL;
  g_autofree char *urgent_uri = NULL;
  g_autofree char *cautious = NULL;
  g_autofree char *urgent = NULL;
  g_autofree char *policy = NULL;
  g_autofree char *expected = ferry_test_content_sha256 (1, 256 * KiB);
  FerryTestUploadRequest *received;

  g_assert_cmpint (g_mkdir_with_parents (store, 0700), ==, 0);
  server = ferry_test_upload_server_new (store);
  ferry_test_content_fill (1, 0, content, 256 * KiB);
  g_file_set_contents (source, (const char *) content, 256 * KiB, &error);
  g_assert_no_error (error);
  start_ferryd_on (fx, ethernet);

  reply = ferry_client_call (fx->app, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                             "SetDefaultCostPolicy", g_variant_new ("(s)", "unrestricted-only"),
                             G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = ferry_client_call (fx->app, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                             "GetDefaultCostPolicy", NULL, G_VARIANT_TYPE ("(s)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &policy);
  g_assert_cmpstr (policy, ==, "unrestricted-only");

  cautious_uri = ferry_test_upload_server_uri (server, "/upload/cautious");
  urgent_uri = ferry_test_upload_server_uri (server, "/upload/urgent");
  cautious = ferry_client_start_upload (fx->app, cautious_uri, source, NULL);
  urgent = ferry_client_start_upload (fx->app, urgent_uri, source,
                                      g_variant_new_parsed ("{'cost-policy': <'always'>}"));
  ferry_assert_property (fx->app, cautious, "CostPolicy", "unrestricted-only");
  ferry_assert_property (fx->app, urgent, "CostPolicy", "always");
  ferry_client_wait_status (fx->app, urgent, "completed");
  ferry_client_wait_status (fx->app, cautious, "paused-costed-network");
  ferry_client_assert_stays (fx->app, cautious, "paused-costed-network", QUIET_MS);
  g_assert_cmpuint (ferry_test_upload_server_count_requests (server, NULL, "/upload/cautious"), ==, 0);

  ferry_mock_nm_set_metered (fx->system_bus, FERRY_NM_METERED_NO);
  ferry_client_wait_status (fx->app, cautious, "completed");
  g_assert_cmpuint (ferry_test_upload_server_count_requests (server, NULL, "/upload/cautious"), ==, 1);
  received = ferry_test_upload_server_nth_request (server, NULL, "/upload/cautious", 0);
  g_assert_true (received->body_complete);
  g_assert_cmpstr (received->body_sha256, ==, expected);
}

/* ---- data usage --------------------------------------------------------- */

static void
test_usage_counts_primary_traffic_and_survives_restart (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet, *other;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  Plan plan = { 0, };

  ferry_mock_nm_start (fx->system_bus);
  ethernet = ferry_mock_nm_add_connection (fx->system_bus, "eth0", "802-3-ethernet",
                                           FERRY_NM_METERED_YES);
  other = ferry_mock_nm_add_connection (fx->system_bus, "eth1", "802-3-ethernet",
                                       FERRY_NM_METERED_NO);
  ferry_mock_nm_set_primary (fx->system_bus, ethernet);
  plan.primary = ethernet;
  start_ferryd_on (fx, ethernet);
  set_data_limit (fx, &plan);
  wait_counting (fx, ethernet);

  /* The counters' first reading is where counting starts. */
  ferry_client_wait_manager_property (fx->app, "DataUsage", g_variant_new_uint64 (0));
  use_data (fx, &plan, 5 * MiB);
  /* Sent bytes count too. */
  ethernet->tx_bytes += 1 * MiB;
  ferry_test_mock_set (fx->system_bus, "org.freedesktop.NetworkManager", ethernet->device,
                       "org.freedesktop.NetworkManager.Device.Statistics", "TxBytes",
                       g_variant_new_uint64 (ethernet->tx_bytes));
  ferry_client_wait_manager_property (fx->app, "DataUsage", g_variant_new_uint64 (6 * MiB));

  /* Traffic on a device that is not the primary one is not this
   * connection's usage. */
  forget_refresh_rate (fx, ethernet);
  ferry_mock_nm_set_primary (fx->system_bus, other);
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (other->uuid));
  wait_counting (fx, other);
  ferry_mock_nm_add_traffic (fx->system_bus, ethernet, 3 * MiB);
  ferry_mock_nm_set_primary (fx->system_bus, ethernet);
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (ethernet->uuid));
  wait_counting (fx, ethernet);
  ferry_client_wait_manager_property (fx->app, "DataUsage", g_variant_new_uint64 (6 * MiB));
  use_data (fx, &plan, 7 * MiB);

  /* Kept in the database; the new process starts counting from the
   * counters as they are. GSettings lives in memory in the tests, so the
   * limit (and its cycle) is set again. */
  forget_refresh_rate (fx, ethernet);
  ferry_fixture_restart_ferryd (fx);
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (ethernet->uuid));
  reply = ferry_client_call (fx->app, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, "SetDataLimit",
                             g_variant_new ("(stu)", ethernet->uuid, LIMIT, plan.cycle_day),
                             G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  ferry_client_wait_manager_property (fx->app, "DataUsage", g_variant_new_uint64 (7 * MiB));
  wait_counting (fx, ethernet);
  use_data (fx, &plan, 8 * MiB);
}

/* The primary connection flips back and forth faster than ferryd can look
 * at the devices (a flaky cable, Wi-Fi roaming between access points): no
 * traffic is added, so no usage may appear, whichever device's counters
 * ferryd read last. */
static void
test_usage_ignores_quick_primary_switches (FerryFixture *fx, gconstpointer config)
{
  FerryMockConnection *ethernet, *other;
  Plan plan = { 0, };
  gint64 end;

  ferry_mock_nm_start (fx->system_bus);
  ethernet = ferry_mock_nm_add_connection (fx->system_bus, "eth0", "802-3-ethernet",
                                           FERRY_NM_METERED_YES);
  other = ferry_mock_nm_add_connection (fx->system_bus, "eth1", "802-3-ethernet",
                                        FERRY_NM_METERED_YES);
  ferry_mock_nm_set_primary (fx->system_bus, ethernet);
  plan.primary = ethernet;
  start_ferryd_on (fx, ethernet);
  set_data_limit (fx, &plan);
  wait_counting (fx, ethernet);
  use_data (fx, &plan, 1 * MiB);

  forget_refresh_rate (fx, ethernet);
  for (guint i = 0; i < 5; i++)
    {
      ferry_mock_nm_set_primary (fx->system_bus, other);
      ferry_mock_nm_set_primary (fx->system_bus, ethernet);
    }
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (ethernet->uuid));
  wait_counting (fx, ethernet);

  /* A bounded observation window: nothing is added. */
  end = g_get_monotonic_time () + QUIET_MS * 1000;
  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GVariant) usage = ferry_client_get_manager_property (fx->app, "DataUsage");

      g_assert_cmpuint (g_variant_get_uint64 (usage), ==, 1 * MiB);
      ferry_test_iterate (50);
    }
  /* And what comes next is counted, once. */
  use_data (fx, &plan, 2 * MiB);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/network/cost/unmetered-runs-every-policy", &mocked,
                  test_unmetered_runs_every_policy);
  ferry_test_add ("/network/cost/metered-on-track-runs-default-and-always", &mocked,
                  test_metered_on_track_runs_default_and_always);
  ferry_test_add ("/network/cost/metered-on-track-to-exceed-runs-only-always", &mocked,
                  test_metered_on_track_to_exceed_runs_only_always);
  ferry_test_add ("/network/cost/roaming-runs-only-always", &mocked,
                  test_roaming_runs_only_always);
  ferry_test_add ("/network/cost/over-limit-with-restriction-runs-nothing", &mocked,
                  test_over_limit_with_restriction_runs_nothing);

  ferry_test_add ("/network/cost/live/unmetered-again-runs-every-policy", &mocked,
                  test_unmetered_live_runs_every_policy);
  ferry_test_add ("/network/cost/live/metered-pauses-unrestricted-only", &mocked,
                  test_metered_live_pauses_unrestricted_only);
  ferry_test_add ("/network/cost/live/projected-past-limit-pauses-default", &mocked,
                  test_projected_past_limit_live_pauses_default);
  ferry_test_add ("/network/cost/live/roaming-pauses-default", &mocked,
                  test_roaming_live_pauses_default);
  ferry_test_add ("/network/cost/live/over-limit-with-restriction-pauses-always", &mocked,
                  test_over_limit_with_restriction_live_pauses_always);

  ferry_test_add ("/network/cost/metered-pauses-unrestricted-only-then-resumes-with-range",
                  &mocked, test_metered_pauses_unrestricted_only_then_resumes_with_range);
  ferry_test_add ("/network/cost/restart-on-metered-network-never-fetches-unrestricted-only",
                  &mocked, test_restart_on_metered_network_never_fetches_unrestricted_only);
  ferry_test_add ("/network/cost/set-cost-policy-applies-at-once", &mocked,
                  test_set_cost_policy_applies_at_once);
  ferry_test_add ("/network/cost/app-default-cost-policy-applies-to-its-new-downloads", &mocked,
                  test_app_default_cost_policy_applies_to_its_new_downloads);
  ferry_test_add ("/network/cost/bad-policies-priorities-and-limits-are-rejected", &mocked,
                  test_bad_policies_priorities_and_limits_are_rejected);
  ferry_test_add ("/network/cost/uploads-obey-the-cost-policy", &mocked,
                  test_uploads_obey_the_cost_policy);
  ferry_test_add ("/network/usage/counts-primary-traffic-and-survives-restart", &mocked,
                  test_usage_counts_primary_traffic_and_survives_restart);
  ferry_test_add ("/network/usage/ignores-quick-primary-switches", &mocked,
                  test_usage_ignores_quick_primary_switches);

  return g_test_run ();
}
