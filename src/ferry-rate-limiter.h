/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A token bucket that job threads share: it hands out bytes at a steady
 * rate in small portions (a tenth of a second's worth at most), so that
 * throttled transfers flow smoothly instead of in bursts. */
typedef struct _FerryRateLimiter FerryRateLimiter;

FerryRateLimiter *ferry_rate_limiter_new (guint64 bytes_per_second);
FerryRateLimiter *ferry_rate_limiter_ref (FerryRateLimiter *self);
void              ferry_rate_limiter_unref (FerryRateLimiter *self);

/* Blocks until some bytes may pass and returns how many (1 to @wanted), or
 * 0 when @cancellable was cancelled. Takers are served in the order they
 * came, so transfers share a limit fairly. A NULL limiter passes all. */
gsize             ferry_rate_limiter_take (FerryRateLimiter *self, gsize wanted,
                                           GCancellable *cancellable);
/* Returns bytes taken but not moved (a read that gave less). */
void              ferry_rate_limiter_give_back (FerryRateLimiter *self, gsize unused);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FerryRateLimiter, ferry_rate_limiter_unref)

G_END_DECLS
