/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-download"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-disk-writer.h"

/* Buffered: write(2) through the page cache. */
#define BUFFER_SIZE (1024 * 1024)
#define SUBMIT_THRESHOLD (256 * 1024)
/* O_DIRECT: whole buffers, each one request of the disk (max_sectors_kb is
 * often 4 MiB; 8 MiB measured slower and costlier here). */
#define DIRECT_BUFFER_SIZE (4 * 1024 * 1024)
#define DIRECT_ALIGN 4096
#define N_BUFFERS 3

typedef struct {
  guint8  *buffer;  /* as allocated, to give back */
  guint8  *data;
  gsize    length;
  guint64  offset;
} Chunk;

/* Queued last: the writer stops there (queues hold no NULL). */
static Chunk end_of_queue;

struct _FerryDiskWriter
{
  int               fd;
  gboolean          direct;        /* buffers laid out for O_DIRECT */
  gsize             buffer_size;
  GThread          *thread;
  GAsyncQueue      *free_buffers;  /* guint8 * */
  GAsyncQueue      *chunks;        /* Chunk *, then &end_of_queue */
  FerryFlusher     *flusher;
  FerryWrittenFunc  written_func;
  gpointer          user_data;
  guint8           *buffers[N_BUFFERS];

  /* Touched by the receiving thread only. */
  guint64           queued;        /* end offset of what was submitted */
  guint8           *current;       /* the buffer handed out */

  /* Touched by the writer thread only, until it is joined. */
  int               direct_fd;     /* -1: everything goes through fd */
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

gboolean
ferry_pwrite_all (int fd, const guint8 *data, gsize size, guint64 offset, gsize *done)
{
  *done = 0;
  while (*done < size)
    {
      ssize_t n = pwrite (fd, data + *done, size - *done, (off_t) (offset + *done));

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      *done += (gsize) n;
    }
  return TRUE;
}

/* Writes @size aligned bytes with O_DIRECT. What the direct descriptor
 * will not take (a short write leaves the rest unaligned, and some file
 * systems accept O_DIRECT only to refuse the writes) goes through the page
 * cache instead, which also gives the real error, e.g. ENOSPC. */
static gboolean
write_direct (FerryDiskWriter *self, const guint8 *data, gsize size, guint64 offset,
              gsize *done)
{
  gboolean ok;
  ssize_t n;

  do
    n = pwrite (self->direct_fd, data, size, (off_t) offset);
  while (n < 0 && errno == EINTR);
  if (n == (ssize_t) size)
    {
      *done = size;
      return TRUE;
    }
  if (n < 0 && errno == EINVAL)
    {
      g_debug ("O_DIRECT write refused, writing through the page cache from here");
      close (self->direct_fd);
      self->direct_fd = -1;
    }
  n = MAX (n, 0);
  ok = ferry_pwrite_all (self->fd, data + n, size - (gsize) n, offset + (guint64) n, done);
  *done += (gsize) n;
  return ok;
}

/* Writes one chunk: the whole aligned blocks in its middle with O_DIRECT,
 * the partial blocks at its ends through the page cache. A block is thus
 * always written one way, so both stay coherent. @done gets how much
 * reached the file. */
static gboolean
write_chunk (FerryDiskWriter *self, const Chunk *chunk, gsize *done)
{
  guint64 start = chunk->offset;
  guint64 end = chunk->offset + chunk->length;
  guint64 middle_start = MIN ((start + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN, end);
  guint64 middle_end = MAX (end / DIRECT_ALIGN * DIRECT_ALIGN, middle_start);
  gboolean ok;
  gsize part;

  if (self->direct_fd < 0)
    return ferry_pwrite_all (self->fd, chunk->data, chunk->length, start, done);

  ok = ferry_pwrite_all (self->fd, chunk->data, middle_start - start, start, &part);
  *done = part;
  if (ok && middle_end > middle_start)
    {
      ok = write_direct (self, chunk->data + *done, middle_end - middle_start, middle_start,
                         &part);
      *done += part;
    }
  if (ok)
    {
      ok = ferry_pwrite_all (self->fd, chunk->data + *done, end - middle_end, middle_end, &part);
      *done += part;
    }
  return ok;
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
          gsize done;
          gboolean ok = write_chunk (self, chunk, &done);
          int saved_errno = errno;

          /* Counted as far as it is in the file, so that the file holds
           * exactly what is reported. */
          if (done > 0)
            {
              self->written += done;
              ferry_flusher_advance (self->flusher, self->written);
              self->written_func (done, self->user_data);
            }
          if (!ok)
            {
              self->error = saved_errno;
              g_atomic_int_set (&self->failed, TRUE);
            }
        }
      g_async_queue_push (self->free_buffers, chunk->buffer);
      g_free (chunk);
    }
  return NULL;
}

/* A descriptor of @path with O_DIRECT, if its file system has that and it
 * is still the file behind @fd; else -1. */
static int
open_direct (int fd, const char *path)
{
  struct stat st, direct_st;
  int direct_fd = open (path, O_WRONLY | O_DIRECT | O_CLOEXEC);

  if (direct_fd < 0)
    {
      g_debug ("%s: no O_DIRECT (%s), writing through the page cache", path,
               g_strerror (errno));
      return -1;
    }
  if (fstat (fd, &st) != 0 || fstat (direct_fd, &direct_st) != 0 ||
      st.st_dev != direct_st.st_dev || st.st_ino != direct_st.st_ino)
    {
      close (direct_fd);
      return -1;
    }
  return direct_fd;
}

FerryDiskWriter *
ferry_disk_writer_start (int fd, const char *path, guint64 offset, gint64 flush_interval_usec,
                         FerryWrittenFunc written, FerryFlushedFunc flushed, gpointer user_data)
{
  FerryDiskWriter *self = g_new0 (FerryDiskWriter, 1);

  self->fd = fd;
  self->direct_fd = open_direct (fd, path);
  self->direct = self->direct_fd >= 0;
  self->buffer_size = self->direct ? DIRECT_BUFFER_SIZE : BUFFER_SIZE;
  self->written = offset;
  self->queued = offset;
  self->written_func = written;
  self->user_data = user_data;
  self->free_buffers = g_async_queue_new ();
  self->chunks = g_async_queue_new ();
  for (guint i = 0; i < N_BUFFERS; i++)
    {
      void *buffer;

      /* O_DIRECT wants the memory aligned as the file offsets. */
      if (posix_memalign (&buffer, DIRECT_ALIGN, self->buffer_size) != 0)
        g_error ("out of memory allocating %zu bytes", self->buffer_size);
      self->buffers[i] = buffer;
      g_async_queue_push (self->free_buffers, self->buffers[i]);
    }
  /* fdatasync works on the inode: on @fd it also covers what went out
   * through the O_DIRECT descriptor (which may sit in the disk's cache) and
   * the file size those writes set. */
  self->flusher = ferry_flusher_start (fd, flush_interval_usec, flushed, user_data);
  ferry_flusher_advance (self->flusher, offset);
  self->thread = g_thread_new ("ferry-write", writer_thread, self);
  return self;
}

guint8 *
ferry_disk_writer_get_buffer (FerryDiskWriter *self, gsize *capacity, gsize *threshold)
{
  gsize skew = 0;

  if (g_atomic_int_get (&self->failed))
    return NULL;
  self->current = g_async_queue_pop (self->free_buffers);
  if (self->direct)
    {
      /* Bytes land at the same distance from a block boundary in memory as
       * in the file, so the blocks in between can go out with O_DIRECT. */
      skew = self->queued % DIRECT_ALIGN;
      *capacity = self->buffer_size - skew;
      *threshold = *capacity;
    }
  else
    {
      *capacity = self->buffer_size;
      *threshold = SUBMIT_THRESHOLD;
    }
  return self->current + skew;
}

void
ferry_disk_writer_submit (FerryDiskWriter *self, guint8 *buffer, gsize length)
{
  Chunk *chunk = g_new0 (Chunk, 1);

  chunk->buffer = self->current;
  chunk->data = buffer;
  chunk->length = length;
  chunk->offset = self->queued;
  self->queued += length;
  self->current = NULL;
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

  if (self->direct_fd >= 0)
    close (self->direct_fd);
  g_async_queue_unref (self->free_buffers);
  g_async_queue_unref (self->chunks);
  for (guint i = 0; i < N_BUFFERS; i++)
    free (self->buffers[i]);
  g_free (self);
  return error;
}
