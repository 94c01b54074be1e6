/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <unistd.h>

#include "ferry-flusher.h"

struct _FerryFlusher
{
  int               fd;
  gint64            interval_usec;
  FerryFlushedFunc  flushed;
  gpointer          user_data;
  GThread          *thread;

  GMutex            lock;
  GCond             cond;
  gboolean          stopping;
  guint64           written;
  int               error;
};

static gpointer
flusher_thread (gpointer data)
{
  FerryFlusher *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping && self->error == 0)
    {
      gint64 deadline = g_get_monotonic_time () + self->interval_usec;
      guint64 written;
      int result, saved_errno;

      while (!self->stopping && g_cond_wait_until (&self->cond, &self->lock, deadline))
        ;
      if (self->stopping)
        break;
      written = self->written;
      g_mutex_unlock (&self->lock);

      result = fdatasync (self->fd);
      saved_errno = errno;
      if (result == 0)
        self->flushed (written, self->user_data);

      g_mutex_lock (&self->lock);
      if (result != 0)
        self->error = saved_errno;
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

FerryFlusher *
ferry_flusher_start (int fd, gint64 interval_usec, FerryFlushedFunc flushed, gpointer user_data)
{
  FerryFlusher *self = g_new0 (FerryFlusher, 1);

  self->fd = fd;
  self->interval_usec = interval_usec;
  self->flushed = flushed;
  self->user_data = user_data;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("ferry-flush", flusher_thread, self);
  return self;
}

void
ferry_flusher_advance (FerryFlusher *self, guint64 written)
{
  g_mutex_lock (&self->lock);
  self->written = written;
  g_mutex_unlock (&self->lock);
}

int
ferry_flusher_stop (FerryFlusher *self)
{
  int error;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);

  error = self->error;
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
  return error;
}
