/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Reads a list of streams one after the other, as one stream: a multipart
 * body streamed from its files instead of built in memory. */
#define FERRY_TYPE_CONCAT_INPUT_STREAM (ferry_concat_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (FerryConcatInputStream, ferry_concat_input_stream,
                      FERRY, CONCAT_INPUT_STREAM, GInputStream)

/* Takes a reference to each stream of @streams. */
GInputStream *ferry_concat_input_stream_new (GPtrArray *streams);

G_END_DECLS
