/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The power policy: while power-profiles-daemon's profile is "power-saver",
 * or UPower says the battery is low, "low" priority transfers wait as
 * "paused-system-policy" and the others run; they go on by themselves when
 * it ends. The services are python3-dbusmock mocks on a private system bus,
 * with NetworkManager's mock on an unmetered network so that only power
 * decides. */
#define G_LOG_DOMAIN "test-network-power"

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* A running transfer that the policy no longer allows stops within this. */
#define REACTION_MS 1000
/* How long a test watches for something that must not happen. */
#define QUIET_MS 400

static const FerryFixtureConfig mocked = { .no_ferryd = TRUE, .system_bus = TRUE };

enum { LOW, DEFAULT, HIGH, N_PRIORITIES };
static const char * const priorities[N_PRIORITIES] = { "low", "default", "high" };

typedef struct {
  char   *path;
  char   *dest;
  char   *resource;
  guint64 size;
} Download;

/* One download of each priority. */
typedef struct {
  Download d[N_PRIORITIES];
} Trio;

static void
trio_clear (Trio *trio)
{
  for (guint i = 0; i < N_PRIORITIES; i++)
    {
      g_free (trio->d[i].path);
      g_free (trio->d[i].dest);
      g_free (trio->d[i].resource);
    }
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Trio, trio_clear)

static void
start_trio (FerryFixture *fx, Trio *trio)
{
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  for (guint i = 0; i < N_PRIORITIES; i++)
    {
      Download *d = &trio->d[i];
      g_autofree char *uri = NULL;
      g_autofree char *name = g_strconcat (priorities[i], ".bin", NULL);

      d->size = 2 * MiB + i;
      d->resource = g_strdup_printf ("/file/%" G_GUINT64_FORMAT, d->size);
      uri = ferry_fixture_uri (fx, "%s", d->resource);
      d->dest = ferry_fixture_dest (fx, name);
      d->path = ferry_client_start_download_with (fx->app, uri, d->dest,
                                                  "priority", priorities[i], NULL);
      ferry_assert_property (fx->app, d->path, "Priority", priorities[i]);
    }
}

/* An unmetered network, then ferryd. */
static void
start_ferryd (FerryFixture *fx)
{
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_NO);

  ferry_fixture_start_ferryd_with_app (fx);
  ferry_client_wait_manager_property (fx->app, "Connection", g_variant_new_string (ethernet->uuid));
  ferry_client_wait_manager_property (fx->app, "Metered", g_variant_new_boolean (FALSE));
}

static void
wait_receiving (FerryFixture *fx, Download *d)
{
  ferry_client_wait_bytes (fx->app, d->path,
                           ferry_client_get_uint64 (fx->app, d->path, "BytesReceived") + 32 * KiB);
  ferry_assert_property (fx->app, d->path, "Status", "running");
}

/* The low one stops within REACTION_MS and keeps its bytes; the others go
 * on. Returns how many requests the server had for the low one. */
static guint
assert_low_pauses (FerryFixture *fx, Trio *trio, guint64 *out_kept)
{
  Download *low = &trio->d[LOW];
  guint ms = ferry_client_wait_status_within (fx->app, low->path, "paused-system-policy",
                                              REACTION_MS);
  guint requests;

  g_test_message ("the low priority download stopped %u ms after the change", ms);
  *out_kept = ferry_client_wait_kept_bytes (fx->app, low->path, low->dest);
  requests = ferry_test_server_count_requests (fx->server, low->resource);
  wait_receiving (fx, &trio->d[DEFAULT]);
  wait_receiving (fx, &trio->d[HIGH]);
  ferry_client_assert_stays (fx->app, low->path, "paused-system-policy", QUIET_MS);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, low->resource), ==, requests);
  return requests;
}

/* When the saving ends the low one goes on by itself where it stopped, and
 * all three complete. */
static void
assert_low_resumes (FerryFixture *fx, Trio *trio, guint requests, guint64 kept)
{
  ferry_test_server_set_throttle (fx->server, 0);
  for (guint i = 0; i < N_PRIORITIES; i++)
    ferry_client_wait_status (fx->app, trio->d[i].path, "completed");
  ferry_assert_range_request (fx->server, trio->d[LOW].resource, requests, kept);
  for (guint i = 0; i < N_PRIORITIES; i++)
    ferry_assert_downloaded (trio->d[i].dest, 1, trio->d[i].size);
}

static void
test_power_saver_pauses_only_low_priority (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  guint64 kept;
  guint requests;

  ferry_mock_power_profiles_start (fx->system_bus, "balanced");
  start_ferryd (fx);
  ferry_client_wait_manager_property (fx->app, "PowerSaver", g_variant_new_boolean (FALSE));
  start_trio (fx, &trio);
  for (guint i = 0; i < N_PRIORITIES; i++)
    wait_receiving (fx, &trio.d[i]);

  ferry_mock_power_profiles_set (fx->system_bus, "power-saver");
  requests = assert_low_pauses (fx, &trio, &kept);
  ferry_client_wait_manager_property (fx->app, "PowerSaver", g_variant_new_boolean (TRUE));

  /* "performance" saves nothing either. */
  ferry_mock_power_profiles_set (fx->system_bus, "performance");
  ferry_client_wait_manager_property (fx->app, "PowerSaver", g_variant_new_boolean (FALSE));
  assert_low_resumes (fx, &trio, requests, kept);
}

static void
test_power_saver_at_start_holds_low_priority (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };

  ferry_mock_power_profiles_start (fx->system_bus, "power-saver");
  start_ferryd (fx);
  ferry_client_wait_manager_property (fx->app, "PowerSaver", g_variant_new_boolean (TRUE));
  start_trio (fx, &trio);
  wait_receiving (fx, &trio.d[DEFAULT]);
  wait_receiving (fx, &trio.d[HIGH]);
  ferry_client_wait_status (fx->app, trio.d[LOW].path, "paused-system-policy");
  ferry_client_assert_stays (fx->app, trio.d[LOW].path, "paused-system-policy", QUIET_MS);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, trio.d[LOW].resource), ==, 0);

  ferry_test_server_set_throttle (fx->server, 0);
  ferry_mock_power_profiles_set (fx->system_bus, "balanced");
  for (guint i = 0; i < N_PRIORITIES; i++)
    ferry_client_wait_status (fx->app, trio.d[i].path, "completed");
  ferry_assert_downloaded (trio.d[LOW].dest, 1, trio.d[LOW].size);
}

/* power-profiles-daemon 0.20 and later answer as
 * org.freedesktop.UPower.PowerProfiles too; a plain mock stands for it. */
static void
test_power_saver_under_the_upower_name (FerryFixture *fx, gconstpointer config)
{
  static const char name[] = "org.freedesktop.UPower.PowerProfiles";
  static const char path[] = "/org/freedesktop/UPower/PowerProfiles";
  g_auto(Trio) trio = { 0, };

  ferry_test_mock_start (fx->system_bus, name, (const char * const[]) { name, path, name, NULL });
  ferry_test_mock_add_property (fx->system_bus, name, path, name, "ActiveProfile",
                                g_variant_new_string ("power-saver"));
  start_ferryd (fx);
  ferry_client_wait_manager_property (fx->app, "PowerSaver", g_variant_new_boolean (TRUE));
  start_trio (fx, &trio);
  wait_receiving (fx, &trio.d[DEFAULT]);
  ferry_client_wait_status (fx->app, trio.d[LOW].path, "paused-system-policy");

  ferry_test_mock_set (fx->system_bus, name, path, name, "ActiveProfile",
                       g_variant_new_string ("balanced"));
  ferry_client_wait_manager_property (fx->app, "PowerSaver", g_variant_new_boolean (FALSE));
  wait_receiving (fx, &trio.d[LOW]);
}

static void
test_battery_low_pauses_only_low_priority (FerryFixture *fx, gconstpointer config)
{
  g_auto(Trio) trio = { 0, };
  guint64 kept;
  guint requests;

  ferry_mock_upower_start (fx->system_bus, FERRY_UP_LEVEL_NONE);
  start_ferryd (fx);
  ferry_client_wait_manager_property (fx->app, "BatteryLow", g_variant_new_boolean (FALSE));
  start_trio (fx, &trio);
  for (guint i = 0; i < N_PRIORITIES; i++)
    wait_receiving (fx, &trio.d[i]);

  ferry_mock_upower_set_warning_level (fx->system_bus, FERRY_UP_LEVEL_LOW);
  requests = assert_low_pauses (fx, &trio, &kept);
  ferry_client_wait_manager_property (fx->app, "BatteryLow", g_variant_new_boolean (TRUE));

  /* Worse is still low. */
  ferry_mock_upower_set_warning_level (fx->system_bus, FERRY_UP_LEVEL_CRITICAL);
  ferry_client_wait_manager_property (fx->app, "BatteryLow", g_variant_new_boolean (TRUE));
  ferry_client_assert_stays (fx->app, trio.d[LOW].path, "paused-system-policy", QUIET_MS);

  /* Plugged in. */
  ferry_mock_upower_set_warning_level (fx->system_bus, FERRY_UP_LEVEL_NONE);
  ferry_client_wait_manager_property (fx->app, "BatteryLow", g_variant_new_boolean (FALSE));
  assert_low_resumes (fx, &trio, requests, kept);
}

static void
set_priority (FerryFixture *fx, const char *transfer, const char *priority)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (fx->app, transfer, FERRY_TRANSFER_IFACE, "SetPriority",
                             g_variant_new ("(s)", priority), G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  ferry_assert_property (fx->app, transfer, "Priority", priority);
}

static void
test_set_priority_applies_at_once (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *path = NULL;
  guint ms;

  ferry_mock_power_profiles_start (fx->system_bus, "power-saver");
  start_ferryd (fx);
  ferry_client_wait_manager_property (fx->app, "PowerSaver", g_variant_new_boolean (TRUE));
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  uri = ferry_fixture_uri (fx, "/file/%d", 2 * MiB);
  dest = ferry_fixture_dest (fx, "reprioritized.bin");
  path = ferry_client_start_download_with (fx->app, uri, dest, "priority", "low", NULL);
  ferry_client_wait_status (fx->app, path, "paused-system-policy");

  set_priority (fx, path, "high");
  ferry_client_wait_bytes (fx->app, path, 64 * KiB);

  set_priority (fx, path, "low");
  ms = ferry_client_wait_status_within (fx->app, path, "paused-system-policy", REACTION_MS);
  g_test_message ("stopped %u ms after SetPriority", ms);

  set_priority (fx, path, "default");
  ferry_test_server_set_throttle (fx->server, 0);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, 2 * MiB);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/power/power-saver-pauses-only-low-priority", &mocked,
                  test_power_saver_pauses_only_low_priority);
  ferry_test_add ("/power/power-saver-at-start-holds-low-priority", &mocked,
                  test_power_saver_at_start_holds_low_priority);
  ferry_test_add ("/power/power-saver-under-the-upower-name", &mocked,
                  test_power_saver_under_the_upower_name);
  ferry_test_add ("/power/battery-low-pauses-only-low-priority", &mocked,
                  test_battery_low_pauses_only_low_priority);
  ferry_test_add ("/power/set-priority-applies-at-once", &mocked,
                  test_set_priority_applies_at_once);

  return g_test_run ();
}
