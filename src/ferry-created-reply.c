/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-created-reply.h"
#include "ferry-error.h"

typedef struct {
  GDBusMethodInvocation *invocation;
  char                  *path;
} CreatedReply;

static void
reply (const GError *error, gpointer data)
{
  CreatedReply *created = data;

  if (error != NULL)
    g_dbus_method_invocation_return_error_literal (created->invocation, FERRY_ERROR,
                                                   FERRY_ERROR_FAILED, error->message);
  else
    g_dbus_method_invocation_return_value (created->invocation,
                                           g_variant_new ("(o)", created->path));
  g_free (created->path);
  g_free (created);
}

void
ferry_created_reply_when_stored (FerryScheduler        *scheduler,
                                 GDBusMethodInvocation *invocation,
                                 FerryTransfer         *transfer)
{
  CreatedReply *created = g_new0 (CreatedReply, 1);

  created->invocation = invocation;
  created->path = g_strdup (ferry_transfer_get_object_path (transfer));
  ferry_scheduler_when_stored (scheduler, reply, created);
}
