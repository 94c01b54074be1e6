/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A transfer's status; it travels on the bus as the lowercase string. */
typedef enum {
  FERRY_STATUS_IDLE,
  FERRY_STATUS_RUNNING,
  FERRY_STATUS_PAUSED_BY_APPLICATION,
  FERRY_STATUS_PAUSED_COSTED_NETWORK,
  FERRY_STATUS_PAUSED_NO_NETWORK,
  FERRY_STATUS_PAUSED_SYSTEM_POLICY,
  FERRY_STATUS_PAUSED_RECOVERABLE_WEB_ERROR,
  FERRY_STATUS_COMPLETED,
  FERRY_STATUS_CANCELED,
  FERRY_STATUS_ERROR,
} FerryStatus;

const char *ferry_status_to_string (FerryStatus status);
gboolean    ferry_status_from_string (const char *str, FerryStatus *out_status);
/* Completed and canceled transfers never run again. */
gboolean    ferry_status_is_final (FerryStatus status);

G_END_DECLS
