/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The layout of a segmented download: ranges [start, end) that cover the
 * file without gaps or overlaps, in order, each with the offset up to
 * which its bytes are on disk. Stored as a(ttt). */
typedef struct {
  guint64 start;
  guint64 end;
  guint64 durable;
} FerrySegment;

/* No segment is smaller: below this, another connection's request costs
 * more than it saves. */
#define FERRY_MIN_SEGMENT (1024 * 1024)

/* @total split into at most @connections segments of at least
 * FERRY_MIN_SEGMENT, their bounds on 64 KiB; NULL when fewer than two fit. */
GArray   *ferry_segments_split        (guint64 total, guint connections);
GVariant *ferry_segments_to_variant   (GArray *segments);
/* NULL when @variant is not a layout of a file of @total bytes (a damaged
 * store): the download then starts over. */
GArray   *ferry_segments_from_variant (GVariant *variant, gint64 total);
/* The bytes on disk, summed over the segments. */
guint64   ferry_segments_durable      (GArray *segments);

G_END_DECLS
