/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-rate-limiter.h"

G_BEGIN_DECLS

/* Reads its base stream no faster than its limiters allow: how an upload's
 * body, which libsoup reads, is throttled. */
#define FERRY_TYPE_THROTTLED_INPUT_STREAM (ferry_throttled_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (FerryThrottledInputStream, ferry_throttled_input_stream,
                      FERRY, THROTTLED_INPUT_STREAM, GFilterInputStream)

/* Either limiter may be NULL. */
GInputStream *ferry_throttled_input_stream_new (GInputStream     *base,
                                                FerryRateLimiter *own,
                                                FerryRateLimiter *shared);

/* Takes from @own, then the same from @shared: what one transfer may move. */
gsize         ferry_throttle (FerryRateLimiter *own, FerryRateLimiter *shared, gsize wanted,
                              GCancellable *cancellable);

/* Gives back what was taken but not moved. */
void          ferry_throttle_give_back (FerryRateLimiter *own, FerryRateLimiter *shared,
                                        gsize unused);

G_END_DECLS
