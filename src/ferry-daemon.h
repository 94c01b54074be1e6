/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ferry-settings.h"

G_BEGIN_DECLS

/* Owns the bus name and wires the parts together; quits when idle. */
#define FERRY_TYPE_DAEMON (ferry_daemon_get_type ())
G_DECLARE_FINAL_TYPE (FerryDaemon, ferry_daemon, FERRY, DAEMON, GObject)

FerryDaemon *ferry_daemon_new (const FerrySettings *settings, gboolean replace);
/* Runs until idle, replaced or signaled; returns the exit status. */
int          ferry_daemon_run (FerryDaemon *self, GError **error);

G_END_DECLS
