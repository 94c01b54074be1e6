/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is calling, and what a sandboxed caller may do.
 *
 * ferryd learns a caller's app from its bus connection: the PID the bus
 * reports, then that process's /.flatpak-info (a Flatpak), its cgroup (a
 * Snap's scope, or the systemd scope a desktop started an app in), else
 * the unnamed host app. The test points ferryd's FERRY_PROC_ROOT at a
 * directory it fills, and connects clients whose connections the bus
 * credits to child processes of their own (see
 * ferry_fixture_connect_as_process()), so one test process can be a
 * Flatpak, a Snap, an app in a scope and the host at once.
 *
 * A sandboxed caller hands ferryd no paths: it downloads to "" and takes
 * the file with Transfer.OpenResult, and uploads from a descriptor. And
 * every app sees only its own transfers: every method, every property,
 * every signal. */
#define G_LOG_DOMAIN "test-identity"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ferry-dbus-generated.h"
#include "ferry-test-fixture.h"
#include "ferry-test-upload-server.h"

#define KiB 1024

#define FLATPAK_ID "org.example.Sandboxed"
#define SCOPE_ID "org.example.Scoped"

static const FerryFixtureConfig identity_config = {
  .no_ferryd = TRUE,
};

/* ---- the fake /proc --------------------------------------------------- */

static char *
proc_root (FerryFixture *fx)
{
  return g_build_filename (fx->tmpdir, "proc", NULL);
}

/* Starts ferryd with FERRY_PROC_ROOT naming an empty directory: the test
 * process itself has no entry there, so fx->app is a host caller. */
static void
start_with_fake_proc (FerryFixture *fx)
{
  g_autofree char *root = proc_root (fx);

  g_assert_cmpint (g_mkdir_with_parents (root, 0700), ==, 0);
  g_setenv ("FERRY_PROC_ROOT", root, TRUE);
  ferry_fixture_start_ferryd_with_app (fx);
  g_unsetenv ("FERRY_PROC_ROOT");
}

static void
write_proc_file (FerryFixture *fx, guint pid, const char *relative, const char *contents)
{
  g_autofree char *root = proc_root (fx);
  g_autofree char *pid_dir = g_strdup_printf ("%u", pid);
  g_autofree char *path = g_build_filename (root, pid_dir, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A client that passes for the Flatpak @app_id: its process's
 * /.flatpak-info names it (and its cgroup is Flatpak's scope for it). */
static FerryTestClient *
connect_flatpak (FerryFixture *fx, const char *app_id)
{
  guint pid = 0;
  FerryTestClient *client = ferry_fixture_connect_as_process (fx, &pid);
  g_autofree char *info =
    g_strdup_printf ("[Application]\nname=%s\nruntime=runtime/org.example.Platform/x86_64/1\n\n"
                     "[Instance]\ninstance-id=%u\n", app_id, pid);
  g_autofree char *cgroup =
    g_strdup_printf ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/"
                     "app-flatpak-%s-%u.scope\n", app_id, pid);

  g_assert_cmpuint (ferry_client_bus_pid (fx, client), ==, pid);
  write_proc_file (fx, pid, "root/.flatpak-info", info);
  write_proc_file (fx, pid, "cgroup", cgroup);
  return client;
}

/* A client whose process runs in the cgroup @unit (with no Flatpak). */
static FerryTestClient *
connect_in_unit (FerryFixture *fx, const char *unit)
{
  guint pid = 0;
  FerryTestClient *client = ferry_fixture_connect_as_process (fx, &pid);
  g_autofree char *cgroup =
    g_strdup_printf ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/%s\n", unit);

  write_proc_file (fx, pid, "cgroup", cgroup);
  return client;
}

/* The app a transfer was filed under, as its managed destination shows:
 * $XDG_DATA_HOME/ferry/apps/<app>/<id>. */
static char *
managed_app_of (FerryFixture *fx, FerryTestClient *client, const char *transfer)
{
  g_autofree char *dest = ferry_client_get_string (client, transfer, "Destination");
  g_autofree char *apps = g_build_filename (fx->data_home, "ferry", "apps", NULL);
  g_autofree char *dir = g_path_get_dirname (dest);

  g_assert_true (g_str_has_prefix (dest, apps));
  return g_path_get_basename (dir);
}

static char *
create_managed_download (FerryFixture *fx, FerryTestClient *client, const char *server_path)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "%s", server_path);
  g_autoptr(GError) error = NULL;
  char *path = ferry_client_create_download (client, uri, "", NULL, &error);

  g_assert_no_error (error);
  return path;
}

static gboolean
strv_is (GStrv strv, const char * const *expected)
{
  return g_strv_equal ((const char * const *) strv, expected);
}

/* ---- who is who ------------------------------------------------------- */

static void
test_flatpak_is_named_by_its_flatpak_info (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *sandboxed, *same_app;
  g_autofree char *path = NULL;
  g_autofree char *app = NULL;
  g_auto(GStrv) seen_by_same_app = NULL;
  g_auto(GStrv) seen_by_host = NULL;

  start_with_fake_proc (fx);
  sandboxed = connect_flatpak (fx, FLATPAK_ID);
  same_app = connect_flatpak (fx, FLATPAK_ID);

  path = create_managed_download (fx, sandboxed, "/file/4096");
  app = managed_app_of (fx, sandboxed, path);
  g_assert_cmpstr (app, ==, FLATPAK_ID);

  /* Another instance of the same Flatpak is the same app; the host app
   * is not. */
  seen_by_same_app = ferry_client_list (same_app, "");
  g_assert_true (strv_is (seen_by_same_app, (const char *[]) { path, NULL }));
  seen_by_host = ferry_client_list (fx->app, "");
  g_assert_true (strv_is (seen_by_host, (const char *[]) { NULL }));
}

static void
test_flatpak_info_wins_over_the_cgroup (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *client;
  g_autofree char *path = NULL;
  g_autofree char *app = NULL;
  guint pid = 0;

  start_with_fake_proc (fx);
  /* A Flatpak instance whose scope names another app: the sandbox's own
   * word counts, the scope's name can be chosen by whoever starts it. */
  client = ferry_fixture_connect_as_process (fx, &pid);
  write_proc_file (fx, pid, "root/.flatpak-info", "[Application]\nname=" FLATPAK_ID "\n");
  write_proc_file (fx, pid, "cgroup", "0::/user.slice/app.slice/app-gnome-org.example.Host-1.scope\n");

  path = create_managed_download (fx, client, "/file/4096");
  app = managed_app_of (fx, client, path);
  g_assert_cmpstr (app, ==, FLATPAK_ID);
}

static void
assert_register_denied (FerryTestClient *client, const char *app_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ferry_client_register (client, app_id, &error));
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
}

/* What no sandboxed caller may do: name itself, or hand ferryd a path. */
static void
assert_sandbox_rules_hold (FerryFixture *fx, FerryTestClient *client)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/4096");
  g_autofree char *dest = ferry_fixture_dest (fx, "from-sandbox.bin");
  g_autofree char *source = ferry_fixture_dest (fx, "source.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_file_set_contents (source, "data", -1, &error);
  g_assert_no_error (error);

  assert_register_denied (client, "org.example.Pretender");
  assert_register_denied (client, FERRY_TEST_APP_ID);

  path = ferry_client_create_download (client, uri, dest, NULL, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
  g_assert_null (path);
  g_clear_error (&error);

  path = ferry_client_create_upload (client, uri, source, NULL, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
  g_assert_null (path);
  g_clear_error (&error);

  path = ferry_client_create_multipart_upload (client, uri,
                                               g_variant_new_parsed ("[('field', '', {'value': <'x'>}),"
                                                                     " ('file', %s, @a{sv} {})]",
                                                                     source),
                                               NULL, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
  g_assert_null (path);
  g_clear_error (&error);

  /* Form fields alone name no file: allowed. */
  path = ferry_client_create_multipart_upload (client, uri,
                                               g_variant_new_parsed ("[('field', '', {'value': <'x'>})]"),
                                               NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);

  /* Nothing was created at the paths it named. */
  g_assert_false (ferry_test_file_exists (dest));
}

static void
test_flatpak_may_not_register_or_pass_paths (FerryFixture *fx, gconstpointer config)
{
  start_with_fake_proc (fx);
  assert_sandbox_rules_hold (fx, connect_flatpak (fx, FLATPAK_ID));
}

static void
test_snap_is_named_by_its_cgroup_and_sandboxed (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *snap;
  g_autofree char *path = NULL;
  g_autofree char *app = NULL;

  start_with_fake_proc (fx);
  snap = connect_in_unit (fx, "snap.fakesnap.fakesnap-5f3c2b1a-0d9e-4c55-9a3e-1b2c3d4e5f60.scope");
  path = create_managed_download (fx, snap, "/file/4096");
  app = managed_app_of (fx, snap, path);
  g_assert_cmpstr (app, ==, "snap.fakesnap");
  assert_sandbox_rules_hold (fx, snap);
}

static void
test_unnamed_flatpak_is_still_sandboxed (FerryFixture *fx, gconstpointer config)
{
  const char *infos[] = {
    "[Application]\n",                                  /* no name */
    "[Application]\nname=not a valid id\n",
    "[Application]\nname=../../etc\n",
    "[Instance]\ninstance-id=1\n",                      /* no [Application] */
  };

  start_with_fake_proc (fx);
  for (gsize i = 0; i < G_N_ELEMENTS (infos); i++)
    {
      guint pid = 0;
      FerryTestClient *client = ferry_fixture_connect_as_process (fx, &pid);
      g_autofree char *path = NULL;
      g_autofree char *app = NULL;
      g_autofree char *shown = g_strescape (infos[i], NULL);

      g_printerr ("# .flatpak-info “%s”\n", shown);
      write_proc_file (fx, pid, "root/.flatpak-info", infos[i]);
      /* A sandbox ferryd cannot name must not pass for the host. */
      assert_sandbox_rules_hold (fx, client);
      path = create_managed_download (fx, client, "/file/4096");
      app = managed_app_of (fx, client, path);
      g_assert_cmpstr (app, !=, "");
      g_assert_cmpstr (app, !=, "-");
      g_assert_null (strchr (app, '/'));
      g_assert_cmpstr (app, !=, "..");
    }
}

/* A client in the scope @unit is the host app @app_id: a connection
 * registered under that id sees its transfer, the test app does not. */
static void
assert_scope_names_app (FerryFixture *fx, const char *unit, const char *app_id)
{
  FerryTestClient *scoped = connect_in_unit (fx, unit);
  FerryTestClient *same_id = ferry_fixture_connect (fx, app_id);
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/4096");
  g_autofree char *dest = ferry_fixture_dest (fx, "scoped.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *managed = NULL;
  g_autofree char *app = NULL;
  g_auto(GStrv) seen = NULL;

  /* A host app: paths are fine. */
  path = ferry_client_create_download (scoped, uri, dest, NULL, &error);
  g_assert_no_error (error);
  managed = create_managed_download (fx, scoped, "/file/4096");
  app = managed_app_of (fx, scoped, managed);
  g_printerr ("# unit %s: app “%s”, expected “%s”\n", unit, app, app_id);
  g_assert_cmpstr (app, ==, app_id);

  seen = ferry_client_list (same_id, "");
  g_assert_true (g_strv_contains ((const char * const *) seen, path));
  g_clear_pointer (&seen, g_strfreev);
  seen = ferry_client_list (fx->app, "");
  g_assert_false (g_strv_contains ((const char * const *) seen, path));
  ferry_client_transfer_call (scoped, path, "Cancel", &error);
  g_assert_no_error (error);
}

static void
test_scope_app_is_named_by_its_unit (FerryFixture *fx, gconstpointer config)
{
  start_with_fake_proc (fx);
  assert_scope_names_app (fx, "app-gnome-" SCOPE_ID "-4242.scope", SCOPE_ID);
  assert_scope_names_app (fx, "app-" SCOPE_ID "-4242.scope", SCOPE_ID);
  assert_scope_names_app (fx, "app-flatpak-" SCOPE_ID "-4242.scope", SCOPE_ID);
  assert_scope_names_app (fx, "app-" SCOPE_ID "@a1b2c3.service", SCOPE_ID);
}

static void
test_scope_id_with_an_escaped_dash_is_unescaped (FerryFixture *fx, gconstpointer config)
{
  start_with_fake_proc (fx);
  /* systemd-escape writes "-" in a unit name as \x2d. */
  assert_scope_names_app (fx, "app-gnome-org.example.My\\x2dApp-77.scope", "org.example.My-App");
}

static void
test_scope_app_may_register_once (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *named;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/4096");
  g_autofree char *dest = ferry_fixture_dest (fx, "renamed.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) mine = NULL;

  start_with_fake_proc (fx);
  /* A host app in a scope may still name itself, once. */
  named = connect_in_unit (fx, "app-gnome-" SCOPE_ID "-4243.scope");
  g_assert_true (ferry_client_register (named, "org.example.Renamed", &error));
  g_assert_no_error (error);
  g_assert_false (ferry_client_register (named, "org.example.Again", &error));
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
  g_clear_error (&error);
  path = ferry_client_create_download (named, uri, dest, NULL, &error);
  g_assert_no_error (error);
  mine = ferry_client_list (ferry_fixture_connect (fx, "org.example.Renamed"), "");
  g_assert_true (strv_is (mine, (const char *[]) { path, NULL }));
}

static void
test_process_without_entries_is_the_host (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *bare;
  FerryTestClient *plain_host;
  g_autofree char *uri = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) seen = NULL;

  start_with_fake_proc (fx);
  /* No .flatpak-info, no cgroup: the unnamed host app "", the same as an
   * unregistered connection of the test process. */
  bare = ferry_fixture_connect_as_process (fx, NULL);
  plain_host = ferry_fixture_connect (fx, NULL);
  uri = ferry_fixture_uri (fx, "/file/4096");
  dest = ferry_fixture_dest (fx, "bare.bin");
  path = ferry_client_create_download (bare, uri, dest, NULL, &error);
  g_assert_no_error (error);
  seen = ferry_client_list (plain_host, "");
  g_assert_true (strv_is (seen, (const char *[]) { path, NULL }));
}

/* ---- the sandbox's descriptors ---------------------------------------- */

static GBytes *
expected_content (guint32 seed, gsize size)
{
  guint8 *buf = g_malloc (size);

  ferry_test_content_fill (seed, 0, buf, size);
  return g_bytes_new_take (buf, size);
}

static int
open_result (FerryTestClient *client, const char *transfer, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;
  gint32 handle = -1;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (client->connection, FERRY_BUS_NAME,
                                                         transfer, FERRY_TRANSFER_IFACE,
                                                         "OpenResult", NULL,
                                                         G_VARIANT_TYPE ("(h)"),
                                                         G_DBUS_CALL_FLAGS_NONE,
                                                         FERRY_TEST_TIMEOUT_MS, NULL, &fd_list,
                                                         NULL, error);
  if (reply == NULL)
    return -1;
  g_variant_get (reply, "(h)", &handle);
  g_assert_nonnull (fd_list);
  return g_unix_fd_list_get (fd_list, handle, error);
}

static void
test_sandboxed_download_is_handed_over_by_open_result (FerryFixture *fx, gconstpointer config)
{
  const gsize size = 300 * KiB + 5;
  g_autoptr(GBytes) expected = expected_content (1, size);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *stored = NULL;
  FerryTestClient *sandboxed;
  int fd, flags;
  char byte = 0;

  start_with_fake_proc (fx);
  sandboxed = connect_flatpak (fx, FLATPAK_ID);
  path = create_managed_download (fx, sandboxed, "/file/307205");
  stored = ferry_client_get_string (sandboxed, path, "Destination");

  /* Nothing to hand over before it completes. */
  g_assert_cmpint (open_result (sandboxed, path, &error), ==, -1);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
  g_clear_error (&error);

  ferry_client_transfer_call (sandboxed, path, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (sandboxed, path, "completed");
  g_assert_true (ferry_test_file_exists (stored));

  /* Another app gets nothing. */
  g_assert_cmpint (open_result (fx->app, path, &error), ==, -1);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
  g_clear_error (&error);
  g_assert_true (ferry_test_file_exists (stored));

  fd = open_result (sandboxed, path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  /* Read-only, and the service's copy went with it. */
  flags = fcntl (fd, F_GETFL);
  g_assert_cmpint (flags & O_ACCMODE, ==, O_RDONLY);
  g_assert_cmpint (write (fd, &byte, 1), ==, -1);
  g_assert_false (ferry_test_file_exists (stored));
  received = ferry_test_read_fd (fd);
  g_assert_true (g_bytes_equal (received, expected));

  /* Once. */
  g_assert_cmpint (open_result (sandboxed, path, &error), ==, -1);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
}

static void
test_sandboxed_upload_comes_from_a_descriptor (FerryFixture *fx, gconstpointer config)
{
  const gsize size = 200 * KiB + 3;
  g_autofree char *store = g_build_filename (fx->tmpdir, "uploads", NULL);
  g_autoptr(FerryTestUploadServer) uploads = NULL;
  g_autoptr(GBytes) content = expected_content (9, size);
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  g_autofree char *source = ferry_fixture_dest (fx, "stream-source.bin");
  g_autofree char *uri = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  FerryTestUploadRequest *req;
  FerryTestClient *sandboxed;
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (store, 0700), ==, 0);
  uploads = ferry_test_upload_server_new (store);
  uri = ferry_test_upload_server_uri (uploads, "/upload/from-sandbox");
  g_file_set_contents (source, g_bytes_get_data (content, NULL), size, &error);
  g_assert_no_error (error);

  start_with_fake_proc (fx);
  sandboxed = connect_flatpak (fx, FLATPAK_ID);
  fd = open (source, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  path = ferry_client_create_upload_from_fd (sandboxed, uri, fd, NULL, &error);
  close (fd);
  g_assert_no_error (error);
  ferry_assert_property (sandboxed, path, "Source", "");
  ferry_client_transfer_call (sandboxed, path, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (sandboxed, path, "completed");

  req = ferry_test_upload_server_nth_request (uploads, NULL, "/upload/from-sandbox", 0);
  g_assert_nonnull (req);
  g_assert_true (req->body_complete);
  g_assert_cmpuint (req->body_bytes, ==, size);
  g_assert_cmpstr (req->body_sha256, ==, expected);
}

/* ---- isolation between apps ------------------------------------------- */

/* Arguments of the right types for @method: an app is denied for whose
 * transfer it is, not for what it sends. */
static GVariant *
plausible_arguments (const GDBusMethodInfo *method, GUnixFDList *fd_list)
{
  g_auto(GVariantBuilder) args = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_TUPLE);

  for (guint i = 0; method->in_args != NULL && method->in_args[i] != NULL; i++)
    {
      const char *signature = method->in_args[i]->signature;

      if (g_str_equal (signature, "s") && g_str_has_suffix (method->name, "Uri"))
        g_variant_builder_add (&args, "s", "http://127.0.0.1:9/elsewhere");
      else if (g_str_equal (signature, "s") && g_str_equal (method->name, "SetCostPolicy"))
        g_variant_builder_add (&args, "s", "always");
      else if (g_str_equal (signature, "s") && g_str_equal (method->name, "SetPriority"))
        g_variant_builder_add (&args, "s", "high");
      else if (g_str_equal (signature, "h"))
        {
          int null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

          g_variant_builder_add (&args, "h", g_unix_fd_list_append (fd_list, null_fd, NULL));
          close (null_fd);
        }
      else
        {
          g_autoptr(GVariantType) type = g_variant_type_new (signature);
          g_autoptr(GVariant) empty =
            g_variant_ref_sink (g_variant_new_from_data (type, NULL, 0, FALSE, NULL, NULL));
          /* The normal form of no data is the type's default value. */
          g_autoptr(GVariant) zero = g_variant_get_normal_form (empty);

          g_variant_builder_add_value (&args, zero);
        }
    }
  return g_variant_builder_end (&args);
}

/* @client is denied every Transfer method and every property of @path. */
static void
assert_denied_everything (FerryTestClient *client, const char *path)
{
  GDBusInterfaceInfo *iface = ferry_dbus_transfer_interface_info ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  for (guint i = 0; iface->methods[i] != NULL; i++)
    {
      g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
      GVariant *args = plausible_arguments (iface->methods[i], fd_list);
      g_autoptr(GVariant) denied = NULL;
      g_autofree char *remote = NULL;

      denied = g_dbus_connection_call_with_unix_fd_list_sync (client->connection, FERRY_BUS_NAME,
                                                              path, FERRY_TRANSFER_IFACE,
                                                              iface->methods[i]->name, args,
                                                              NULL, G_DBUS_CALL_FLAGS_NONE,
                                                              FERRY_TEST_TIMEOUT_MS, fd_list,
                                                              NULL, NULL, &error);
      remote = error ? g_dbus_error_get_remote_error (error) : NULL;
      if (g_strcmp0 (remote, FERRY_ERROR_NAME_ACCESS_DENIED) != 0)
        g_error ("%s on another app's %s: expected AccessDenied, got %s", iface->methods[i]->name,
                 path, error ? error->message : "success");
      g_clear_error (&error);
    }
  for (guint i = 0; iface->properties[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = ferry_client_get_property (client, path, iface->properties[i]->name,
                                                             &error);

      if (value != NULL)
        g_error ("another app read %s of %s", iface->properties[i]->name, path);
      ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
      g_clear_error (&error);
    }
  reply = ferry_client_call (client, path, "org.freedesktop.DBus.Properties", "GetAll",
                             g_variant_new ("(s)", FERRY_TRANSFER_IFACE), NULL, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
  g_clear_error (&error);
  reply = ferry_client_call (client, path, "org.freedesktop.DBus.Properties", "Set",
                             g_variant_new ("(ssv)", FERRY_TRANSFER_IFACE, "Priority",
                                            g_variant_new_string ("high")), NULL, &error);
  /* Refused, by GDBus (read-only) or by ferryd: either way nothing set. */
  g_assert_nonnull (error);
  g_assert_null (reply);
}

/* The nodes @client sees under the Transfer subtree. */
static GStrv
introspected_transfers (FerryTestClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  const char *xml;

  reply = ferry_client_call (client, "/org/freedesktop/Ferry1/Transfer",
                             "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
                             G_VARIANT_TYPE ("(s)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  for (guint i = 0; node->nodes != NULL && node->nodes[i] != NULL; i++)
    g_strv_builder_add (names, node->nodes[i]->path);
  return g_strv_builder_end (names);
}

typedef struct {
  char *download;
  char *upload;
} AppTransfers;

static void
app_transfers_clear (AppTransfers *t)
{
  g_clear_pointer (&t->download, g_free);
  g_clear_pointer (&t->upload, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AppTransfers, app_transfers_clear)

/* A download and a stream upload of @client's, not started. */
static void
create_transfers (FerryFixture *fx, FerryTestClient *client, gboolean managed, const char *upload_uri,
                  AppTransfers *t)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/65536");
  g_autofree char *name = g_strdup_printf ("iso-%p.bin", (void *) client);
  g_autofree char *dest = managed ? g_strdup ("") : ferry_fixture_dest (fx, name);
  g_autoptr(GError) error = NULL;
  int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  t->download = ferry_client_create_download (client, uri, dest,
                                              g_variant_new_parsed ("{'group': <'same-group'>}"),
                                              &error);
  g_assert_no_error (error);
  t->upload = ferry_client_create_upload_from_fd (client, upload_uri, fd,
                                                  g_variant_new_parsed ("{'group': <'same-group'>}"),
                                                  &error);
  g_assert_no_error (error);
  close (fd);
}

static GStrv
list_uploads (FerryTestClient *client)
{
  return ferry_client_list_uploads (client, "");
}

static void
test_apps_are_denied_each_others_every_method_and_property (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *store = g_build_filename (fx->tmpdir, "uploads", NULL);
  g_autoptr(FerryTestUploadServer) uploads = NULL;
  g_autofree char *upload_uri = NULL;
  FerryTestClient *sandboxed, *host, *snap;
  g_auto(AppTransfers) theirs = { 0, };
  g_auto(AppTransfers) mine = { 0, };
  g_auto(AppTransfers) snaps = { 0, };
  g_auto(GStrv) nodes = NULL;
  g_auto(GStrv) downloads = NULL;
  g_auto(GStrv) up = NULL;
  g_autofree char *file_uri = ferry_fixture_uri (fx, "/file/65536");

  g_assert_cmpint (g_mkdir_with_parents (store, 0700), ==, 0);
  uploads = ferry_test_upload_server_new (store);
  upload_uri = ferry_test_upload_server_uri (uploads, "/upload/isolated");

  start_with_fake_proc (fx);
  sandboxed = connect_flatpak (fx, FLATPAK_ID);
  snap = connect_in_unit (fx, "snap.fakesnap.fakesnap-1.scope");
  host = ferry_fixture_connect (fx, NULL);
  create_transfers (fx, sandboxed, TRUE, upload_uri, &theirs);
  create_transfers (fx, fx->app, FALSE, upload_uri, &mine);
  create_transfers (fx, snap, TRUE, upload_uri, &snaps);

  /* Every pair, both ways, downloads and uploads. */
  assert_denied_everything (fx->app, theirs.download);
  assert_denied_everything (fx->app, theirs.upload);
  assert_denied_everything (sandboxed, mine.download);
  assert_denied_everything (sandboxed, mine.upload);
  assert_denied_everything (snap, theirs.download);
  assert_denied_everything (snap, mine.upload);
  assert_denied_everything (sandboxed, snaps.download);
  assert_denied_everything (host, theirs.upload);
  assert_denied_everything (host, mine.download);

  /* Lists and introspection show one's own only, whatever the group. */
  downloads = ferry_client_list (sandboxed, "same-group");
  g_assert_true (strv_is (downloads, (const char *[]) { theirs.download, NULL }));
  up = list_uploads (sandboxed);
  g_assert_true (strv_is (up, (const char *[]) { theirs.upload, NULL }));
  g_clear_pointer (&up, g_strfreev);
  up = list_uploads (host);
  g_assert_true (strv_is (up, (const char *[]) { NULL }));
  nodes = introspected_transfers (sandboxed);
  g_assert_cmpuint (g_strv_length (nodes), ==, 2);
  g_assert_true (g_str_has_suffix (theirs.download, nodes[0]) || g_str_has_suffix (theirs.upload, nodes[0]));
  g_assert_true (g_str_has_suffix (theirs.download, nodes[1]) || g_str_has_suffix (theirs.upload, nodes[1]));
  g_clear_pointer (&nodes, g_strfreev);
  nodes = introspected_transfers (host);
  g_assert_cmpuint (g_strv_length (nodes), ==, 0);

  /* Nothing the others tried had an effect. */
  ferry_assert_property (sandboxed, theirs.download, "Status", "idle");
  ferry_assert_property (sandboxed, theirs.download, "Priority", "default");
  ferry_assert_property (fx->app, mine.upload, "Status", "idle");
  ferry_assert_property (fx->app, mine.download, "Uri", file_uri);
  g_assert_cmpuint (ferry_test_server_get_requests (fx->server)->len, ==, 0);
  g_assert_cmpuint (ferry_test_upload_server_get_requests (uploads)->len, ==, 0);
}

static void
test_per_app_settings_are_per_app (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *sandboxed;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *policy;

  start_with_fake_proc (fx);
  sandboxed = connect_flatpak (fx, FLATPAK_ID);
  ferry_client_call (sandboxed, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                     "SetDefaultCostPolicy", g_variant_new ("(s)", "unrestricted-only"),
                     G_VARIANT_TYPE_UNIT, &error);
  g_assert_no_error (error);
  reply = ferry_client_call (fx->app, FERRY_DOWNLOADER_PATH, FERRY_DOWNLOADER_IFACE,
                             "GetDefaultCostPolicy", NULL, G_VARIANT_TYPE ("(s)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &policy);
  g_assert_cmpstr (policy, ==, "default");

  /* A sandboxed app may not change the user's data plan. */
  ferry_client_call (sandboxed, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, "SetDataLimit",
                     g_variant_new ("(stu)", "", (guint64) 1, 1u), G_VARIANT_TYPE_UNIT, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
  g_clear_error (&error);
  ferry_client_call (sandboxed, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE,
                     "SetRestrictBackgroundData", g_variant_new ("(b)", TRUE), G_VARIANT_TYPE_UNIT,
                     &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_ACCESS_DENIED);
}

static guint
count_ferry_signals (FerryTestClient *client, const char *path)
{
  return ferry_client_count_signals (client, path, NULL);
}

static void
test_signals_reach_only_the_owning_app (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *store = g_build_filename (fx->tmpdir, "uploads", NULL);
  g_autoptr(FerryTestUploadServer) uploads = NULL;
  g_autofree char *upload_uri = NULL;
  g_autofree char *source = ferry_fixture_dest (fx, "signal-source.bin");
  g_autoptr(GBytes) content = expected_content (3, 256 * KiB);
  g_autofree char *download = NULL;
  g_autofree char *upload = NULL;
  g_autoptr(GError) error = NULL;
  FerryTestClient *sandboxed, *second_instance, *snap, *host;
  FerryTestClient *outsiders[3];
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (store, 0700), ==, 0);
  uploads = ferry_test_upload_server_new (store);
  upload_uri = ferry_test_upload_server_uri (uploads, "/upload/signals");
  g_file_set_contents (source, g_bytes_get_data (content, NULL), g_bytes_get_size (content), &error);
  g_assert_no_error (error);

  start_with_fake_proc (fx);
  sandboxed = connect_flatpak (fx, FLATPAK_ID);
  second_instance = connect_flatpak (fx, FLATPAK_ID);
  snap = connect_in_unit (fx, "snap.fakesnap.fakesnap-2.scope");
  host = ferry_fixture_connect (fx, NULL);
  outsiders[0] = fx->app;
  outsiders[1] = snap;
  outsiders[2] = host;
  /* ferryd knows a connection's app from its first call. */
  g_strfreev (ferry_client_list (second_instance, ""));
  g_strfreev (ferry_client_list (snap, ""));
  g_strfreev (ferry_client_list (host, ""));

  /* Slow enough for Progress signals. */
  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  ferry_test_upload_server_set_throttle (uploads, 512 * KiB);
  download = create_managed_download (fx, sandboxed, "/file/262144");
  ferry_client_transfer_call (sandboxed, download, "Start", &error);
  g_assert_no_error (error);
  fd = open (source, O_RDONLY | O_CLOEXEC);
  upload = ferry_client_create_upload_from_fd (sandboxed, upload_uri, fd, NULL, &error);
  close (fd);
  g_assert_no_error (error);
  ferry_client_transfer_call (sandboxed, upload, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (sandboxed, download, "completed");
  ferry_client_wait_status (sandboxed, upload, "completed");

  ferry_client_sync (sandboxed);
  ferry_client_sync (second_instance);
  g_assert_cmpuint (ferry_client_count_signals (sandboxed, download, "Progress"), >=, 1);
  g_assert_cmpuint (ferry_client_count_signals (sandboxed, upload, "Progress"), >=, 1);
  g_assert_cmpuint (ferry_client_count_signals (second_instance, download, "StatusChanged"), >=, 2);
  g_assert_cmpuint (ferry_client_count_signals (second_instance, upload, "StatusChanged"), >=, 2);
  g_assert_cmpuint (ferry_client_count_broadcast (sandboxed), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (outsiders); i++)
    {
      ferry_client_sync (outsiders[i]);
      g_assert_cmpuint (count_ferry_signals (outsiders[i], download), ==, 0);
      g_assert_cmpuint (count_ferry_signals (outsiders[i], upload), ==, 0);
      g_assert_cmpuint (ferry_client_count_broadcast (outsiders[i]), ==, 0);
    }
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/identity/flatpak-is-named-by-its-flatpak-info", &identity_config,
                  test_flatpak_is_named_by_its_flatpak_info);
  ferry_test_add ("/identity/flatpak-info-wins-over-the-cgroup", &identity_config,
                  test_flatpak_info_wins_over_the_cgroup);
  ferry_test_add ("/identity/flatpak-may-not-register-or-pass-paths", &identity_config,
                  test_flatpak_may_not_register_or_pass_paths);
  ferry_test_add ("/identity/snap-is-named-by-its-cgroup-and-sandboxed", &identity_config,
                  test_snap_is_named_by_its_cgroup_and_sandboxed);
  ferry_test_add ("/identity/unnamed-flatpak-is-still-sandboxed", &identity_config,
                  test_unnamed_flatpak_is_still_sandboxed);
  ferry_test_add ("/identity/scope-app-is-named-by-its-unit", &identity_config,
                  test_scope_app_is_named_by_its_unit);
  ferry_test_add ("/identity/scope-id-with-an-escaped-dash-is-unescaped", &identity_config,
                  test_scope_id_with_an_escaped_dash_is_unescaped);
  ferry_test_add ("/identity/scope-app-may-register-once", &identity_config,
                  test_scope_app_may_register_once);
  ferry_test_add ("/identity/process-without-entries-is-the-host", &identity_config,
                  test_process_without_entries_is_the_host);
  ferry_test_add ("/identity/sandboxed-download-is-handed-over-by-open-result", &identity_config,
                  test_sandboxed_download_is_handed_over_by_open_result);
  ferry_test_add ("/identity/sandboxed-upload-comes-from-a-descriptor", &identity_config,
                  test_sandboxed_upload_comes_from_a_descriptor);
  ferry_test_add ("/identity/apps-are-denied-each-others-every-method-and-property",
                  &identity_config, test_apps_are_denied_each_others_every_method_and_property);
  ferry_test_add ("/identity/per-app-settings-are-per-app", &identity_config,
                  test_per_app_settings_are_per_app);
  ferry_test_add ("/identity/signals-reach-only-the-owning-app", &identity_config,
                  test_signals_reach_only_the_owning_app);

  return g_test_run ();
}
