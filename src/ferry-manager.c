/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-manager"

#include <glib/gi18n.h>

#include "ferry-error.h"
#include "ferry-manager.h"

#define FERRY_MANAGER_VERSION 1

struct _FerryManager
{
  FerryDBusManagerSkeleton  parent_instance;
  FerryCallers             *callers;
  FerryConditionsMonitor   *conditions;
  FerryCompletionGroups    *completion_groups;
};

static void ferry_manager_iface_init (FerryDBusManagerIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FerryManager, ferry_manager, FERRY_DBUS_TYPE_MANAGER_SKELETON,
                               G_IMPLEMENT_INTERFACE (FERRY_DBUS_TYPE_MANAGER,
                                                      ferry_manager_iface_init))

static void
register_caller (gpointer object, GDBusMethodInvocation *invocation, FerryAppInfo *caller)
{
  FerryManager *self = object;
  GError *error = NULL;
  const char *app_id;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &app_id);
  if (ferry_callers_register (self->callers, g_dbus_method_invocation_get_sender (invocation),
                              app_id, &error))
    ferry_dbus_manager_complete_register (FERRY_DBUS_MANAGER (self), invocation);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static gboolean
handle_register (FerryDBusManager *manager, GDBusMethodInvocation *invocation, const char *app_id)
{
  FerryManager *self = FERRY_MANAGER (manager);

  ferry_callers_dispatch (self->callers, invocation, register_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Data plans are the user's: sandboxed apps may not change them. */
static gboolean
check_host (FerryAppInfo *caller, GError **error)
{
  if (!ferry_app_info_is_sandboxed (caller))
    return TRUE;
  g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED,
                       _("Only the user’s own programs may change data plans"));
  return FALSE;
}

static void
set_data_plan_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                          FerryAppInfo *caller)
{
  FerryManager *self = object;
  FerryDataPlan *plan = ferry_conditions_monitor_get_data_plan (self->conditions);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  GError *error = NULL;
  gboolean ok = check_host (caller, &error);

  if (ok && g_str_equal (g_dbus_method_invocation_get_method_name (invocation), "SetDataLimit"))
    {
      const char *connection;
      guint64 limit;
      guint day;

      g_variant_get (parameters, "(&stu)", &connection, &limit, &day);
      if (*connection == '\0')
        connection = ferry_network_monitor_get_connection (
          ferry_conditions_monitor_get_network (self->conditions));
      ok = ferry_data_plan_set_limit (plan, connection, limit, day, &error);
    }
  else if (ok)
    {
      gboolean restrict_data;

      g_variant_get (parameters, "(b)", &restrict_data);
      ferry_data_plan_set_restrict_background_data (plan, restrict_data);
    }

  if (ok)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static gboolean
handle_set_data_limit (FerryDBusManager *manager, GDBusMethodInvocation *invocation,
                       const char *connection, guint64 limit, guint day)
{
  FerryManager *self = FERRY_MANAGER (manager);

  ferry_callers_dispatch (self->callers, invocation, set_data_plan_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_restrict_background_data (FerryDBusManager *manager, GDBusMethodInvocation *invocation,
                                     gboolean restrict_data)
{
  FerryManager *self = FERRY_MANAGER (manager);

  ferry_callers_dispatch (self->callers, invocation, set_data_plan_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The options of EnableCompletionGroup: only "action", a string. */
static gboolean
parse_completion_options (GVariant *options, const char **action, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!g_str_equal (key, "action") || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                       _("Unknown option “%s”: a completion group takes “action”, a string"),
                       key);
          return FALSE;
        }
      /* Borrowed from @options, which outlives the call. */
      *action = g_variant_get_string (value, NULL);
    }
  return TRUE;
}

static void
completion_group_for_caller (gpointer object, GDBusMethodInvocation *invocation,
                             FerryAppInfo *caller)
{
  FerryManager *self = object;
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  const char *app_id = ferry_app_info_get_id (caller);
  g_autoptr(GVariant) options = NULL;
  const char *group, *action = "ferry-transfers-done";
  GError *error = NULL;

  if (g_str_equal (g_dbus_method_invocation_get_method_name (invocation),
                   "GetCompletionGroupResults"))
    {
      g_variant_get (parameters, "(&s)", &group);
      g_dbus_method_invocation_return_value (invocation,
        ferry_completion_groups_get_results (self->completion_groups, app_id, group));
      return;
    }

  g_variant_get (parameters, "(&s@a{sv})", &group, &options);
  if (!parse_completion_options (options, &action, &error))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  if (ferry_completion_groups_enable (self->completion_groups, app_id, group, action, &error))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static gboolean
handle_enable_completion_group (FerryDBusManager *manager, GDBusMethodInvocation *invocation,
                                const char *group, GVariant *options)
{
  FerryManager *self = FERRY_MANAGER (manager);

  ferry_callers_dispatch (self->callers, invocation, completion_group_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_completion_group_results (FerryDBusManager *manager, GDBusMethodInvocation *invocation,
                                     const char *group)
{
  FerryManager *self = FERRY_MANAGER (manager);

  ferry_callers_dispatch (self->callers, invocation, completion_group_for_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
ferry_manager_iface_init (FerryDBusManagerIface *iface)
{
  iface->handle_enable_completion_group = handle_enable_completion_group;
  iface->handle_get_completion_group_results = handle_get_completion_group_results;
  iface->handle_register = handle_register;
  iface->handle_set_data_limit = handle_set_data_limit;
  iface->handle_set_restrict_background_data = handle_set_restrict_background_data;
}

/* The network state as properties, for ferryctl network and everyone. */
static void
show_conditions (FerryManager *self)
{
  FerryDBusManager *manager = FERRY_DBUS_MANAGER (self);
  FerryNetworkMonitor *network = ferry_conditions_monitor_get_network (self->conditions);
  FerryConditions conditions;
  FerryDataPlanState plan;

  ferry_conditions_monitor_get (self->conditions, &conditions);
  ferry_conditions_monitor_get_plan_state (self->conditions, &plan);
  ferry_dbus_manager_set_connectivity (manager, ferry_connectivity_to_string (conditions.connectivity));
  ferry_dbus_manager_set_metered (manager, conditions.metered);
  ferry_dbus_manager_set_roaming (manager, conditions.roaming);
  ferry_dbus_manager_set_connection (manager, ferry_network_monitor_get_connection (network));
  ferry_dbus_manager_set_network_source (manager, ferry_network_monitor_get_source (network));
  ferry_dbus_manager_set_data_usage (manager, plan.usage);
  ferry_dbus_manager_set_data_limit (manager, plan.limit);
  ferry_dbus_manager_set_billing_cycle_start_day (manager, plan.cycle_start_day);
  ferry_dbus_manager_set_on_track_to_exceed (manager, plan.on_track_to_exceed);
  ferry_dbus_manager_set_over_limit (manager, plan.over_limit);
  ferry_dbus_manager_set_restrict_background_data (manager, conditions.restrict_background_data);
  ferry_dbus_manager_set_power_saver (manager, conditions.power_saver);
  ferry_dbus_manager_set_battery_low (manager, conditions.battery_low);
}

static void
ferry_manager_finalize (GObject *object)
{
  FerryManager *self = FERRY_MANAGER (object);

  if (self->conditions != NULL)
    g_signal_handlers_disconnect_by_data (self->conditions, self);
  g_clear_object (&self->conditions);
  g_clear_object (&self->completion_groups);
  g_clear_object (&self->callers);
  G_OBJECT_CLASS (ferry_manager_parent_class)->finalize (object);
}

static void
ferry_manager_class_init (FerryManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_manager_finalize;
}

static void
ferry_manager_init (FerryManager *self)
{
  ferry_dbus_manager_set_version (FERRY_DBUS_MANAGER (self), FERRY_MANAGER_VERSION);
}

FerryManager *
ferry_manager_new (FerryCallers           *callers,
                   FerryConditionsMonitor *conditions,
                   FerryCompletionGroups  *completion_groups)
{
  FerryManager *self = g_object_new (FERRY_TYPE_MANAGER, NULL);

  self->callers = g_object_ref (callers);
  self->completion_groups = g_object_ref (completion_groups);
  self->conditions = g_object_ref (conditions);
  g_signal_connect_swapped (conditions, "changed", G_CALLBACK (show_conditions), self);
  show_conditions (self);
  return self;
}
