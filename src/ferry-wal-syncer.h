/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes sqlite's commits durable off the main thread. The store commits
 * with synchronous=NORMAL, which in WAL mode writes the commit to the WAL
 * without waiting for the disk; the syncer then flushes the WAL in a thread
 * of its own (one fdatasync for every commit written meanwhile) and only
 * then calls, on the main thread, what waited for those commits. The main
 * loop keeps serving while the disk works. */
typedef struct _FerryWalSyncer FerryWalSyncer;

typedef void (*FerryWalSyncedFunc) (const GError *error, gpointer data);

/* @wal_path: the database's "-wal" file. */
FerryWalSyncer *ferry_wal_syncer_new  (const char *wal_path);
/* Once every commit written before this call is on disk, calls @func with
 * NULL, or with @commit_error when the commit itself failed, or with the
 * flush's error. On the main thread, never from within this call. */
void            ferry_wal_syncer_sync (FerryWalSyncer     *self,
                                       const GError       *commit_error,
                                       FerryWalSyncedFunc  func,
                                       gpointer            data);
/* Whether commits were handed over that are not known to be on disk yet. */
gboolean        ferry_wal_syncer_is_pending (FerryWalSyncer *self);
/* Flushes what is left, calls every waiter, and stops the thread. */
void            ferry_wal_syncer_free (FerryWalSyncer *self);

G_END_DECLS
