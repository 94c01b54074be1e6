/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-callers.h"
#include "ferry-dbus-generated.h"

G_BEGIN_DECLS

/* org.freedesktop.Ferry1.Manager at /org/freedesktop/Ferry1. */
#define FERRY_TYPE_MANAGER (ferry_manager_get_type ())
G_DECLARE_FINAL_TYPE (FerryManager, ferry_manager, FERRY, MANAGER, FerryDBusManagerSkeleton)

FerryManager *ferry_manager_new (FerryCallers *callers);

G_END_DECLS
