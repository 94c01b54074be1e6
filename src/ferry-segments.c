/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-segments.h"

#define SEGMENT_ALIGNMENT (64 * 1024)

GArray *
ferry_segments_split (guint64 total, guint connections)
{
  GArray *segments;
  guint64 size;
  guint n = (guint) MIN ((guint64) connections, total / FERRY_MIN_SEGMENT);

  if (n < 2)
    return NULL;
  /* Rounded up, so the last segment is the short one; with segments of at
   * least FERRY_MIN_SEGMENT, n - 1 of them always end before @total. */
  size = (total / n + SEGMENT_ALIGNMENT - 1) / SEGMENT_ALIGNMENT * SEGMENT_ALIGNMENT;
  segments = g_array_sized_new (FALSE, FALSE, sizeof (FerrySegment), n);
  for (guint i = 0; i < n; i++)
    {
      FerrySegment segment = { .start = i * size, .end = MIN ((i + 1) * size, total) };

      if (i == n - 1)
        segment.end = total;
      segment.durable = segment.start;
      g_array_append_val (segments, segment);
    }
  return segments;
}

GVariant *
ferry_segments_to_variant (GArray *segments)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ttt)"));
  for (guint i = 0; i < segments->len; i++)
    {
      FerrySegment *segment = &g_array_index (segments, FerrySegment, i);

      g_variant_builder_add (&builder, "(ttt)", segment->start, segment->end, segment->durable);
    }
  return g_variant_builder_end (&builder);
}

GArray *
ferry_segments_from_variant (GVariant *variant, gint64 total)
{
  g_autoptr(GArray) segments = NULL;
  GVariantIter iter;
  FerrySegment segment;
  guint64 expected_start = 0;

  if (variant == NULL || total <= 0 || !g_variant_is_of_type (variant, G_VARIANT_TYPE ("a(ttt)")) ||
      g_variant_n_children (variant) < 2)
    return NULL;
  segments = g_array_new (FALSE, FALSE, sizeof (FerrySegment));
  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "(ttt)", &segment.start, &segment.end, &segment.durable))
    {
      if (segment.start != expected_start || segment.end <= segment.start ||
          segment.durable < segment.start || segment.durable > segment.end)
        return NULL;
      expected_start = segment.end;
      g_array_append_val (segments, segment);
    }
  if (expected_start != (guint64) total)
    return NULL;
  return g_steal_pointer (&segments);
}

guint64
ferry_segments_durable (GArray *segments)
{
  guint64 sum = 0;

  for (guint i = 0; i < segments->len; i++)
    {
      FerrySegment *segment = &g_array_index (segments, FerrySegment, i);

      sum += segment->durable - segment->start;
    }
  return sum;
}
