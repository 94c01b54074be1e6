/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-conditions"

#include "ferry-conditions-monitor.h"

struct _FerryConditionsMonitor
{
  GObject              parent_instance;
  FerryNetworkMonitor *network;
  FerryDataPlan       *plan;
  FerryPowerMonitor   *power;
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryConditionsMonitor, ferry_conditions_monitor, G_TYPE_OBJECT)

static void
on_changed (gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_CHANGED], 0);
}

static void
on_traffic (FerryNetworkMonitor *network, const char *connection, guint64 bytes,
            gpointer user_data)
{
  FerryConditionsMonitor *self = user_data;

  ferry_data_plan_add_traffic (self->plan, connection, bytes);
}

static void
ferry_conditions_monitor_dispose (GObject *object)
{
  FerryConditionsMonitor *self = FERRY_CONDITIONS_MONITOR (object);

  if (self->network != NULL)
    g_signal_handlers_disconnect_by_data (self->network, self);
  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_data (self->plan, self);
  if (self->power != NULL)
    g_signal_handlers_disconnect_by_data (self->power, self);
  g_clear_object (&self->network);
  g_clear_object (&self->plan);
  g_clear_object (&self->power);

  G_OBJECT_CLASS (ferry_conditions_monitor_parent_class)->dispose (object);
}

static void
ferry_conditions_monitor_class_init (FerryConditionsMonitorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_conditions_monitor_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ferry_conditions_monitor_init (FerryConditionsMonitor *self)
{
}

FerryConditionsMonitor *
ferry_conditions_monitor_new (FerryStore *store)
{
  FerryConditionsMonitor *self = g_object_new (FERRY_TYPE_CONDITIONS_MONITOR, NULL);

  self->network = ferry_network_monitor_new ();
  self->plan = ferry_data_plan_new (store);
  self->power = ferry_power_monitor_new ();
  g_signal_connect_swapped (self->network, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect (self->network, "traffic", G_CALLBACK (on_traffic), self);
  g_signal_connect_swapped (self->plan, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->power, "changed", G_CALLBACK (on_changed), self);
  return self;
}

gboolean
ferry_conditions_monitor_is_ready (FerryConditionsMonitor *self)
{
  return ferry_network_monitor_is_ready (self->network);
}

void
ferry_conditions_monitor_get_plan_state (FerryConditionsMonitor *self, FerryDataPlanState *state)
{
  ferry_data_plan_get_state (self->plan, ferry_network_monitor_get_connection (self->network),
                             state);
}

void
ferry_conditions_monitor_get (FerryConditionsMonitor *self, FerryConditions *conditions)
{
  FerryDataPlanState plan;

  ferry_conditions_monitor_get_plan_state (self, &plan);
  conditions->connectivity = ferry_network_monitor_get_connectivity (self->network);
  conditions->metered = ferry_network_monitor_get_metered (self->network);
  conditions->roaming = ferry_network_monitor_get_roaming (self->network);
  conditions->over_limit = plan.over_limit;
  conditions->on_track_to_exceed = plan.on_track_to_exceed;
  conditions->restrict_background_data = ferry_data_plan_get_restrict_background_data (self->plan);
  conditions->power_saver = ferry_power_monitor_get_power_saver (self->power);
  conditions->battery_low = ferry_power_monitor_get_battery_low (self->power);
}

FerryNetworkMonitor *
ferry_conditions_monitor_get_network (FerryConditionsMonitor *self)
{
  return self->network;
}

FerryDataPlan *
ferry_conditions_monitor_get_data_plan (FerryConditionsMonitor *self)
{
  return self->plan;
}
