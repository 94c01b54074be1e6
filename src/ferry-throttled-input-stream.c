/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-throttled-input-stream.h"

struct _FerryThrottledInputStream
{
  GFilterInputStream  parent_instance;
  FerryRateLimiter   *own;
  FerryRateLimiter   *shared;
};

G_DEFINE_FINAL_TYPE (FerryThrottledInputStream, ferry_throttled_input_stream,
                     G_TYPE_FILTER_INPUT_STREAM)

gsize
ferry_throttle (FerryRateLimiter *own, FerryRateLimiter *shared, gsize wanted,
                GCancellable *cancellable)
{
  return ferry_rate_limiter_take (shared, ferry_rate_limiter_take (own, wanted, cancellable),
                                  cancellable);
}

void
ferry_throttle_give_back (FerryRateLimiter *own, FerryRateLimiter *shared, gsize unused)
{
  ferry_rate_limiter_give_back (own, unused);
  ferry_rate_limiter_give_back (shared, unused);
}

static gssize
ferry_throttled_input_stream_read (GInputStream  *stream,
                                   void          *buffer,
                                   gsize          count,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  FerryThrottledInputStream *self = FERRY_THROTTLED_INPUT_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
  gsize allowed = ferry_throttle (self->own, self->shared, count, cancellable);
  gssize n;

  if (allowed == 0 && count > 0)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return -1;
    }
  n = g_input_stream_read (base, buffer, allowed, cancellable, error);
  ferry_throttle_give_back (self->own, self->shared, n > 0 ? allowed - (gsize) n : allowed);
  return n;
}

static void
ferry_throttled_input_stream_finalize (GObject *object)
{
  FerryThrottledInputStream *self = FERRY_THROTTLED_INPUT_STREAM (object);

  g_clear_pointer (&self->own, ferry_rate_limiter_unref);
  g_clear_pointer (&self->shared, ferry_rate_limiter_unref);
  G_OBJECT_CLASS (ferry_throttled_input_stream_parent_class)->finalize (object);
}

static void
ferry_throttled_input_stream_class_init (FerryThrottledInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_throttled_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = ferry_throttled_input_stream_read;
}

static void
ferry_throttled_input_stream_init (FerryThrottledInputStream *self)
{
}

GInputStream *
ferry_throttled_input_stream_new (GInputStream     *base,
                                  FerryRateLimiter *own,
                                  FerryRateLimiter *shared)
{
  FerryThrottledInputStream *self = g_object_new (FERRY_TYPE_THROTTLED_INPUT_STREAM,
                                                  "base-stream", base, NULL);

  self->own = own ? ferry_rate_limiter_ref (own) : NULL;
  self->shared = shared ? ferry_rate_limiter_ref (shared) : NULL;
  return G_INPUT_STREAM (self);
}
