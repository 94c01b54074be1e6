/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ferryctl-common.h"

G_BEGIN_DECLS

/* Where the download of @uri goes: DEST, or the URI's file name in the
 * current directory (DEST may be a directory); with @directory, the file
 * name in it, and a relative DEST inside it. */
char      *ferryctl_download_destination (const char *uri, const char *dest,
                                          const char *directory);

/* download --input-file (ferryctl-download-list.c). The lines of FILE ("-":
 * standard input), checked: NULL with an error naming the bad line. */
GPtrArray *ferryctl_download_list_read (const char *file, const char *directory,
                                        GError **error);
/* Creates and starts them all; with @wait, follows them to their end.
 * Returns ferryctl's exit status. */
int        ferryctl_download_list_run  (FerryctlGlobals *globals, GPtrArray *entries,
                                        GVariant *options, gboolean wait, gboolean json);

G_END_DECLS
