/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-default-cost-policy.h"

void
ferry_default_cost_policy_handle (FerryScheduler        *scheduler,
                                  GDBusMethodInvocation *invocation,
                                  FerryAppInfo          *caller,
                                  FerryTransferKind      kind)
{
  const char *app_id = ferry_app_info_get_id (caller);
  const char *requested;
  FerryCostPolicy policy;
  GError *error = NULL;

  if (g_str_equal (g_dbus_method_invocation_get_method_name (invocation), "GetDefaultCostPolicy"))
    {
      policy = ferry_scheduler_get_default_cost_policy (scheduler, app_id, kind);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(s)",
                                                            ferry_cost_policy_to_string (policy)));
      return;
    }

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &requested);
  if (ferry_cost_policy_from_string (requested, &policy, &error) &&
      ferry_scheduler_set_default_cost_policy (scheduler, app_id, kind, policy, &error))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}
