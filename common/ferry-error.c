/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-error.h"

static const GDBusErrorEntry ferry_error_entries[] = {
  { FERRY_ERROR_FAILED, "org.freedesktop.Ferry1.Error.Failed" },
  { FERRY_ERROR_INVALID_ARGUMENT, "org.freedesktop.Ferry1.Error.InvalidArgument" },
  { FERRY_ERROR_NOT_FOUND, "org.freedesktop.Ferry1.Error.NotFound" },
  { FERRY_ERROR_ACCESS_DENIED, "org.freedesktop.Ferry1.Error.AccessDenied" },
  { FERRY_ERROR_INVALID_STATE, "org.freedesktop.Ferry1.Error.InvalidState" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (ferry_error_entries) == FERRY_ERROR_N_ERRORS);

GQuark
ferry_error_quark (void)
{
  /* g_dbus_error_register_error_domain() is thread-safe and idempotent. */
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("ferry-error-quark", &quark,
                                      ferry_error_entries,
                                      G_N_ELEMENTS (ferry_error_entries));
  return (GQuark) quark;
}
