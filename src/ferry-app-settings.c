/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "ferry-app-settings.h"
#include "ferry-error.h"
#include "ferry-validate.h"

static gboolean
set_group_behavior (FerryScheduler *scheduler, const char *app_id, GVariant *parameters,
                    GError **error)
{
  const char *group, *behavior;

  g_variant_get (parameters, "(&s&s)", &group, &behavior);
  if (*group == '\0' || !ferry_validate_group (group, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                             _("A group needs a name"));
      return FALSE;
    }
  if (!g_str_equal (behavior, "serialized") && !g_str_equal (behavior, "parallel"))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Unknown group behavior “%s”: expected parallel or serialized"), behavior);
      return FALSE;
    }
  return ferry_scheduler_set_group_behavior (scheduler, app_id, group,
                                             g_str_equal (behavior, "serialized"), error);
}

void
ferry_app_settings_handle (FerryScheduler        *scheduler,
                           GDBusMethodInvocation *invocation,
                           FerryAppInfo          *caller,
                           FerryTransferKind      kind)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  const char *app_id = ferry_app_info_get_id (caller);
  const char *requested;
  FerryCostPolicy policy;
  GError *error = NULL;
  gboolean ok;

  if (g_str_equal (method, "GetDefaultCostPolicy"))
    {
      policy = ferry_scheduler_get_default_cost_policy (scheduler, app_id, kind);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(s)",
                                                            ferry_cost_policy_to_string (policy)));
      return;
    }

  if (g_str_equal (method, "SetGroupBehavior"))
    ok = set_group_behavior (scheduler, app_id, parameters, &error);
  else
    {
      g_variant_get (parameters, "(&s)", &requested);
      ok = ferry_cost_policy_from_string (requested, &policy, &error) &&
           ferry_scheduler_set_default_cost_policy (scheduler, app_id, kind, policy, &error);
    }
  if (ok)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}
