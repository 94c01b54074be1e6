/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The a{sv} options of a create call, checked and typed. Unknown options
 * and values of the wrong type are errors, never ignored. */
typedef struct {
  GVariant *headers;   /* a{ss}, or NULL */
  char     *checksum;  /* "sha256:<hex>", or NULL */
  char     *group;     /* never NULL */
} FerryOptions;

gboolean ferry_options_parse (GVariant *options, FerryOptions *out, GError **error);
void     ferry_options_clear (FerryOptions *options);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FerryOptions, ferry_options_clear)

G_END_DECLS
