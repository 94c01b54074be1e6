/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Apps see only their own transfers: another app cannot list, read or
 * control them, and the signals about a transfer go only to the
 * connections of the app that owns it, never broadcast. */
#define G_LOG_DOMAIN "test-isolation"

#include <string.h>

#include "ferry-dbus-generated.h"
#include "ferry-test-fixture.h"

#define OTHER_APP_ID "org.freedesktop.FerryTest.Other"

/* Creates a transfer owned by @client's app, not started. */
static char *
create_transfer (FerryFixture *fx, FerryTestClient *client, const char *name)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/4096");
  g_autofree char *dest = ferry_fixture_dest (fx, name);
  g_autoptr(GError) error = NULL;
  char *path;

  path = ferry_client_create_download (client, uri, dest,
                                       g_variant_new_parsed ("{'group': <'shared-name'>}"), &error);
  g_assert_no_error (error);
  return path;
}

static void
assert_denied_every_property (FerryTestClient *client, const char *path)
{
  GDBusInterfaceInfo *iface = ferry_dbus_transfer_interface_info ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) all = NULL;

  for (guint i = 0; iface->properties[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = NULL;

      g_test_message ("Get %s", iface->properties[i]->name);
      value = ferry_client_get_property (client, path, iface->properties[i]->name, &error);
      ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
      g_assert_null (value);
      g_clear_error (&error);
    }
  all = ferry_client_call (client, path, "org.freedesktop.DBus.Properties", "GetAll",
                           g_variant_new ("(s)", FERRY_TRANSFER_IFACE), NULL, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
  g_assert_null (all);
}

static void
assert_denied_every_method (FerryTestClient *client, const char *path)
{
  const char *methods[] = { "Start", "Pause", "Resume", "Cancel", "GetResponseInformation" };

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", methods[i]);
      ferry_client_call (client, path, FERRY_TRANSFER_IFACE, methods[i], NULL, NULL, &error);
      ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
    }
}

static void
test_other_app_does_not_list_the_transfer (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *other = ferry_fixture_connect (fx, OTHER_APP_ID);
  g_autofree char *mine = create_transfer (fx, fx->app, "mine.bin");
  g_autofree char *theirs = create_transfer (fx, other, "theirs.bin");
  g_auto(GStrv) mine_all = ferry_client_list (fx->app, "");
  g_auto(GStrv) mine_group = ferry_client_list (fx->app, "shared-name");
  g_auto(GStrv) theirs_all = ferry_client_list (other, "");
  g_auto(GStrv) theirs_group = ferry_client_list (other, "shared-name");

  /* Same group name, different apps: each sees its own only. */
  g_assert_true (g_strv_equal ((const char * const *) mine_all, (const char *[]) { mine, NULL }));
  g_assert_true (g_strv_equal ((const char * const *) mine_group, (const char *[]) { mine, NULL }));
  g_assert_true (g_strv_equal ((const char * const *) theirs_all, (const char *[]) { theirs, NULL }));
  g_assert_true (g_strv_equal ((const char * const *) theirs_group, (const char *[]) { theirs, NULL }));
}

static void
test_other_app_is_denied_every_method (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *other = ferry_fixture_connect (fx, OTHER_APP_ID);
  g_autofree char *path = create_transfer (fx, fx->app, "guarded.bin");
  g_autofree char *dest = ferry_fixture_dest (fx, "guarded.bin");
  g_autoptr(GError) error = NULL;

  assert_denied_every_method (other, path);

  /* None of it had any effect: not started, not canceled. */
  ferry_assert_property (fx->app, path, "Status", "idle");
  g_assert_cmpuint (ferry_test_server_get_requests (fx->server)->len, ==, 0);
  ferry_client_transfer_call (fx->app, path, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, 4096);
}

static void
test_other_app_is_denied_every_property (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *other = ferry_fixture_connect (fx, OTHER_APP_ID);
  g_autofree char *path = create_transfer (fx, fx->app, "secret.bin");

  assert_denied_every_property (other, path);
}

static void
test_unregistered_connection_is_the_host_app (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *host = ferry_fixture_connect (fx, NULL);
  FerryTestClient *host2 = ferry_fixture_connect (fx, NULL);
  g_autofree char *registered = create_transfer (fx, fx->app, "registered.bin");
  g_autofree char *hosted = create_transfer (fx, host, "hosted.bin");
  g_auto(GStrv) host_list = NULL;
  g_auto(GStrv) host2_list = NULL;
  g_auto(GStrv) app_list = NULL;

  /* The host app "" is an app like any other. */
  assert_denied_every_method (host, registered);
  assert_denied_every_property (host, registered);
  assert_denied_every_method (fx->app, hosted);
  assert_denied_every_property (fx->app, hosted);

  host_list = ferry_client_list (host, "");
  app_list = ferry_client_list (fx->app, "");
  g_assert_true (g_strv_equal ((const char * const *) host_list, (const char *[]) { hosted, NULL }));
  g_assert_true (g_strv_equal ((const char * const *) app_list, (const char *[]) { registered, NULL }));

  /* Two unregistered connections are the same app. */
  host2_list = ferry_client_list (host2, "");
  g_assert_true (g_strv_equal ((const char * const *) host2_list, (const char *[]) { hosted, NULL }));
  ferry_assert_property (host2, hosted, "Status", "idle");
}

static guint
count_status_changed_to (FerryTestClient *client, const char *path, const char *status)
{
  guint n = 0;

  for (guint i = 0; i < client->signals->len; i++)
    {
      FerryTestSignal *sig = g_ptr_array_index (client->signals, i);
      const char *s;

      if (strcmp (sig->path, path) != 0 || strcmp (sig->member, "StatusChanged") != 0)
        continue;
      g_variant_get (sig->parameters, "(&s&s&s)", &s, NULL, NULL);
      if (strcmp (s, status) == 0)
        n++;
    }
  return n;
}

static void
test_signals_reach_only_the_owning_app (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *same_app = ferry_fixture_connect (fx, FERRY_TEST_APP_ID);
  FerryTestClient *other = ferry_fixture_connect (fx, OTHER_APP_ID);
  FerryTestClient *host = ferry_fixture_connect (fx, NULL);
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 512 * 1024);
  g_autofree char *dest = ferry_fixture_dest (fx, "watched.bin");
  g_autofree char *path = NULL;
  g_auto(GStrv) host_list = NULL;
  FerryTestClient *owners[] = { fx->app, same_app };
  FerryTestClient *outsiders[] = { other, host };

  /* ferryd learns a connection's app from its calls. */
  host_list = ferry_client_list (host, "");

  /* Slow enough for several Progress signals. */
  ferry_test_server_set_throttle (fx->server, 512 * 1024);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_status (fx->app, path, "completed");

  for (gsize i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      ferry_client_sync (owners[i]);
      g_assert_cmpuint (count_status_changed_to (owners[i], path, "running"), ==, 1);
      g_assert_cmpuint (count_status_changed_to (owners[i], path, "completed"), ==, 1);
      g_assert_cmpuint (ferry_client_count_signals (owners[i], path, "Progress"), >=, 1);
      g_assert_cmpuint (ferry_client_count_signals (owners[i], path, "PropertiesChanged"), >=, 1);
      g_assert_cmpuint (ferry_client_count_broadcast (owners[i]), ==, 0);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (outsiders); i++)
    {
      /* Anything broadcast before the Ping reply has arrived by now. */
      ferry_client_sync (outsiders[i]);
      g_assert_cmpuint (ferry_client_count_signals (outsiders[i], NULL, NULL), ==, 0);
      g_assert_cmpuint (ferry_client_count_broadcast (outsiders[i]), ==, 0);
    }
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/isolation/other-app-does-not-list-the-transfer", NULL,
                  test_other_app_does_not_list_the_transfer);
  ferry_test_add ("/isolation/other-app-is-denied-every-method", NULL,
                  test_other_app_is_denied_every_method);
  ferry_test_add ("/isolation/other-app-is-denied-every-property", NULL,
                  test_other_app_is_denied_every_property);
  ferry_test_add ("/isolation/unregistered-connection-is-the-host-app", NULL,
                  test_unregistered_connection_is_the_host_app);
  ferry_test_add ("/isolation/signals-reach-only-the-owning-app", NULL,
                  test_signals_reach_only_the_owning_app);

  return g_test_run ();
}
