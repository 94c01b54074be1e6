/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-callers.h"
#include "ferry-completion-groups.h"
#include "ferry-conditions-monitor.h"
#include "ferry-dbus-generated.h"

G_BEGIN_DECLS

/* org.freedesktop.Ferry1.Manager at /org/freedesktop/Ferry1: app
 * registration, and the network state and data plans for everyone. */
#define FERRY_TYPE_MANAGER (ferry_manager_get_type ())
G_DECLARE_FINAL_TYPE (FerryManager, ferry_manager, FERRY, MANAGER, FerryDBusManagerSkeleton)

FerryManager *ferry_manager_new (FerryCallers           *callers,
                                FerryConditionsMonitor *conditions,
                                FerryCompletionGroups  *completion_groups);

G_END_DECLS
