/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ferry-policy.h"
#include "ferry-status.h"

G_BEGIN_DECLS

typedef enum {
  FERRY_CONNECTIVITY_UNKNOWN,
  FERRY_CONNECTIVITY_NONE,
  FERRY_CONNECTIVITY_PORTAL,
  FERRY_CONNECTIVITY_LIMITED,
  FERRY_CONNECTIVITY_FULL,
} FerryConnectivity;

/* Everything outside a transfer that decides whether it may run now. */
typedef struct {
  FerryConnectivity connectivity;
  gboolean          metered;
  gboolean          roaming;
  gboolean          over_limit;
  gboolean          on_track_to_exceed;
  gboolean          restrict_background_data;
  gboolean          power_saver;
  gboolean          battery_low;
} FerryConditions;

#define FERRY_CONDITIONS_INIT { .connectivity = FERRY_CONNECTIVITY_UNKNOWN }

const char *ferry_connectivity_to_string (FerryConnectivity connectivity);

/* The cost-policy table of DESIGN.md (the seed's), as one pure function:
 * FERRY_STATUS_RUNNING when the transfer may run, else the paused status
 * it waits in. */
FerryStatus ferry_cost_policy_decide (const FerryConditions *conditions,
                                      FerryCostPolicy        policy,
                                      FerryPriority          priority);

G_END_DECLS
