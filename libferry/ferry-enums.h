/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(FERRY_INSIDE) && !defined(FERRY_COMPILATION)
#error "Only <ferry.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * FerryTransferStatus:
 * @FERRY_TRANSFER_STATUS_IDLE: created, not started yet
 * @FERRY_TRANSFER_STATUS_RUNNING: queued or moving bytes
 * @FERRY_TRANSFER_STATUS_PAUSED_BY_APPLICATION: paused by ferry_transfer_pause()
 * @FERRY_TRANSFER_STATUS_PAUSED_COSTED_NETWORK: waiting for a network that its
 *   cost policy allows
 * @FERRY_TRANSFER_STATUS_PAUSED_NO_NETWORK: waiting for a network
 * @FERRY_TRANSFER_STATUS_PAUSED_SYSTEM_POLICY: held back by the system
 * @FERRY_TRANSFER_STATUS_PAUSED_RECOVERABLE_WEB_ERROR: waiting to retry after a
 *   transient failure
 * @FERRY_TRANSFER_STATUS_COMPLETED: the file is complete and verified
 * @FERRY_TRANSFER_STATUS_CANCELED: stopped for good, its partial data deleted
 * @FERRY_TRANSFER_STATUS_ERROR: failed; #FerryTransfer:error-name says why, and
 *   ferry_transfer_resume() tries again
 *
 * Where a transfer stands. On the bus the status travels as the nick of the
 * value (`"paused-by-application"`), see ferry_transfer_status_to_string().
 */
typedef enum {
  FERRY_TRANSFER_STATUS_IDLE,
  FERRY_TRANSFER_STATUS_RUNNING,
  FERRY_TRANSFER_STATUS_PAUSED_BY_APPLICATION,
  FERRY_TRANSFER_STATUS_PAUSED_COSTED_NETWORK,
  FERRY_TRANSFER_STATUS_PAUSED_NO_NETWORK,
  FERRY_TRANSFER_STATUS_PAUSED_SYSTEM_POLICY,
  FERRY_TRANSFER_STATUS_PAUSED_RECOVERABLE_WEB_ERROR,
  FERRY_TRANSFER_STATUS_COMPLETED,
  FERRY_TRANSFER_STATUS_CANCELED,
  FERRY_TRANSFER_STATUS_ERROR,
} FerryTransferStatus;

/**
 * FerryTransferKind:
 * @FERRY_TRANSFER_KIND_DOWNLOAD: a download, made by a #FerryDownloader
 * @FERRY_TRANSFER_KIND_UPLOAD: an upload, made by a #FerryUploader
 *
 * What a transfer does. On the bus: `"download"`, `"upload"`.
 */
typedef enum {
  FERRY_TRANSFER_KIND_DOWNLOAD,
  FERRY_TRANSFER_KIND_UPLOAD,
} FerryTransferKind;

/**
 * FerryGroupBehavior:
 * @FERRY_GROUP_BEHAVIOR_PARALLEL: the group's transfers run side by side,
 *   within the service's limits
 * @FERRY_GROUP_BEHAVIOR_SERIALIZED: one at a time, in creation order
 *
 * How the transfers of a group run, as WinRT's
 * `BackgroundTransferBehavior`. On the bus: `"parallel"`, `"serialized"`.
 */
typedef enum {
  FERRY_GROUP_BEHAVIOR_PARALLEL,
  FERRY_GROUP_BEHAVIOR_SERIALIZED,
} FerryGroupBehavior;

/**
 * FerryCostPolicy:
 * @FERRY_COST_POLICY_DEFAULT: run unless the network is roaming, over its data
 *   limit or on track to exceed it
 * @FERRY_COST_POLICY_UNRESTRICTED_ONLY: run only on networks that are not
 *   metered
 * @FERRY_COST_POLICY_ALWAYS: run on any network, unless the user restricts
 *   background data over the limit
 *
 * When a transfer may use a metered network. On the bus: `"default"`,
 * `"unrestricted-only"`, `"always"`.
 */
typedef enum {
  FERRY_COST_POLICY_DEFAULT,
  FERRY_COST_POLICY_UNRESTRICTED_ONLY,
  FERRY_COST_POLICY_ALWAYS,
} FerryCostPolicy;

/**
 * FerryPriority:
 * @FERRY_PRIORITY_LOW: after the others
 * @FERRY_PRIORITY_DEFAULT: in order of creation
 * @FERRY_PRIORITY_HIGH: before the others
 *
 * Where a transfer goes in the queue. On the bus: `"low"`, `"default"`,
 * `"high"`.
 */
typedef enum {
  FERRY_PRIORITY_LOW,
  FERRY_PRIORITY_DEFAULT,
  FERRY_PRIORITY_HIGH,
} FerryPriority;

const char *ferry_transfer_status_to_string   (FerryTransferStatus  status);
gboolean    ferry_transfer_status_from_string (const char          *str,
                                               FerryTransferStatus *out_status);
gboolean    ferry_transfer_status_is_final    (FerryTransferStatus  status);

const char *ferry_transfer_kind_to_string     (FerryTransferKind    kind);
gboolean    ferry_transfer_kind_from_string   (const char          *str,
                                               FerryTransferKind   *out_kind);

const char *ferry_group_behavior_to_string   (FerryGroupBehavior   behavior);
gboolean    ferry_group_behavior_from_string (const char          *str,
                                              FerryGroupBehavior  *out_behavior);

const char *ferry_cost_policy_to_string       (FerryCostPolicy      policy);
gboolean    ferry_cost_policy_from_string     (const char          *str,
                                               FerryCostPolicy     *out_policy);

const char *ferry_priority_to_string          (FerryPriority        priority);
gboolean    ferry_priority_from_string        (const char          *str,
                                               FerryPriority       *out_priority);

G_END_DECLS
