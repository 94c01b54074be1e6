/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-job.h"

G_BEGIN_DECLS

/* A download attempt: GET (with Range and If-Range when resuming) streamed
 * into "<destination>.part", flushed at checkpoints, then verified and
 * renamed into place. */
#define FERRY_TYPE_DOWNLOAD_JOB (ferry_download_job_get_type ())
G_DECLARE_FINAL_TYPE (FerryDownloadJob, ferry_download_job, FERRY, DOWNLOAD_JOB, FerryJob)

FerryDownloadJob *ferry_download_job_new (SoupSession         *session,
                                          FerryTransfer       *transfer,
                                          const FerrySettings *settings,
                                          FerryRateLimiter    *shared);

G_END_DECLS
