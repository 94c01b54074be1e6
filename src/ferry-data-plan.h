/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-store.h"

G_BEGIN_DECLS

/* The user's data plans: a limit and a billing cycle per connection, the
 * "restrict background data" switch (GSettings), and the usage counted in
 * each cycle (sqlite). */
#define FERRY_TYPE_DATA_PLAN (ferry_data_plan_get_type ())
G_DECLARE_FINAL_TYPE (FerryDataPlan, ferry_data_plan, FERRY, DATA_PLAN, GObject)

typedef struct {
  guint64  usage;
  guint64  limit;           /* 0: none */
  guint    cycle_start_day;
  gboolean over_limit;
  gboolean on_track_to_exceed;
} FerryDataPlanState;

FerryDataPlan *ferry_data_plan_new (FerryStore *store);

void      ferry_data_plan_add_traffic (FerryDataPlan *self, const char *connection, guint64 bytes);
gboolean  ferry_data_plan_set_limit (FerryDataPlan *self, const char *connection, guint64 limit,
                                     guint cycle_start_day, GError **error);
void      ferry_data_plan_set_restrict_background_data (FerryDataPlan *self, gboolean restrict_data);
gboolean  ferry_data_plan_get_restrict_background_data (FerryDataPlan *self);
/* @connection's plan as of now. */
void      ferry_data_plan_get_state (FerryDataPlan *self, const char *connection,
                                     FerryDataPlanState *state);

G_END_DECLS
