/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-callers.h"
#include "ferry-dbus-generated.h"
#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* org.freedesktop.Ferry1.Uploader: validates and creates uploads. */
#define FERRY_TYPE_UPLOADER (ferry_uploader_get_type ())
G_DECLARE_FINAL_TYPE (FerryUploader, ferry_uploader, FERRY, UPLOADER, FerryDBusUploaderSkeleton)

FerryUploader *ferry_uploader_new (FerryCallers *callers, FerryScheduler *scheduler);

G_END_DECLS
