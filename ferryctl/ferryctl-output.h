/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "ferry.h"

G_BEGIN_DECLS

/* A transfer's properties at one moment, as every output format shows them. */
typedef struct {
  char    *id;
  char    *path;
  char    *kind;
  char    *uri;
  char    *destination;
  char    *status;
  char    *group;
  guint64  bytes_received;
  guint64  total_bytes;
  char    *error_name;
  char    *error_message;
  guint    http_status;
} FerryctlTransferInfo;

FerryctlTransferInfo *ferryctl_transfer_info_new (FerryTransfer *transfer);
void                  ferryctl_transfer_info_free (FerryctlTransferInfo *info);
void                  ferryctl_transfer_info_set_status (FerryctlTransferInfo *info,
                                                         const char           *status,
                                                         const char           *error_name,
                                                         const char           *error_message);
void                  ferryctl_transfer_info_add_json_members (const FerryctlTransferInfo *info,
                                                               JsonBuilder                *builder);
JsonNode             *ferryctl_transfer_info_to_json (const FerryctlTransferInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FerryctlTransferInfo, ferryctl_transfer_info_free)

void  ferryctl_print_json (JsonNode *node, gboolean pretty);
void  ferryctl_print_table (const char * const *headers, GPtrArray *rows);

guint ferryctl_percent (guint64 done, guint64 total);
char *ferryctl_format_progress (guint64 done, guint64 total);
char *ferryctl_format_duration (double seconds);

G_END_DECLS
