/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * FerryError:
 * Errors of Ferry's own, each mapped to a D-Bus error name
 * org.freedesktop.Ferry1.Error.<Name> so they cross the bus both ways.
 */
typedef enum {
  FERRY_ERROR_FAILED,            /* Failed */
  FERRY_ERROR_INVALID_ARGUMENT,  /* InvalidArgument */
  FERRY_ERROR_NOT_FOUND,         /* NotFound */
  FERRY_ERROR_ACCESS_DENIED,     /* AccessDenied */
  FERRY_ERROR_INVALID_STATE,     /* InvalidState */
} FerryError;

#define FERRY_ERROR_N_ERRORS (FERRY_ERROR_INVALID_STATE + 1)

#define FERRY_ERROR (ferry_error_quark ())
GQuark ferry_error_quark (void);

G_END_DECLS
