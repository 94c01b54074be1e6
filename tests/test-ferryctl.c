/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ferryctl as a user runs it: its JSON checked field by field, its exit
 * codes, the progress bar on a terminal (a pty) and not on a pipe, its
 * help, and its bash completion. */
#define G_LOG_DOMAIN "test-ferryctl"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <pty.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ferry-test-fixture.h"
#include "ferry-test-upload-server.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* ---- running ferryctl ------------------------------------------------- */

typedef struct {
  GSubprocess *process;
  char        *out;
  char        *err;
  gboolean     done;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->process);
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
on_communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err,
                                        &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->done;
}

static GStrv
ferryctl_argv (const char *first, va_list args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, g_getenv ("FERRYCTL"));
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_strv_builder_add (builder, arg);
  return g_strv_builder_end (builder);
}

/* Runs ferryctl with the NULL-terminated arguments and @launcher (NULL:
 * this environment) to its end, serving HTTP meanwhile. */
static Run *
run_ferryctl_with (GSubprocessLauncher *launcher, const char *first, ...)
{
  g_autoptr(GSubprocessLauncher) owned = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  Run *run = g_new0 (Run, 1);
  va_list args;

  va_start (args, first);
  argv = ferryctl_argv (first, args);
  va_end (args);
  if (launcher == NULL)
    launcher = owned = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  run->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (run->process, NULL, NULL, on_communicated, run);
  if (!ferry_test_wait_until (run_done, run, FERRY_TEST_TIMEOUT_MS))
    g_error ("ferryctl %s did not finish within %d ms", argv[1], FERRY_TEST_TIMEOUT_MS);
  g_subprocess_wait (run->process, NULL, NULL);
  g_test_message ("ferryctl %s: exit %d\n%s%s", argv[1], g_subprocess_get_exit_status (run->process),
                  run->out, run->err);
  return run;
}

#define run_ferryctl(...) run_ferryctl_with (NULL, __VA_ARGS__)

static int
exit_status (Run *run)
{
  g_assert_true (g_subprocess_get_if_exited (run->process));
  return g_subprocess_get_exit_status (run->process);
}

/* ---- JSON ------------------------------------------------------------- */

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonObject *
json_object_of (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

#define assert_member_str(object, name, expected) \
  g_assert_cmpstr (json_object_get_string_member (object, name), ==, expected)
#define assert_member_int(object, name, expected) \
  g_assert_cmpint (json_object_get_int_member (object, name), ==, expected)

/* The keys of a transfer object, in the order ferryctl prints them. */
static void
assert_transfer_keys (JsonObject *object)
{
  static const char * const keys[] = {
    "id", "path", "kind", "uri", "destination", "status", "group", "bytes_received",
    "total_bytes", "error_name", "error_message", "http_status",
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));
}

static void
assert_id_and_path (JsonObject *object)
{
  const char *id = json_object_get_string_member (object, "id");
  g_autofree char *path = g_strconcat (FERRY_TRANSFER_PATH_PREFIX, id, NULL);

  g_assert_cmpuint (strlen (id), ==, 32);
  assert_member_str (object, "path", path);
}

/* ---- tests ------------------------------------------------------------ */

static void
test_download_wait_json_field_by_field (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 1 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "json.bin");
  g_autofree char *sha = ferry_test_content_sha256 (ferry_test_server_get_seed (fx->server), size);
  g_autofree char *checksum = g_strconcat ("sha256:", sha, NULL);
  g_autoptr(Run) run = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  run = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", uri, dest, "--wait", "--json",
                      "--group", "nightly", "--checksum", checksum, "-H", "X-Test: yes", NULL);
  g_assert_cmpint (exit_status (run), ==, 0);
  /* With --json, stdout is the object alone. */
  root = parse_json (run->out);
  object = json_object_of (root);
  assert_transfer_keys (object);
  g_assert_cmpuint (json_object_get_size (object), ==, 12);
  assert_id_and_path (object);
  assert_member_str (object, "kind", "download");
  assert_member_str (object, "uri", uri);
  assert_member_str (object, "destination", dest);
  assert_member_str (object, "status", "completed");
  assert_member_str (object, "group", "nightly");
  assert_member_int (object, "bytes_received", size);
  assert_member_int (object, "total_bytes", size);
  assert_member_str (object, "error_name", "");
  assert_member_str (object, "error_message", "");
  assert_member_int (object, "http_status", 200);
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);
  g_assert_cmpstr (soup_message_headers_get_one (ferry_test_server_nth_request (fx->server,
                                                                                "/file/", 0)->headers,
                                                 "X-Test"), ==, "yes");
}

static void
test_failed_download_exits_1_with_its_error (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/status/404");
  g_autofree char *dest = ferry_fixture_dest (fx, "missing.bin");
  g_autoptr(Run) run = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  run = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", uri, dest, "--wait", "--json",
                      NULL);
  g_assert_cmpint (exit_status (run), ==, 1);
  root = parse_json (run->out);
  object = json_object_of (root);
  assert_member_str (object, "status", "error");
  assert_member_str (object, "error_name", "not-found");
  assert_member_int (object, "http_status", 404);
  assert_member_int (object, "bytes_received", 0);
  g_assert_cmpstr (json_object_get_string_member (object, "error_message"), !=, "");
  g_assert_nonnull (strstr (run->err, "not-found"));
}

/* A paused download, through list, info and the table. */
static void
test_list_and_info_json (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "paused.bin");
  g_autofree char *path = NULL;
  g_autoptr(Run) list = NULL;
  g_autoptr(Run) info = NULL;
  g_autoptr(Run) table = NULL;
  g_autoptr(JsonNode) list_root = NULL;
  g_autoptr(JsonNode) info_root = NULL;
  JsonArray *array;
  JsonObject *object, *response, *headers;
  const char *id;

  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_bytes (fx->app, path, 64 * KiB);
  g_assert_true (ferry_client_transfer_call (fx->app, path, "Pause", NULL));
  ferry_client_wait_status (fx->app, path, "paused-by-application");
  id = strrchr (path, '/') + 1;

  list = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "list", "--json", NULL);
  g_assert_cmpint (exit_status (list), ==, 0);
  list_root = parse_json (list->out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (list_root));
  array = json_node_get_array (list_root);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  object = json_array_get_object_element (array, 0);
  assert_transfer_keys (object);
  assert_member_str (object, "id", id);
  assert_member_str (object, "path", path);
  assert_member_str (object, "status", "paused-by-application");
  assert_member_str (object, "uri", uri);
  assert_member_str (object, "destination", dest);
  assert_member_int (object, "total_bytes", size);
  g_assert_cmpint (json_object_get_int_member (object, "bytes_received"), >=, 64 * KiB);
  g_assert_cmpint (json_object_get_int_member (object, "bytes_received"), <, size);

  info = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "info", id, "--json", NULL);
  g_assert_cmpint (exit_status (info), ==, 0);
  info_root = parse_json (info->out);
  object = json_object_of (info_root);
  assert_transfer_keys (object);
  assert_member_str (object, "status", "paused-by-application");
  response = json_object_get_object_member (object, "response");
  assert_member_int (response, "http_status", 200);
  assert_member_str (response, "actual_uri", uri);
  g_assert_true (json_object_get_boolean_member (response, "resumable"));
  headers = json_object_get_object_member (response, "headers");
  g_assert_true (json_object_has_member (headers, "etag"));
  g_assert_cmpstr (json_object_get_string_member (headers, "accept-ranges"), ==, "bytes");

  /* Without --json: a table with a header line and one row. */
  table = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "list", NULL);
  g_assert_cmpint (exit_status (table), ==, 0);
  g_assert_true (g_str_has_prefix (table->out, "ID"));
  g_assert_nonnull (strstr (table->out, id));
  g_assert_nonnull (strstr (table->out, "paused-by-application"));
}

static gboolean
part_is_gone (gpointer data)
{
  g_autofree char *part = g_strconcat (data, ".part", NULL);

  return !ferry_test_file_exists (part);
}

static void
test_control_commands_and_exit_codes (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "control.bin");
  g_autofree char *path = NULL;
  const char *id;
  g_autoptr(Run) pause = NULL;
  g_autoptr(Run) resume = NULL;
  g_autoptr(Run) cancel = NULL;
  g_autoptr(Run) unknown = NULL;
  g_autoptr(Run) not_an_id = NULL;
  g_autoptr(Run) bad_command = NULL;
  g_autoptr(Run) no_url = NULL;
  g_autoptr(Run) bad_checksum = NULL;
  g_autoptr(Run) other_app = NULL;

  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_status (fx->app, path, "running");
  id = strrchr (path, '/') + 1;

  pause = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "pause", id, NULL);
  g_assert_cmpint (exit_status (pause), ==, 0);
  ferry_client_wait_status (fx->app, path, "paused-by-application");
  resume = run_ferryctl ("resume", "--app-id", FERRY_TEST_APP_ID, id, NULL);
  g_assert_cmpint (exit_status (resume), ==, 0);
  ferry_client_wait_status (fx->app, path, "running");

  /* Another app cannot touch it: the service refuses, exit 4. */
  other_app = run_ferryctl ("--app-id", "org.freedesktop.FerryTest.Other", "cancel", id, NULL);
  g_assert_cmpint (exit_status (other_app), ==, 4);
  ferry_assert_property (fx->app, path, "Status", "running");

  cancel = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "cancel", path, NULL);
  g_assert_cmpint (exit_status (cancel), ==, 0);
  ferry_client_wait_status (fx->app, path, "canceled");
  /* The job that was writing removes the part once it has stopped. */
  g_assert_true (ferry_test_wait_until (part_is_gone, dest, FERRY_TEST_TIMEOUT_MS));
  ferry_assert_no_file (dest);

  unknown = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "pause",
                          "0123456789abcdef0123456789abcdef", NULL);
  g_assert_cmpint (exit_status (unknown), ==, 4);
  g_assert_nonnull (strstr (unknown->err, "No such transfer"));

  not_an_id = run_ferryctl ("pause", "not/an/id", NULL);
  g_assert_cmpint (exit_status (not_an_id), ==, 3);
  bad_command = run_ferryctl ("frobnicate", NULL);
  g_assert_cmpint (exit_status (bad_command), ==, 3);
  no_url = run_ferryctl ("download", NULL);
  g_assert_cmpint (exit_status (no_url), ==, 3);
  bad_checksum = run_ferryctl ("download", "--checksum", "md5:00", uri, dest, NULL);
  g_assert_cmpint (exit_status (bad_checksum), ==, 3);
}

static gboolean
has_one_download (gpointer data)
{
  g_auto(GStrv) paths = ferry_client_list (data, "");

  return g_strv_length (paths) == 1;
}

static void
test_download_canceled_while_waiting_exits_2 (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "canceled.bin");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) paths = NULL;
  int code;

  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("FERRYCTL"),
                              "--app-id", FERRY_TEST_APP_ID, "download", uri, dest, "--wait",
                              NULL);
  g_assert_no_error (error);
  g_assert_true (ferry_test_wait_until (has_one_download, fx->app, FERRY_TEST_TIMEOUT_MS));
  paths = ferry_client_list (fx->app, "");
  ferry_client_wait_status (fx->app, paths[0], "running");
  g_assert_true (ferry_client_transfer_call (fx->app, paths[0], "Cancel", NULL));

  g_assert_true (ferry_test_wait_process_exit (process, FERRY_TEST_TIMEOUT_MS, &code));
  g_assert_cmpint (code, ==, 2);
}

/* ---- the progress bar ------------------------------------------------- */

typedef struct {
  GString *text;
  int      fd;
  gboolean eof;
} PtyReader;

static gboolean
on_pty_readable (int fd, GIOCondition condition, gpointer user_data)
{
  PtyReader *reader = user_data;
  char buf[4096];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n > 0)
    {
      g_string_append_len (reader->text, buf, n);
      return G_SOURCE_CONTINUE;
    }
  /* EIO once the last writer (ferryctl) has closed its side. */
  if (n < 0 && errno == EAGAIN)
    return G_SOURCE_CONTINUE;
  reader->eof = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
pty_done (gpointer data)
{
  return ((PtyReader *) data)->eof;
}

/* Runs "ferryctl download URL DEST --wait" with stdout on a pty 100
 * columns wide; returns what it drew. */
static char *
download_on_pty (const char *uri, const char *dest, int *out_code)
{
  struct winsize size = { .ws_row = 24, .ws_col = 100 };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  PtyReader reader = { g_string_new (NULL), -1, FALSE };
  int slave;

  g_assert_cmpint (openpty (&reader.fd, &slave, NULL, NULL, &size), ==, 0);
  g_unix_set_fd_nonblocking (reader.fd, TRUE, NULL);
  g_subprocess_launcher_take_stdout_fd (launcher, slave);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("FERRYCTL"), "--app-id",
                                         FERRY_TEST_APP_ID, "download", uri, dest, "--wait",
                                         NULL);
  g_assert_no_error (error);
  /* The launcher holds the slave until it goes: then ferryctl alone has it. */
  g_clear_object (&launcher);
  g_unix_fd_add (reader.fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_pty_readable, &reader);
  g_assert_true (ferry_test_wait_process_exit (process, FERRY_TEST_TIMEOUT_MS, out_code));
  g_assert_true (ferry_test_wait_until (pty_done, &reader, FERRY_TEST_TIMEOUT_MS));
  close (reader.fd);
  return g_string_free (reader.text, FALSE);
}

/* A carriage return that is not the end of a line: a redraw in place. */
static gboolean
has_redraw (const char *text)
{
  for (const char *p = strchr (text, '\r'); p != NULL; p = strchr (p + 1, '\r'))
    if (p[1] != '\n')
      return TRUE;
  return FALSE;
}

static void
test_progress_bar_on_a_terminal_not_on_a_pipe (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 2 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "bar.bin");
  g_autofree char *dest2 = ferry_fixture_dest (fx, "pipe.bin");
  g_autofree char *drawn = NULL;
  g_autoptr(Run) piped = NULL;
  int code = -1;

  ferry_test_server_set_throttle (fx->server, 2 * MiB);
  drawn = download_on_pty (uri, dest, &code);
  g_test_message ("on the pty: %s", drawn);
  g_assert_cmpint (code, ==, 0);
  g_assert_true (has_redraw (drawn));
  g_assert_nonnull (strstr (drawn, "\033[K"));
  g_assert_nonnull (strstr (drawn, "bar.bin"));
  g_assert_nonnull (strstr (drawn, "100% ["));
  g_assert_nonnull (strstr (drawn, "=]"));
  g_assert_nonnull (strstr (drawn, "Downloaded"));
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);

  piped = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", uri, dest2, "--wait", NULL);
  g_assert_cmpint (exit_status (piped), ==, 0);
  g_assert_null (strchr (piped->out, '\r'));
  g_assert_null (strchr (piped->out, '\033'));
  g_assert_true (g_str_has_prefix (piped->out, FERRY_TRANSFER_PATH_PREFIX));
  g_assert_nonnull (strstr (piped->out, "Downloaded"));
}

/* ---- the rest --------------------------------------------------------- */

static void
test_monitor_json_follows_to_the_end (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 2 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "monitored.bin");
  g_autofree char *path = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(Run) run = NULL;
  JsonObject *last_status = NULL;
  guint n_progress = 0;
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  ferry_test_server_set_throttle (fx->server, 2 * MiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  run = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "monitor", "--json", path, NULL);
  g_assert_cmpint (exit_status (run), ==, 0);

  lines = g_strsplit (g_strchomp (run->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      JsonNode *node = parse_json (lines[i]);
      JsonObject *event = json_object_of (node);

      g_ptr_array_add (nodes, node);
      assert_member_str (event, "path", path);
      if (g_str_equal (json_object_get_string_member (event, "event"), "progress"))
        {
          n_progress++;
          assert_member_int (event, "total_bytes", size);
        }
      else
        last_status = event;
    }
  g_assert_cmpuint (n_progress, >=, 1);
  g_assert_nonnull (last_status);
  assert_member_str (last_status, "status", "completed");
  assert_member_str (last_status, "error_name", "");
  g_ptr_array_unref (nodes);
}

static void
test_help_for_every_command (FerryFixture *fx, gconstpointer config)
{
  static const char * const commands[] = {
    "download", "list", "info", "pause", "resume", "cancel", "monitor", "upload", "priority",
    "cost-policy", "set-uri", "group", "network", "data-limit", "restrict-background-data",
  };
  g_autoptr(Run) main_help = run_ferryctl ("--help", NULL);
  g_autoptr(Run) help_command = run_ferryctl ("help", "monitor", NULL);

  g_assert_cmpint (exit_status (main_help), ==, 0);
  g_assert_nonnull (strstr (main_help->out, "Exit status:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(Run) run = run_ferryctl (commands[i], "--help", NULL);
      g_autofree char *usage = g_strdup_printf ("ferryctl %s", commands[i]);

      g_assert_cmpint (exit_status (run), ==, 0);
      g_assert_nonnull (strstr (run->out, "Usage:"));
      g_assert_nonnull (strstr (run->out, usage));
      g_assert_nonnull (strstr (main_help->out, commands[i]));
    }
  g_assert_cmpint (exit_status (help_command), ==, 0);
  g_assert_nonnull (strstr (help_command->out, "--json"));
}

static void
test_service_unreachable_exits_4 (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *address = g_strdup_printf ("unix:path=%s/no-bus", fx->tmpdir);
  g_autoptr(Run) run = NULL;

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  run = run_ferryctl_with (launcher, "list", NULL);
  g_assert_cmpint (exit_status (run), ==, 4);
  g_assert_nonnull (strstr (run->err, "Cannot reach the Ferry service"));
}

/* ---- uploads, network, groups, per-transfer settings (issues 4 to 6) -- */

static FerryTestUploadServer *
upload_server_new (FerryFixture *fx)
{
  g_autofree char *store = g_build_filename (fx->tmpdir, "received", NULL);

  g_assert_cmpint (g_mkdir_with_parents (store, 0700), ==, 0);
  return ferry_test_upload_server_new (store);
}

/* A file of @size pseudo-random bytes in the fixture's directory. */
static char *
make_source (FerryFixture *fx, const char *name, gsize size, guint32 seed)
{
  g_autofree char *path = g_build_filename (fx->tmpdir, name, NULL);
  g_autofree guint8 *data = g_malloc (size + 1);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  g_file_set_contents (path, (char *) data, size, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
test_upload_put_and_multipart (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryTestUploadServer) server = upload_server_new (fx);
  g_autofree char *first = make_source (fx, "first.bin", 1 * MiB, 1);
  g_autofree char *second = make_source (fx, "second.txt", 100 * KiB + 7, 2);
  g_autofree char *first_sha = ferry_test_file_sha256 (first);
  g_autofree char *second_sha = ferry_test_file_sha256 (second);
  g_autofree char *put_uri = ferry_test_upload_server_uri (server, "/upload/put.bin");
  g_autofree char *form_uri = ferry_test_upload_server_uri (server, "/upload/form");
  g_autofree char *stream_uri = ferry_test_upload_server_uri (server, "/upload/stream");
  g_autoptr(GSubprocessLauncher) stream_launcher = NULL;
  g_autoptr(Run) stream = NULL;
  g_autoptr(Run) put = NULL;
  g_autoptr(Run) form = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SoupMultipart) multipart = NULL;
  FerryTestUploadRequest *req;
  static const char * const names[] = { "file1", "file2", "title" };

  put = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "upload", first, put_uri, "--wait",
                      "--show-response", "--priority", "high", "--max-speed", "100Mi", NULL);
  g_assert_cmpint (exit_status (put), ==, 0);
  g_assert_nonnull (strstr (put->out, "HTTP status 200"));
  /* The server's JSON answer, through OpenResponseBody. */
  g_assert_nonnull (strstr (put->out, first_sha));
  req = ferry_test_upload_server_nth_request (server, "PUT", "/upload/put.bin", 0);
  g_assert_nonnull (req);
  g_assert_cmpstr (req->body_sha256, ==, first_sha);

  /* "-": standard input as a stream; ferryctl follows it to its end. */
  stream_launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdin_file_path (stream_launcher, second);
  stream = run_ferryctl_with (stream_launcher, "--app-id", FERRY_TEST_APP_ID, "upload", "-",
                              stream_uri, NULL);
  g_assert_cmpint (exit_status (stream), ==, 0);
  g_assert_nonnull (strstr (stream->out, "HTTP status 200"));
  req = ferry_test_upload_server_nth_request (server, "PUT", "/upload/stream", 0);
  g_assert_nonnull (req);
  g_assert_cmpstr (req->body_sha256, ==, second_sha);

  form = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "upload", first, second, form_uri,
                       "--field", "title=Ferry test", "--wait", "--json", NULL);
  g_assert_cmpint (exit_status (form), ==, 0);
  root = parse_json (form->out);
  assert_member_str (json_object_of (root), "status", "completed");
  assert_member_str (json_object_of (root), "kind", "upload");
  req = ferry_test_upload_server_nth_request (server, "POST", "/upload/form", 0);
  g_assert_nonnull (req);
  multipart = ferry_test_upload_request_parse_multipart (req);
  g_assert_nonnull (multipart);
  g_assert_cmpint (soup_multipart_get_length (multipart), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      SoupMessageHeaders *headers = NULL;
      GBytes *body = NULL;
      g_autofree char *disposition = NULL;
      g_autoptr(GHashTable) params = NULL;
      g_autofree char *sha = NULL;

      g_assert_true (soup_multipart_get_part (multipart, (int) i, &headers, &body));
      g_assert_true (soup_message_headers_get_content_disposition (headers, &disposition,
                                                                   &params));
      g_assert_cmpstr (g_hash_table_lookup (params, "name"), ==, names[i]);
      sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);
      if (i == 0)
        g_assert_cmpstr (sha, ==, first_sha);
      else if (i == 1)
        g_assert_cmpstr (sha, ==, second_sha);
      else
        g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                         "Ferry test", strlen ("Ferry test"));
    }
}

static void
test_upload_usage_errors (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *first = make_source (fx, "one.bin", 10, 3);
  g_autoptr(Run) no_url = run_ferryctl ("upload", first, NULL);
  g_autoptr(Run) tus_form = run_ferryctl ("upload", first, "http://127.0.0.1:1/x", "--tus",
                                          "--field", "a=b", NULL);
  g_autoptr(Run) bad_speed = run_ferryctl ("upload", first, "http://127.0.0.1:1/x",
                                           "--max-speed", "fast", NULL);
  g_autoptr(Run) missing = run_ferryctl ("upload", "/nonexistent/file", "http://127.0.0.1:1/x",
                                         NULL);

  g_assert_cmpint (exit_status (no_url), ==, 3);
  g_assert_cmpint (exit_status (tus_form), ==, 3);
  g_assert_cmpint (exit_status (bad_speed), ==, 3);
  g_assert_cmpint (exit_status (missing), ==, 3);
}

static JsonNode *
network_json (void)
{
  g_autoptr(Run) run = run_ferryctl ("network", "--json", NULL);

  g_assert_cmpint (exit_status (run), ==, 0);
  return parse_json (run->out);
}

static void
test_network_and_data_limit (FerryFixture *fx, gconstpointer config)
{
  static const char * const keys[] = {
    "connectivity", "metered", "roaming", "connection", "network_source", "data_usage",
    "data_limit", "billing_cycle_start_day", "on_track_to_exceed", "over_limit",
    "restrict_background_data", "power_saver", "battery_low",
  };
  g_autoptr(JsonNode) before = network_json ();
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(Run) text = NULL;
  g_autoptr(Run) limit = NULL;
  g_autoptr(Run) restrict_on = NULL;
  g_autoptr(Run) bad_day = NULL;
  JsonObject *object = json_object_of (before);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));
  g_assert_cmpuint (json_object_get_size (object), ==, G_N_ELEMENTS (keys));
  /* No NetworkManager on this fixture's (absent) system bus. */
  assert_member_str (object, "network_source", "gio");
  g_assert_false (json_object_get_boolean_member (object, "restrict_background_data"));

  text = run_ferryctl ("network", NULL);
  g_assert_cmpint (exit_status (text), ==, 0);
  g_assert_nonnull (strstr (text->out, "Connectivity:"));
  g_assert_nonnull (strstr (text->out, "gio"));

  /* Without NetworkManager there is no current connection to limit. */
  limit = run_ferryctl ("data-limit", "5M", NULL);
  g_assert_cmpint (exit_status (limit), ==, 4);
  g_assert_nonnull (strstr (limit->err, "Cannot set the data limit"));
  g_clear_pointer (&limit, run_free);
  limit = run_ferryctl ("data-limit", "5M", "--connection", "0b5d0c3a-1c1e-4c57-9d2b-6a5f0e0e5e01",
                        "--cycle-start-day", "3", NULL);
  g_assert_cmpint (exit_status (limit), ==, 0);
  restrict_on = run_ferryctl ("restrict-background-data", "on", NULL);
  g_assert_cmpint (exit_status (restrict_on), ==, 0);
  bad_day = run_ferryctl ("data-limit", "1Gi", "--cycle-start-day", "30", NULL);
  g_assert_cmpint (exit_status (bad_day), ==, 3);

  after = network_json ();
  object = json_object_of (after);
  g_assert_true (json_object_get_boolean_member (object, "restrict_background_data"));
}

static const FerryFixtureConfig with_network_manager = { .no_ferryd = TRUE, .system_bus = TRUE };

/* With NetworkManager (python3-dbusmock): the limit of the primary
 * connection, set in every notation of sizes, read back. */
static void
test_data_limit_with_network_manager (FerryFixture *fx, gconstpointer config)
{
  static const struct { const char *text; gint64 bytes; } cases[] = {
    { "1500", 1500 }, { "2k", 2000 }, { "3Ki", 3072 }, { "1M", 1000000 },
    { "1Mi", 1048576 }, { "1G", 1000000000 }, { "2Gi", 2147483648 }, { "5MB", 5000000 },
  };
  FerryMockConnection *ethernet = ferry_mock_nm_start_with_ethernet (fx->system_bus,
                                                                     FERRY_NM_METERED_YES);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(Run) remove = NULL;
  JsonObject *object;

  ferry_fixture_start_ferryd (fx, NULL);
  root = network_json ();
  object = json_object_of (root);
  assert_member_str (object, "network_source", "networkmanager");
  assert_member_str (object, "connection", ethernet->uuid);
  assert_member_str (object, "connectivity", "full");
  g_assert_true (json_object_get_boolean_member (object, "metered"));
  assert_member_int (object, "data_limit", 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Run) set = run_ferryctl ("data-limit", cases[i].text, "--cycle-start-day", "3",
                                         NULL);

      g_assert_cmpint (exit_status (set), ==, 0);
      g_clear_pointer (&root, json_node_unref);
      root = network_json ();
      assert_member_int (json_object_of (root), "data_limit", cases[i].bytes);
      assert_member_int (json_object_of (root), "billing_cycle_start_day", 3);
    }

  remove = run_ferryctl ("data-limit", "0", NULL);
  g_assert_cmpint (exit_status (remove), ==, 0);
  g_clear_pointer (&root, json_node_unref);
  root = network_json ();
  assert_member_int (json_object_of (root), "data_limit", 0);
}

static void
test_transfer_settings (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *other_uri = ferry_fixture_uri (fx, "/file/1000?again");
  g_autofree char *dest = ferry_fixture_dest (fx, "settings.bin");
  g_autofree char *path = ferry_client_create_download (fx->app, uri, dest, NULL, NULL);
  const char *id = strrchr (path, '/') + 1;
  g_autoptr(Run) priority = NULL;
  g_autoptr(Run) policy = NULL;
  g_autoptr(Run) set_uri = NULL;
  g_autoptr(Run) bad_priority = NULL;
  g_autoptr(Run) bad_policy = NULL;

  ferry_assert_property (fx->app, path, "Priority", "default");
  priority = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "priority", id, "high", NULL);
  g_assert_cmpint (exit_status (priority), ==, 0);
  ferry_assert_property (fx->app, path, "Priority", "high");
  policy = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "cost-policy", id, "always", NULL);
  g_assert_cmpint (exit_status (policy), ==, 0);
  ferry_assert_property (fx->app, path, "CostPolicy", "always");
  set_uri = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "set-uri", id, other_uri, NULL);
  g_assert_cmpint (exit_status (set_uri), ==, 0);

  bad_priority = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "priority", id, "urgent", NULL);
  g_assert_cmpint (exit_status (bad_priority), ==, 3);
  /* Another app does not see the transfer. */
  bad_policy = run_ferryctl ("cost-policy", id, "always", NULL);
  g_assert_cmpint (exit_status (bad_policy), ==, 4);
}

static void
test_download_options_and_groups (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 64 * KiB);
  g_autofree char *dest1 = ferry_fixture_dest (fx, "grouped-1.bin");
  g_autofree char *dest2 = ferry_fixture_dest (fx, "grouped-2.bin");
  g_autoptr(Run) serialized = NULL;
  g_autoptr(Run) first = NULL;
  g_autoptr(Run) second = NULL;
  g_autoptr(Run) complete = NULL;
  g_autoptr(Run) results = NULL;
  g_autoptr(Run) results_text = NULL;
  g_autoptr(Run) both = NULL;
  g_autoptr(JsonNode) first_root = NULL;
  g_autoptr(JsonNode) second_root = NULL;
  g_autoptr(JsonNode) results_root = NULL;
  JsonObject *object;
  JsonArray *array;
  const char *path;

  /* Slow enough that the second download is queued while the first runs. */
  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  serialized = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "group", "batch", "--serialized",
                             NULL);
  g_assert_cmpint (exit_status (serialized), ==, 0);
  both = run_ferryctl ("group", "batch", "--serialized", "--parallel", NULL);
  g_assert_cmpint (exit_status (both), ==, 3);

  first = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", uri, dest1, "--json",
                        "--group", "batch", "--completion-group", "done", "--priority", "low",
                        "--cost-policy", "always", "--max-speed", "10M", "--notify", NULL);
  g_assert_cmpint (exit_status (first), ==, 0);
  first_root = parse_json (first->out);
  path = json_object_get_string_member (json_object_of (first_root), "path");
  ferry_assert_property (fx->app, path, "Priority", "low");
  ferry_assert_property (fx->app, path, "CostPolicy", "always");
  ferry_assert_property (fx->app, path, "CompletionGroup", "done");
  ferry_assert_property (fx->app, path, "Group", "batch");

  second = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", uri, dest2, "--json",
                         "--group", "batch", "--completion-group", "done", NULL);
  g_assert_cmpint (exit_status (second), ==, 0);
  second_root = parse_json (second->out);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_client_wait_status (fx->app,
                            json_object_get_string_member (json_object_of (second_root), "path"),
                            "completed");
  /* Serialized: the server never saw both at once. */
  g_assert_cmpuint (ferry_test_server_get_max_active (fx->server), ==, 1);

  complete = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "group", "done", "--complete", NULL);
  g_assert_cmpint (exit_status (complete), ==, 0);
  results = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "group", "done", "--results", "--json",
                          NULL);
  g_assert_cmpint (exit_status (results), ==, 0);
  results_root = parse_json (results->out);
  object = json_object_of (results_root);
  assert_member_str (object, "group", "done");
  g_assert_true (json_object_get_boolean_member (object, "complete"));
  array = json_object_get_array_member (object, "results");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < 2; i++)
    assert_member_str (json_array_get_object_element (array, i), "status", "completed");
  results_text = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "group", "done", "--results",
                               NULL);
  g_assert_cmpint (exit_status (results_text), ==, 0);
  g_assert_nonnull (strstr (results_text->out, "complete"));
}

/* --connections reaches CreateDownload as the connections option: a bad
 * number is a usage error before any call, and 4 splits a 4 MiB file into
 * four range requests (issue 8). */
static void
test_download_connections (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "four-connections.bin");
  g_autoptr(Run) zero = run_ferryctl ("download", uri, dest, "--connections", "0", NULL);
  g_autoptr(Run) too_many = run_ferryctl ("download", uri, dest, "--connections", "17", NULL);
  g_autoptr(Run) word = run_ferryctl ("download", uri, dest, "--connections", "four", NULL);
  g_autoptr(Run) four = NULL;

  g_assert_cmpint (exit_status (zero), ==, 3);
  g_assert_nonnull (strstr (zero->err, "“0” is not a number of connections: expected 1 to 16"));
  g_assert_cmpint (exit_status (too_many), ==, 3);
  g_assert_nonnull (strstr (too_many->err, "“17”"));
  g_assert_cmpint (exit_status (word), ==, 3);
  g_assert_nonnull (strstr (word->err, "“four”"));
  /* Refused before the service heard of them. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 0);
  g_assert_false (ferry_test_file_exists (dest));

  four = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", uri, dest, "--wait",
                       "--connections", "4", NULL);
  g_assert_cmpint (exit_status (four), ==, 0);
  ferry_assert_downloaded (dest, 1, size);
  /* Only the option makes ferryd ask for ranges: "bytes=0-", then three
   * more segments. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 4);
  g_assert_cmpstr (ferry_test_server_nth_request (fx->server, "/file/", 0)->range, ==, "bytes=0-");
}

/* ---- download --input-file -------------------------------------------- */

/* Writes @text to "@name" in the fixture's temporary directory; returns
 * its path. */
static char *
write_list (FerryFixture *fx, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (fx->tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

#define LIST_FILES 20

/* The size of the @i-th file of the list: mixed, 17 bytes to about 1 MiB. */
static guint64
list_file_size (guint i)
{
  return 17 + (guint64) i * i * 2749;
}

/* Twenty files, with a comment, a blank line and one explicit DEST
 * (relative, so inside --directory), followed with one progress line:
 * every file byte for byte. */
static void
test_download_input_file_wait (FerryFixture *fx, gconstpointer config)
{
  guint32 seed = ferry_test_server_get_seed (fx->server);
  g_autoptr(GString) text = g_string_new ("# twenty files\n\n");
  g_autofree char *list = NULL;
  g_autoptr(Run) run = NULL;

  for (guint i = 0; i < LIST_FILES; i++)
    {
      g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, list_file_size (i));

      if (i == 7)
        g_string_append_printf (text, "%s \t renamed.bin\n", uri);
      else
        g_string_append_printf (text, "%s\n", uri);
    }
  list = write_list (fx, "list.txt", text->str);

  run = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", "--input-file", list, "--wait",
                      "-d", fx->downloads, "-H", "X-Test: yes", NULL);
  g_assert_cmpint (exit_status (run), ==, 0);
  g_assert_nonnull (strstr (run->out, "Downloaded 20 files ("));
  g_assert_cmpstr (run->err, ==, "");
  for (guint i = 0; i < LIST_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("%" G_GUINT64_FORMAT, list_file_size (i));
      g_autofree char *dest = ferry_fixture_dest (fx, i == 7 ? "renamed.bin" : name);

      ferry_assert_downloaded (dest, seed, list_file_size (i));
    }
  /* The options reach every download. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, LIST_FILES);
  for (guint i = 0; i < LIST_FILES; i++)
    g_assert_cmpstr (soup_message_headers_get_one (ferry_test_server_nth_request (
                       fx->server, "/file/", i)->headers, "X-Test"), ==, "yes");
}

/* A 404 in the list: the others complete, exit 1, and stderr names it. */
static void
test_download_input_file_one_fails (FerryFixture *fx, gconstpointer config)
{
  guint32 seed = ferry_test_server_get_seed (fx->server);
  g_autofree char *missing = ferry_fixture_uri (fx, "/status/404");
  g_autofree char *a = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *b = ferry_fixture_uri (fx, "/file/200000");
  g_autofree char *missing_dest = ferry_fixture_dest (fx, "missing.bin");
  g_autofree char *text = g_strdup_printf ("%s\n%s\t%s\n%s\n", a, missing, missing_dest, b);
  g_autofree char *list = write_list (fx, "list.txt", text);
  g_autofree char *a_dest = ferry_fixture_dest (fx, "1000");
  g_autofree char *b_dest = ferry_fixture_dest (fx, "200000");
  g_autoptr(Run) run = NULL;
  g_autofree char *line = NULL;

  run = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", "-i", list, "--wait",
                      "--directory", fx->downloads, NULL);
  g_assert_cmpint (exit_status (run), ==, 1);
  ferry_assert_downloaded (a_dest, seed, 1000);
  ferry_assert_downloaded (b_dest, seed, 200000);
  g_assert_nonnull (strstr (run->out, "Downloaded 2 files ("));
  g_assert_nonnull (strstr (run->out, "; 1 failed"));
  line = g_strdup_printf ("ferryctl: %s: not-found: ", missing);
  g_assert_nonnull (strstr (run->err, line));
  /* One line for the one failure. */
  g_assert_null (strstr (run->err, a));
  g_assert_null (strstr (run->err, b));
}

/* Usage errors come before any call: a bad URL names its line, a URL
 * beside --input-file and --checksum are refused. */
static void
test_download_input_file_usage_errors (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *good = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *text = g_strdup_printf ("# a comment\n%s\nftp://127.0.0.1/x\n%s\t/tmp/y\n",
                                           good, good);
  g_autofree char *list = write_list (fx, "bad.txt", text);
  g_autoptr(Run) bad_line = NULL;
  g_autoptr(Run) with_url = NULL;
  g_autoptr(Run) with_checksum = NULL;
  g_auto(GStrv) transfers = NULL;

  bad_line = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", "--input-file", list,
                           "-d", fx->downloads, NULL);
  g_assert_cmpint (exit_status (bad_line), ==, 3);
  g_assert_nonnull (strstr (bad_line->err, "Line 3: "));
  g_assert_cmpstr (bad_line->out, ==, "");

  with_url = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", "--input-file", list,
                           good, NULL);
  g_assert_cmpint (exit_status (with_url), ==, 3);
  g_assert_nonnull (strstr (with_url->err, "No URL can be given with --input-file"));

  with_checksum = run_ferryctl ("--app-id", FERRY_TEST_APP_ID, "download", "-i", list,
                                "--checksum", "sha256:" "0000000000000000000000000000000000000000"
                                "000000000000000000000000", NULL);
  g_assert_cmpint (exit_status (with_checksum), ==, 3);
  g_assert_nonnull (strstr (with_checksum->err, "--checksum"));

  transfers = ferry_client_list (fx->app, "");
  g_assert_cmpuint (g_strv_length (transfers), ==, 0);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 0);
}

/* "-" reads the list from standard input; without --wait, the object
 * paths come in the order of the list, each download already started. */
static void
test_download_input_file_stdin (FerryFixture *fx, gconstpointer config)
{
  guint32 seed = ferry_test_server_get_seed (fx->server);
  g_autofree char *a = ferry_fixture_uri (fx, "/file/3000");
  g_autofree char *b = ferry_fixture_uri (fx, "/file/70000");
  g_autofree char *b_dest = ferry_fixture_dest (fx, "seventy.bin");
  g_autofree char *text = g_strdup_printf ("%s\n%s %s\n", a, b, b_dest);
  g_autofree char *list = write_list (fx, "stdin.txt", text);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(Run) run = NULL;
  g_auto(GStrv) paths = NULL;
  g_autofree char *a_dest = ferry_fixture_dest (fx, "3000");

  g_subprocess_launcher_set_stdin_file_path (launcher, list);
  g_subprocess_launcher_set_cwd (launcher, fx->downloads);
  run = run_ferryctl_with (launcher, "--app-id", FERRY_TEST_APP_ID, "download", "-i", "-", NULL);
  g_assert_cmpint (exit_status (run), ==, 0);
  paths = g_strsplit (run->out, "\n", -1);
  g_assert_cmpuint (g_strv_length (paths), ==, 3);
  g_assert_true (g_str_has_prefix (paths[0], FERRY_TRANSFER_PATH_PREFIX));
  g_assert_cmpstr (paths[2], ==, "");
  ferry_client_wait_status (fx->app, paths[0], "completed");
  ferry_client_wait_status (fx->app, paths[1], "completed");
  ferry_assert_property (fx->app, paths[0], "Destination", a_dest);
  ferry_assert_property (fx->app, paths[1], "Destination", b_dest);
  ferry_assert_downloaded (a_dest, seed, 3000);
  ferry_assert_downloaded (b_dest, seed, 70000);
}

/* Asks the completion for COMP_WORDS=(@words); returns the candidates. */
static char *
complete (const char *words, const char *bin_dir)
{
  g_autofree char *script = g_strdup_printf (
    "source \"$FERRYCTL_COMPLETION\"; COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
    "_ferryctl; printf '%%s\\n' \"${COMPREPLY[@]}\"", words);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *path = g_strdup_printf ("%s:%s", bin_dir, g_getenv ("PATH"));
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { NULL, };

  g_subprocess_launcher_setenv (launcher, "PATH", path, TRUE);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  process = g_subprocess_launcher_spawn (launcher, &error, "bash", "--norc", "-c", script, NULL);
  g_assert_no_error (error);
  run.process = process;
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_communicated, &run);
  g_assert_true (ferry_test_wait_until (run_done, &run, FERRY_TEST_TIMEOUT_MS));
  g_free (run.err);
  return run.out;
}

static void
test_bash_completion (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *dest = ferry_fixture_dest (fx, "completed-id.bin");
  g_autofree char *bin_dir = g_path_get_dirname (g_getenv ("FERRYCTL"));
  g_autofree char *path = NULL;
  g_autofree char *commands = complete ("ferryctl do", bin_dir);
  g_autofree char *d_commands = complete ("ferryctl d", bin_dir);
  g_autofree char *upload = complete ("ferryctl up", bin_dir);
  g_autofree char *policy = complete ("ferryctl upload --cost-policy u", bin_dir);
  g_autofree char *on_off = complete ("ferryctl restrict-background-data o", bin_dir);
  g_autofree char *group_options = complete ("ferryctl group x --s", bin_dir);
  g_autofree char *options = complete ("ferryctl download --w", bin_dir);
  g_autofree char *connections = complete ("ferryctl download --conn", bin_dir);
  g_autofree char *connection_counts = complete ("ferryctl download --connections 1", bin_dir);
  g_autofree char *after_connections = complete ("ferryctl download --connections 4 "
                                                 "http://h/f /nonexistent-dir/x", bin_dir);
  g_autofree char *list_options = complete ("ferryctl --app-id x list --", bin_dir);
  g_autofree char *input_option = complete ("ferryctl download --inp", bin_dir);
  g_autofree char *list = write_list (fx, "urls.txt", "");
  g_autofree char *list_words = g_strdup_printf ("ferryctl download -g x -i %s/url", fx->tmpdir);
  g_autofree char *list_line = g_strconcat (list, "\n", NULL);
  g_autofree char *list_files = complete (list_words, bin_dir);
  g_autofree char *ids = NULL;
  g_autofree char *id_line = NULL;

  g_assert_cmpstr (commands, ==, "download\n");
  g_assert_cmpstr (d_commands, ==, "download\ndata-limit\n");
  g_assert_cmpstr (upload, ==, "upload\n");
  g_assert_cmpstr (policy, ==, "unrestricted-only\n");
  g_assert_cmpstr (on_off, ==, "on\noff\n");
  g_assert_cmpstr (group_options, ==, "--serialized\n");
  g_assert_cmpstr (options, ==, "--wait\n");
  g_assert_cmpstr (connections, ==, "--connections\n");
  g_assert_cmpstr (connection_counts, ==, "1\n16\n");
  /* The value of --connections is not the URL: the next word is DEST, a
   * file name (none exists here, so no candidate but an empty line). */
  g_assert_cmpstr (after_connections, ==, "\n");
  g_assert_nonnull (strstr (list_options, "--json\n"));
  g_assert_nonnull (strstr (list_options, "--group\n"));
  g_assert_null (strstr (list_options, "--wait"));
  g_assert_cmpstr (input_option, ==, "--input-file\n");
  g_assert_cmpstr (list_files, ==, list_line);

  /* IDs come from "ferryctl list" as the app given with --app-id. */
  path = ferry_client_create_download (fx->app, uri, dest, NULL, NULL);
  ids = complete ("ferryctl --app-id " FERRY_TEST_APP_ID " cancel ''", bin_dir);
  id_line = g_strconcat (strrchr (path, '/') + 1, "\n", NULL);
  g_assert_cmpstr (ids, ==, id_line);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);
  if (g_getenv ("FERRYCTL") == NULL)
    {
      g_printerr ("FERRYCTL must name the ferryctl binary to test\n");
      return 77;
    }

  ferry_test_add ("/ferryctl/download/wait-json-field-by-field", NULL,
                  test_download_wait_json_field_by_field);
  ferry_test_add ("/ferryctl/download/failure-exits-1", NULL,
                  test_failed_download_exits_1_with_its_error);
  ferry_test_add ("/ferryctl/download/canceled-exits-2", NULL,
                  test_download_canceled_while_waiting_exits_2);
  ferry_test_add ("/ferryctl/download/progress-bar-on-a-pty-not-a-pipe", NULL,
                  test_progress_bar_on_a_terminal_not_on_a_pipe);
  ferry_test_add ("/ferryctl/list-info/json", NULL, test_list_and_info_json);
  ferry_test_add ("/ferryctl/control/commands-and-exit-codes", NULL,
                  test_control_commands_and_exit_codes);
  ferry_test_add ("/ferryctl/monitor/json-to-the-end", NULL, test_monitor_json_follows_to_the_end);
  ferry_test_add ("/ferryctl/help/every-command", NULL, test_help_for_every_command);
  ferry_test_add ("/ferryctl/service/unreachable-exits-4", NULL, test_service_unreachable_exits_4);
  ferry_test_add ("/ferryctl/bash-completion", NULL, test_bash_completion);
  ferry_test_add ("/ferryctl/download/connections", NULL, test_download_connections);
  ferry_test_add ("/ferryctl/download/input-file-wait", NULL, test_download_input_file_wait);
  ferry_test_add ("/ferryctl/download/input-file-one-fails", NULL,
                  test_download_input_file_one_fails);
  ferry_test_add ("/ferryctl/download/input-file-usage-errors", NULL,
                  test_download_input_file_usage_errors);
  ferry_test_add ("/ferryctl/download/input-file-stdin", NULL, test_download_input_file_stdin);
  ferry_test_add ("/ferryctl/upload/put-and-multipart", NULL, test_upload_put_and_multipart);
  ferry_test_add ("/ferryctl/upload/usage-errors", NULL, test_upload_usage_errors);
  ferry_test_add ("/ferryctl/network/json-and-data-limit", NULL, test_network_and_data_limit);
  ferry_test_add ("/ferryctl/network/data-limit-with-networkmanager", &with_network_manager,
                  test_data_limit_with_network_manager);
  ferry_test_add ("/ferryctl/transfer/priority-cost-policy-uri", NULL, test_transfer_settings);
  ferry_test_add ("/ferryctl/group/serialized-and-completion", NULL,
                  test_download_options_and_groups);

  return g_test_run ();
}
