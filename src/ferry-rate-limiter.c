/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-rate-limiter.h"

/* Sleeping longer than this would make cancellation sluggish. */
#define MAX_SLEEP_USEC (20 * 1000)
#define MIN_BURST 4096

struct _FerryRateLimiter
{
  gatomicrefcount ref_count;
  GMutex          lock;
  GCond           turn;       /* signalled when the head of the line changes */
  GQueue          line;       /* waiting takers, served first come, first served */
  double          rate;       /* bytes per microsecond */
  double          burst;      /* the most a bucket holds */
  double          tokens;
  gint64          last_refill;
};

FerryRateLimiter *
ferry_rate_limiter_new (guint64 bytes_per_second)
{
  FerryRateLimiter *self = g_new0 (FerryRateLimiter, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_cond_init (&self->turn);
  g_queue_init (&self->line);
  self->rate = (double) bytes_per_second / G_USEC_PER_SEC;
  self->burst = MAX ((double) bytes_per_second / 10, MIN_BURST);
  self->last_refill = g_get_monotonic_time ();
  return self;
}

FerryRateLimiter *
ferry_rate_limiter_ref (FerryRateLimiter *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ferry_rate_limiter_unref (FerryRateLimiter *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->turn);
  g_free (self);
}

static void
refill (FerryRateLimiter *self)
{
  gint64 now = g_get_monotonic_time ();

  self->tokens = MIN (self->burst, self->tokens + self->rate * (double) (now - self->last_refill));
  self->last_refill = now;
}

gsize
ferry_rate_limiter_take (FerryRateLimiter *self, gsize wanted, GCancellable *cancellable)
{
  double portion;
  int place;  /* its address is the taker's place in line */

  if (self == NULL || wanted == 0)
    return wanted;
  portion = MIN ((double) wanted, self->burst);

  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->line, &place);
  for (;;)
    {
      gint64 wait = MAX_SLEEP_USEC;

      if (g_queue_peek_head (&self->line) == &place)
        {
          refill (self);
          if (self->tokens >= portion)
            break;
          wait = MIN ((gint64) ((portion - self->tokens) / self->rate) + 1, MAX_SLEEP_USEC);
        }
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_queue_remove (&self->line, &place);
          g_cond_broadcast (&self->turn);
          g_mutex_unlock (&self->lock);
          return 0;
        }
      g_cond_wait_until (&self->turn, &self->lock, g_get_monotonic_time () + wait);
    }
  self->tokens -= portion;
  g_queue_pop_head (&self->line);
  g_cond_broadcast (&self->turn);
  g_mutex_unlock (&self->lock);
  return (gsize) portion;
}

void
ferry_rate_limiter_give_back (FerryRateLimiter *self, gsize unused)
{
  if (self == NULL || unused == 0)
    return;
  g_mutex_lock (&self->lock);
  self->tokens = MIN (self->burst, self->tokens + (double) unused);
  g_mutex_unlock (&self->lock);
}
