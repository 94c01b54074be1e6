/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Builds a multipart/form-data body (RFC 7578) from the parts of
 * CreateMultipartUpload, a(ssa{sv}), as one stream that reads the files
 * from disk as it goes. @content_type gets the media type with its
 * boundary, @length the exact byte count. Blocking: call it in a job's
 * thread. */
GInputStream *ferry_multipart_body_new (GVariant      *parts,
                                        char         **content_type,
                                        goffset       *length,
                                        GCancellable  *cancellable,
                                        GError       **error);

/* The media type for @path when the caller gave none. */
char         *ferry_guess_content_type (const char *path);

G_END_DECLS
