/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-store"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-error.h"
#include "ferry-main-context.h"
#include "ferry-wal-syncer.h"

typedef struct {
  FerryWalSyncedFunc  func;
  gpointer            data;
  GError             *error;
} Request;

/* Queued last by ferry_wal_syncer_free(): the thread stops there. */
static Request stop_request;

struct _FerryWalSyncer
{
  gint          ref_count;     /* the owner, and each delivery on its way */
  GThread      *thread;
  GAsyncQueue  *requests;      /* Request *, then &stop_request */
  GAsyncQueue  *done;          /* Request *, flushed, for the main thread */
  GMainContext *context;
  guint         pending;       /* main thread: handed over, not yet delivered */

  /* The thread's own. */
  char         *wal_path;
  int           wal_fd;
};

static void
syncer_unref (gpointer data)
{
  FerryWalSyncer *self = data;

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_async_queue_unref (self->requests);
  g_async_queue_unref (self->done);
  g_main_context_unref (self->context);
  g_free (self->wal_path);
  g_free (self);
}

/* Calls back every flushed request, in order. */
static gboolean
deliver (gpointer data)
{
  FerryWalSyncer *self = data;
  Request *request;

  while ((request = g_async_queue_try_pop (self->done)) != NULL)
    {
      self->pending--;
      if (request->func != NULL)
        request->func (request->error, request->data);
      g_clear_error (&request->error);
      g_free (request);
    }
  return G_SOURCE_REMOVE;
}

/* fdatasync of the WAL; the file is opened again if sqlite replaced it. */
static int
flush_wal (FerryWalSyncer *self)
{
  struct stat by_path, by_fd;

  if (self->wal_fd >= 0 &&
      (stat (self->wal_path, &by_path) != 0 || fstat (self->wal_fd, &by_fd) != 0 ||
       by_path.st_ino != by_fd.st_ino || by_path.st_dev != by_fd.st_dev))
    {
      close (self->wal_fd);
      self->wal_fd = -1;
    }
  if (self->wal_fd < 0)
    self->wal_fd = open (self->wal_path, O_RDONLY | O_CLOEXEC);
  if (self->wal_fd < 0)
    /* No WAL: sqlite checkpointed it into the database, flushed, and removed it. */
    return errno == ENOENT ? 0 : errno;
  return fdatasync (self->wal_fd) == 0 ? 0 : errno;
}

static gpointer
syncer_thread (gpointer data)
{
  FerryWalSyncer *self = data;
  gboolean stopping = FALSE;

  while (!stopping)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new ();
      Request *request = g_async_queue_pop (self->requests);
      int flush_errno;

      /* Everything queued by now was written before this flush begins. */
      do
        {
          if (request == &stop_request)
            stopping = TRUE;
          else
            g_ptr_array_add (batch, request);
        }
      while ((request = g_async_queue_try_pop (self->requests)) != NULL);

      flush_errno = flush_wal (self);
      for (guint i = 0; i < batch->len; i++)
        {
          request = g_ptr_array_index (batch, i);
          if (request->error == NULL && flush_errno != 0)
            request->error = g_error_new (FERRY_ERROR, FERRY_ERROR_FAILED,
                                          "Cannot flush the database: %s",
                                          g_strerror (flush_errno));
          g_async_queue_push (self->done, request);
        }
      if (batch->len > 0 && !stopping)
        {
          g_atomic_int_inc (&self->ref_count);
          ferry_main_context_defer (self->context, deliver, self, syncer_unref);
        }
    }
  if (self->wal_fd >= 0)
    close (self->wal_fd);
  return NULL;
}

FerryWalSyncer *
ferry_wal_syncer_new (const char *wal_path)
{
  FerryWalSyncer *self = g_new0 (FerryWalSyncer, 1);

  self->ref_count = 1;
  self->requests = g_async_queue_new ();
  self->done = g_async_queue_new ();
  self->context = g_main_context_ref_thread_default ();
  self->wal_path = g_strdup (wal_path);
  self->wal_fd = -1;
  self->thread = g_thread_new ("ferry-wal-sync", syncer_thread, self);
  return self;
}

void
ferry_wal_syncer_sync (FerryWalSyncer     *self,
                       const GError       *commit_error,
                       FerryWalSyncedFunc  func,
                       gpointer            data)
{
  Request *request = g_new0 (Request, 1);

  request->func = func;
  request->data = data;
  request->error = commit_error ? g_error_copy (commit_error) : NULL;
  self->pending++;
  g_async_queue_push (self->requests, request);
}

gboolean
ferry_wal_syncer_is_pending (FerryWalSyncer *self)
{
  return self->pending > 0;
}

void
ferry_wal_syncer_free (FerryWalSyncer *self)
{
  g_async_queue_push (self->requests, &stop_request);
  g_thread_join (self->thread);
  /* Deliveries still on their way find nothing left to do. */
  deliver (self);
  syncer_unref (self);
}
