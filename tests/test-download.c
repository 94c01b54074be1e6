/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Downloads from start to finish: sizes, encodings, redirects, HTTP errors,
 * checksums, progress, queueing and cancellation. */
#define G_LOG_DOMAIN "test-download"

#include <glib/gstdio.h>
#include <string.h>

#include "ferry-dbus-generated.h"
#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* Downloads /file/@size to a fresh destination and checks it. */
static void
download_and_verify (FerryFixture *fx, guint64 size)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *name = g_strdup_printf ("file-%" G_GUINT64_FORMAT ".bin", size);
  g_autofree char *dest = ferry_fixture_dest (fx, name);
  g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);

  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, 200);
  ferry_assert_property (fx->app, path, "ErrorName", "");
}

static gboolean
strv_equal (GStrv a, const char * const *b)
{
  return g_strv_equal ((const char * const *) a, b);
}

/* ---- a new transfer --------------------------------------------------- */

static void
test_new_transfer_is_idle_with_its_properties (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *dest = ferry_fixture_dest (fx, "new.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GVariant) info = NULL;
  GDBusInterfaceInfo *iface = ferry_dbus_transfer_interface_info ();
  guint status = G_MAXUINT;

  path = ferry_client_create_download (fx->app, uri, dest,
                                       g_variant_new_parsed ("{'group': <'nightly'>}"), &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (path, FERRY_TRANSFER_PATH_PREFIX));
  g_assert_cmpuint (strlen (path), >, strlen (FERRY_TRANSFER_PATH_PREFIX));

  ferry_assert_property (fx->app, path, "Kind", "download");
  ferry_assert_property (fx->app, path, "Uri", uri);
  ferry_assert_property (fx->app, path, "Destination", dest);
  ferry_assert_property (fx->app, path, "Status", "idle");
  ferry_assert_property (fx->app, path, "Group", "nightly");
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, 0);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "TotalBytesToReceive"), ==, 0);
  ferry_assert_property (fx->app, path, "ErrorName", "");
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, 0);

  /* GetAll has every property the XML declares, with its type. */
  all = ferry_client_call (fx->app, path, "org.freedesktop.DBus.Properties", "GetAll",
                           g_variant_new ("(s)", FERRY_TRANSFER_IFACE),
                           G_VARIANT_TYPE ("(a{sv})"), &error);
  g_assert_no_error (error);
  props = g_variant_get_child_value (all, 0);
  for (guint i = 0; iface->properties[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (props, iface->properties[i]->name, NULL);

      g_test_message ("property %s", iface->properties[i]->name);
      g_assert_nonnull (value);
      g_assert_cmpstr (g_variant_get_type_string (value), ==, iface->properties[i]->signature);
    }

  /* Before any response there is no response information. */
  info = ferry_client_call (fx->app, path, FERRY_TRANSFER_IFACE, "GetResponseInformation", NULL,
                            G_VARIANT_TYPE ("(ua{ss}sb)"), &error);
  g_assert_no_error (error);
  g_variant_get (info, "(u@a{ss}&sb)", &status, NULL, NULL, NULL);
  g_assert_cmpuint (status, ==, 0);

  /* Not started: nothing fetched, nothing written. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/"), ==, 0);
  ferry_assert_no_file (dest);
}

static void
test_current_downloads_are_filtered_by_group (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/100");
  g_autofree char *dest1 = ferry_fixture_dest (fx, "a1.bin");
  g_autofree char *dest2 = ferry_fixture_dest (fx, "a2.bin");
  g_autofree char *dest3 = ferry_fixture_dest (fx, "b.bin");
  g_autofree char *dest4 = ferry_fixture_dest (fx, "none.bin");
  g_autoptr(GError) error = NULL;
  g_autofree char *a1 = NULL, *a2 = NULL, *b = NULL, *none = NULL;
  g_auto(GStrv) in_a = NULL, in_b = NULL, in_c = NULL, all = NULL, after_cancel = NULL;

  a1 = ferry_client_create_download (fx->app, uri, dest1, g_variant_new_parsed ("{'group': <'a'>}"), &error);
  g_assert_no_error (error);
  a2 = ferry_client_create_download (fx->app, uri, dest2, g_variant_new_parsed ("{'group': <'a'>}"), &error);
  g_assert_no_error (error);
  b = ferry_client_create_download (fx->app, uri, dest3, g_variant_new_parsed ("{'group': <'b'>}"), &error);
  g_assert_no_error (error);
  none = ferry_client_create_download (fx->app, uri, dest4, NULL, &error);
  g_assert_no_error (error);

  in_a = ferry_client_list (fx->app, "a");
  in_b = ferry_client_list (fx->app, "b");
  in_c = ferry_client_list (fx->app, "c");
  all = ferry_client_list (fx->app, "");
  /* Oldest first. */
  g_assert_true (strv_equal (in_a, (const char *[]) { a1, a2, NULL }));
  g_assert_true (strv_equal (in_b, (const char *[]) { b, NULL }));
  g_assert_true (strv_equal (in_c, (const char *[]) { NULL }));
  g_assert_true (strv_equal (all, (const char *[]) { a1, a2, b, none, NULL }));

  /* Canceled transfers are no longer current. */
  ferry_client_transfer_call (fx->app, a1, "Cancel", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, a1, "canceled");
  after_cancel = ferry_client_list (fx->app, "a");
  g_assert_true (strv_equal (after_cancel, (const char *[]) { a2, NULL }));
}

/* ---- sizes and encodings ---------------------------------------------- */

static void
test_empty_file_completes (FerryFixture *fx, gconstpointer config)
{
  download_and_verify (fx, 0);
}

static void
test_one_mebibyte_completes_with_response_information (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", MiB);
  g_autofree char *dest = ferry_fixture_dest (fx, "one.bin");
  g_autofree char *etag = ferry_test_server_etag (fx->server, MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) headers = NULL;
  g_auto(GStrv) current = NULL;
  const char *actual_uri, *value;
  guint status;
  gboolean resumable;
  GVariantIter iter;
  const char *name;

  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, MiB);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, MiB);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "TotalBytesToReceive"), ==, MiB);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, 200);

  info = ferry_client_call (fx->app, path, FERRY_TRANSFER_IFACE, "GetResponseInformation", NULL,
                            G_VARIANT_TYPE ("(ua{ss}sb)"), &error);
  g_assert_no_error (error);
  g_variant_get (info, "(u@a{ss}&sb)", &status, &headers, &actual_uri, &resumable);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (actual_uri, ==, uri);
  g_assert_true (resumable);
  g_assert_true (g_variant_lookup (headers, "etag", "&s", &value));
  g_assert_cmpstr (value, ==, etag);
  g_assert_true (g_variant_lookup (headers, "content-length", "&s", &value));
  g_assert_cmpstr (value, ==, "1048576");
  g_variant_iter_init (&iter, headers);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, NULL))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);

      g_assert_cmpstr (name, ==, lower);
    }

  /* Completed transfers are no longer current. */
  current = ferry_client_list (fx->app, "");
  g_assert_false (g_strv_contains ((const char * const *) current, path));
}

static void
test_sixty_four_mebibytes_arrive_intact (FerryFixture *fx, gconstpointer config)
{
  download_and_verify (fx, 64 * MiB);
}

static void
test_chunked_body_of_unknown_size_completes (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 300 * KiB + 7;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "chunked.bin");
  g_autofree char *path = NULL;

  ferry_test_server_set_chunked (fx->server, TRUE);
  ferry_test_server_set_throttle (fx->server, 128 * KiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);

  /* While it runs, the size is unknown. */
  ferry_client_wait_bytes (fx->app, path, 1);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "TotalBytesToReceive"), ==, 0);

  ferry_test_server_set_throttle (fx->server, 0);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, size);
  g_assert_cmpuint (ferry_client_get_uint64 (fx->app, path, "BytesReceived"), ==, size);
}

/* ---- redirects -------------------------------------------------------- */

static void
test_redirect_chain_is_followed_to_the_final_uri (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/redirect/3/file/4096");
  g_autofree char *final_uri = ferry_fixture_uri (fx, "/file/4096");
  g_autofree char *dest = ferry_fixture_dest (fx, "redirected.bin");
  g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;
  const char *actual_uri;
  guint status;

  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, 4096);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/redirect/"), ==, 3);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 1);

  info = ferry_client_call (fx->app, path, FERRY_TRANSFER_IFACE, "GetResponseInformation", NULL,
                            G_VARIANT_TYPE ("(ua{ss}sb)"), &error);
  g_assert_no_error (error);
  g_variant_get (info, "(u@a{ss}&sb)", &status, NULL, &actual_uri, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (actual_uri, ==, final_uri);
  /* Uri stays what the app asked for. */
  ferry_assert_property (fx->app, path, "Uri", uri);
}

static void
test_endless_redirects_fail_as_too_many_redirects (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/redirect/60/file/10");
  g_autofree char *dest = ferry_fixture_dest (fx, "loop.bin");
  g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);

  ferry_client_wait_error (fx->app, path, "too-many-redirects");
  g_assert_false (ferry_test_file_exists (dest));
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 0);
}

/* ---- HTTP errors and retries ------------------------------------------ */

static void
assert_fails_with_http_status (FerryFixture *fx, guint http_status, const char *error_name)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/status/%u", http_status);
  g_autofree char *name = g_strdup_printf ("status-%u.bin", http_status);
  g_autofree char *dest = ferry_fixture_dest (fx, name);
  g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);

  g_auto(GStrv) current = NULL;

  gboolean signalled = FALSE;

  ferry_client_wait_error (fx->app, path, error_name);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, http_status);
  g_assert_false (ferry_test_file_exists (dest));

  /* StatusChanged told the app why. */
  ferry_client_sync (fx->app);
  for (guint i = 0; i < fx->app->signals->len; i++)
    {
      FerryTestSignal *sig = g_ptr_array_index (fx->app->signals, i);
      const char *status, *signalled_name, *message;

      if (strcmp (sig->path, path) != 0 || strcmp (sig->member, "StatusChanged") != 0)
        continue;
      g_variant_get (sig->parameters, "(&s&s&s)", &status, &signalled_name, &message);
      if (strcmp (status, "error") == 0)
        {
          g_assert_cmpstr (signalled_name, ==, error_name);
          g_assert_cmpstr (message, !=, "");
          signalled = TRUE;
        }
    }
  g_assert_true (signalled);

  /* A failed transfer is still current: the app may Resume it. */
  current = ferry_client_list (fx->app, "");
  g_assert_true (g_strv_contains ((const char * const *) current, path));
}

static void
test_404_and_410_fail_as_not_found (FerryFixture *fx, gconstpointer config)
{
  assert_fails_with_http_status (fx, 404, "not-found");
  assert_fails_with_http_status (fx, 410, "not-found");
}

static void
test_other_4xx_fail_with_their_names_without_retry (FerryFixture *fx, gconstpointer config)
{
  const struct {
    guint status;
    const char *error_name;
  } cases[] = {
    { 400, "client-error" },
    { 401, "unauthorized" },
    { 403, "forbidden" },
    { 418, "client-error" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/status/%u", cases[i].status);

      assert_fails_with_http_status (fx, cases[i].status, cases[i].error_name);
      /* A client error does not go away by asking again. */
      g_assert_cmpuint (ferry_test_server_count_requests (fx->server, path), ==, 1);
    }
}

static const FerryFixtureConfig two_retries = {
  .ferryd_args = (const char * const[]) { "--retries=2", "--retry-delay=20", NULL },
};

static void
test_persistent_5xx_fails_as_server_error_after_retries (FerryFixture *fx, gconstpointer config)
{
  assert_fails_with_http_status (fx, 503, "server-error");
  /* The first attempt and --retries=2 more. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/status/503"), ==, 3);
}

static const FerryFixtureConfig slow_retries = {
  .ferryd_args = (const char * const[]) { "--retries=2", "--retry-delay=200", NULL },
};

static void
test_retries_back_off_exponentially (FerryFixture *fx, gconstpointer config)
{
  FerryTestRequest *req[3];
  gint64 first_gap, second_gap;

  assert_fails_with_http_status (fx, 503, "server-error");
  for (guint i = 0; i < 3; i++)
    req[i] = ferry_test_server_nth_request (fx->server, "/status/503", i);
  first_gap = req[1]->time - req[0]->time;
  second_gap = req[2]->time - req[1]->time;
  g_test_message ("retried after %" G_GINT64_FORMAT " ms, then %" G_GINT64_FORMAT " ms",
                  first_gap / 1000, second_gap / 1000);
  /* --retry-delay=200: 200 ms, then 400 ms (10 ms of slack for timers). */
  g_assert_cmpint (first_gap, >=, 190 * 1000);
  g_assert_cmpint (second_gap, >=, 390 * 1000);
  g_assert_cmpint (second_gap, >, first_gap);
}

static void
test_transient_5xx_is_retried_and_completes (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/65536");
  g_autofree char *dest = ferry_fixture_dest (fx, "flaky.bin");
  g_autofree char *path = NULL;

  ferry_test_server_fail_next (fx->server, 503, 2);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, 65536);
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 3);
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, 200);
}

/* A port on 127.0.0.1 where nothing listens. */
static guint
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_refused_connection_fails_as_cannot_connect (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/file/10", closed_port ());
  g_autofree char *dest = ferry_fixture_dest (fx, "refused.bin");
  g_autofree char *path = ferry_client_start_download (fx->app, uri, dest, NULL);

  ferry_client_wait_error (fx->app, path, "cannot-connect");
  g_assert_cmpuint (ferry_client_get_uint32 (fx->app, path, "HttpStatus"), ==, 0);
  g_assert_false (ferry_test_file_exists (dest));
}

/* A listening socket on 127.0.0.1 whose accept queue is full: the kernel
 * drops further SYNs, so a connection attempt to it hangs. */
typedef struct {
  GSocket *listener;
  GSocket *filler;
  guint port;
} BlackHole;

static void
black_hole_open (BlackHole *hole)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  hole->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (hole->listener, any, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (hole->listener, 0);
  g_socket_listen (hole->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (hole->listener, &error);
  g_assert_no_error (error);
  hole->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  /* The one connection the queue holds, never accepted. */
  hole->filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_connect (hole->filler, bound, NULL, &error);
  g_assert_no_error (error);
}

static void
black_hole_close (BlackHole *hole)
{
  g_socket_close (hole->filler, NULL);
  g_socket_close (hole->listener, NULL);
  g_clear_object (&hole->filler);
  g_clear_object (&hole->listener);
}

static const FerryFixtureConfig short_connect_timeout = {
  .ferryd_args = (const char * const[]) { "--connect-timeout=1", "--retries=1",
                                          "--retry-delay=20", NULL },
};

static void
test_unanswered_connect_fails_as_timeout (FerryFixture *fx, gconstpointer config)
{
  BlackHole hole = { 0, };
  g_autofree char *uri = NULL;
  g_autofree char *dest = ferry_fixture_dest (fx, "black-hole.bin");
  g_autofree char *path = NULL;
  gint64 started;

  black_hole_open (&hole);
  uri = g_strdup_printf ("http://127.0.0.1:%u/file/10", hole.port);
  started = g_get_monotonic_time ();
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  /* The kernel would keep trying for about two minutes; --connect-timeout
   * ends each attempt after a second. */
  ferry_client_wait_error (fx->app, path, "timeout");
  g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
  g_assert_false (ferry_test_file_exists (dest));
  black_hole_close (&hole);
}

static const FerryFixtureConfig short_response_timeout = {
  .ferryd_args = (const char * const[]) { "--response-timeout=1", "--retries=1",
                                          "--retry-delay=20", NULL },
};

static void
test_silent_server_fails_as_timeout (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/10");
  g_autofree char *dest = ferry_fixture_dest (fx, "silent.bin");
  g_autofree char *path = NULL;

  ferry_test_server_set_stall (fx->server, TRUE);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_error (fx->app, path, "timeout");
  /* A timeout is transient: the first attempt and one retry. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 2);
  g_assert_false (ferry_test_file_exists (dest));
}

static void
test_missing_destination_directory_fails_as_io_error (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *dir = ferry_fixture_dest (fx, "gone");
  g_autofree char *dest = g_build_filename (dir, "file.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  path = ferry_client_create_download (fx->app, uri, dest, NULL, &error);
  g_assert_no_error (error);
  /* The directory goes away between CreateDownload and Start. */
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  ferry_client_transfer_call (fx->app, path, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_error (fx->app, path, "io-error");
}

/* ---- options ---------------------------------------------------------- */

static void
test_checksum_that_matches_completes (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/200000");
  g_autofree char *dest = ferry_fixture_dest (fx, "checked.bin");
  g_autofree char *sha = ferry_test_content_sha256 (1, 200000);
  g_autofree char *checksum = g_strconcat ("sha256:", sha, NULL);
  g_autofree char *path = NULL;

  path = ferry_client_start_download (fx->app, uri, dest,
                                      g_variant_new_parsed ("{'checksum': <%s>}", checksum));
  ferry_client_wait_status (fx->app, path, "completed");
  ferry_assert_downloaded (dest, 1, 200000);
}

static void
test_checksum_mismatch_fails_and_leaves_no_file (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/200000");
  g_autofree char *dest = ferry_fixture_dest (fx, "corrupt.bin");
  /* The digest of other content: what the app expects is not what comes. */
  g_autofree char *sha = ferry_test_content_sha256 (99, 200000);
  g_autofree char *checksum = g_strconcat ("sha256:", sha, NULL);
  g_autofree char *path = NULL;

  path = ferry_client_start_download (fx->app, uri, dest,
                                      g_variant_new_parsed ("{'checksum': <%s>}", checksum));
  ferry_client_wait_error (fx->app, path, "checksum-mismatch");
  ferry_assert_no_file (dest);
}

static void
test_custom_headers_are_sent (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/10");
  g_autofree char *dest = ferry_fixture_dest (fx, "headers.bin");
  g_autofree char *path = NULL;
  FerryTestRequest *req;

  path = ferry_client_start_download (fx->app, uri, dest,
                                      g_variant_new_parsed ("{'headers': <{'X-Ferry-Test': 'hello world', "
                                                            "'Accept-Language': 'eo'}>}"));
  ferry_client_wait_status (fx->app, path, "completed");
  req = ferry_test_server_nth_request (fx->server, "/file/", 0);
  g_assert_nonnull (req);
  g_assert_cmpstr (soup_message_headers_get_one (req->headers, "X-Ferry-Test"), ==, "hello world");
  g_assert_cmpstr (soup_message_headers_get_one (req->headers, "Accept-Language"), ==, "eo");
}

/* ---- progress, queueing, cancellation --------------------------------- */

static void
test_progress_is_coalesced_and_monotonic (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 512 * KiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "progress.bin");
  g_autofree char *path = NULL;
  gint64 started;
  double seconds;
  guint64 last = 0;
  guint n = 0;

  /* About two seconds at 20 server writes a second. */
  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  started = g_get_monotonic_time ();
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_status (fx->app, path, "completed");
  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  ferry_client_sync (fx->app);

  for (guint i = 0; i < fx->app->signals->len; i++)
    {
      FerryTestSignal *sig = g_ptr_array_index (fx->app->signals, i);
      guint64 transferred, total;

      if (strcmp (sig->path, path) != 0 || strcmp (sig->member, "Progress") != 0)
        continue;
      g_variant_get (sig->parameters, "(tt)", &transferred, &total);
      g_assert_cmpuint (transferred, >=, last);
      g_assert_cmpuint (transferred, <=, size);
      g_assert_cmpuint (total, ==, size);
      last = transferred;
      n++;
    }
  g_test_message ("%u Progress signals in %.2f s", n, seconds);
  g_assert_cmpuint (n, >=, 2);
  /* "A few per second at most": allow 5/s and one at each end. */
  g_assert_cmpfloat (n, <=, 5 * seconds + 2);
  ferry_assert_downloaded (dest, 1, size);
}

/* Downloads three throttled files at once and returns the most the server
 * ever served at the same time. */
static guint
download_three_at_once (FerryFixture *fx)
{
  const guint64 size = 512 * KiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  char *paths[3];
  char *dests[3];

  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("parallel-%u.bin", i);

      dests[i] = ferry_fixture_dest (fx, name);
      paths[i] = ferry_client_start_download (fx->app, uri, dests[i], NULL);
    }
  for (guint i = 0; i < 3; i++)
    {
      ferry_client_wait_status (fx->app, paths[i], "completed");
      ferry_assert_downloaded (dests[i], 1, size);
      g_free (paths[i]);
      g_free (dests[i]);
    }
  return ferry_test_server_get_max_active (fx->server);
}

static void
test_transfers_run_in_parallel_by_default (FerryFixture *fx, gconstpointer config)
{
  g_assert_cmpuint (download_three_at_once (fx), ==, 3);
}

static const FerryFixtureConfig one_at_a_time = {
  .ferryd_args = (const char * const[]) { "--max-parallel=1", NULL },
};

static void
test_max_parallel_limits_concurrent_transfers (FerryFixture *fx, gconstpointer config)
{
  g_assert_cmpuint (download_three_at_once (fx), ==, 1);
}

static void
test_started_transfer_waits_idle_in_the_queue (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 512 * KiB);
  g_autofree char *dest1 = ferry_fixture_dest (fx, "first.bin");
  g_autofree char *dest2 = ferry_fixture_dest (fx, "second.bin");
  g_autofree char *first = NULL, *second = NULL;
  g_autoptr(GError) error = NULL;

  ferry_test_server_set_throttle (fx->server, 512 * KiB);
  first = ferry_client_start_download (fx->app, uri, dest1, NULL);
  ferry_client_wait_bytes (fx->app, first, 1);
  second = ferry_client_start_download (fx->app, uri, dest2, NULL);

  /* Queued behind the first: started, but not running yet. */
  ferry_assert_property (fx->app, first, "Status", "running");
  ferry_assert_property (fx->app, second, "Status", "idle");
  /* Start queues only once. */
  ferry_client_transfer_call (fx->app, second, "Start", &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);

  ferry_test_server_set_throttle (fx->server, 0);
  ferry_client_wait_status (fx->app, first, "completed");
  ferry_client_wait_status (fx->app, second, "completed");
  ferry_assert_downloaded (dest2, 1, 512 * KiB);
}

static void
test_cancel_deletes_partial_data_for_good (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 4 * MiB);
  g_autofree char *dest = ferry_fixture_dest (fx, "canceled.bin");
  g_autofree char *part = g_strconcat (dest, ".part", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) current = NULL;

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_bytes (fx->app, path, 64 * KiB);
  g_assert_true (ferry_test_file_exists (part));

  ferry_client_transfer_call (fx->app, path, "Cancel", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "canceled");
  ferry_assert_no_file (dest);
  current = ferry_client_list (fx->app, "");
  g_assert_false (g_strv_contains ((const char * const *) current, path));

  /* Canceled is final. */
  ferry_client_transfer_call (fx->app, path, "Resume", &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
  g_clear_error (&error);
  ferry_client_transfer_call (fx->app, path, "Start", &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_STATE);
  ferry_assert_property (fx->app, path, "Status", "canceled");
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/download/new-transfer-is-idle-with-its-properties", NULL,
                  test_new_transfer_is_idle_with_its_properties);
  ferry_test_add ("/download/current-downloads-are-filtered-by-group", NULL,
                  test_current_downloads_are_filtered_by_group);
  ferry_test_add ("/download/empty-file-completes", NULL, test_empty_file_completes);
  ferry_test_add ("/download/one-mebibyte-completes-with-response-information", NULL,
                  test_one_mebibyte_completes_with_response_information);
  ferry_test_add ("/download/sixty-four-mebibytes-arrive-intact", NULL,
                  test_sixty_four_mebibytes_arrive_intact);
  ferry_test_add ("/download/chunked-body-of-unknown-size-completes", NULL,
                  test_chunked_body_of_unknown_size_completes);
  ferry_test_add ("/download/redirect-chain-is-followed-to-the-final-uri", NULL,
                  test_redirect_chain_is_followed_to_the_final_uri);
  ferry_test_add ("/download/endless-redirects-fail-as-too-many-redirects", NULL,
                  test_endless_redirects_fail_as_too_many_redirects);
  ferry_test_add ("/download/404-and-410-fail-as-not-found", NULL,
                  test_404_and_410_fail_as_not_found);
  ferry_test_add ("/download/other-4xx-fail-with-their-names-without-retry", NULL,
                  test_other_4xx_fail_with_their_names_without_retry);
  ferry_test_add ("/download/persistent-5xx-fails-as-server-error-after-retries", &two_retries,
                  test_persistent_5xx_fails_as_server_error_after_retries);
  ferry_test_add ("/download/retries-back-off-exponentially", &slow_retries,
                  test_retries_back_off_exponentially);
  ferry_test_add ("/download/transient-5xx-is-retried-and-completes", NULL,
                  test_transient_5xx_is_retried_and_completes);
  ferry_test_add ("/download/refused-connection-fails-as-cannot-connect", NULL,
                  test_refused_connection_fails_as_cannot_connect);
  ferry_test_add ("/download/unanswered-connect-fails-as-timeout", &short_connect_timeout,
                  test_unanswered_connect_fails_as_timeout);
  ferry_test_add ("/download/silent-server-fails-as-timeout", &short_response_timeout,
                  test_silent_server_fails_as_timeout);
  ferry_test_add ("/download/missing-destination-directory-fails-as-io-error", NULL,
                  test_missing_destination_directory_fails_as_io_error);
  ferry_test_add ("/download/checksum-that-matches-completes", NULL,
                  test_checksum_that_matches_completes);
  ferry_test_add ("/download/checksum-mismatch-fails-and-leaves-no-file", NULL,
                  test_checksum_mismatch_fails_and_leaves_no_file);
  ferry_test_add ("/download/custom-headers-are-sent", NULL, test_custom_headers_are_sent);
  ferry_test_add ("/download/progress-is-coalesced-and-monotonic", NULL,
                  test_progress_is_coalesced_and_monotonic);
  ferry_test_add ("/download/transfers-run-in-parallel-by-default", NULL,
                  test_transfers_run_in_parallel_by_default);
  ferry_test_add ("/download/max-parallel-limits-concurrent-transfers", &one_at_a_time,
                  test_max_parallel_limits_concurrent_transfers);
  ferry_test_add ("/download/started-transfer-waits-idle-in-the-queue", &one_at_a_time,
                  test_started_transfer_waits_idle_in_the_queue);
  ferry_test_add ("/download/cancel-deletes-partial-data-for-good", NULL,
                  test_cancel_deletes_partial_data_for_good);

  return g_test_run ();
}
