/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-job.h"
#include "ferry-segments.h"

G_BEGIN_DECLS

/* Called from the flushing thread once the segments' durable offsets
 * moved: the bytes up to them are on disk. */
typedef void (*FerrySegmentsFlushedFunc) (GArray *segments, gpointer user_data);

typedef enum {
  FERRY_SEGMENTS_COMPLETE,  /* every segment is on disk */
  FERRY_SEGMENTS_FAILED,    /* @error says why, through the job's error names */
  FERRY_SEGMENTS_CHANGED,   /* the resource changed: start over from zero */
} FerrySegmentsResult;

/* Fetches what is missing of each of @segments over a connection of its
 * own (Range and If-Range @validator), writing into @fd at the segment's
 * offsets, in one thread per segment; the calling thread flushes @fd at
 * checkpoint intervals and reports the flushed offsets. @first_body, when
 * not NULL, is an open response body that starts at the first segment's
 * durable offset: that segment reads it instead of asking again. */
FerrySegmentsResult ferry_segmented_download_run (FerryJob                 *job,
                                                  int                       fd,
                                                  const char               *part_path,
                                                  const char               *validator,
                                                  GArray                   *segments,
                                                  GInputStream             *first_body,
                                                  FerrySegmentsFlushedFunc  flushed,
                                                  gpointer                  user_data,
                                                  GCancellable             *cancellable,
                                                  GError                  **error);

G_END_DECLS
