/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-callers.h"
#include "ferry-dbus-generated.h"
#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* org.freedesktop.Ferry1.Downloader: validates and creates downloads. */
#define FERRY_TYPE_DOWNLOADER (ferry_downloader_get_type ())
G_DECLARE_FINAL_TYPE (FerryDownloader, ferry_downloader, FERRY, DOWNLOADER,
                      FerryDBusDownloaderSkeleton)

FerryDownloader *ferry_downloader_new (FerryCallers *callers, FerryScheduler *scheduler);

G_END_DECLS
