/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-idle"

#include "ferry-idle.h"

struct _FerryIdle
{
  GObject parent_instance;
  guint   timeout_s;
  guint   holds;
  guint   timeout_source;
};

enum {
  SIGNAL_TIMEOUT,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryIdle, ferry_idle, G_TYPE_OBJECT)

static gboolean
on_timeout (gpointer user_data)
{
  FerryIdle *self = user_data;

  self->timeout_source = 0;
  g_message ("Idle for %u s, exiting", self->timeout_s);
  g_signal_emit (self, signals[SIGNAL_TIMEOUT], 0);
  return G_SOURCE_REMOVE;
}

static void
rearm (FerryIdle *self)
{
  g_clear_handle_id (&self->timeout_source, g_source_remove);
  if (self->holds == 0 && self->timeout_s > 0)
    self->timeout_source = g_timeout_add (self->timeout_s * 1000, on_timeout, self);
}

static void
ferry_idle_finalize (GObject *object)
{
  FerryIdle *self = FERRY_IDLE (object);

  g_clear_handle_id (&self->timeout_source, g_source_remove);
  G_OBJECT_CLASS (ferry_idle_parent_class)->finalize (object);
}

static void
ferry_idle_class_init (FerryIdleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_idle_finalize;

  signals[SIGNAL_TIMEOUT] =
    g_signal_new ("timeout", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ferry_idle_init (FerryIdle *self)
{
}

FerryIdle *
ferry_idle_new (guint timeout_s)
{
  FerryIdle *self = g_object_new (FERRY_TYPE_IDLE, NULL);

  self->timeout_s = timeout_s;
  rearm (self);
  return self;
}

void
ferry_idle_hold (FerryIdle *self)
{
  self->holds++;
  rearm (self);
}

void
ferry_idle_release (FerryIdle *self)
{
  g_return_if_fail (self->holds > 0);
  self->holds--;
  rearm (self);
}

void
ferry_idle_touch (FerryIdle *self)
{
  if (self->holds == 0)
    rearm (self);
}
