/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferry-callers.h"
#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* Exports every transfer as /org/freedesktop/Ferry1/Transfer/<id> with one
 * D-Bus subtree: authorizes each call and property read against the
 * transfer's app, and sends its signals to that app's connections only. */
#define FERRY_TYPE_TRANSFER_TREE (ferry_transfer_tree_get_type ())
G_DECLARE_FINAL_TYPE (FerryTransferTree, ferry_transfer_tree, FERRY, TRANSFER_TREE, GObject)

FerryTransferTree *ferry_transfer_tree_new (GDBusConnection *bus,
                                            FerryCallers    *callers,
                                            FerryScheduler  *scheduler,
                                            GError         **error);

G_END_DECLS
