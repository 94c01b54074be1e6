/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bandwidth limits, measured at the server: a transfer's own max-speed,
 * and the overall --max-speed that all transfers share. The server sends
 * as fast as the client reads, so what it sends over a window is what
 * ferryd let through. */
#define G_LOG_DOMAIN "test-bandwidth"

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)
#define MB 1000000

/* Long enough to stay busy through the warm-up and the window at any
 * speed these tests allow; canceled once measured. Same number of digits,
 * so neither path is a prefix of the other. */
#define BIG_A (24 * MiB)
#define BIG_B (24 * MiB + 1)

/* The measurement: five seconds, in half-second slices. */
#define WINDOW_MS 5000
#define SLICE_MS 500
#define N_SLICES (WINDOW_MS / SLICE_MS)

static const char * const overall_args[] = { "--max-speed=4000000", NULL };
static const FerryFixtureConfig overall_limit = { overall_args };

typedef struct {
  double rate;                    /* bytes per second over the window */
  guint64 slices[N_SLICES];       /* bytes sent in each slice */
  char *text;                     /* all of it, for failure messages */
} Measure;

static void
measure_clear (Measure *m)
{
  g_clear_pointer (&m->text, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Measure, measure_clear)

/* Fails with everything that was measured unless @ok. */
#define assert_measured(m, ok) \
  G_STMT_START { \
    if (!(ok)) \
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                           g_strdup_printf ("%s, measured %s", #ok, (m)->text)); \
  } G_STMT_END

/* Starts a download of /file/@size, limited to @max_speed (0: no limit of
 * its own). */
static char *
start_big (FerryFixture *fx, guint64 size, guint64 max_speed)
{
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *name = g_strdup_printf ("big-%" G_GUINT64_FORMAT ".bin", size);
  g_autofree char *dest = ferry_fixture_dest (fx, name);
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (max_speed > 0)
    g_variant_builder_add (&options, "{sv}", "max-speed", g_variant_new_uint64 (max_speed));
  return ferry_client_start_download (fx->app, uri, dest, g_variant_builder_end (&options));
}

/* Small socket buffers at the server: what it sends is then what ferryd
 * read, to the half second. */
static void
measure_at_the_server (FerryFixture *fx)
{
  ferry_test_server_set_send_buffer (fx->server, 64 * KiB);
}

static void
cancel (FerryFixture *fx, const char *transfer)
{
  g_autoptr(GError) error = NULL;

  ferry_client_transfer_call (fx->app, transfer, "Cancel", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, transfer, "canceled");
}

/* Measures, at the server, what was sent for each of @paths over the
 * window. The server keeps serving meanwhile: this is a measurement, not
 * a wait. */
static void
measure (FerryTestServer *server, const char * const *paths, Measure *out, guint n)
{
  guint64 first[4], last[4];
  gint64 t0, t1;

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (first));
  t0 = g_get_monotonic_time ();
  for (guint p = 0; p < n; p++)
    first[p] = last[p] = ferry_test_server_bytes_sent (server, paths[p]);
  for (guint s = 0; s < N_SLICES; s++)
    {
      ferry_test_iterate (SLICE_MS);
      for (guint p = 0; p < n; p++)
        {
          guint64 now = ferry_test_server_bytes_sent (server, paths[p]);

          out[p].slices[s] = now - last[p];
          last[p] = now;
        }
    }
  t1 = g_get_monotonic_time ();
  for (guint p = 0; p < n; p++)
    {
      GString *text = g_string_new (NULL);

      out[p].rate = (double) (last[p] - first[p]) * G_USEC_PER_SEC / (double) (t1 - t0);
      g_string_printf (text, "%s: %.3f MB/s over %.2f s; by half second:", paths[p],
                       out[p].rate / MB, (double) (t1 - t0) / G_USEC_PER_SEC);
      for (guint s = 0; s < N_SLICES; s++)
        g_string_append_printf (text, " %" G_GUINT64_FORMAT, out[p].slices[s]);
      g_test_message ("%s", text->str);
      out[p].text = g_string_free (text, FALSE);
    }
}

/* Smooth, not stop-and-go: every half second gets a fair share of the
 * rate, never nothing while the rest of the second catches up. */
static void
assert_smooth (const Measure *m, double rate)
{
  for (guint s = 0; s < N_SLICES; s++)
    assert_measured (m, m->slices[s] >= 0.25 * rate * SLICE_MS / 1000);
}

static void
test_per_transfer_max_speed_holds_at_the_server (FerryFixture *fx, gconstpointer config)
{
  const char * const paths[] = { "/file/25165824" };
  g_autofree char *path = NULL;
  g_auto(Measure) m = { 0, };

  measure_at_the_server (fx);
  path = start_big (fx, BIG_A, 2 * MB);

  /* Past the start, once the socket buffers are full. */
  ferry_client_wait_bytes (fx->app, path, 2 * MB);
  measure (fx->server, paths, &m, 1);

  assert_measured (&m, m.rate >= 1.8 * MB);
  assert_measured (&m, m.rate <= 2.2 * MB);
  assert_smooth (&m, 2 * MB);
  ferry_assert_property (fx->app, path, "Status", "running");
  cancel (fx, path);
}

static void
test_overall_max_speed_is_shared_fairly (FerryFixture *fx, gconstpointer config)
{
  const char * const paths[] = { "/file/25165824", "/file/25165825" };
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  Measure m[2] = { { 0, }, };
  g_auto(Measure) both = { 0, };
  double total;

  measure_at_the_server (fx);
  a = start_big (fx, BIG_A, 0);
  b = start_big (fx, BIG_B, 0);

  ferry_client_wait_bytes (fx->app, a, 1 * MB);
  ferry_client_wait_bytes (fx->app, b, 1 * MB);
  measure (fx->server, paths, m, 2);
  total = m[0].rate + m[1].rate;
  both.text = g_strdup_printf ("%.3f MB/s together; %s; %s", total / MB, m[0].text, m[1].text);
  measure_clear (&m[0]);
  measure_clear (&m[1]);

  /* Together within 10 % of --max-speed=4000000 ... */
  assert_measured (&both, total >= 3.6 * MB);
  assert_measured (&both, total <= 4.4 * MB);
  /* ... and neither starves the other. */
  assert_measured (&both, m[0].rate >= 0.4 * total);
  assert_measured (&both, m[1].rate >= 0.4 * total);
  for (guint p = 0; p < 2; p++)
    for (guint s = 0; s < N_SLICES; s++)
      assert_measured (&both, m[p].slices[s] >= 0.25 * 2 * MB * SLICE_MS / 1000);

  cancel (fx, a);
  cancel (fx, b);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  ferry_test_add ("/bandwidth/per-transfer-max-speed-holds-at-the-server", NULL,
                  test_per_transfer_max_speed_holds_at_the_server);
  ferry_test_add ("/bandwidth/overall-max-speed-is-shared-fairly", &overall_limit,
                  test_overall_max_speed_is_shared_fairly);

  return g_test_run ();
}
