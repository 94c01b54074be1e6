/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <unistd.h>

#include "ferry-disk-writer.h"

#define BUFFER_SIZE (1024 * 1024)
#define N_BUFFERS 3

typedef struct {
  guint8 *data;
  gsize   length;
} Chunk;

/* Queued last: the writer stops there (queues hold no NULL). */
static Chunk end_of_queue;

struct _FerryDiskWriter
{
  int               fd;
  GThread          *thread;
  GAsyncQueue      *free_buffers;  /* guint8 * */
  GAsyncQueue      *chunks;        /* Chunk *, then &end_of_queue */
  FerryFlusher     *flusher;
  FerryWrittenFunc  written_func;
  gpointer          user_data;
  guint8           *buffers[N_BUFFERS];

  /* Touched by the writer thread only, until it is joined. */
  guint64           written;
  int               error;
  gint              failed;        /* atomic: the reader may look */
};

gboolean
ferry_write_all (int fd, const guint8 *data, gsize size)
{
  while (size > 0)
    {
      ssize_t n = write (fd, data, size);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += n;
      size -= (gsize) n;
    }
  return TRUE;
}

static gpointer
writer_thread (gpointer data)
{
  FerryDiskWriter *self = data;
  Chunk *chunk;

  while ((chunk = g_async_queue_pop (self->chunks)) != &end_of_queue)
    {
      /* After a failure, buffers are only handed back. */
      if (self->error == 0 && chunk->length > 0)
        {
          if (ferry_write_all (self->fd, chunk->data, chunk->length))
            {
              self->written += chunk->length;
              ferry_flusher_advance (self->flusher, self->written);
              self->written_func (chunk->length, self->user_data);
            }
          else
            {
              self->error = errno;
              g_atomic_int_set (&self->failed, TRUE);
            }
        }
      g_async_queue_push (self->free_buffers, chunk->data);
      g_free (chunk);
    }
  return NULL;
}

FerryDiskWriter *
ferry_disk_writer_start (int fd, guint64 offset, gint64 flush_interval_usec,
                         FerryWrittenFunc written, FerryFlushedFunc flushed, gpointer user_data)
{
  FerryDiskWriter *self = g_new0 (FerryDiskWriter, 1);

  self->fd = fd;
  self->written = offset;
  self->written_func = written;
  self->user_data = user_data;
  self->free_buffers = g_async_queue_new ();
  self->chunks = g_async_queue_new ();
  for (guint i = 0; i < N_BUFFERS; i++)
    {
      self->buffers[i] = g_malloc (BUFFER_SIZE);
      g_async_queue_push (self->free_buffers, self->buffers[i]);
    }
  self->flusher = ferry_flusher_start (fd, flush_interval_usec, flushed, user_data);
  ferry_flusher_advance (self->flusher, offset);
  self->thread = g_thread_new ("ferry-write", writer_thread, self);
  return self;
}

guint8 *
ferry_disk_writer_get_buffer (FerryDiskWriter *self, gsize *capacity)
{
  if (g_atomic_int_get (&self->failed))
    return NULL;
  *capacity = BUFFER_SIZE;
  return g_async_queue_pop (self->free_buffers);
}

void
ferry_disk_writer_submit (FerryDiskWriter *self, guint8 *buffer, gsize length)
{
  Chunk *chunk = g_new0 (Chunk, 1);

  chunk->data = buffer;
  chunk->length = length;
  g_async_queue_push (self->chunks, chunk);
}

int
ferry_disk_writer_finish (FerryDiskWriter *self, guint64 *written)
{
  int error, flush_error;

  g_async_queue_push (self->chunks, &end_of_queue);
  g_thread_join (self->thread);
  flush_error = ferry_flusher_stop (self->flusher);
  error = self->error != 0 ? self->error : flush_error;
  *written = self->written;

  g_async_queue_unref (self->free_buffers);
  g_async_queue_unref (self->chunks);
  for (guint i = 0; i < N_BUFFERS; i++)
    g_free (self->buffers[i]);
  g_free (self);
  return error;
}
