/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ferry-flusher.h"

G_BEGIN_DECLS

/* Writes a download to disk in a thread of its own, so that receiving the
 * next bytes and writing the last ones overlap: the network side fills
 * large buffers, this side writes them and hands them back. Where the file
 * system has O_DIRECT, the whole blocks skip the page cache (which would
 * only add a copy: the bytes are flushed anyway). A flusher makes the
 * written bytes durable at intervals. */
typedef struct _FerryDiskWriter FerryDiskWriter;

/* Called in the writer's thread after @bytes more reached the file. */
typedef void (*FerryWrittenFunc) (gsize bytes, gpointer user_data);

/* @fd is the file at @path, open for writing (at explicit offsets: its
 * position is left alone); the writer opens a second descriptor with
 * O_DIRECT where it can. */
FerryDiskWriter *ferry_disk_writer_start (int fd, const char *path, guint64 offset,
                                          gint64 flush_interval_usec, FerryWrittenFunc written,
                                          FerryFlushedFunc flushed, gpointer user_data);
/* A free buffer to fill with up to @capacity bytes (blocking while all are
 * queued), or NULL once a write failed: stop then and call finish for the
 * error. Submitting once @threshold bytes are in it keeps writes large. */
guint8          *ferry_disk_writer_get_buffer (FerryDiskWriter *self, gsize *capacity,
                                               gsize *threshold);
/* Queues the first @length bytes of the buffer from get_buffer for writing
 * (0 gives it back). */
void             ferry_disk_writer_submit (FerryDiskWriter *self, guint8 *buffer, gsize length);
/* Writes what is queued, stops the flusher and frees the writer. Returns 0
 * or the errno of the failed write or flush; @written gets the end offset
 * of what is in the file. */
int              ferry_disk_writer_finish (FerryDiskWriter *self, guint64 *written);

/* write(2) of all of @data, through short writes and EINTR; errno on FALSE. */
gboolean         ferry_write_all (int fd, const guint8 *data, gsize size);
/* pwrite(2) of all of @data at @offset, the same way; @done tells how much
 * of it reached the file. */
gboolean         ferry_pwrite_all (int fd, const guint8 *data, gsize size, guint64 offset,
                                   gsize *done);

G_END_DECLS
