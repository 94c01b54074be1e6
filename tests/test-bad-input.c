/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bad input gets org.freedesktop.Ferry1.Error.InvalidArgument (or
 * InvalidState for a call at the wrong time) and changes nothing: no
 * transfer is listed, no file is written, nothing is fetched, and the
 * service keeps running (the fixture fails a test whose ferryd died). */
#define G_LOG_DOMAIN "test-bad-input"

#include <glib/gstdio.h>
#include <unistd.h>

#include "ferry-test-fixture.h"

/* CreateDownload(@uri, @destination, @options) must fail with
 * InvalidArgument and leave no trace. @options may be floating or NULL. */
static void
assert_create_rejected (FerryFixture *fx, const char *uri, const char *destination, GVariant *options)
{
  g_autoptr(GVariant) owned_options = options ? g_variant_ref_sink (options) : NULL;
  g_autofree char *printed = owned_options ? g_variant_print (owned_options, TRUE) : g_strdup ("{}");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) listed = NULL;

  path = ferry_client_create_download (fx->app, uri, destination, owned_options, &error);
  if (error == NULL)
    g_error ("CreateDownload (“%s”, “%s”, %s) succeeded with %s; expected %s",
             uri, destination, printed, path, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  g_assert_null (path);
  g_test_message ("CreateDownload (“%s”, “%s”, %s): %s", uri, destination, printed, error->message);

  listed = ferry_client_list (fx->app, "");
  g_assert_cmpuint (g_strv_length (listed), ==, 0);
  if (g_path_is_absolute (destination))
    {
      g_autofree char *part = g_strconcat (destination, ".part", NULL);

      if (!g_file_test (destination, G_FILE_TEST_IS_DIR))
        g_assert_false (ferry_test_file_exists (destination));
      g_assert_false (ferry_test_file_exists (part));
    }
  g_assert_cmpuint (ferry_test_server_get_requests (fx->server)->len, ==, 0);
}

/* A URI and destination that would be accepted. */
#define GOOD_URI(fx) g_autofree char *uri = ferry_fixture_uri ((fx), "/file/10")
#define GOOD_DEST(fx) g_autofree char *dest = ferry_fixture_dest ((fx), "file.bin")

/* ---- URIs ------------------------------------------------------------- */

static void
test_malformed_uri_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_DEST (fx);

  assert_create_rejected (fx, "", dest, NULL);
  assert_create_rejected (fx, "not a uri", dest, NULL);
  assert_create_rejected (fx, "http://[::1/file", dest, NULL);
  assert_create_rejected (fx, "http://127.0.0.1:99999999/file", dest, NULL);
  assert_create_rejected (fx, "http://127.0.0 .1/file", dest, NULL);
}

static void
test_uri_with_other_scheme_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_DEST (fx);

  assert_create_rejected (fx, "ftp://127.0.0.1/file", dest, NULL);
  assert_create_rejected (fx, "file:///etc/passwd", dest, NULL);
  assert_create_rejected (fx, "data:text/plain,hello", dest, NULL);
}

static void
test_uri_without_host_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_DEST (fx);

  assert_create_rejected (fx, "http:///file/10", dest, NULL);
  assert_create_rejected (fx, "http:/file/10", dest, NULL);
  assert_create_rejected (fx, "https://", dest, NULL);
}

static void
test_overlong_uri_is_rejected (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *base = ferry_fixture_uri (fx, "/file/10?");
  g_autoptr(GString) uri = g_string_new (base);
  GOOD_DEST (fx);

  while (uri->len <= 8192)
    g_string_append_c (uri, 'q');
  assert_create_rejected (fx, uri->str, dest, NULL);
}

/* ---- destinations ----------------------------------------------------- */

static void
test_relative_destination_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);

  assert_create_rejected (fx, uri, "file.bin", NULL);
  assert_create_rejected (fx, uri, "downloads/file.bin", NULL);
  assert_create_rejected (fx, uri, "./file.bin", NULL);
  /* "" is no relative path: it asks for the service's own storage
   * (Transfer.OpenResult), what sandboxed apps use. */
}

static void
test_destination_in_missing_directory_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  g_autofree char *dest = ferry_fixture_dest (fx, "missing/file.bin");

  assert_create_rejected (fx, uri, dest, NULL);
}

/* /proc/sys is read-only for every user, root included, so this holds
 * whoever runs the tests. */
static void
test_destination_in_read_only_directory_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);

  assert_create_rejected (fx, uri, "/proc/sys/ferry-download.bin", NULL);
}

/* A directory without write permission; root bypasses permission bits,
 * so main() skips this test when run as root (the read-only test above
 * covers that case). */
static void
test_destination_in_unwritable_directory_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  g_autofree char *locked = ferry_fixture_dest (fx, "locked");
  g_autofree char *dest = g_build_filename (locked, "file.bin", NULL);

  g_assert_cmpint (g_mkdir (locked, 0500), ==, 0);
  assert_create_rejected (fx, uri, dest, NULL);
  g_chmod (locked, 0700);
}

static void
test_destination_that_is_a_directory_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  g_autofree char *with_slash = g_strconcat (fx->downloads, "/", NULL);
  g_autofree char *new_with_slash = ferry_fixture_dest (fx, "new/");

  assert_create_rejected (fx, uri, fx->downloads, NULL);
  assert_create_rejected (fx, uri, with_slash, NULL);
  assert_create_rejected (fx, uri, new_with_slash, NULL);
  assert_create_rejected (fx, uri, "/", NULL);
}

/* ---- options ---------------------------------------------------------- */

static void
test_unknown_option_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);

  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'colour': <'red'>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'Group': <'a'>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'group': <'a'>, 'bogus': <true>}"));
}

static void
test_option_of_wrong_type_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);

  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'checksum': <int32 5>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'group': <uint32 1>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'headers': <{'X-A': <'b'>}>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'headers': <['X-A: b']>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'headers': <'X-A: b'>}"));
}

static void
test_invalid_checksum_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);
  const char *bad[] = {
    "",
    "md5:d41d8cd98f00b204e9800998ecf8427e",
    "sha256:abc",
    "sha256:zz3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'checksum': <%s>}", bad[i]));
}

static void
test_oversize_values_are_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);
  g_autofree char *long_group = g_strnfill (256, 'g');
  GVariantBuilder headers;

  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'group': <%s>}", long_group));

  g_variant_builder_init (&headers, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < 65; i++)
    {
      g_autofree char *name = g_strdup_printf ("X-Header-%u", i);

      g_variant_builder_add (&headers, "{ss}", name, "v");
    }
  assert_create_rejected (fx, uri, dest,
                          g_variant_new_parsed ("{'headers': <%@a{ss}>}", g_variant_builder_end (&headers)));
}

/* ---- headers ---------------------------------------------------------- */

static void
test_header_name_with_space_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);

  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'headers': <{'X Foo': 'bar'}>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'headers': <{'X-Foo:': 'bar'}>}"));
  assert_create_rejected (fx, uri, dest, g_variant_new_parsed ("{'headers': <{'': 'bar'}>}"));
}

static void
test_header_value_with_cr_or_lf_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);
  const char *bad[] = { "a\r\nInjected: 1", "a\nInjected: 1", "a\rb" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GVariantBuilder headers;

      g_variant_builder_init (&headers, G_VARIANT_TYPE ("a{ss}"));
      g_variant_builder_add (&headers, "{ss}", "X-Foo", bad[i]);
      assert_create_rejected (fx, uri, dest,
                              g_variant_new_parsed ("{'headers': <%@a{ss}>}",
                                                    g_variant_builder_end (&headers)));
    }
}

static void
test_reserved_header_is_rejected (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);
  const char *reserved[] = { "Range", "range", "Host", "HOST", "If-Range", "Content-Length" };

  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    assert_create_rejected (fx, uri, dest,
                            g_variant_new_parsed ("{'headers': <{%s: 'bytes=0-'}>}", reserved[i]));
}

/* ---- calls at the wrong time ------------------------------------------ */

static void
test_malformed_app_id_is_rejected (FerryFixture *fx, gconstpointer config)
{
  FerryTestClient *client = ferry_fixture_connect (fx, NULL);
  const char *bad[] = { "", "epiphany", "org..gnome", "org.gnome.Epi phany", "1org.gnome" };
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("Register (“%s”)", bad[i]);
      ferry_client_register (client, bad[i], &error);
      ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  /* A rejected id does not count as registered. */
  ferry_client_register (client, "org.freedesktop.FerryTest.Late", &error);
  g_assert_no_error (error);
}

static void
test_second_register_is_invalid_state (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(GError) error = NULL;

  ferry_client_register (fx->app, FERRY_TEST_APP_ID, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
  g_clear_error (&error);
  ferry_client_register (fx->app, "org.freedesktop.FerryTest.Other", &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
}

static void
test_second_start_is_invalid_state (FerryFixture *fx, gconstpointer config)
{
  GOOD_URI (fx);
  GOOD_DEST (fx);
  g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);
  g_autoptr(GError) error = NULL;

  ferry_client_transfer_call (fx->app, path, "Start", &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
  ferry_client_wait_status (fx->app, path, "completed");
  g_clear_error (&error);
  ferry_client_transfer_call (fx->app, path, "Start", &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
  ferry_assert_property (fx->app, path, "Status", "completed");
}

static void
skip_as_root (void)
{
  g_test_skip ("root bypasses permission bits; see destination-in-read-only-directory");
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/bad-input/uri/malformed", NULL, test_malformed_uri_is_rejected);
  ferry_test_add ("/bad-input/uri/other-scheme", NULL, test_uri_with_other_scheme_is_rejected);
  ferry_test_add ("/bad-input/uri/without-host", NULL, test_uri_without_host_is_rejected);
  ferry_test_add ("/bad-input/uri/overlong", NULL, test_overlong_uri_is_rejected);
  ferry_test_add ("/bad-input/destination/relative", NULL, test_relative_destination_is_rejected);
  ferry_test_add ("/bad-input/destination/in-missing-directory", NULL,
                  test_destination_in_missing_directory_is_rejected);
  ferry_test_add ("/bad-input/destination/in-read-only-directory", NULL,
                  test_destination_in_read_only_directory_is_rejected);
  if (geteuid () == 0)
    g_test_add_func ("/bad-input/destination/in-unwritable-directory", skip_as_root);
  else
    ferry_test_add ("/bad-input/destination/in-unwritable-directory", NULL,
                    test_destination_in_unwritable_directory_is_rejected);
  ferry_test_add ("/bad-input/destination/is-a-directory", NULL,
                  test_destination_that_is_a_directory_is_rejected);
  ferry_test_add ("/bad-input/options/unknown", NULL, test_unknown_option_is_rejected);
  ferry_test_add ("/bad-input/options/wrong-type", NULL, test_option_of_wrong_type_is_rejected);
  ferry_test_add ("/bad-input/options/invalid-checksum", NULL, test_invalid_checksum_is_rejected);
  ferry_test_add ("/bad-input/options/oversize-values", NULL, test_oversize_values_are_rejected);
  ferry_test_add ("/bad-input/headers/name-with-space", NULL, test_header_name_with_space_is_rejected);
  ferry_test_add ("/bad-input/headers/value-with-cr-or-lf", NULL,
                  test_header_value_with_cr_or_lf_is_rejected);
  ferry_test_add ("/bad-input/headers/reserved", NULL, test_reserved_header_is_rejected);
  ferry_test_add ("/bad-input/register/malformed-app-id", NULL, test_malformed_app_id_is_rejected);
  ferry_test_add ("/bad-input/register/second-register-is-invalid-state", NULL,
                  test_second_register_is_invalid_state);
  ferry_test_add ("/bad-input/transfer/second-start-is-invalid-state", NULL,
                  test_second_start_is_invalid_state);

  return g_test_run ();
}
