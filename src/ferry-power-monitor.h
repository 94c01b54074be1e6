/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether the system wants to save power: power-profiles-daemon's
 * "power-saver" profile, or UPower's battery warning level. */
#define FERRY_TYPE_POWER_MONITOR (ferry_power_monitor_get_type ())
G_DECLARE_FINAL_TYPE (FerryPowerMonitor, ferry_power_monitor, FERRY, POWER_MONITOR, GObject)

FerryPowerMonitor *ferry_power_monitor_new (void);
gboolean           ferry_power_monitor_get_power_saver (FerryPowerMonitor *self);
gboolean           ferry_power_monitor_get_battery_low (FerryPowerMonitor *self);

G_END_DECLS
