/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of common/: the input checks the service runs before it
 * accepts a transfer, the error domain's D-Bus names, and status names. */
#define G_LOG_DOMAIN "test-validate"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-error.h"
#include "ferry-status.h"
#include "ferry-validate.h"

/* A temporary directory for the destination tests. */
typedef struct {
  char *dir;
} TmpDir;

static void
tmpdir_setup (TmpDir *t, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  t->dir = g_dir_make_tmp ("ferry-validate-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tmpdir_teardown (TmpDir *t, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (t->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (t->dir, name, NULL);

      g_chmod (path, 0700);
      g_assert_cmpint (g_rmdir (path) == 0 || g_unlink (path) == 0, ==, TRUE);
    }
  g_assert_cmpint (g_rmdir (t->dir), ==, 0);
  g_free (t->dir);
}

/* Every rejection is FERRY_ERROR_INVALID_ARGUMENT with a message. */
#define assert_invalid_argument(error) \
  G_STMT_START { \
    g_assert_error ((error), FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT); \
    if ((error) != NULL) \
      g_assert_cmpstr ((error)->message, !=, ""); \
  } G_STMT_END

static void
assert_uri_rejected (const char *uri)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("URI “%s”", uri);
  g_assert_false (ferry_validate_uri (uri, &error));
  assert_invalid_argument (error);
}

static void
assert_uri_accepted (const char *uri)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("URI “%s”", uri);
  g_assert_true (ferry_validate_uri (uri, &error));
  g_assert_no_error (error);
}

/* ---- URIs ------------------------------------------------------------- */

static void
test_uri_accepts_http_and_https (void)
{
  assert_uri_accepted ("http://127.0.0.1:8080/file/10");
  assert_uri_accepted ("https://example.org/a%20b?x=1#frag");
  assert_uri_accepted ("HTTP://EXAMPLE.ORG/");
  assert_uri_accepted ("http://[::1]:80/");
}

static void
test_uri_rejects_other_schemes (void)
{
  assert_uri_rejected ("ftp://127.0.0.1/file");
  assert_uri_rejected ("file:///etc/passwd");
  assert_uri_rejected ("data:text/plain,hello");
  assert_uri_rejected ("javascript:alert(1)");
  assert_uri_rejected ("httpx://example.org/");
}

static void
test_uri_rejects_malformed (void)
{
  assert_uri_rejected ("");
  assert_uri_rejected ("not a uri");
  assert_uri_rejected ("/relative/path");
  assert_uri_rejected ("http://[::1/");
  assert_uri_rejected ("http://example.org:99999999/");
  assert_uri_rejected ("http://exa mple.org/");
}

static void
test_uri_rejects_missing_host (void)
{
  assert_uri_rejected ("http:///path");
  assert_uri_rejected ("http:/path");
  assert_uri_rejected ("https://");
}

static void
test_uri_rejects_overlong (void)
{
  g_autoptr(GString) uri = g_string_new ("http://127.0.0.1/");

  while (uri->len <= FERRY_MAX_URI_LENGTH)
    g_string_append_c (uri, 'a');
  assert_uri_rejected (uri->str);
  g_string_truncate (uri, FERRY_MAX_URI_LENGTH);
  assert_uri_accepted (uri->str);
}

/* ---- destinations ----------------------------------------------------- */

static void
assert_destination_rejected (const char *destination)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = NULL;

  g_test_message ("destination “%s”", destination);
  canonical = ferry_validate_destination (destination, &error);
  g_assert_null (canonical);
  assert_invalid_argument (error);
}

static void
test_destination_accepts_file_in_writable_directory (TmpDir *t, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = g_build_filename (t->dir, "file.bin", NULL);
  g_autofree char *dotted = g_strdup_printf ("%s/./sub/../file.bin", t->dir);
  g_autofree char *sub = g_build_filename (t->dir, "sub", NULL);
  g_autofree char *canonical = NULL;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  canonical = ferry_validate_destination (plain, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (canonical, ==, plain);
  g_clear_pointer (&canonical, g_free);

  /* The service stores the canonical path. */
  canonical = ferry_validate_destination (dotted, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (canonical, ==, plain);
}

static void
test_destination_rejects_relative (void)
{
  assert_destination_rejected ("file.bin");
  assert_destination_rejected ("./file.bin");
  assert_destination_rejected ("../file.bin");
  assert_destination_rejected ("");
}

static void
test_destination_rejects_directory (TmpDir *t, gconstpointer data)
{
  g_autofree char *slash = g_strconcat (t->dir, "/", NULL);
  g_autofree char *new_with_slash = g_strconcat (t->dir, "/new/", NULL);

  assert_destination_rejected (t->dir);
  assert_destination_rejected (slash);
  assert_destination_rejected (new_with_slash);
  assert_destination_rejected ("/");
}

static void
test_destination_rejects_missing_directory (TmpDir *t, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (t->dir, "missing", "file.bin", NULL);

  assert_destination_rejected (missing);
}

static void
test_destination_rejects_directory_that_is_a_file (TmpDir *t, gconstpointer data)
{
  g_autofree char *file = g_build_filename (t->dir, "plain", NULL);
  g_autofree char *below = g_build_filename (t->dir, "plain", "file.bin", NULL);

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  assert_destination_rejected (below);
}

/* /proc/sys cannot be written by anyone, root included. */
static void
test_destination_rejects_read_only_directory (void)
{
  assert_destination_rejected ("/proc/sys/ferry-download.bin");
}

/* Root bypasses permission bits, so this case only runs as a normal user;
 * the read-only test above covers root. */
static void
test_destination_rejects_unwritable_directory (TmpDir *t, gconstpointer data)
{
  g_autofree char *locked = g_build_filename (t->dir, "locked", NULL);
  g_autofree char *inside = g_build_filename (locked, "file.bin", NULL);

  if (geteuid () == 0)
    {
      g_test_skip ("root can write to a directory without write permission");
      return;
    }
  g_assert_cmpint (g_mkdir (locked, 0500), ==, 0);
  assert_destination_rejected (inside);
}

static void
test_destination_rejects_part_directory (TmpDir *t, gconstpointer data)
{
  g_autofree char *dest = g_build_filename (t->dir, "file.bin", NULL);
  g_autofree char *part = g_build_filename (t->dir, "file.bin.part", NULL);

  g_assert_cmpint (g_mkdir (part, 0700), ==, 0);
  assert_destination_rejected (dest);
}

static void
test_destination_rejects_overlong (TmpDir *t, gconstpointer data)
{
  g_autoptr(GString) path = g_string_new (t->dir);

  g_string_append_c (path, '/');
  while (path->len < 4100)
    g_string_append_c (path, 'a');
  assert_destination_rejected (path->str);
}

/* ---- headers ---------------------------------------------------------- */

static void
assert_header_rejected (const char *name, const char *value)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("header “%s: %s”", name, value);
  g_assert_false (ferry_validate_header (name, value, &error));
  assert_invalid_argument (error);
}

static void
assert_header_accepted (const char *name, const char *value)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("header “%s: %s”", name, value);
  g_assert_true (ferry_validate_header (name, value, &error));
  g_assert_no_error (error);
}

static void
test_header_accepts_ordinary (void)
{
  assert_header_accepted ("Authorization", "Bearer abc.def");
  assert_header_accepted ("X-Custom_Header.1", "a value\twith a tab");
  assert_header_accepted ("Accept", "");
  assert_header_accepted ("!#$%&'*+-.^_`|~", "token characters only");
}

static void
test_header_rejects_bad_names (void)
{
  g_autofree char *long_name = g_strnfill (FERRY_MAX_HEADER_NAME_LENGTH + 1, 'X');
  g_autofree char *max_name = g_strnfill (FERRY_MAX_HEADER_NAME_LENGTH, 'X');

  assert_header_rejected ("", "value");
  assert_header_rejected ("X Foo", "value");
  assert_header_rejected ("X-Foo:", "value");
  assert_header_rejected ("X-Foo\r\nEvil", "value");
  assert_header_rejected ("X-Fö", "value");
  assert_header_rejected ("(X)", "value");
  assert_header_rejected (long_name, "value");
  assert_header_accepted (max_name, "value");
}

static void
test_header_rejects_control_characters_in_values (void)
{
  assert_header_rejected ("X-Foo", "a\r\nInjected: 1");
  assert_header_rejected ("X-Foo", "a\rb");
  assert_header_rejected ("X-Foo", "a\nb");
  assert_header_rejected ("X-Foo", "a\001b");
  assert_header_rejected ("X-Foo", "a\177b");
}

static void
test_header_rejects_reserved_names (void)
{
  const char *reserved[] = {
    "Range", "range", "RANGE", "Host", "host", "If-Range", "Content-Length",
    "Transfer-Encoding", "Connection", "Upgrade", "TE", "Expect",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    assert_header_rejected (reserved[i], "1");
}

static void
test_header_rejects_overlong_value (void)
{
  g_autofree char *long_value = g_strnfill (FERRY_MAX_HEADER_VALUE_LENGTH + 1, 'v');
  g_autofree char *max_value = g_strnfill (FERRY_MAX_HEADER_VALUE_LENGTH, 'v');

  assert_header_rejected ("X-Foo", long_value);
  assert_header_accepted ("X-Foo", max_value);
}

/* ---- checksums, groups, app ids --------------------------------------- */

static void
test_checksum_accepts_sha256 (void)
{
  g_autoptr(GError) error = NULL;
  const char *ok[] = {
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_assert_true (ferry_validate_checksum (ok[i], &error));
      g_assert_no_error (error);
    }
}

static void
test_checksum_rejects_malformed (void)
{
  const char *bad[] = {
    "",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "md5:d41d8cd98f00b204e9800998ecf8427e",
    "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "sha256:",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
    "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "sha256: 3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("checksum “%s”", bad[i]);
      g_assert_false (ferry_validate_checksum (bad[i], &error));
      assert_invalid_argument (error);
    }
}

static void
test_group_length_is_limited (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *max = g_strnfill (FERRY_MAX_GROUP_LENGTH, 'g');
  g_autofree char *over = g_strnfill (FERRY_MAX_GROUP_LENGTH + 1, 'g');

  g_assert_true (ferry_validate_group ("", &error));
  g_assert_true (ferry_validate_group ("nightly builds", &error));
  g_assert_true (ferry_validate_group (max, &error));
  g_assert_no_error (error);
  g_assert_false (ferry_validate_group (over, &error));
  assert_invalid_argument (error);
}

static void
test_app_id_must_be_reverse_dns (void)
{
  const char *ok[] = { "org.gnome.Epiphany", "org.freedesktop.FerryTest.App", "com.example.app_2" };
  const char *bad[] = { "", "epiphany", "org..gnome", ".org.gnome", "org.gnome.", "1org.gnome",
                        "org.gnome/Epiphany", "org.gnome.Épiphany", "org.gnome.Epi phany" };

  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (ferry_validate_app_id (ok[i], &error));
      g_assert_no_error (error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("app id “%s”", bad[i]);
      g_assert_false (ferry_validate_app_id (bad[i], &error));
      assert_invalid_argument (error);
    }
}

/* ---- errors and statuses ---------------------------------------------- */

static void
test_errors_travel_as_ferry_dbus_names (void)
{
  const struct { FerryError code; const char *name; } names[] = {
    { FERRY_ERROR_FAILED, "org.freedesktop.Ferry1.Error.Failed" },
    { FERRY_ERROR_INVALID_ARGUMENT, "org.freedesktop.Ferry1.Error.InvalidArgument" },
    { FERRY_ERROR_NOT_FOUND, "org.freedesktop.Ferry1.Error.NotFound" },
    { FERRY_ERROR_ACCESS_DENIED, "org.freedesktop.Ferry1.Error.AccessDenied" },
    { FERRY_ERROR_INVALID_STATE, "org.freedesktop.Ferry1.Error.InvalidState" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (FERRY_ERROR, names[i].code, "test");
      g_autofree char *encoded = g_dbus_error_encode_gerror (error);
      g_autoptr(GError) decoded = g_dbus_error_new_for_dbus_error (names[i].name, "test");

      g_assert_cmpstr (encoded, ==, names[i].name);
      g_assert_error (decoded, FERRY_ERROR, (gint) names[i].code);
    }
}

static void
test_status_names_round_trip (void)
{
  const char *names[] = {
    "idle", "running", "paused-by-application", "paused-costed-network",
    "paused-no-network", "paused-system-policy", "paused-recoverable-web-error",
    "completed", "canceled", "error",
  };
  FerryStatus status;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (ferry_status_from_string (names[i], &status));
      g_assert_cmpstr (ferry_status_to_string (status), ==, names[i]);
      g_assert_cmpint (ferry_status_is_final (status), ==,
                       strcmp (names[i], "completed") == 0 || strcmp (names[i], "canceled") == 0);
    }
  g_assert_false (ferry_status_from_string ("Running", &status));
  g_assert_false (ferry_status_from_string ("", &status));
  g_assert_false (ferry_status_from_string ("cancelled", &status));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  /* Each case is independent: report every one that fails. */
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/validate/uri/accepts-http-and-https", test_uri_accepts_http_and_https);
  g_test_add_func ("/validate/uri/rejects-other-schemes", test_uri_rejects_other_schemes);
  g_test_add_func ("/validate/uri/rejects-malformed", test_uri_rejects_malformed);
  g_test_add_func ("/validate/uri/rejects-missing-host", test_uri_rejects_missing_host);
  g_test_add_func ("/validate/uri/rejects-overlong", test_uri_rejects_overlong);

  g_test_add ("/validate/destination/accepts-file-in-writable-directory", TmpDir, NULL,
              tmpdir_setup, test_destination_accepts_file_in_writable_directory, tmpdir_teardown);
  g_test_add_func ("/validate/destination/rejects-relative", test_destination_rejects_relative);
  g_test_add ("/validate/destination/rejects-directory", TmpDir, NULL,
              tmpdir_setup, test_destination_rejects_directory, tmpdir_teardown);
  g_test_add ("/validate/destination/rejects-missing-directory", TmpDir, NULL,
              tmpdir_setup, test_destination_rejects_missing_directory, tmpdir_teardown);
  g_test_add ("/validate/destination/rejects-directory-that-is-a-file", TmpDir, NULL,
              tmpdir_setup, test_destination_rejects_directory_that_is_a_file, tmpdir_teardown);
  g_test_add_func ("/validate/destination/rejects-read-only-directory",
                   test_destination_rejects_read_only_directory);
  g_test_add ("/validate/destination/rejects-unwritable-directory", TmpDir, NULL,
              tmpdir_setup, test_destination_rejects_unwritable_directory, tmpdir_teardown);
  g_test_add ("/validate/destination/rejects-part-directory", TmpDir, NULL,
              tmpdir_setup, test_destination_rejects_part_directory, tmpdir_teardown);
  g_test_add ("/validate/destination/rejects-overlong", TmpDir, NULL,
              tmpdir_setup, test_destination_rejects_overlong, tmpdir_teardown);

  g_test_add_func ("/validate/header/accepts-ordinary", test_header_accepts_ordinary);
  g_test_add_func ("/validate/header/rejects-bad-names", test_header_rejects_bad_names);
  g_test_add_func ("/validate/header/rejects-control-characters-in-values",
                   test_header_rejects_control_characters_in_values);
  g_test_add_func ("/validate/header/rejects-reserved-names", test_header_rejects_reserved_names);
  g_test_add_func ("/validate/header/rejects-overlong-value", test_header_rejects_overlong_value);

  g_test_add_func ("/validate/checksum/accepts-sha256", test_checksum_accepts_sha256);
  g_test_add_func ("/validate/checksum/rejects-malformed", test_checksum_rejects_malformed);
  g_test_add_func ("/validate/group/length-is-limited", test_group_length_is_limited);
  g_test_add_func ("/validate/app-id/must-be-reverse-dns", test_app_id_must_be_reverse_dns);

  g_test_add_func ("/validate/errors/travel-as-ferry-dbus-names",
                   test_errors_travel_as_ferry_dbus_names);
  g_test_add_func ("/validate/status/names-round-trip", test_status_names_round_trip);

  return g_test_run ();
}
