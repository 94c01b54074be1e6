/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "ferry-cost-policy.h"
#include "ferry-settings.h"
#include "ferry-store.h"
#include "ferry-transfer.h"

G_BEGIN_DECLS

/* Decides what runs now: a FIFO queue under a parallel limit, retries with
 * backoff, coalesced progress and batched checkpoints. It owns every
 * transfer and knows no D-Bus. */
#define FERRY_TYPE_SCHEDULER (ferry_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (FerryScheduler, ferry_scheduler, FERRY, SCHEDULER, GObject)

FerryScheduler *ferry_scheduler_new (FerryStore *store, const FerrySettings *settings);

/* Loads the stored transfers and queues those that were started. */
gboolean        ferry_scheduler_restore (FerryScheduler *self, GError **error);
/* Stores a new transfer and takes it in; it is durable once
 * ferry_scheduler_when_stored() calls back. */
gboolean        ferry_scheduler_add (FerryScheduler *self, FerryTransfer *transfer, GError **error);
void            ferry_scheduler_when_stored (FerryScheduler *self, FerryStoreDurableFunc func,
                                             gpointer data);

FerryTransfer  *ferry_scheduler_lookup (FerryScheduler *self, const char *id);
/* Whether a transfer that has not ended for good writes to @destination. */
gboolean        ferry_scheduler_destination_in_use (FerryScheduler *self,
                                                    const char *destination);
/* The object paths of the app's transfers of @kind that have not ended
 * for good, oldest first; NULL-terminated, free the array only. */
const char    **ferry_scheduler_list_current_paths (FerryScheduler *self, const char *app_id,
                                                    FerryTransferKind kind, const char *group);
/* Every transfer, oldest first. */
GPtrArray      *ferry_scheduler_list_all (FerryScheduler *self);

gboolean        ferry_scheduler_start (FerryScheduler *self, FerryTransfer *transfer, GError **error);
/* Gives @transfer a new URI (validated by the caller); one waiting after a
 * refused resume goes on from its offset. */
gboolean        ferry_scheduler_set_requested_uri (FerryScheduler *self, FerryTransfer *transfer,
                                                   const char *uri, GError **error);
gboolean        ferry_scheduler_pause (FerryScheduler *self, FerryTransfer *transfer, GError **error);
gboolean        ferry_scheduler_resume (FerryScheduler *self, FerryTransfer *transfer, GError **error);
gboolean        ferry_scheduler_cancel (FerryScheduler *self, FerryTransfer *transfer, GError **error);

/* What the network and the power allow now; nothing runs before the first
 * call. Transfers the new conditions deny stop at once, keeping their bytes. */
void            ferry_scheduler_set_conditions (FerryScheduler *self,
                                                const FerryConditions *conditions);
/* Changes what decides whether @transfer may run, and applies it. */
gboolean        ferry_scheduler_set_cost_policy (FerryScheduler *self, FerryTransfer *transfer,
                                                 FerryCostPolicy policy, FerryPriority priority);
/* A serialized group of an app runs one transfer at a time, in creation order. */
gboolean        ferry_scheduler_set_group_behavior (FerryScheduler *self, const char *app_id,
                                                    const char *group, gboolean serialized,
                                                    GError **error);
FerryCostPolicy ferry_scheduler_get_default_cost_policy (FerryScheduler *self, const char *app_id,
                                                         FerryTransferKind kind);
gboolean        ferry_scheduler_set_default_cost_policy (FerryScheduler *self, const char *app_id,
                                                         FerryTransferKind kind,
                                                         FerryCostPolicy policy, GError **error);

/* Calls @func once @transfer's job has ended and its byte counts are
 * final (at once when no job runs): after Pause, say. */
typedef void (*FerryStoppedFunc) (gpointer data);
void            ferry_scheduler_when_stopped (FerryScheduler *self, FerryTransfer *transfer,
                                              FerryStoppedFunc func, gpointer data);

/* Whether anything is queued or running (notify::busy). */
gboolean        ferry_scheduler_get_busy (FerryScheduler *self);
/* Stops every job, keeping their bytes, before the service exits. */
void            ferry_scheduler_shutdown (FerryScheduler *self);

G_END_DECLS
