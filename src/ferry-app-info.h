/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Who is calling: the app behind one bus connection, resolved once. */
#define FERRY_TYPE_APP_INFO (ferry_app_info_get_type ())
G_DECLARE_FINAL_TYPE (FerryAppInfo, ferry_app_info, FERRY, APP_INFO, GObject)

typedef enum {
  FERRY_APP_KIND_HOST,     /* unconfined: may declare its app id */
  FERRY_APP_KIND_FLATPAK,  /* the app id comes from the sandbox */
} FerryAppKind;

FerryAppInfo *ferry_app_info_new (FerryAppKind kind, const char *app_id);
FerryAppKind  ferry_app_info_get_kind (FerryAppInfo *self);
/* "" for a host caller that did not register. */
const char   *ferry_app_info_get_id (FerryAppInfo *self);

/* Reads the app id of the Flatpak instance that @pid runs in, from its
 * /.flatpak-info; NULL for a process outside Flatpak. */
char         *ferry_app_info_read_flatpak_id (guint pid);

G_END_DECLS
