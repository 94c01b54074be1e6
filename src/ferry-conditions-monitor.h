/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-cost-policy.h"
#include "ferry-data-plan.h"
#include "ferry-network-monitor.h"
#include "ferry-power-monitor.h"

G_BEGIN_DECLS

/* Everything outside the transfers that decides whether they may run —
 * network, data plan, power — folded into one FerryConditions, with a
 * "changed" signal. */
#define FERRY_TYPE_CONDITIONS_MONITOR (ferry_conditions_monitor_get_type ())
G_DECLARE_FINAL_TYPE (FerryConditionsMonitor, ferry_conditions_monitor,
                      FERRY, CONDITIONS_MONITOR, GObject)

FerryConditionsMonitor *ferry_conditions_monitor_new (FerryStore *store);

/* Whether the network state is known yet. */
gboolean             ferry_conditions_monitor_is_ready (FerryConditionsMonitor *self);
void                 ferry_conditions_monitor_get (FerryConditionsMonitor *self,
                                                   FerryConditions        *conditions);
FerryNetworkMonitor *ferry_conditions_monitor_get_network (FerryConditionsMonitor *self);
FerryDataPlan       *ferry_conditions_monitor_get_data_plan (FerryConditionsMonitor *self);
/* The primary connection's plan. */
void                 ferry_conditions_monitor_get_plan_state (FerryConditionsMonitor *self,
                                                              FerryDataPlanState     *state);

G_END_DECLS
