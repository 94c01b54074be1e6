/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Limits on what callers may hand the service. */
#define FERRY_MAX_URI_LENGTH 8192
#define FERRY_MAX_HEADER_NAME_LENGTH 256
#define FERRY_MAX_HEADER_VALUE_LENGTH 8192
#define FERRY_MAX_HEADERS 64
#define FERRY_MAX_GROUP_LENGTH 255
#define FERRY_SHA256_HEX_LENGTH 64

gboolean ferry_validate_uri (const char *uri, GError **error);
char    *ferry_validate_destination (const char *destination, GError **error);
char    *ferry_validate_source (const char *source, GError **error);
gboolean ferry_validate_header (const char *name, const char *value, GError **error);
gboolean ferry_validate_checksum (const char *checksum, GError **error);
gboolean ferry_validate_group (const char *group, GError **error);
gboolean ferry_validate_app_id (const char *app_id, GError **error);

G_END_DECLS
