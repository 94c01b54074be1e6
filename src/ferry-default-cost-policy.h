/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-app-info.h"
#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* Answers SetDefaultCostPolicy and GetDefaultCostPolicy, the same on the
 * Downloader and the Uploader, for the caller's app and @kind. */
void ferry_default_cost_policy_handle (FerryScheduler        *scheduler,
                                       GDBusMethodInvocation *invocation,
                                       FerryAppInfo          *caller,
                                       FerryTransferKind      kind);

G_END_DECLS
