/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* The seed's completion groups: once every transfer of an enabled group
 * has ended, the app is activated the freedesktop way
 * (org.freedesktop.Application.ActivateAction on its app id) with the
 * results, even if it is not running; a failed activation is retried when
 * the app's name appears on the bus. */
#define FERRY_TYPE_COMPLETION_GROUPS (ferry_completion_groups_get_type ())
G_DECLARE_FINAL_TYPE (FerryCompletionGroups, ferry_completion_groups,
                      FERRY, COMPLETION_GROUPS, GObject)

FerryCompletionGroups *ferry_completion_groups_new (GDBusConnection *bus,
                                                    FerryScheduler  *scheduler,
                                                    FerryStore      *store);

gboolean  ferry_completion_groups_enable (FerryCompletionGroups *self, const char *app_id,
                                          const char *group, const char *action,
                                          GError **error);
/* (b complete, a(oss) results) of an app's group. */
GVariant *ferry_completion_groups_get_results (FerryCompletionGroups *self, const char *app_id,
                                               const char *group);

G_END_DECLS
