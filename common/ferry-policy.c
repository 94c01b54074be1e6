/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "ferry-error.h"
#include "ferry-policy.h"

static const char * const cost_policy_names[] = {
  [FERRY_COST_POLICY_DEFAULT] = "default",
  [FERRY_COST_POLICY_UNRESTRICTED_ONLY] = "unrestricted-only",
  [FERRY_COST_POLICY_ALWAYS] = "always",
};

static const char * const priority_names[] = {
  [FERRY_PRIORITY_LOW] = "low",
  [FERRY_PRIORITY_DEFAULT] = "default",
  [FERRY_PRIORITY_HIGH] = "high",
};

static gboolean
lookup (const char * const *names, guint n_names, const char *str, int *out)
{
  for (guint i = 0; i < n_names; i++)
    if (strcmp (str, names[i]) == 0)
      {
        *out = (int) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ferry_cost_policy_to_string (FerryCostPolicy policy)
{
  g_return_val_if_fail ((guint) policy < G_N_ELEMENTS (cost_policy_names), "default");
  return cost_policy_names[policy];
}

gboolean
ferry_cost_policy_from_string (const char *str, FerryCostPolicy *out_policy, GError **error)
{
  int value;

  if (!lookup (cost_policy_names, G_N_ELEMENTS (cost_policy_names), str, &value))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Unknown cost policy “%s”: expected default, unrestricted-only or always"),
                   str);
      return FALSE;
    }
  *out_policy = (FerryCostPolicy) value;
  return TRUE;
}

const char *
ferry_priority_to_string (FerryPriority priority)
{
  g_return_val_if_fail ((guint) priority < G_N_ELEMENTS (priority_names), "default");
  return priority_names[priority];
}

gboolean
ferry_priority_from_string (const char *str, FerryPriority *out_priority, GError **error)
{
  int value;

  if (!lookup (priority_names, G_N_ELEMENTS (priority_names), str, &value))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Unknown priority “%s”: expected low, default or high"), str);
      return FALSE;
    }
  *out_priority = (FerryPriority) value;
  return TRUE;
}
