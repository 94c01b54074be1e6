/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-test"

#include <errno.h>
#include <ftw.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-error.h"
#include "ferry-test-fixture.h"

/* How long one test may take in its own process before it counts as hung. */
#define FERRY_TEST_CASE_TIMEOUT_S 240

/* Fast retries and frequent checkpoints keep the suite quick; no idle exit
 * unless a test asks for it. */
static const char * const default_ferryd_args[] = {
  "--idle-timeout=0",
  "--retry-delay=50",
  "--checkpoint-interval=100",
  "--connect-timeout=10",
  "--response-timeout=20",
  NULL
};

static const FerryFixtureConfig default_config = { NULL, FALSE, FALSE };

/* ---- waiting ---------------------------------------------------------- */

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ferry_test_iterate (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

gboolean
ferry_test_wait_until (gboolean (*condition) (gpointer data),
                       gpointer data,
                       guint    timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () >= deadline)
        return condition (data);
      ferry_test_iterate (10);
    }
  return TRUE;
}

void
ferry_assert_dbus_error_impl (const char   *file,
                              int           line,
                              const char   *func,
                              const GError *error,
                              const char   *name)
{
  g_autofree char *remote = NULL;
  g_autofree char *msg = NULL;

  if (error == NULL)
    msg = g_strdup_printf ("expected the D-Bus error %s, but the call succeeded", name);
  else
    {
      remote = g_dbus_error_get_remote_error (error);
      if (g_strcmp0 (remote, name) != 0)
        msg = g_strdup_printf ("expected the D-Bus error %s, got %s: %s",
                               name, remote ? remote : "(not a D-Bus error)", error->message);
    }
  if (msg != NULL)
    g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
}

/* ---- files ------------------------------------------------------------ */

char *
ferry_test_file_sha256 (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (256 * 1024);
  FILE *f = fopen (path, "rb");
  size_t n;

  if (f == NULL)
    return NULL;
  while ((n = fread (buf, 1, 256 * 1024, f)) > 0)
    g_checksum_update (checksum, buf, n);
  fclose (f);
  return g_strdup (g_checksum_get_string (checksum));
}

gboolean
ferry_test_file_exists (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0;
}

gint64
ferry_test_file_size (const char *path)
{
  struct stat st;

  if (stat (path, &st) != 0)
    return -1;
  return st.st_size;
}

static int
remove_cb (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  if (flag == FTW_DP || flag == FTW_D)
    chmod (path, 0700);
  if (remove (path) != 0 && errno != ENOENT)
    g_printerr ("# could not remove %s: %s\n", path, g_strerror (errno));
  return 0;
}

static void
remove_tree (const char *path)
{
  nftw (path, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}

void
ferry_assert_downloaded (const char *path, guint32 seed, guint64 size)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autofree char *expected = ferry_test_content_sha256 (seed, size);
  g_autofree char *actual = ferry_test_file_sha256 (path);

  g_assert_cmpint (ferry_test_file_size (path), ==, (gint64) size);
  g_assert_cmpstr (actual, ==, expected);
  g_assert_false (ferry_test_file_exists (part));
}

void
ferry_assert_no_file (const char *path)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  g_assert_false (ferry_test_file_exists (path));
  g_assert_false (ferry_test_file_exists (part));
}

char *
ferry_fixture_dest (FerryFixture *fx, const char *name)
{
  return g_build_filename (fx->downloads, name, NULL);
}

/* ---- clients ---------------------------------------------------------- */

static void
ferry_test_signal_free (FerryTestSignal *sig)
{
  g_free (sig->path);
  g_free (sig->interface);
  g_free (sig->member);
  g_clear_pointer (&sig->parameters, g_variant_unref);
  g_free (sig);
}

static gboolean
is_ferry_path (const char *path)
{
  return path != NULL &&
         (strcmp (path, FERRY_MANAGER_PATH) == 0 ||
          g_str_has_prefix (path, FERRY_MANAGER_PATH "/"));
}

static void
client_signal_cb (GDBusConnection *connection,
                  const char      *sender,
                  const char      *path,
                  const char      *interface,
                  const char      *member,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  FerryTestClient *client = user_data;
  FerryTestSignal *sig;

  if (!is_ferry_path (path))
    return;
  sig = g_new0 (FerryTestSignal, 1);
  sig->path = g_strdup (path);
  sig->interface = g_strdup (interface);
  sig->member = g_strdup (member);
  sig->parameters = g_variant_ref (parameters);
  g_ptr_array_add (client->signals, sig);
}

/* Runs in GDBus's worker thread; counts signals about transfers that were
 * sent to everyone rather than to this connection. */
static GDBusMessage *
client_filter_cb (GDBusConnection *connection,
                  GDBusMessage    *message,
                  gboolean         incoming,
                  gpointer         user_data)
{
  gint *n_broadcast = user_data;

  /* The Manager's network state is public by design; anything about a
   * transfer must never be broadcast. */
  if (incoming &&
      g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_SIGNAL &&
      g_str_has_prefix (g_dbus_message_get_path (message), FERRY_TRANSFER_PATH_PREFIX) &&
      g_dbus_message_get_destination (message) == NULL)
    g_atomic_int_inc (n_broadcast);
  return message;
}

static void
client_free (FerryTestClient *client)
{
  g_dbus_connection_signal_unsubscribe (client->connection, client->subscription);
  g_dbus_connection_close_sync (client->connection, NULL, NULL);
  g_dbus_connection_remove_filter (client->connection, client->filter);
  g_object_unref (client->connection);
  g_atomic_rc_box_release (client->n_broadcast_box);
  g_ptr_array_unref (client->signals);
  g_free (client->app_id);
  g_free (client);
}

/* Records every signal @client's new connection receives and counts
 * ferryd's broadcasts; the fixture frees it at teardown. Match every
 * signal: a broadcast from ferryd would reach this connection, so a test
 * can tell that none was sent. */
static void
client_watch_signals (FerryFixture *fx, FerryTestClient *client)
{
  gint *n_broadcast = g_atomic_rc_box_new0 (gint);

  client->signals = g_ptr_array_new_with_free_func ((GDestroyNotify) ferry_test_signal_free);
  client->subscription =
    g_dbus_connection_signal_subscribe (client->connection, NULL, NULL, NULL, NULL, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, client_signal_cb, client, NULL);
  client->filter = g_dbus_connection_add_filter (client->connection, client_filter_cb,
                                                 g_atomic_rc_box_acquire (n_broadcast),
                                                 (GDestroyNotify) g_atomic_rc_box_release);
  client->n_broadcast_box = n_broadcast;
  g_ptr_array_add (fx->clients, client);
}

FerryTestClient *
ferry_fixture_connect (FerryFixture *fx, const char *app_id)
{
  g_autoptr(GError) error = NULL;
  FerryTestClient *client = g_new0 (FerryTestClient, 1);

  client->connection =
    g_dbus_connection_new_for_address_sync (fx->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  client_watch_signals (fx, client);

  if (app_id != NULL)
    {
      ferry_client_register (client, app_id, &error);
      g_assert_no_error (error);
    }
  return client;
}

gboolean
ferry_client_register (FerryTestClient *client, const char *app_id, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (client, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, "Register",
                             g_variant_new ("(s)", app_id), G_VARIANT_TYPE_UNIT, error);
  if (reply == NULL)
    return FALSE;
  g_free (client->app_id);
  client->app_id = g_strdup (app_id);
  return TRUE;
}

GVariant *
ferry_client_call (FerryTestClient    *client,
                   const char         *path,
                   const char         *interface,
                   const char         *method,
                   GVariant           *parameters,
                   const GVariantType *reply_type,
                   GError            **error)
{
  return g_dbus_connection_call_sync (client->connection, FERRY_BUS_NAME, path, interface,
                                      method, parameters, reply_type, G_DBUS_CALL_FLAGS_NONE,
                                      FERRY_TEST_TIMEOUT_MS, NULL, error);
}

char *
ferry_client_create_download (FerryTestClient *client,
                              const char      *uri,
                              const char      *destination,
                              GVariant        *options,
                              GError         **error)
{
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  if (options == NULL)
    options = g_variant_new ("a{sv}", NULL);
  reply = ferry_client_call (client, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                             "CreateDownload",
                             g_variant_new ("(ss@a{sv})", uri, destination, options),
                             G_VARIANT_TYPE ("(o)"), error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(o)", &path);
  return path;
}

char *
ferry_client_start_download (FerryTestClient *client,
                             const char      *uri,
                             const char      *destination,
                             GVariant        *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ferry_client_create_download (client, uri, destination, options, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (path, FERRY_TRANSFER_PATH_PREFIX));
  ferry_client_transfer_call (client, path, "Start", &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

gboolean
ferry_client_transfer_call (FerryTestClient *client,
                            const char      *transfer,
                            const char      *method,
                            GError         **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (client, transfer, FERRY_TRANSFER_IFACE, method, NULL,
                             G_VARIANT_TYPE_UNIT, error);
  return reply != NULL;
}

GStrv
ferry_client_list (FerryTestClient *client, const char *group)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GStrv paths = NULL;

  reply = ferry_client_call (client, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                             "GetCurrentDownloads", g_variant_new ("(s)", group),
                             G_VARIANT_TYPE ("(ao)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^ao)", &paths);
  return paths;
}

GVariant *
ferry_client_get_property (FerryTestClient *client,
                           const char      *transfer,
                           const char      *name,
                           GError         **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = ferry_client_call (client, transfer, "org.freedesktop.DBus.Properties", "Get",
                             g_variant_new ("(ss)", FERRY_TRANSFER_IFACE, name),
                             G_VARIANT_TYPE ("(v)"), error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  return value;
}

static GVariant *
get_property_of_type (FerryTestClient    *client,
                      const char         *transfer,
                      const char         *name,
                      const GVariantType *type)
{
  g_autoptr(GError) error = NULL;
  GVariant *value = ferry_client_get_property (client, transfer, name, &error);

  g_assert_no_error (error);
  if (!g_variant_is_of_type (value, type))
    g_error ("property %s of %s has type %s, expected %s", name, transfer,
             g_variant_get_type_string (value), g_variant_type_peek_string (type));
  return value;
}

char *
ferry_client_get_string (FerryTestClient *client, const char *transfer, const char *name)
{
  g_autoptr(GVariant) value = get_property_of_type (client, transfer, name, G_VARIANT_TYPE_STRING);

  return g_variant_dup_string (value, NULL);
}

guint64
ferry_client_get_uint64 (FerryTestClient *client, const char *transfer, const char *name)
{
  g_autoptr(GVariant) value = get_property_of_type (client, transfer, name, G_VARIANT_TYPE_UINT64);

  return g_variant_get_uint64 (value);
}

guint32
ferry_client_get_uint32 (FerryTestClient *client, const char *transfer, const char *name)
{
  g_autoptr(GVariant) value = get_property_of_type (client, transfer, name, G_VARIANT_TYPE_UINT32);

  return g_variant_get_uint32 (value);
}

void
ferry_assert_property_impl (const char      *file,
                            int              line,
                            const char      *func,
                            FerryTestClient *client,
                            const char      *transfer,
                            const char      *name,
                            const char      *expected)
{
  g_autofree char *value = ferry_client_get_string (client, transfer, name);
  g_autofree char *msg = NULL;

  if (g_strcmp0 (value, expected) == 0)
    return;
  msg = g_strdup_printf ("%s of %s is “%s”, expected “%s”", name, transfer, value, expected);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, msg);
}

static gboolean
is_final_status (const char *status)
{
  return g_strcmp0 (status, "completed") == 0 ||
         g_strcmp0 (status, "canceled") == 0 ||
         g_strcmp0 (status, "error") == 0;
}

/* Fails the test with what the transfer says about itself. */
G_NORETURN static void
fail_transfer (FerryTestClient *client, const char *transfer, const char *status, const char *what)
{
  g_autofree char *error_name = ferry_client_get_string (client, transfer, "ErrorName");
  g_autofree char *error_message = ferry_client_get_string (client, transfer, "ErrorMessage");
  guint64 bytes = ferry_client_get_uint64 (client, transfer, "BytesReceived");
  g_autofree char *msg =
    g_strdup_printf ("%s: %s, but its Status is “%s” (ErrorName “%s”, ErrorMessage “%s”, "
                     "BytesReceived %" G_GUINT64_FORMAT ")",
                     transfer, what, status, error_name, error_message, bytes);

  g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
  abort ();
}

void
ferry_client_wait_status (FerryTestClient *client, const char *transfer, const char *status)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) FERRY_TEST_TIMEOUT_MS * 1000;
  g_autofree char *what = g_strdup_printf ("waited for status “%s”", status);

  while (TRUE)
    {
      g_autofree char *current = ferry_client_get_string (client, transfer, "Status");

      if (strcmp (current, status) == 0)
        return;
      if (is_final_status (current))
        fail_transfer (client, transfer, current, what);
      if (g_get_monotonic_time () >= deadline)
        fail_transfer (client, transfer, current, "timed out: waited for a status");
      ferry_test_iterate (15);
    }
}

/* Polls the byte count @property of @transfer until it reaches @bytes;
 * fails if the transfer stops or ends first, or at the deadline. */
static void
wait_byte_count (FerryTestClient *client, const char *transfer, const char *property,
                 guint64 bytes)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) FERRY_TEST_TIMEOUT_MS * 1000;
  g_autofree char *what = g_strdup_printf ("waited for %s %" G_GUINT64_FORMAT, property, bytes);
  g_autofree char *timed_out = g_strdup_printf ("timed out: %s", what);

  while (TRUE)
    {
      g_autofree char *current = ferry_client_get_string (client, transfer, "Status");

      if (ferry_client_get_uint64 (client, transfer, property) >= bytes)
        return;
      if (is_final_status (current) || g_str_has_prefix (current, "paused"))
        fail_transfer (client, transfer, current, what);
      if (g_get_monotonic_time () >= deadline)
        fail_transfer (client, transfer, current, timed_out);
      ferry_test_iterate (15);
    }
}

void
ferry_client_wait_bytes (FerryTestClient *client, const char *transfer, guint64 bytes)
{
  wait_byte_count (client, transfer, "BytesReceived", bytes);
}

void
ferry_client_wait_error (FerryTestClient *client, const char *transfer, const char *error_name)
{
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  g_autofree char *uri = NULL;

  ferry_client_wait_status (client, transfer, "error");
  name = ferry_client_get_string (client, transfer, "ErrorName");
  message = ferry_client_get_string (client, transfer, "ErrorMessage");
  uri = ferry_client_get_string (client, transfer, "Uri");
  if (g_strcmp0 (name, error_name) != 0)
    {
      g_autofree char *msg =
        g_strdup_printf ("%s (%s) failed with ErrorName “%s” (%s), expected “%s”",
                         transfer, uri, name, message, error_name);

      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }
  g_test_message ("%s failed as expected: %s: %s", transfer, name, message);
  g_assert_cmpstr (message, !=, "");
}

void
ferry_client_sync (FerryTestClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_client_call (client, "/", "org.freedesktop.DBus.Peer", "Ping", NULL,
                             G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  /* The signals that came before the reply are queued for dispatch. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

guint
ferry_client_count_signals (FerryTestClient *client, const char *path, const char *member)
{
  guint n = 0;

  for (guint i = 0; i < client->signals->len; i++)
    {
      FerryTestSignal *sig = g_ptr_array_index (client->signals, i);

      if ((path == NULL || strcmp (sig->path, path) == 0) &&
          (member == NULL || strcmp (sig->member, member) == 0))
        n++;
    }
  return n;
}

guint
ferry_client_count_broadcast (FerryTestClient *client)
{
  return (guint) g_atomic_int_get (client->n_broadcast_box);
}

/* ---- the bus and ferryd ----------------------------------------------- */

gboolean
ferry_fixture_name_has_owner (FerryFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (fx->observer, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", FERRY_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

guint
ferry_fixture_name_owner_pid (FerryFixture *fx)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (fx->observer, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", FERRY_BUS_NAME),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);
  return pid;
}

static guint
process_pid (GSubprocess *process)
{
  const char *id = g_subprocess_get_identifier (process);

  return id ? (guint) g_ascii_strtoull (id, NULL, 10) : 0;
}

/* GSubprocess reaps its child in GLib's worker thread; once reaped, the
 * process has no identifier and its status is known. */
static gboolean
process_has_exited (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

static gboolean
ferryd_has_exited (gpointer data)
{
  return process_has_exited (((FerryFixture *) data)->ferryd);
}

/* The exit status, or minus the signal that killed it. */
static int
process_exit_code (GSubprocess *process)
{
  if (g_subprocess_get_if_signaled (process))
    return -g_subprocess_get_term_sig (process);
  return g_subprocess_get_exit_status (process);
}

gboolean
ferry_test_wait_process_exit (GSubprocess *process, guint timeout_ms, int *out_code)
{
  if (!ferry_test_wait_until (process_has_exited, process, timeout_ms))
    return FALSE;
  if (out_code != NULL)
    *out_code = process_exit_code (process);
  return TRUE;
}

/* Our ferryd owns the name (not a previous one it replaces), or died. */
static gboolean
name_owned_or_exited (gpointer data)
{
  FerryFixture *fx = data;
  guint pid = process_pid (fx->ferryd);

  return pid == 0 || ferry_fixture_name_owner_pid (fx) == pid;
}

static gboolean
name_released (gpointer data)
{
  return !ferry_fixture_name_has_owner (data);
}

static const char *
ferryd_path (void)
{
  const char *path = g_getenv ("FERRYD");

  g_assert_nonnull (path);
  return path;
}

void
ferry_fixture_start_ferryd (FerryFixture *fx, const char * const *extra_args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *joined = NULL;

  g_assert_null (fx->ferryd);

  /* e.g. "valgrind --leak-check=full --error-exitcode=99": ferryd runs
   * under it, and a clean exit on SIGTERM proves it clean. */
  if (g_getenv ("FERRY_TEST_FERRYD_WRAPPER") != NULL)
    {
      g_auto(GStrv) wrapper = NULL;

      g_assert_true (g_shell_parse_argv (g_getenv ("FERRY_TEST_FERRYD_WRAPPER"), NULL, &wrapper,
                                         NULL));
      g_strv_builder_addv (argv, (const char **) wrapper);
    }
  g_strv_builder_add (argv, ferryd_path ());
  if (g_getenv ("FERRY_TEST_QUIET") == NULL)
    g_strv_builder_add (argv, "--verbose");
  g_strv_builder_addv (argv, (const char **) default_ferryd_args);
  if (fx->config->ferryd_args != NULL)
    g_strv_builder_addv (argv, (const char **) fx->config->ferryd_args);
  if (extra_args != NULL)
    g_strv_builder_addv (argv, (const char **) extra_args);
  g_clear_pointer (&fx->ferryd_args, g_strfreev);
  fx->ferryd_args = g_strv_builder_end (argv);
  if ((char **) extra_args != fx->ferryd_extra_args)
    {
      g_clear_pointer (&fx->ferryd_extra_args, g_strfreev);
      fx->ferryd_extra_args = g_strdupv ((char **) extra_args);
    }

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_STARTER_ADDRESS");
  g_subprocess_launcher_unsetenv (launcher, "DBUS_STARTER_BUS_TYPE");
  g_subprocess_launcher_setenv (launcher, "HOME", fx->tmpdir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", fx->data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", fx->runtime_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", fx->config_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", fx->cache_home, TRUE);
  if (fx->system_bus != NULL)
    g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                  ferry_test_system_bus_get_address (fx->system_bus), TRUE);
  /* Leaks are looked for in ferryd, not in the test programs. */
  if (g_getenv ("FERRY_TEST_FERRYD_ASAN_OPTIONS") != NULL)
    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS",
                                  g_getenv ("FERRY_TEST_FERRYD_ASAN_OPTIONS"), TRUE);
  /* ferryd's debug output goes to our stderr: stdout carries TAP. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));

  joined = g_strjoinv (" ", fx->ferryd_args);
  g_test_message ("starting %s", joined);
  fx->ferryd = g_subprocess_launcher_spawnv (launcher, (const char * const *) fx->ferryd_args,
                                             &error);
  g_assert_no_error (error);

  if (!ferry_test_wait_until (name_owned_or_exited, fx, FERRY_TEST_TIMEOUT_MS))
    g_error ("ferryd did not take the name %s within %d ms", FERRY_BUS_NAME, FERRY_TEST_TIMEOUT_MS);
  if (ferryd_has_exited (fx))
    g_error ("ferryd exited at startup (code %d) instead of taking the name %s",
             process_exit_code (fx->ferryd), FERRY_BUS_NAME);
}

/* Waits for our ferryd to exit and for the bus to see its name go. */
static void
wait_ferryd_gone (FerryFixture *fx, const char *how)
{
  if (!ferry_test_wait_until (ferryd_has_exited, fx, FERRY_TEST_TIMEOUT_MS))
    g_error ("ferryd did not exit within %d ms after %s", FERRY_TEST_TIMEOUT_MS, how);
  if (!ferry_test_wait_until (name_released, fx, FERRY_TEST_TIMEOUT_MS))
    g_error ("the bus still has an owner for %s after ferryd exited", FERRY_BUS_NAME);
  g_clear_object (&fx->ferryd);
}

/* A clean exit also proves that the sanitizers (leaks included, where
 * enabled) found nothing in ferryd. */
void
ferry_fixture_stop_ferryd (FerryFixture *fx)
{
  g_assert_nonnull (fx->ferryd);
  g_subprocess_send_signal (fx->ferryd, SIGTERM);
  if (!ferry_test_wait_until (ferryd_has_exited, fx, FERRY_TEST_TIMEOUT_MS))
    g_error ("ferryd did not exit within %d ms after SIGTERM", FERRY_TEST_TIMEOUT_MS);
  g_assert_cmpint (process_exit_code (fx->ferryd), ==, 0);
  wait_ferryd_gone (fx, "SIGTERM");
}

void
ferry_fixture_kill_ferryd (FerryFixture *fx)
{
  g_assert_nonnull (fx->ferryd);
  g_subprocess_send_signal (fx->ferryd, SIGKILL);
  wait_ferryd_gone (fx, "SIGKILL");
}

void
ferry_fixture_restart_ferryd (FerryFixture *fx)
{
  g_auto(GStrv) extra_args = g_steal_pointer (&fx->ferryd_extra_args);
  g_autoptr(GError) error = NULL;

  if (fx->ferryd != NULL)
    ferry_fixture_stop_ferryd (fx);
  ferry_fixture_start_ferryd (fx, (const char * const *) extra_args);

  for (guint i = 0; i < fx->clients->len; i++)
    {
      FerryTestClient *client = g_ptr_array_index (fx->clients, i);
      g_autofree char *app_id = g_strdup (client->app_id);

      if (app_id != NULL)
        {
          ferry_client_register (client, app_id, &error);
          g_assert_no_error (error);
        }
    }
}

gboolean
ferry_fixture_wait_ferryd_exit (FerryFixture *fx, guint timeout_ms, int *out_code)
{
  g_assert_nonnull (fx->ferryd);
  if (!ferry_test_wait_process_exit (fx->ferryd, timeout_ms, out_code))
    return FALSE;
  wait_ferryd_gone (fx, "exiting by itself");
  return TRUE;
}

/* ---- setup and teardown ----------------------------------------------- */

static char *
make_dir (const char *parent, const char *name)
{
  char *path = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  return path;
}

/* D-Bus activation starts ferryd with the bus daemon's environment:
 * point it at this test's directories. */
static void
set_activation_environment (FerryFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder env;

  g_variant_builder_init (&env, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&env, "{ss}", "HOME", fx->tmpdir);
  g_variant_builder_add (&env, "{ss}", "XDG_DATA_HOME", fx->data_home);
  g_variant_builder_add (&env, "{ss}", "XDG_RUNTIME_DIR", fx->runtime_dir);
  g_variant_builder_add (&env, "{ss}", "XDG_CONFIG_HOME", fx->config_home);
  g_variant_builder_add (&env, "{ss}", "XDG_CACHE_HOME", fx->cache_home);
  reply = g_dbus_connection_call_sync (fx->observer, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "UpdateActivationEnvironment",
                                       g_variant_new ("(a{ss})", &env), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

void
ferry_fixture_setup (FerryFixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;

  fx->config = user_data ? user_data : &default_config;

  /* The parent process made the directory, so that it can remove it even
   * when this test aborts. */
  fx->tmpdir = g_strdup (g_getenv ("FERRY_TEST_TMPDIR"));
  if (fx->tmpdir == NULL)
    fx->tmpdir = g_dir_make_tmp ("ferry-test-XXXXXX", &error);
  g_assert_no_error (error);
  fx->data_home = make_dir (fx->tmpdir, "data");
  fx->runtime_dir = make_dir (fx->tmpdir, "runtime");
  fx->config_home = make_dir (fx->tmpdir, "config");
  fx->cache_home = make_dir (fx->tmpdir, "cache");
  fx->downloads = make_dir (fx->tmpdir, "downloads");

  fx->server = ferry_test_server_new ();

  fx->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  if (fx->config->activatable)
    {
      const char *service_dir = g_getenv ("FERRY_TEST_SERVICE_DIR");

      g_assert_nonnull (service_dir);
      g_test_dbus_add_service_dir (fx->bus, service_dir);
    }
  g_test_dbus_up (fx->bus);
  fx->bus_address = g_test_dbus_get_bus_address (fx->bus);
  fx->observer =
    g_dbus_connection_new_for_address_sync (fx->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  if (fx->config->activatable)
    set_activation_environment (fx);
  if (fx->config->system_bus)
    fx->system_bus = ferry_test_system_bus_new (fx->tmpdir);

  fx->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  if (!fx->config->no_ferryd)
    {
      ferry_fixture_start_ferryd (fx, NULL);
      fx->app = ferry_fixture_connect (fx, FERRY_TEST_APP_ID);
    }
}

void
ferry_fixture_teardown (FerryFixture *fx, gconstpointer user_data)
{
  guint activated_pid;

  g_clear_pointer (&fx->clients, g_ptr_array_unref);

  if (fx->ferryd != NULL)
    {
      /* ferryd must never die on its own: that is a crash. */
      if (ferryd_has_exited (fx))
        g_test_fail_printf ("ferryd exited during the test (code %d)",
                            process_exit_code (fx->ferryd));
      else
        ferry_fixture_stop_ferryd (fx);
      g_clear_object (&fx->ferryd);
    }

  /* A ferryd that the bus activated is not our child; stop it by its PID
   * before its bus goes away. */
  activated_pid = ferry_fixture_name_owner_pid (fx);
  if (activated_pid != 0)
    {
      kill ((pid_t) activated_pid, SIGTERM);
      if (!ferry_test_wait_until (name_released, fx, FERRY_TEST_TIMEOUT_MS))
        g_test_fail_printf ("the activated ferryd (pid %u) ignored SIGTERM", activated_pid);
    }

  /* After ferryd: it must not see its system services vanish. */
  g_clear_pointer (&fx->system_bus, ferry_test_system_bus_free);

  g_dbus_connection_close_sync (fx->observer, NULL, NULL);
  g_clear_object (&fx->observer);
  g_test_dbus_down (fx->bus);
  g_clear_object (&fx->bus);

  g_clear_pointer (&fx->server, ferry_test_server_free);
  /* Let the server's connections finish closing. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (g_getenv ("FERRY_TEST_KEEP_TMPDIR") == NULL)
    remove_tree (fx->tmpdir);
  g_clear_pointer (&fx->ferryd_args, g_strfreev);
  g_clear_pointer (&fx->ferryd_extra_args, g_strfreev);
  g_free (fx->tmpdir);
  g_free (fx->data_home);
  g_free (fx->runtime_dir);
  g_free (fx->config_home);
  g_free (fx->cache_home);
  g_free (fx->downloads);
}

/* ---- registering tests ------------------------------------------------ */

typedef struct {
  const FerryFixtureConfig *config;
  FerryTestFunc func;
} FerryTestCase;

/* Each test runs in a process of its own: a failed assertion aborts only
 * that test, and a hung one is stopped after FERRY_TEST_CASE_TIMEOUT_S. */
static void
run_test_case (gconstpointer data)
{
  const FerryTestCase *tc = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;

  if (g_test_subprocess ())
    {
      FerryFixture fx = { 0, };

      ferry_fixture_setup (&fx, tc->config);
      tc->func (&fx, tc->config ? (gconstpointer) tc->config : (gconstpointer) &default_config);
      ferry_fixture_teardown (&fx, tc->config);
      return;
    }

  tmpdir = g_dir_make_tmp ("ferry-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("FERRY_TEST_TMPDIR", tmpdir, TRUE);

  /* Report the child's failure and go on with the next test. */
  g_test_set_nonfatal_assertions ();
  g_test_trap_subprocess (NULL, (guint64) FERRY_TEST_CASE_TIMEOUT_S * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  g_unsetenv ("FERRY_TEST_TMPDIR");
  if (g_getenv ("FERRY_TEST_KEEP_TMPDIR") != NULL)
    g_printerr ("# %s kept %s\n", g_test_get_path (), tmpdir);
  else
    remove_tree (tmpdir);
}

void
ferry_test_add (const char *path, const FerryFixtureConfig *config, FerryTestFunc func)
{
  FerryTestCase *tc = g_new0 (FerryTestCase, 1);

  tc->config = config;
  tc->func = func;
  g_test_add_data_func_full (path, tc, run_test_case, g_free);
}

void
ferry_test_init (int *argc, char ***argv)
{
  setlocale (LC_ALL, "");
  g_test_init (argc, argv, NULL);
  /* Map org.freedesktop.Ferry1.Error.* to FERRY_ERROR. */
  (void) ferry_error_quark ();

  if (g_getenv ("FERRYD") == NULL || !g_file_test (g_getenv ("FERRYD"), G_FILE_TEST_IS_EXECUTABLE))
    {
      /* Without the service there is nothing to test. */
      g_printerr ("FERRYD must name the ferryd binary to test\n");
      exit (77);
    }
}

/* ---- uploads ---------------------------------------------------------- */

static char *
create_upload_reply_path (GVariant *reply)
{
  char *path = NULL;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(o)", &path);
  return path;
}

char *
ferry_client_create_upload (FerryTestClient *client,
                            const char      *uri,
                            const char      *source,
                            GVariant        *options,
                            GError         **error)
{
  g_autoptr(GVariant) reply = NULL;

  if (options == NULL)
    options = g_variant_new ("a{sv}", NULL);
  reply = ferry_client_call (client, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE, "CreateUpload",
                             g_variant_new ("(ss@a{sv})", uri, source, options),
                             G_VARIANT_TYPE ("(o)"), error);
  return create_upload_reply_path (reply);
}

char *
ferry_client_start_upload (FerryTestClient *client,
                           const char      *uri,
                           const char      *source,
                           GVariant        *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ferry_client_create_upload (client, uri, source, options, &error);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (path, FERRY_TRANSFER_PATH_PREFIX));
  ferry_client_transfer_call (client, path, "Start", &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

char *
ferry_client_create_multipart_upload (FerryTestClient *client,
                                      const char      *uri,
                                      GVariant        *parts,
                                      GVariant        *options,
                                      GError         **error)
{
  g_autoptr(GVariant) reply = NULL;

  if (options == NULL)
    options = g_variant_new ("a{sv}", NULL);
  reply = ferry_client_call (client, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                             "CreateMultipartUpload",
                             g_variant_new ("(s@a(ssa{sv})@a{sv})", uri, parts, options),
                             G_VARIANT_TYPE ("(o)"), error);
  return create_upload_reply_path (reply);
}

char *
ferry_client_create_upload_from_stream (FerryTestClient *client,
                                        const char      *uri,
                                        gint32           handle,
                                        GUnixFDList     *fd_list,
                                        GVariant        *options,
                                        GError         **error)
{
  g_autoptr(GVariant) reply = NULL;

  if (options == NULL)
    options = g_variant_new ("a{sv}", NULL);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (client->connection, FERRY_BUS_NAME,
                                                         FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                                                         "CreateUploadFromStream",
                                                         g_variant_new ("(sh@a{sv})", uri, handle,
                                                                        options),
                                                         G_VARIANT_TYPE ("(o)"),
                                                         G_DBUS_CALL_FLAGS_NONE,
                                                         FERRY_TEST_TIMEOUT_MS, fd_list, NULL,
                                                         NULL, error);
  return create_upload_reply_path (reply);
}

char *
ferry_client_create_upload_from_fd (FerryTestClient *client,
                                    const char      *uri,
                                    int              fd,
                                    GVariant        *options,
                                    GError         **error)
{
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  g_autoptr(GError) local_error = NULL;
  gint32 handle = g_unix_fd_list_append (fd_list, fd, &local_error);

  g_assert_no_error (local_error);
  return ferry_client_create_upload_from_stream (client, uri, handle, fd_list, options, error);
}

GStrv
ferry_client_list_uploads (FerryTestClient *client, const char *group)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GStrv paths = NULL;

  reply = ferry_client_call (client, FERRY_UPLOADER_PATH, FERRY_UPLOADER_IFACE,
                             "GetCurrentUploads", g_variant_new ("(s)", group),
                             G_VARIANT_TYPE ("(ao)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^ao)", &paths);
  return paths;
}

int
ferry_client_open_response_body (FerryTestClient *client,
                                 const char      *transfer,
                                 GError         **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;
  gint32 handle = -1;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (client->connection, FERRY_BUS_NAME,
                                                         transfer, FERRY_TRANSFER_IFACE,
                                                         "OpenResponseBody", NULL,
                                                         G_VARIANT_TYPE ("(h)"),
                                                         G_DBUS_CALL_FLAGS_NONE,
                                                         FERRY_TEST_TIMEOUT_MS, NULL, &fd_list,
                                                         NULL, error);
  if (reply == NULL)
    return -1;
  g_variant_get (reply, "(h)", &handle);
  if (fd_list == NULL || handle < 0 || handle >= g_unix_fd_list_get_length (fd_list))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "OpenResponseBody answered the handle %d with %d descriptors", handle,
                   fd_list ? g_unix_fd_list_get_length (fd_list) : 0);
      return -1;
    }
  return g_unix_fd_list_get (fd_list, handle, error);
}

GBytes *
ferry_test_read_fd (int fd)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buf[64 * 1024];

  while (TRUE)
    {
      ssize_t n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("reading a descriptor: %s", g_strerror (errno));
      if (n == 0)
        break;
      g_byte_array_append (data, buf, (guint) n);
    }
  close (fd);
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

void
ferry_client_wait_bytes_sent (FerryTestClient *client, const char *transfer, guint64 bytes)
{
  wait_byte_count (client, transfer, "BytesSent", bytes);
}

/* ---- network and power (system bus mocks) ------------------------------ */

void
ferry_fixture_start_ferryd_with_app (FerryFixture *fx)
{
  ferry_fixture_start_ferryd (fx, NULL);
  if (fx->app == NULL)
    fx->app = ferry_fixture_connect (fx, FERRY_TEST_APP_ID);
}

GVariant *
ferry_client_get_manager_property (FerryTestClient *client, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = ferry_client_call (client, FERRY_MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
                             g_variant_new ("(ss)", FERRY_MANAGER_IFACE, name),
                             G_VARIANT_TYPE ("(v)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

void
ferry_client_wait_manager_property (FerryTestClient *client,
                                    const char      *name,
                                    GVariant        *expected)
{
  g_autoptr(GVariant) wanted = g_variant_ref_sink (expected);
  gint64 deadline = g_get_monotonic_time () + (gint64) FERRY_TEST_TIMEOUT_MS * 1000;

  while (TRUE)
    {
      g_autoptr(GVariant) value = ferry_client_get_manager_property (client, name);

      if (g_variant_equal (value, wanted))
        return;
      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *got = g_variant_print (value, TRUE);
          g_autofree char *want = g_variant_print (wanted, TRUE);
          g_autofree char *msg =
            g_strdup_printf ("timed out: the Manager's %s is %s, expected %s", name, got, want);

          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
          return;
        }
      ferry_test_iterate (15);
    }
}

guint
ferry_client_wait_status_within (FerryTestClient *client,
                                 const char      *transfer,
                                 const char      *status,
                                 guint            timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) timeout_ms * 1000;

  while (TRUE)
    {
      g_autofree char *current = ferry_client_get_string (client, transfer, "Status");
      gint64 now = g_get_monotonic_time ();

      if (strcmp (current, status) == 0)
        return (guint) ((now - start) / 1000);
      if (now >= deadline)
        {
          g_autofree char *what =
            g_strdup_printf ("waited %u ms for status “%s”", timeout_ms, status);

          fail_transfer (client, transfer, current, what);
        }
      ferry_test_iterate (5);
    }
}

void
ferry_client_assert_stays (FerryTestClient *client,
                           const char      *transfer,
                           const char      *status,
                           guint            window_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) window_ms * 1000;
  guint64 bytes = ferry_client_get_uint64 (client, transfer, "BytesReceived");

  do
    {
      g_autofree char *current = ferry_client_get_string (client, transfer, "Status");

      if (strcmp (current, status) != 0)
        {
          g_autofree char *what = g_strdup_printf ("was to stay “%s”", status);

          fail_transfer (client, transfer, current, what);
        }
      if (ferry_client_get_uint64 (client, transfer, "BytesReceived") != bytes)
        fail_transfer (client, transfer, current, "was to receive nothing");
      ferry_test_iterate (20);
    }
  while (g_get_monotonic_time () < end);
}

char *
ferry_client_start_download_with (FerryTestClient *client,
                                  const char      *uri,
                                  const char      *destination,
                                  const char      *first_option,
                                  ...)
{
  GVariantBuilder options;
  const char *name;
  va_list args;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  va_start (args, first_option);
  for (name = first_option; name != NULL; name = va_arg (args, const char *))
    g_variant_builder_add (&options, "{sv}", name,
                           g_variant_new_string (va_arg (args, const char *)));
  va_end (args);
  return ferry_client_start_download (client, uri, destination, g_variant_builder_end (&options));
}

typedef struct {
  FerryTestClient *client;
  const char      *transfer;
  const char      *part;
  guint64          bytes;
} KeptBytes;

static gboolean
part_holds_bytes_received (gpointer data)
{
  KeptBytes *kept = data;

  kept->bytes = ferry_client_get_uint64 (kept->client, kept->transfer, "BytesReceived");
  return kept->bytes > 0 && ferry_test_file_size (kept->part) == (gint64) kept->bytes;
}

guint64
ferry_client_wait_kept_bytes (FerryTestClient *client,
                              const char      *transfer,
                              const char      *destination)
{
  g_autofree char *part = g_strconcat (destination, ".part", NULL);
  KeptBytes kept = { client, transfer, part, 0 };

  if (!ferry_test_wait_until (part_holds_bytes_received, &kept, FERRY_TEST_TIMEOUT_MS))
    g_error ("%s: BytesReceived is %" G_GUINT64_FORMAT " but %s holds %" G_GINT64_FORMAT " bytes",
             transfer, kept.bytes, part, ferry_test_file_size (part));
  return kept.bytes;
}

void
ferry_assert_range_request (FerryTestServer *server,
                            const char      *path_prefix,
                            guint            index,
                            guint64          offset)
{
  FerryTestRequest *req = ferry_test_server_nth_request (server, path_prefix, index);
  g_autofree char *range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", offset);
  g_autoptr(GString) seen = NULL;

  if (req != NULL && g_strcmp0 (req->range, range) == 0 && req->if_range != NULL &&
      req->status == 206)
    return;

  /* Say what the server saw. */
  seen = g_string_new (NULL);
  for (guint i = 0; ferry_test_server_nth_request (server, path_prefix, i) != NULL; i++)
    {
      FerryTestRequest *r = ferry_test_server_nth_request (server, path_prefix, i);

      g_string_append_printf (seen, "\n  %u: %s %s Range: %s If-Range: %s → %u, %" G_GUINT64_FORMAT
                              " body bytes%s", i, r->method, r->path,
                              r->range ? r->range : "(none)", r->if_range ? r->if_range : "(none)",
                              r->status, r->body_bytes_sent, r->cut ? " (cut)" : "");
    }
  g_error ("expected request %u for %s to be “Range: %s” with If-Range answered 206; "
           "the server saw:%s", index, path_prefix, range, seen->str);
}

/* ---- clients of other processes (identity) ----------------------------- */

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

/* The sockaddr of a "unix:path=…" or "unix:abstract=…" bus address. */
static socklen_t
bus_sockaddr (const char *address, struct sockaddr_un *sun)
{
  g_auto(GStrv) params = NULL;

  g_assert_true (g_str_has_prefix (address, "unix:"));
  memset (sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  params = g_strsplit (address + strlen ("unix:"), ",", -1);
  for (guint i = 0; params[i] != NULL; i++)
    {
      g_autofree char *value = NULL;
      gboolean abstract = g_str_has_prefix (params[i], "abstract=");

      if (!abstract && !g_str_has_prefix (params[i], "path="))
        continue;
      value = g_uri_unescape_string (strchr (params[i], '=') + 1, NULL);
      g_assert_nonnull (value);
      g_assert_cmpuint (strlen (value), <, sizeof sun->sun_path - 1);
      /* An abstract name starts with a NUL byte. */
      memcpy (sun->sun_path + (abstract ? 1 : 0), value, strlen (value));
      return (socklen_t) (offsetof (struct sockaddr_un, sun_path) + (abstract ? 1 : 0) +
                          strlen (value) + (abstract ? 0 : 1));
    }
  g_error ("cannot connect to the bus address %s by hand", address);
}

FerryTestClient *
ferry_fixture_connect_as_process (FerryFixture *fx, guint *out_pid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) gsocket = NULL;
  g_autoptr(GSocketConnection) stream = NULL;
  FerryTestClient *client = g_new0 (FerryTestClient, 1);
  struct sockaddr_un sun;
  socklen_t len = bus_sockaddr (fx->bus_address, &sun);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int status = 0;
  pid_t pid;

  g_assert_cmpint (fd, >=, 0);
  /* The child only connects and exits: nothing but async-signal-safe
   * calls between fork() and _exit(). */
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (connect (fd, (struct sockaddr *) &sun, len) == 0 ? 0 : 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  gsocket = g_socket_new_from_fd (fd, &error);
  g_assert_no_error (error);
  stream = g_socket_connection_factory_create_connection (gsocket);
  client->connection =
    g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                NULL, NULL, &error);
  g_assert_no_error (error);
  client_watch_signals (fx, client);

  if (out_pid != NULL)
    *out_pid = (guint) pid;
  return client;
}

guint
ferry_client_bus_pid (FerryFixture *fx, FerryTestClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (fx->observer, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)",
                                                      g_dbus_connection_get_unique_name (client->connection)),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  return pid;
}
