/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The layout of segmented downloads: how a file is split, and which stored
 * layouts are taken back. */
#include <glib.h>

#include "ferry-segments.h"

#define MIB (1024 * 1024)

/* Every split covers [0, total) in order, without gaps, each segment at
 * least the minimum and starting on 64 KiB. */
static void
test_split_covers_the_file (void)
{
  static const guint64 totals[] = { 2 * MIB, 2 * MIB + 1, 3 * MIB - 1, 17 * MIB + 12345,
                                    1024ull * MIB, 16 * MIB, 16 * MIB - 1 };

  for (gsize t = 0; t < G_N_ELEMENTS (totals); t++)
    for (guint connections = 2; connections <= 16; connections++)
      {
        g_autoptr(GArray) segments = ferry_segments_split (totals[t], connections);
        guint64 expected_start = 0;

        g_assert_nonnull (segments);
        g_assert_cmpuint (segments->len, ==, MIN (connections, totals[t] / MIB));
        for (guint i = 0; i < segments->len; i++)
          {
            FerrySegment *segment = &g_array_index (segments, FerrySegment, i);

            g_assert_cmpuint (segment->start, ==, expected_start);
            g_assert_cmpuint (segment->start % (64 * 1024), ==, 0);
            g_assert_cmpuint (segment->durable, ==, segment->start);
            g_assert_cmpuint (segment->end - segment->start, >=,
                              i + 1 < segments->len ? FERRY_MIN_SEGMENT : 1);
            expected_start = segment->end;
          }
        g_assert_cmpuint (expected_start, ==, totals[t]);
      }
}

static void
test_split_refuses_small_files (void)
{
  g_assert_null (ferry_segments_split (0, 4));
  g_assert_null (ferry_segments_split (2 * MIB - 1, 4));
  g_assert_null (ferry_segments_split (100 * MIB, 1));
}

static void
test_variant_round_trip (void)
{
  g_autoptr(GArray) segments = ferry_segments_split (10 * MIB, 4);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GArray) back = NULL;

  g_array_index (segments, FerrySegment, 1).durable += 12345;
  g_array_index (segments, FerrySegment, 3).durable = g_array_index (segments, FerrySegment, 3).end;
  variant = g_variant_ref_sink (ferry_segments_to_variant (segments));
  back = ferry_segments_from_variant (variant, 10 * MIB);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->len, ==, 4);
  g_assert_cmpmem (back->data, back->len * sizeof (FerrySegment),
                   segments->data, segments->len * sizeof (FerrySegment));
  g_assert_cmpuint (ferry_segments_durable (back), ==,
                    12345 + (g_array_index (segments, FerrySegment, 3).end -
                             g_array_index (segments, FerrySegment, 3).start));
}

/* A damaged store must not make ferryd write outside a segment. */
static void
test_variant_rejects_damaged_layouts (void)
{
  static const char *damaged[] = {
    "[(0, 100, 0), (100, 200, 100)]",            /* does not reach the total */
    "[(0, 100, 0), (150, 1000, 150)]",           /* a gap */
    "[(0, 600, 0), (500, 1000, 500)]",           /* an overlap */
    "[(0, 500, 501), (500, 1000, 500)]",         /* durable past the end */
    "[(0, 500, 0), (500, 1000, 499)]",           /* durable before the start */
    "[(0, 1000, 0)]",                            /* one segment is no layout */
    "[(0, 0, 0), (0, 1000, 0)]",                 /* an empty segment */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_autoptr(GVariant) variant = g_variant_parse (G_VARIANT_TYPE ("a(ttt)"), damaged[i],
                                                     NULL, NULL, NULL);
      g_autoptr(GArray) segments = ferry_segments_from_variant (variant, 1000);

      g_assert_nonnull (variant);
      g_assert_null (segments);
    }
  g_assert_null (ferry_segments_from_variant (NULL, 1000));
  g_assert_null (ferry_segments_from_variant (g_variant_new_string ("x"), 1000));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/segments/split/covers-the-file", test_split_covers_the_file);
  g_test_add_func ("/segments/split/refuses-small-files", test_split_refuses_small_files);
  g_test_add_func ("/segments/variant/round-trip", test_variant_round_trip);
  g_test_add_func ("/segments/variant/rejects-damaged", test_variant_rejects_damaged_layouts);
  return g_test_run ();
}
