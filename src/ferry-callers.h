/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ferry-app-info.h"

G_BEGIN_DECLS

/* Resolves bus names to FerryAppInfo, once per connection, and forgets
 * them when they leave the bus. Every authorization asks this object. */
#define FERRY_TYPE_CALLERS (ferry_callers_get_type ())
G_DECLARE_FINAL_TYPE (FerryCallers, ferry_callers, FERRY, CALLERS, GObject)

FerryCallers *ferry_callers_new (GDBusConnection *bus);

void          ferry_callers_lookup_async (FerryCallers       *self,
                                          const char         *sender,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
FerryAppInfo *ferry_callers_lookup_finish (FerryCallers *self,
                                           GAsyncResult *result,
                                           GError      **error);
/* The cached app of @sender, or NULL when it was not resolved yet. */
FerryAppInfo *ferry_callers_peek (FerryCallers *self, const char *sender);

/* Declares the app id of a resolved host connection (Manager.Register). */
gboolean      ferry_callers_register (FerryCallers *self,
                                      const char   *sender,
                                      const char   *app_id,
                                      GError      **error);

/* Runs @handler once the app behind @invocation's sender is known, or
 * answers the invocation with the error. Every method of the service
 * goes through here, which also marks the service as in use. */
typedef void (*FerryCallerHandler) (gpointer               object,
                                    GDBusMethodInvocation *invocation,
                                    FerryAppInfo          *caller);

void          ferry_callers_dispatch (FerryCallers          *self,
                                      GDBusMethodInvocation *invocation,
                                      FerryCallerHandler     handler,
                                      gpointer               object);

/* The unique names of the connections known to belong to @app_id. */
GPtrArray    *ferry_callers_get_senders (FerryCallers *self, const char *app_id);

G_END_DECLS
