/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Flushes a file being written to disk at intervals, in a thread of its
 * own, so that the writer never waits for the disk: each fdatasync()
 * covers what was written before it began, and only then is that offset
 * reported as durable. */
typedef struct _FerryFlusher FerryFlusher;

typedef void (*FerryFlushedFunc) (guint64 durable, gpointer user_data);

FerryFlusher *ferry_flusher_start (int fd, gint64 interval_usec, FerryFlushedFunc flushed,
                                   gpointer user_data);
/* The writer tells how far the file is written. */
void          ferry_flusher_advance (FerryFlusher *self, guint64 written);
/* Stops and joins the thread; returns the errno of a failed flush, or 0. */
int           ferry_flusher_stop (FerryFlusher *self);

G_END_DECLS
