/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* Shows the desktop notification a transfer asked for (notify-success,
 * notify-failure) when it ends that way, through org.freedesktop.Notifications. */
#define FERRY_TYPE_NOTIFIER (ferry_notifier_get_type ())
G_DECLARE_FINAL_TYPE (FerryNotifier, ferry_notifier, FERRY, NOTIFIER, GObject)

FerryNotifier *ferry_notifier_new (GDBusConnection *bus, FerryScheduler *scheduler);

G_END_DECLS
