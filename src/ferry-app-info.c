/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-app-info"

#include <string.h>

#include "ferry-app-info.h"

struct _FerryAppInfo
{
  GObject       parent_instance;
  FerryAppKind  kind;
  char         *id;
  gboolean      registered;
};

G_DEFINE_FINAL_TYPE (FerryAppInfo, ferry_app_info, G_TYPE_OBJECT)

static void
ferry_app_info_finalize (GObject *object)
{
  FerryAppInfo *self = FERRY_APP_INFO (object);

  g_free (self->id);
  G_OBJECT_CLASS (ferry_app_info_parent_class)->finalize (object);
}

static void
ferry_app_info_class_init (FerryAppInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_app_info_finalize;
}

static void
ferry_app_info_init (FerryAppInfo *self)
{
}

FerryAppInfo *
ferry_app_info_new (FerryAppKind kind, const char *app_id, gboolean registered)
{
  FerryAppInfo *self = g_object_new (FERRY_TYPE_APP_INFO, NULL);

  self->kind = kind;
  self->id = g_strdup (app_id ? app_id : "");
  self->registered = registered;
  return self;
}

FerryAppKind ferry_app_info_get_kind (FerryAppInfo *self) { return self->kind; }
gboolean ferry_app_info_is_sandboxed (FerryAppInfo *self) { return self->kind != FERRY_APP_KIND_HOST; }
gboolean ferry_app_info_is_registered (FerryAppInfo *self) { return self->registered; }
const char *ferry_app_info_get_id (FerryAppInfo *self) { return self->id; }

static char *
proc_path (guint pid, const char *what)
{
  const char *root = g_getenv ("FERRY_PROC_ROOT");
  g_autofree char *dir = g_strdup_printf ("%u", pid);

  return g_build_filename (root ? root : "/proc", dir, what, NULL);
}

static char *
read_flatpak_id (guint pid)
{
  g_autofree char *path = proc_path (pid, "root/.flatpak-info");
  g_autoptr(GKeyFile) info = g_key_file_new ();
  char *app_id;

  if (!g_key_file_load_from_file (info, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  app_id = g_key_file_get_string (info, "Application", "name", NULL);
  if (app_id == NULL || !g_application_id_is_valid (app_id))
    {
      /* A sandbox we cannot name must not pass for the host. */
      g_free (app_id);
      return g_strdup ("invalid.flatpak.app");
    }
  return app_id;
}

/* The last component of the process's cgroup v2 path: its systemd unit. */
static char *
read_cgroup_unit (guint pid)
{
  g_autofree char *path = proc_path (pid, "cgroup");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "0::"))
      return g_path_get_basename (lines[i] + 3);
  return NULL;
}

/* "snap.NAME.APP-….scope" → "snap.NAME". */
static char *
snap_id_from_unit (const char *unit)
{
  const char *name, *dot;

  if (!g_str_has_prefix (unit, "snap."))
    return NULL;
  name = unit + strlen ("snap.");
  dot = strchr (name, '.');
  if (dot == NULL || dot == name)
    return NULL;
  return g_strdup_printf ("snap.%.*s", (int) (dot - name), name);
}

/* systemd escapes bytes of unit names as \xNN ("-" as \x2d). */
static char *
unescape_unit_name (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p; p++)
    {
      if (p[0] == '\\' && p[1] == 'x' && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[2]) * 16 +
                                          g_ascii_xdigit_value (p[3])));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

char *
ferry_app_info_id_from_unit (const char *unit)
{
  g_autofree char *name = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) id = NULL;
  guint n, first = 0, last;
  char *at;

  if (!g_str_has_prefix (unit, "app-"))
    return NULL;
  if (g_str_has_suffix (unit, ".scope"))
    name = g_strndup (unit + 4, strlen (unit) - 4 - strlen (".scope"));
  else if (g_str_has_suffix (unit, ".service"))
    name = g_strndup (unit + 4, strlen (unit) - 4 - strlen (".service"));
  else
    return NULL;

  /* A random suffix follows "@", or, in scopes, the last "-". */
  at = strchr (name, '@');
  if (at != NULL)
    *at = '\0';
  parts = g_strsplit (name, "-", -1);
  n = g_strv_length (parts);
  last = (at == NULL && g_str_has_suffix (unit, ".scope") && n > 1) ? n - 1 : n;
  /* A launcher's name ("gnome", "flatpak") has no dot; the id has. */
  if (last - first > 1 && strchr (parts[0], '.') == NULL)
    first = 1;

  id = g_string_new (NULL);
  for (guint i = first; i < last; i++)
    g_string_append_printf (id, "%s%s", i > first ? "-" : "", parts[i]);
  {
    g_autofree char *unescaped = unescape_unit_name (id->str);
    g_string_assign (id, unescaped);
  }
  if (!g_application_id_is_valid (id->str))
    return NULL;
  return g_string_free (g_steal_pointer (&id), FALSE);
}

FerryAppInfo *
ferry_app_info_new_for_pid (guint pid)
{
  g_autofree char *flatpak_id = read_flatpak_id (pid);
  g_autofree char *unit = NULL;
  g_autofree char *snap_id = NULL;
  g_autofree char *scope_id = NULL;

  if (flatpak_id != NULL)
    return ferry_app_info_new (FERRY_APP_KIND_FLATPAK, flatpak_id, FALSE);
  unit = read_cgroup_unit (pid);
  if (unit != NULL && (snap_id = snap_id_from_unit (unit)) != NULL)
    return ferry_app_info_new (FERRY_APP_KIND_SNAP, snap_id, FALSE);
  if (unit != NULL)
    scope_id = ferry_app_info_id_from_unit (unit);
  return ferry_app_info_new (FERRY_APP_KIND_HOST, scope_id, FALSE);
}
