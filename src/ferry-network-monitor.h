/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ferry-cost-policy.h"

G_BEGIN_DECLS

/* What the network is now: connectivity, metered, roaming and the primary
 * connection, from NetworkManager (libnm) and ModemManager, or from GIO's
 * GNetworkMonitor when NetworkManager is not running. It also reports the
 * traffic of the primary connection's device, for data limits. */
#define FERRY_TYPE_NETWORK_MONITOR (ferry_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (FerryNetworkMonitor, ferry_network_monitor, FERRY, NETWORK_MONITOR, GObject)

/* Starts watching; "changed" follows once the sources answered. */
FerryNetworkMonitor *ferry_network_monitor_new (void);

/* Whether NetworkManager or GIO answered yet. */
gboolean             ferry_network_monitor_is_ready (FerryNetworkMonitor *self);
FerryConnectivity    ferry_network_monitor_get_connectivity (FerryNetworkMonitor *self);
gboolean             ferry_network_monitor_get_metered (FerryNetworkMonitor *self);
gboolean             ferry_network_monitor_get_roaming (FerryNetworkMonitor *self);
/* The primary connection's UUID, "" when unknown. */
const char          *ferry_network_monitor_get_connection (FerryNetworkMonitor *self);
/* "networkmanager" or "gio". */
const char          *ferry_network_monitor_get_source (FerryNetworkMonitor *self);

G_END_DECLS
