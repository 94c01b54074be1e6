/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-app-info"

#include "ferry-app-info.h"

struct _FerryAppInfo
{
  GObject       parent_instance;
  FerryAppKind  kind;
  char         *id;
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
ferry_app_info_new (FerryAppKind kind, const char *app_id)
{
  FerryAppInfo *self = g_object_new (FERRY_TYPE_APP_INFO, NULL);

  self->kind = kind;
  self->id = g_strdup (app_id ? app_id : "");
  return self;
}

FerryAppKind
ferry_app_info_get_kind (FerryAppInfo *self)
{
  return self->kind;
}

const char *
ferry_app_info_get_id (FerryAppInfo *self)
{
  return self->id;
}

char *
ferry_app_info_read_flatpak_id (guint pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/root/.flatpak-info", pid);
  g_autoptr(GKeyFile) info = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  char *app_id;

  if (!g_key_file_load_from_file (info, path, G_KEY_FILE_NONE, &error))
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
