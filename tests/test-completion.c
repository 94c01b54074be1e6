/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* When the work is done: completion groups activate the app the
 * freedesktop way (org.freedesktop.Application.ActivateAction on its bus
 * name, D-Bus activating it when it is not running, or as soon as it
 * appears), and notifications tell the user, through a python3-dbusmock
 * notification daemon on the private session bus. */
#define G_LOG_DOMAIN "test-completion"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "ferry-test-fixture.h"

#define PYTHON "/usr/bin/python3"

/* tests/test-app has an activation file for this one, and only this one. */
#define ACTIVATABLE_APP_ID "org.freedesktop.FerryTest.Activatable"
/* Not activatable: the test takes its name itself, later. The "-" checks
 * how ferryd derives the object path. */
#define LATE_APP_ID "org.freedesktop.FerryTest.Late-App"
#define LATE_APP_PATH "/org/freedesktop/FerryTest/Late_App"

#define DEFAULT_ACTION "ferry-transfers-done"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"

/* The bus of these tests looks for services in tests/test-app (set in
 * main()), where the test app is: ferryd itself is started by the fixture. */
static const FerryFixtureConfig with_test_app = { NULL, FALSE, TRUE };

static const char application_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Application'>"
  "    <method name='Activate'>"
  "      <arg type='a{sv}' name='platform_data' direction='in'/>"
  "    </method>"
  "    <method name='Open'>"
  "      <arg type='as' name='uris' direction='in'/>"
  "      <arg type='a{sv}' name='platform_data' direction='in'/>"
  "    </method>"
  "    <method name='ActivateAction'>"
  "      <arg type='s' name='action_name' direction='in'/>"
  "      <arg type='av' name='parameter' direction='in'/>"
  "      <arg type='a{sv}' name='platform_data' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* One transfer as a completion result names it. */
typedef struct {
  const char *path;
  const char *status;
  const char *error_name;
} Result;

/* ---- transfers -------------------------------------------------------- */

/* Creates a download of @uri_path in completion group @group. */
static char *
create_in_group (FerryFixture    *fx,
                 FerryTestClient *client,
                 const char      *uri_path,
                 const char      *name,
                 const char      *group)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "%s", uri_path);
  g_autofree char *dest = ferry_fixture_dest (fx, name);
  g_autoptr(GError) error = NULL;
  char *path;

  path = ferry_client_create_download (client, uri, dest,
                                       g_variant_new_parsed ("{'completion-group': <%s>}", group),
                                       &error);
  g_assert_no_error (error);
  ferry_assert_property (client, path, "CompletionGroup", group);
  return path;
}

static void
start (FerryTestClient *client, const char *transfer)
{
  g_autoptr(GError) error = NULL;

  ferry_client_transfer_call (client, transfer, "Start", &error);
  g_assert_no_error (error);
}

/* EnableCompletionGroup; @action NULL for the default one. */
static void
enable_completion_group (FerryTestClient *client, const char *group, const char *action)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (action != NULL)
    g_variant_builder_add (&options, "{sv}", "action", g_variant_new_string (action));
  reply = ferry_client_call (client, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE,
                             "EnableCompletionGroup",
                             g_variant_new ("(s@a{sv})", group, g_variant_builder_end (&options)),
                             G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
}

/* GetCompletionGroupResults: @out_results gets the a(oss). */
static gboolean
get_results (FerryTestClient *client, const char *group, GVariant **out_results)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean complete = FALSE;

  reply = ferry_client_call (client, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE,
                             "GetCompletionGroupResults", g_variant_new ("(s)", group),
                             G_VARIANT_TYPE ("(ba(oss))"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b@a(oss))", &complete, out_results);
  return complete;
}

/* Asserts that the a(oss) @results names exactly the transfers of
 * @expected (in any order), each with its Status and ErrorName. */
static void
assert_results (GVariant *results, const Result *expected, guint n_expected)
{
  g_autofree char *text = g_variant_print (results, FALSE);

  g_test_message ("results: %s", text);
  g_assert_cmpstr (g_variant_get_type_string (results), ==, "a(oss)");
  g_assert_cmpuint (g_variant_n_children (results), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      gboolean found = FALSE;

      for (gsize j = 0; j < g_variant_n_children (results); j++)
        {
          const char *path, *status, *error_name;

          g_variant_get_child (results, j, "(&o&s&s)", &path, &status, &error_name);
          if (strcmp (path, expected[i].path) != 0)
            continue;
          g_assert_false (found);
          found = TRUE;
          g_assert_cmpstr (status, ==, expected[i].status);
          g_assert_cmpstr (error_name, ==, expected[i].error_name);
        }
      if (!found)
        g_error ("%s is missing from the results %s", expected[i].path, text);
    }
}

/* Asserts that the arguments of an ActivateAction call, a (sava{sv}),
 * activate @action with the one parameter (s group, a(oss) results). */
static void
assert_activation (GVariant     *call,
                   const char   *action,
                   const char   *group,
                   const Result *expected,
                   guint         n_expected)
{
  g_autoptr(GVariant) parameter = NULL;
  g_autoptr(GVariant) boxed = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) results = NULL;
  const char *called_action, *called_group;

  g_assert_cmpstr (g_variant_get_type_string (call), ==, "(sava{sv})");
  g_variant_get (call, "(&s@ava{sv})", &called_action, &parameter, NULL);
  g_assert_cmpstr (called_action, ==, action);
  g_assert_cmpuint (g_variant_n_children (parameter), ==, 1);
  boxed = g_variant_get_child_value (parameter, 0);
  value = g_variant_get_variant (boxed);
  g_assert_cmpstr (g_variant_get_type_string (value), ==, "(sa(oss))");
  g_variant_get (value, "(&s@a(oss))", &called_group, &results);
  g_assert_cmpstr (called_group, ==, group);
  assert_results (results, expected, n_expected);
}

/* ---- the bus ---------------------------------------------------------- */

static gboolean
name_has_owner (FerryFixture *fx, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (fx->observer, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static char *
name_owner (FerryFixture *fx, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  char *owner = NULL;

  reply = g_dbus_connection_call_sync (fx->observer, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetNameOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &owner);
  return owner;
}

static GDBusConnection *
new_connection (FerryFixture *fx)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (fx->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

/* Tells the bus what environment the apps it activates get. */
static void
set_activation_env (FerryFixture *fx, const char *name, const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (fx->observer, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "UpdateActivationEnvironment",
                                       g_variant_new_parsed ("({%s: %s},)", name, value), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* A bus monitor (org.freedesktop.DBus.Monitoring) that counts the
 * activations ferryd sends and the errors the bus answers it with. Its
 * filter runs in GDBus's worker thread. */
typedef struct {
  GDBusConnection *connection;
  char *ferryd;                /* ferryd's unique name */
  gint n_activate_calls;       /* ActivateAction calls seen (atomic) */
  gint n_failed;               /* error replies of the bus to ferryd (atomic) */
} BusMonitor;

static GDBusMessage *
monitor_filter_cb (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  BusMonitor *monitor = user_data;
  GDBusMessageType type = g_dbus_message_get_message_type (message);

  if (!incoming)
    return message;
  if (type == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
      g_strcmp0 (g_dbus_message_get_sender (message), monitor->ferryd) == 0 &&
      g_strcmp0 (g_dbus_message_get_member (message), "ActivateAction") == 0)
    g_atomic_int_inc (&monitor->n_activate_calls);
  else if (type == G_DBUS_MESSAGE_TYPE_ERROR &&
           g_strcmp0 (g_dbus_message_get_destination (message), monitor->ferryd) == 0 &&
           g_strcmp0 (g_dbus_message_get_sender (message), "org.freedesktop.DBus") == 0)
    {
      const char *name = g_dbus_message_get_error_name (message);

      g_test_message ("the bus answered ferryd with %s", name);
      if (g_strcmp0 (name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
          g_strcmp0 (name, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
        g_atomic_int_inc (&monitor->n_failed);
    }
  /* A monitor only watches: GDBus must not answer the calls it sees.
   * Replies pass (GDBus ignores those it did not ask for), so that the
   * reply to BecomeMonitor arrives. */
  if (type == G_DBUS_MESSAGE_TYPE_METHOD_CALL || type == G_DBUS_MESSAGE_TYPE_SIGNAL)
    {
      g_object_unref (message);
      return NULL;
    }
  return message;
}

static BusMonitor *
bus_monitor_new (FerryFixture *fx)
{
  const char *rules[] = {
    "type='method_call',interface='org.freedesktop.Application'",
    "type='error',sender='org.freedesktop.DBus'",
    NULL
  };
  BusMonitor *monitor = g_new0 (BusMonitor, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  monitor->ferryd = name_owner (fx, FERRY_BUS_NAME);
  monitor->connection = new_connection (fx);
  g_dbus_connection_add_filter (monitor->connection, monitor_filter_cb, monitor, NULL);
  reply = g_dbus_connection_call_sync (monitor->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                       g_variant_new ("(^asu)", rules, 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  return monitor;
}

static void
bus_monitor_free (BusMonitor *monitor)
{
  g_dbus_connection_close_sync (monitor->connection, NULL, NULL);
  g_object_unref (monitor->connection);
  g_free (monitor->ferryd);
  g_free (monitor);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BusMonitor, bus_monitor_free)

static gboolean
activation_failed (gpointer data)
{
  return g_atomic_int_get (&((BusMonitor *) data)->n_failed) > 0;
}

/* ---- an app the test plays itself ------------------------------------- */

typedef struct {
  GDBusConnection *connection;
  guint registration;
  GPtrArray *calls;            /* GVariant (sava{sv}) of ActivateAction */
} TestApp;

static void
test_app_method_cb (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  TestApp *app = user_data;

  if (strcmp (method, "ActivateAction") == 0)
    g_ptr_array_add (app->calls, g_variant_ref (parameters));
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable test_app_vtable = { test_app_method_cb, NULL, NULL };

/* Exports org.freedesktop.Application at @path on a connection of its own,
 * then takes @app_id, as a GApplication does. */
static TestApp *
test_app_appear (FerryFixture *fx, const char *app_id, const char *path)
{
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (application_xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  TestApp *app = g_new0 (TestApp, 1);
  guint32 result = 0;

  app->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  app->connection = new_connection (fx);
  app->registration = g_dbus_connection_register_object (app->connection, path,
                                                         node->interfaces[0], &test_app_vtable,
                                                         app, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (app->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName", g_variant_new ("(su)", app_id, 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);  /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */
  return app;
}

static void
test_app_free (TestApp *app)
{
  g_dbus_connection_unregister_object (app->connection, app->registration);
  g_dbus_connection_close_sync (app->connection, NULL, NULL);
  g_object_unref (app->connection);
  g_ptr_array_unref (app->calls);
  g_free (app);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestApp, test_app_free)

static gboolean
test_app_called (gpointer data)
{
  return ((TestApp *) data)->calls->len > 0;
}

/* ---- the activated app's record ---------------------------------------- */

typedef struct {
  const char *path;
  char *contents;
} AppOutput;

static gboolean
app_output_written (gpointer data)
{
  AppOutput *output = data;

  g_clear_pointer (&output->contents, g_free);
  return g_file_get_contents (output->path, &output->contents, NULL, NULL);
}

/* Waits for the activated test app to record a call, and returns the
 * parameters of the only one it received, which must be ActivateAction. */
static GVariant *
wait_app_activated (const char *output_path)
{
  AppOutput output = { output_path, NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GVariant *call;

  if (!ferry_test_wait_until (app_output_written, &output, FERRY_TEST_TIMEOUT_MS))
    g_error ("the test app was never activated (no %s)", output_path);
  lines = g_strsplit (output.contents, "\n", -1);
  g_free (output.contents);
  g_test_message ("the test app received: %s", lines[0]);
  /* One line per call, and an empty string after the last newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "ActivateAction "));
  call = g_variant_parse (G_VARIANT_TYPE ("(sava{sv})"), lines[0] + strlen ("ActivateAction "),
                          NULL, NULL, &error);
  g_assert_no_error (error);
  return call;
}

/* ---- completion groups ------------------------------------------------ */

static void
test_completion_group_activates_the_app_that_is_not_running (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *app = ferry_fixture_connect (fx, ACTIVATABLE_APP_ID);
  g_autofree char *output = g_build_filename (fx->tmpdir, "activated.txt", NULL);
  g_autofree char *first = create_in_group (fx, app, "/file/100000", "first.bin", "batch");
  g_autofree char *second = create_in_group (fx, app, "/file/200000", "second.bin", "batch");
  g_autofree char *missing = create_in_group (fx, app, "/status/404", "missing.bin", "batch");
  const Result expected[] = {
    { first, "completed", "" },
    { second, "completed", "" },
    { missing, "error", "not-found" },
  };
  g_autoptr(GVariant) call = NULL;
  g_autoptr(GVariant) results = NULL;

  set_activation_env (fx, "FERRY_TEST_APP_OUTPUT", output);
  g_assert_false (name_has_owner (fx, ACTIVATABLE_APP_ID));

  enable_completion_group (app, "batch", NULL);
  start (app, first);
  start (app, second);
  start (app, missing);
  ferry_client_wait_status (app, first, "completed");
  ferry_client_wait_status (app, second, "completed");
  ferry_client_wait_error (app, missing, "not-found");

  call = wait_app_activated (output);
  assert_activation (call, DEFAULT_ACTION, "batch", expected, G_N_ELEMENTS (expected));

  /* The same results, on demand. */
  g_assert_true (get_results (app, "batch", &results));
  assert_results (results, expected, G_N_ELEMENTS (expected));
}

static void
test_completion_result_waits_for_the_app_to_appear (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(BusMonitor) monitor = bus_monitor_new (fx);
  FerryTestClient *client = ferry_fixture_connect (fx, LATE_APP_ID);
  g_autofree char *done = create_in_group (fx, client, "/file/100000", "done.bin", "nightly");
  g_autofree char *gone = create_in_group (fx, client, "/status/404", "gone.bin", "nightly");
  const Result expected[] = {
    { done, "completed", "" },
    { gone, "error", "not-found" },
  };
  g_autoptr(GVariant) results = NULL;
  g_autoptr(TestApp) app = NULL;

  enable_completion_group (client, "nightly", "sync-done");
  start (client, done);
  start (client, gone);
  ferry_client_wait_status (client, done, "completed");
  ferry_client_wait_error (client, gone, "not-found");

  /* ferryd tried: the app has no name on the bus and no activation file. */
  if (!ferry_test_wait_until (activation_failed, monitor, FERRY_TEST_TIMEOUT_MS))
    g_error ("ferryd never tried to activate %s (%d ActivateAction calls seen)", LATE_APP_ID,
             g_atomic_int_get (&monitor->n_activate_calls));
  g_assert_false (name_has_owner (fx, LATE_APP_ID));
  g_assert_true (get_results (client, "nightly", &results));
  assert_results (results, expected, G_N_ELEMENTS (expected));

  /* The app starts later: the kept result reaches it then. */
  app = test_app_appear (fx, LATE_APP_ID, LATE_APP_PATH);
  if (!ferry_test_wait_until (test_app_called, app, FERRY_TEST_TIMEOUT_MS))
    g_error ("%s appeared on the bus but was never activated", LATE_APP_ID);
  g_assert_cmpuint (app->calls->len, ==, 1);
  assert_activation (g_ptr_array_index (app->calls, 0), "sync-done", "nightly",
                     expected, G_N_ELEMENTS (expected));
}

static void
test_completion_results_on_demand_before_and_after_the_end (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *done = create_in_group (fx, fx->app, "/file/100000", "done.bin", "pair");
  g_autofree char *waiting = create_in_group (fx, fx->app, "/file/200000", "waiting.bin", "pair");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) before = NULL;
  g_autoptr(GVariant) after = NULL;

  enable_completion_group (fx->app, "pair", NULL);
  start (fx->app, done);
  ferry_client_wait_status (fx->app, done, "completed");

  /* One has not even started: the group is not complete. */
  g_assert_false (get_results (fx->app, "pair", &before));
  assert_results (before, (const Result[]) { { done, "completed", "" }, { waiting, "idle", "" } }, 2);

  /* Canceled counts as ended. */
  ferry_client_transfer_call (fx->app, waiting, "Cancel", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, waiting, "canceled");
  g_assert_true (get_results (fx->app, "pair", &after));
  assert_results (after, (const Result[]) { { done, "completed", "" }, { waiting, "canceled", "" } }, 2);
}

/* ---- notifications ---------------------------------------------------- */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

typedef struct {
  FerryFixture *fx;
  const char *name;
} NameWait;

static gboolean
name_owned (gpointer data)
{
  NameWait *wait = data;

  return name_has_owner (wait->fx, wait->name);
}

/* Starts python3-dbusmock's notification_daemon template on the test's
 * session bus and waits until it owns its name. */
static GSubprocess *
notification_daemon_start (FerryFixture *fx)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *log = g_build_filename (fx->tmpdir, "notification-daemon.log", NULL);
  g_autoptr(GError) error = NULL;
  NameWait wait = { fx, NOTIFICATIONS_NAME };
  GSubprocess *daemon;

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  daemon = g_subprocess_launcher_spawn (launcher, &error, PYTHON, "-m", "dbusmock",
                                        "--template", "notification_daemon", NULL);
  g_assert_no_error (error);
  if (!ferry_test_wait_until (name_owned, &wait, FERRY_TEST_TIMEOUT_MS))
    g_error ("the mock notification daemon did not take %s (see %s)", NOTIFICATIONS_NAME, log);
  return daemon;
}

static void
notification_daemon_stop (GSubprocess *daemon)
{
  g_subprocess_send_signal (daemon, SIGTERM);
  if (!ferry_test_wait_process_exit (daemon, FERRY_TEST_TIMEOUT_MS, NULL))
    g_error ("the mock notification daemon ignored SIGTERM");
  g_object_unref (daemon);
}

/* One Notify call the mock received. */
typedef struct {
  char *app_name;
  char *summary;
  char *body;
} Notification;

static void
notification_clear (Notification *n)
{
  g_free (n->app_name);
  g_free (n->summary);
  g_free (n->body);
}

/* The string in the @i-th variant of the av @args. */
static char *
av_dup_string (GVariant *args, gsize i)
{
  g_autoptr(GVariant) boxed = g_variant_get_child_value (args, i);
  g_autoptr(GVariant) value = g_variant_get_variant (boxed);

  g_assert_cmpstr (g_variant_get_type_string (value), ==, "s");
  return g_variant_dup_string (value, NULL);
}

/* The Notify calls the mock received so far, oldest first. */
static GArray *
get_notifications (FerryFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) calls = NULL;
  GArray *notifications = g_array_new (FALSE, TRUE, sizeof (Notification));
  GVariant *args;

  g_array_set_clear_func (notifications, (GDestroyNotify) notification_clear);
  reply = g_dbus_connection_call_sync (fx->observer, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                       "org.freedesktop.DBus.Mock", "GetMethodCalls",
                                       g_variant_new ("(s)", "Notify"), G_VARIANT_TYPE ("(a(tav))"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(a(tav))", &calls);
  while (g_variant_iter_next (calls, "(t@av)", NULL, &args))
    {
      Notification n = { NULL, };

      /* Notify (app_name, replaces_id, app_icon, summary, body, actions,
       * hints, expire_timeout) */
      g_assert_cmpuint (g_variant_n_children (args), ==, 8);
      n.app_name = av_dup_string (args, 0);
      n.summary = av_dup_string (args, 3);
      n.body = av_dup_string (args, 4);
      g_test_message ("Notify (%s, %s, %s)", n.app_name, n.summary, n.body);
      g_array_append_val (notifications, n);
      g_variant_unref (args);
    }
  return notifications;
}

typedef struct {
  FerryFixture *fx;
  guint n;
} NotificationWait;

static gboolean
has_notifications (gpointer data)
{
  NotificationWait *wait = data;
  g_autoptr(GArray) notifications = get_notifications (wait->fx);

  return notifications->len >= wait->n;
}

/* Waits until the mock has received @n notifications, and returns all
 * it has. */
static GArray *
wait_notifications (FerryFixture *fx, guint n)
{
  NotificationWait wait = { fx, n };

  if (!ferry_test_wait_until (has_notifications, &wait, FERRY_TEST_TIMEOUT_MS))
    g_error ("the notification daemon did not receive %u notifications", n);
  return get_notifications (fx);
}

static void
assert_notification (const Notification *n, const char *summary, const char *body)
{
  g_assert_cmpstr (n->app_name, ==, "Ferry");
  g_assert_cmpstr (n->summary, ==, summary);
  g_assert_cmpstr (n->body, ==, body);
}

/* A download of @uri_path with the notification options in @options_text
 * (GVariant text of an a{sv}), started. */
static char *
start_notified (FerryFixture *fx, const char *uri_path, const char *name, const char *options_text)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "%s", uri_path);
  g_autofree char *dest = ferry_fixture_dest (fx, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) options = g_variant_parse (G_VARIANT_TYPE_VARDICT, options_text,
                                                 NULL, NULL, &error);

  g_assert_no_error (error);
  return ferry_client_start_download (fx->app, uri, dest, options);
}

static const char both_texts[] =
  "{'notify-success': <{'title': 'Maps of Lyon', 'body': 'Ready for offline use.'}>,"
  " 'notify-failure': <{'title': 'Maps of Lyon failed', 'body': 'The server had no maps.'}>}";

static void
test_notification_on_success_has_the_title_and_body (FerryFixture *fx, gconstpointer config)
{
  GSubprocess *daemon = notification_daemon_start (fx);
  g_autofree char *quiet = start_notified (fx, "/file/100000", "quiet.bin", "@a{sv} {}");
  g_autofree char *maps = NULL;
  g_autoptr(GArray) shown = NULL;

  /* Nothing asked, nothing shown: had the quiet one been announced, its
   * notification would come first. */
  ferry_client_wait_status (fx->app, quiet, "completed");
  maps = start_notified (fx, "/file/200000", "maps.bin", both_texts);
  ferry_client_wait_status (fx->app, maps, "completed");

  shown = wait_notifications (fx, 1);
  g_assert_cmpuint (shown->len, ==, 1);
  assert_notification (&g_array_index (shown, Notification, 0),
                       "Maps of Lyon", "Ready for offline use.");
  notification_daemon_stop (daemon);
}

static void
test_notification_on_failure_has_the_failure_text (FerryFixture *fx, gconstpointer config)
{
  GSubprocess *daemon = notification_daemon_start (fx);
  g_autofree char *maps = start_notified (fx, "/status/404", "maps.bin", both_texts);
  g_autoptr(GArray) shown = NULL;

  ferry_client_wait_error (fx->app, maps, "not-found");
  shown = wait_notifications (fx, 1);
  g_assert_cmpuint (shown->len, ==, 1);
  assert_notification (&g_array_index (shown, Notification, 0),
                       "Maps of Lyon failed", "The server had no maps.");
  notification_daemon_stop (daemon);
}

static void
test_notification_with_empty_text_has_the_default_text (FerryFixture *fx, gconstpointer config)
{
  GSubprocess *daemon = notification_daemon_start (fx);
  const char *empty = "{'notify-success': <@a{ss} {}>, 'notify-failure': <@a{ss} {}>}";
  g_autofree char *ok = start_notified (fx, "/file/100000", "ok.bin", empty);
  g_autofree char *failed = NULL;
  g_autoptr(GArray) shown = NULL;
  const Notification *success, *failure;

  ferry_client_wait_status (fx->app, ok, "completed");
  g_array_unref (wait_notifications (fx, 1));
  failed = start_notified (fx, "/status/404", "failed.bin", empty);
  ferry_client_wait_error (fx->app, failed, "not-found");
  shown = wait_notifications (fx, 2);
  g_assert_cmpuint (shown->len, ==, 2);

  success = &g_array_index (shown, Notification, 0);
  failure = &g_array_index (shown, Notification, 1);
  g_assert_cmpstr (success->app_name, ==, "Ferry");
  g_assert_cmpstr (failure->app_name, ==, "Ferry");
  g_assert_cmpstr (success->summary, !=, "");
  g_assert_cmpstr (failure->summary, !=, "");
  /* The user can tell one from the other. */
  g_assert_cmpstr (success->summary, !=, failure->summary);
  notification_daemon_stop (daemon);
}

int
main (int argc, char **argv)
{
  g_autofree char *app_services = NULL;

  ferry_test_init (&argc, &argv);
  /* What the fixture adds to the bus of an activatable config: here the
   * test app's activation file (see tests/test-app/meson.build). */
  app_services = g_test_build_filename (G_TEST_BUILT, "test-app", NULL);
  g_setenv ("FERRY_TEST_SERVICE_DIR", app_services, TRUE);

  ferry_test_add ("/completion/group-activates-the-app-that-is-not-running", &with_test_app,
                  test_completion_group_activates_the_app_that_is_not_running);
  ferry_test_add ("/completion/result-waits-for-the-app-to-appear", NULL,
                  test_completion_result_waits_for_the_app_to_appear);
  ferry_test_add ("/completion/results-on-demand-before-and-after-the-end", NULL,
                  test_completion_results_on_demand_before_and_after_the_end);
  ferry_test_add ("/notification/on-success-has-the-title-and-body", NULL,
                  test_notification_on_success_has_the_title_and_body);
  ferry_test_add ("/notification/on-failure-has-the-failure-text", NULL,
                  test_notification_on_failure_has_the_failure_text);
  ferry_test_add ("/notification/with-empty-text-has-the-default-text", NULL,
                  test_notification_with_empty_text_has_the_default_text);

  return g_test_run ();
}
