/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-cost-policy.h"

const char *
ferry_connectivity_to_string (FerryConnectivity connectivity)
{
  switch (connectivity)
    {
    case FERRY_CONNECTIVITY_NONE: return "none";
    case FERRY_CONNECTIVITY_PORTAL: return "portal";
    case FERRY_CONNECTIVITY_LIMITED: return "limited";
    case FERRY_CONNECTIVITY_FULL: return "full";
    case FERRY_CONNECTIVITY_UNKNOWN:
    default: return "unknown";
    }
}

/* Which policies a network state allows, row by row of the table. */
static gboolean
cost_allows (const FerryConditions *c, FerryCostPolicy policy)
{
  /* Over the limit while the user restricts background data: nothing. */
  if (c->over_limit && c->restrict_background_data)
    return FALSE;
  if (!c->metered && !c->roaming)
    return TRUE;
  if (policy == FERRY_COST_POLICY_ALWAYS)
    return TRUE;
  /* Roaming, or on track to pass the limit (or past it): only "always". */
  if (c->roaming || c->on_track_to_exceed || c->over_limit)
    return FALSE;
  /* Metered, under the limit and on track to stay under it. */
  return policy == FERRY_COST_POLICY_DEFAULT;
}

FerryStatus
ferry_cost_policy_decide (const FerryConditions *conditions,
                          FerryCostPolicy        policy,
                          FerryPriority          priority)
{
  /* Unknown connectivity (nothing tells) is no reason to wait. */
  if (conditions->connectivity != FERRY_CONNECTIVITY_FULL &&
      conditions->connectivity != FERRY_CONNECTIVITY_UNKNOWN)
    return FERRY_STATUS_PAUSED_NO_NETWORK;
  if (!cost_allows (conditions, policy))
    return FERRY_STATUS_PAUSED_COSTED_NETWORK;
  if (priority == FERRY_PRIORITY_LOW && (conditions->power_saver || conditions->battery_low))
    return FERRY_STATUS_PAUSED_SYSTEM_POLICY;
  return FERRY_STATUS_RUNNING;
}
