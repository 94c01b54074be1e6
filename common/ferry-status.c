/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "ferry-status.h"

static const char * const status_names[] = {
  [FERRY_STATUS_IDLE] = "idle",
  [FERRY_STATUS_RUNNING] = "running",
  [FERRY_STATUS_PAUSED_BY_APPLICATION] = "paused-by-application",
  [FERRY_STATUS_PAUSED_COSTED_NETWORK] = "paused-costed-network",
  [FERRY_STATUS_PAUSED_NO_NETWORK] = "paused-no-network",
  [FERRY_STATUS_PAUSED_SYSTEM_POLICY] = "paused-system-policy",
  [FERRY_STATUS_PAUSED_RECOVERABLE_WEB_ERROR] = "paused-recoverable-web-error",
  [FERRY_STATUS_COMPLETED] = "completed",
  [FERRY_STATUS_CANCELED] = "canceled",
  [FERRY_STATUS_ERROR] = "error",
};

const char *
ferry_status_to_string (FerryStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), "error");
  return status_names[status];
}

gboolean
ferry_status_from_string (const char *str, FerryStatus *out_status)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (strcmp (str, status_names[i]) == 0)
      {
        *out_status = (FerryStatus) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
ferry_status_is_final (FerryStatus status)
{
  return status == FERRY_STATUS_COMPLETED || status == FERRY_STATUS_CANCELED;
}
