/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parsers of header values that come from servers: outside input, kept
 * pure so that they can be fuzzed alone. */

/* "bytes START-END/TOTAL" (TOTAL may be "*": -1). FALSE for anything else,
 * including END < START or END >= TOTAL. */
gboolean ferry_http_parse_content_range (const char *value, guint64 *start, guint64 *end,
                                         gint64 *total);

/* Retry-After (RFC 9110 10.2.3): delay-seconds, or an HTTP-date seen from
 * @now_unix. The delay is capped at @max_seconds; FALSE when unparsable. */
gboolean ferry_http_parse_retry_after (const char *value, gint64 now_unix, guint max_seconds,
                                       guint *seconds);

/* The file name of a Content-Disposition value (filename*=UTF-8''… first,
 * then filename="…"), reduced to a safe base name; NULL when none. */
char    *ferry_http_parse_content_disposition_filename (const char *value);

/* What If-Range may carry for a response with these validators (RFC 9110
 * 13.1.5): a strong ETag, else Last-Modified, else NULL. */
const char *ferry_http_pick_validator (const char *etag, const char *last_modified);

/* Whether a response with @etag and @last_modified (either may be NULL) is
 * of the version @validator names: a server that ignores If-Range may send
 * a range of a newer one. A response without the validator's kind passes. */
gboolean ferry_http_same_version (const char *validator, const char *etag,
                                  const char *last_modified);

G_END_DECLS
