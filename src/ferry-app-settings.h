/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-app-info.h"
#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* Answers the per-app settings calls that the Downloader and the Uploader
 * share — SetDefaultCostPolicy, GetDefaultCostPolicy, SetGroupBehavior —
 * for the caller's app and @kind. */
void ferry_app_settings_handle (FerryScheduler        *scheduler,
                                GDBusMethodInvocation *invocation,
                                FerryAppInfo          *caller,
                                FerryTransferKind      kind);

G_END_DECLS
