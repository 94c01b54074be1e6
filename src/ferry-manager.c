/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-manager"

#include "ferry-manager.h"

#define FERRY_MANAGER_VERSION 1

struct _FerryManager
{
  FerryDBusManagerSkeleton  parent_instance;
  FerryCallers             *callers;
};

static void ferry_manager_iface_init (FerryDBusManagerIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FerryManager, ferry_manager, FERRY_DBUS_TYPE_MANAGER_SKELETON,
                               G_IMPLEMENT_INTERFACE (FERRY_DBUS_TYPE_MANAGER,
                                                      ferry_manager_iface_init))

static void
register_caller (gpointer object, GDBusMethodInvocation *invocation, FerryAppInfo *caller)
{
  FerryManager *self = object;
  GError *error = NULL;
  const char *app_id;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &app_id);
  if (ferry_callers_register (self->callers, g_dbus_method_invocation_get_sender (invocation),
                              app_id, &error))
    ferry_dbus_manager_complete_register (FERRY_DBUS_MANAGER (self), invocation);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static gboolean
handle_register (FerryDBusManager *manager, GDBusMethodInvocation *invocation, const char *app_id)
{
  FerryManager *self = FERRY_MANAGER (manager);

  ferry_callers_dispatch (self->callers, invocation, register_caller, self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
ferry_manager_iface_init (FerryDBusManagerIface *iface)
{
  iface->handle_register = handle_register;
}

static void
ferry_manager_finalize (GObject *object)
{
  FerryManager *self = FERRY_MANAGER (object);

  g_clear_object (&self->callers);
  G_OBJECT_CLASS (ferry_manager_parent_class)->finalize (object);
}

static void
ferry_manager_class_init (FerryManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_manager_finalize;
}

static void
ferry_manager_init (FerryManager *self)
{
  ferry_dbus_manager_set_version (FERRY_DBUS_MANAGER (self), FERRY_MANAGER_VERSION);
}

FerryManager *
ferry_manager_new (FerryCallers *callers)
{
  FerryManager *self = g_object_new (FERRY_TYPE_MANAGER, NULL);

  self->callers = g_object_ref (callers);
  return self;
}
