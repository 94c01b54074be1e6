/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "ferry-transfer.h"

G_BEGIN_DECLS

/* One attempt at a download: a blocking libsoup GET in a thread of its own
 * that streams the body into "<destination>.part", then verifies and renames
 * it. The main thread reads its progress with a lock, never per packet. */
#define FERRY_TYPE_DOWNLOAD_JOB (ferry_download_job_get_type ())
G_DECLARE_FINAL_TYPE (FerryDownloadJob, ferry_download_job, FERRY, DOWNLOAD_JOB, GObject)

FerryDownloadJob *ferry_download_job_new (SoupSession   *session,
                                          FerryTransfer *transfer,
                                          guint          checkpoint_interval_ms);

void      ferry_download_job_run_async (FerryDownloadJob   *self,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
gboolean  ferry_download_job_run_finish (FerryDownloadJob *self,
                                         GAsyncResult     *result,
                                         GError          **error);

/* Thread-safe snapshots while it runs. total is -1 while unknown; durable is
 * the offset flushed to disk, the only one worth storing. */
void      ferry_download_job_get_progress (FerryDownloadJob *self,
                                           guint64          *received,
                                           gint64           *total,
                                           guint64          *durable);
/* Copies the response whose body is being written into @info, once; or,
 * when @finished, any response at all (an error page). FALSE when there is
 * nothing new. */
gboolean  ferry_download_job_take_response (FerryDownloadJob  *self,
                                            gboolean           finished,
                                            FerryResponseInfo *info);
/* Monotonic time the attempt began, and whether response headers came. */
gint64    ferry_download_job_get_start_time (FerryDownloadJob *self);
gboolean  ferry_download_job_has_response (FerryDownloadJob *self);

/* After a failure: the WebErrorStatus-like name, and whether a retry may help. */
const char *ferry_download_job_get_error_name (FerryDownloadJob *self);
gboolean    ferry_download_job_get_error_is_transient (FerryDownloadJob *self);

G_END_DECLS
