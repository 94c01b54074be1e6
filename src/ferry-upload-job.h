/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-job.h"

G_BEGIN_DECLS

/* An upload attempt: a PUT or POST of a file, a multipart form or a
 * stream; or, with tus, a creation (once), a HEAD for the server's offset
 * and a PATCH of the rest. The server's reply body is kept. */
#define FERRY_TYPE_UPLOAD_JOB (ferry_upload_job_get_type ())
G_DECLARE_FINAL_TYPE (FerryUploadJob, ferry_upload_job, FERRY, UPLOAD_JOB, FerryJob)

FerryUploadJob *ferry_upload_job_new (SoupSession         *session,
                                      FerryTransfer       *transfer,
                                      const FerrySettings *settings,
                                      FerryRateLimiter    *shared);

G_END_DECLS
