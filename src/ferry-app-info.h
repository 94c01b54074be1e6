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
  FERRY_APP_KIND_SNAP,     /* likewise */
} FerryAppKind;

FerryAppInfo *ferry_app_info_new (FerryAppKind kind, const char *app_id, gboolean registered);
FerryAppKind  ferry_app_info_get_kind (FerryAppInfo *self);
gboolean      ferry_app_info_is_sandboxed (FerryAppInfo *self);
/* Whether the id was declared with Register (which works once). */
gboolean      ferry_app_info_is_registered (FerryAppInfo *self);
/* "" for a host caller that is not named. */
const char   *ferry_app_info_get_id (FerryAppInfo *self);

/* Identifies the process @pid from what the kernel shows of it: a Flatpak
 * instance's /.flatpak-info, a Snap's cgroup, or the XDG systemd scope a
 * desktop launched it in. The /proc it reads can be moved with
 * FERRY_PROC_ROOT, for tests. */
FerryAppInfo *ferry_app_info_new_for_pid (guint pid);

/* The app id in an XDG systemd unit name ("app-[launcher-]ID[-RANDOM].scope"
 * or "app-[launcher-]ID[@RANDOM].service"); NULL when it names none. */
char         *ferry_app_info_id_from_unit (const char *unit);

G_END_DECLS
