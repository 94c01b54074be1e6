/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A one-line progress display for a terminal: name, percentage, bar,
 * bytes, smoothed rate and ETA, redrawn in place at most ten times a
 * second. It draws on stdout, which the caller has checked is a terminal. */
typedef struct _FerryProgressBar FerryProgressBar;

FerryProgressBar *ferry_progress_bar_new (const char *label);
void              ferry_progress_bar_free (FerryProgressBar *self);

void   ferry_progress_bar_update (FerryProgressBar *self, guint64 done, guint64 total);
void   ferry_progress_bar_set_note (FerryProgressBar *self, const char *note);
void   ferry_progress_bar_set_label (FerryProgressBar *self, const char *label);
void   ferry_progress_bar_finish (FerryProgressBar *self);

/* Bytes per second, smoothed; 0 before there is enough to tell. */
double ferry_progress_bar_get_rate (FerryProgressBar *self);
char  *ferry_progress_bar_render (FerryProgressBar *self, guint width);

/* Exposed for tests: feeds a sample taken at @now_us (monotonic). */
void   ferry_progress_bar_add_sample (FerryProgressBar *self, guint64 done, guint64 total,
                                      gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FerryProgressBar, ferry_progress_bar_free)

G_END_DECLS
