/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* On which networks a transfer may run (WinRT's BackgroundTransferCostPolicy). */
typedef enum {
  FERRY_COST_POLICY_DEFAULT,
  FERRY_COST_POLICY_UNRESTRICTED_ONLY,
  FERRY_COST_POLICY_ALWAYS,
} FerryCostPolicy;

typedef enum {
  FERRY_PRIORITY_LOW,
  FERRY_PRIORITY_DEFAULT,
  FERRY_PRIORITY_HIGH,
} FerryPriority;

const char *ferry_cost_policy_to_string (FerryCostPolicy policy);
gboolean    ferry_cost_policy_from_string (const char *str, FerryCostPolicy *out_policy,
                                           GError **error);
const char *ferry_priority_to_string (FerryPriority priority);
gboolean    ferry_priority_from_string (const char *str, FerryPriority *out_priority,
                                        GError **error);

G_END_DECLS
