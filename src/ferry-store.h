/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "ferry-transfer.h"

G_BEGIN_DECLS

/* The only place that speaks SQL: transfers in a sqlite database (WAL). */
#define FERRY_TYPE_STORE (ferry_store_get_type ())
G_DECLARE_FINAL_TYPE (FerryStore, ferry_store, FERRY, STORE, GObject)

FerryStore *ferry_store_new (const char *path, GError **error);

/* Adds a new transfer and sets its sequence number, in a group of writes
 * that is committed soon: wait with ferry_store_when_durable() before
 * telling anyone it is stored. */
gboolean    ferry_store_insert (FerryStore *self, FerryTransfer *transfer, GError **error);

/* Called once everything written so far is committed (at once when it
 * already is), with the commit's error if it failed. */
typedef void (*FerryStoreDurableFunc) (const GError *error, gpointer data);
void        ferry_store_when_durable (FerryStore *self, FerryStoreDurableFunc func,
                                      gpointer data);
/* Saves status, error, offsets and response information, in the current
 * group of writes (see ferry_store_insert). */
gboolean    ferry_store_save_state (FerryStore *self, FerryTransfer *transfer, GError **error);
/* Saves the durable offsets of many transfers, in the current group. */
gboolean    ferry_store_save_offsets (FerryStore *self, GPtrArray *transfers, GError **error);
/* Forgets a transfer, in the current group of writes. */
gboolean    ferry_store_delete (FerryStore *self, FerryTransfer *transfer, GError **error);
/* A stored GVariant of @type; NULL (with a warning) when it is damaged. */
GVariant   *ferry_store_decode_value (const char *text, const char *type);
/* Every stored transfer, in creation order. */
GPtrArray  *ferry_store_load (FerryStore *self, GError **error);

/* Bytes used on a connection in the billing cycle that began at @cycle_start. */
gboolean    ferry_store_save_usage (FerryStore *self, const char *connection,
                                    gint64 cycle_start, guint64 bytes, GError **error);
guint64     ferry_store_load_usage (FerryStore *self, const char *connection, gint64 cycle_start);

/* An app's cost policy for new transfers of @kind. */
gboolean    ferry_store_save_default_cost_policy (FerryStore *self, const char *app_id,
                                                  FerryTransferKind kind, FerryCostPolicy policy,
                                                  GError **error);
FerryCostPolicy ferry_store_load_default_cost_policy (FerryStore *self, const char *app_id,
                                                      FerryTransferKind kind);

/* A row of groups: (app, name, serialized or delivered, action or NULL). */
typedef void (*FerryStoreGroupFunc) (const char *app_id, const char *name, gboolean flag,
                                     const char *action, gpointer user_data);

gboolean    ferry_store_save_group_behavior (FerryStore *self, const char *app_id,
                                             const char *group, gboolean serialized,
                                             GError **error);
void        ferry_store_load_group_behaviors (FerryStore *self, FerryStoreGroupFunc func,
                                              gpointer user_data);
gboolean    ferry_store_save_completion_group (FerryStore *self, const char *app_id,
                                               const char *group, const char *action,
                                               gboolean delivered, GError **error);
void        ferry_store_load_completion_groups (FerryStore *self, FerryStoreGroupFunc func,
                                                gpointer user_data);

G_END_DECLS
