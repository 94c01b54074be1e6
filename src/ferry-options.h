/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "ferry-transfer.h"

G_BEGIN_DECLS

/* Which create call the options came with: each accepts its own set. */
typedef enum {
  FERRY_OPTIONS_FOR_DOWNLOAD,
  FERRY_OPTIONS_FOR_UPLOAD,
  FERRY_OPTIONS_FOR_MULTIPART,
  FERRY_OPTIONS_FOR_STREAM,
} FerryOptionsFor;

/* The a{sv} options of a create call, checked and typed. Unknown options
 * and values of the wrong type are errors, never ignored. */
typedef struct {
  GVariant            *headers;       /* a{ss}, or NULL */
  char                *checksum;      /* "sha256:<hex>", or NULL */
  char                *group;         /* never NULL */
  char                *method;        /* uploads: never NULL */
  char                *content_type;  /* or NULL */
  FerryUploadProtocol  protocol;
  gboolean             has_cost_policy;
  FerryCostPolicy      cost_policy;
  FerryPriority        priority;
  guint64              max_speed;         /* 0: none */
  guint                connections;       /* downloads: 1 to FERRY_MAX_CONNECTIONS */
  char                *completion_group;  /* or NULL */
  GVariant            *notify_success;    /* a{ss}, or NULL */
  GVariant            *notify_failure;    /* a{ss}, or NULL */
} FerryOptions;

gboolean ferry_options_parse (GVariant *options, FerryOptionsFor call, FerryOptions *out,
                              GError **error);
void     ferry_options_clear (FerryOptions *options);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FerryOptions, ferry_options_clear)

/* The options of one part of a multipart upload. */
gboolean ferry_part_options_check (const char *name, const char *file, GVariant *options,
                                   GError **error);

G_END_DECLS
