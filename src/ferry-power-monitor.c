/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-power"

#include "ferry-power-monitor.h"

/* UPower's UpDeviceLevel: low, critical and action all mean save power. */
#define UP_DEVICE_LEVEL_LOW 3

/* power-profiles-daemon answers under its old name and its new one. */
static const struct {
  const char *name;
  const char *path;
} profile_services[] = {
  { "org.freedesktop.UPower.PowerProfiles", "/org/freedesktop/UPower/PowerProfiles" },
  { "net.hadess.PowerProfiles", "/net/hadess/PowerProfiles" },
};

struct _FerryPowerMonitor
{
  GObject       parent_instance;
  GCancellable *cancellable;
  GPtrArray    *proxies;
  gboolean      power_saver;
  gboolean      battery_low;
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryPowerMonitor, ferry_power_monitor, G_TYPE_OBJECT)

static gboolean
proxy_says (GDBusProxy *proxy, const char *interface, const char *property,
            gboolean (*test) (GVariant *value))
{
  g_autoptr(GVariant) value = NULL;

  if (!g_str_equal (g_dbus_proxy_get_interface_name (proxy), interface))
    return FALSE;
  value = g_dbus_proxy_get_cached_property (proxy, property);
  return value != NULL && test (value);
}

static gboolean
is_power_saver (GVariant *value)
{
  return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
         g_str_equal (g_variant_get_string (value, NULL), "power-saver");
}

static gboolean
is_low_level (GVariant *value)
{
  return g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) &&
         g_variant_get_uint32 (value) >= UP_DEVICE_LEVEL_LOW;
}

static void
refresh (FerryPowerMonitor *self)
{
  gboolean power_saver = FALSE, battery_low = FALSE;

  for (guint i = 0; i < self->proxies->len; i++)
    {
      GDBusProxy *proxy = g_ptr_array_index (self->proxies, i);

      power_saver |= proxy_says (proxy, "org.freedesktop.UPower.PowerProfiles", "ActiveProfile",
                                 is_power_saver) ||
                     proxy_says (proxy, "net.hadess.PowerProfiles", "ActiveProfile",
                                 is_power_saver);
      battery_low |= proxy_says (proxy, "org.freedesktop.UPower.Device", "WarningLevel",
                                 is_low_level);
    }
  if (power_saver == self->power_saver && battery_low == self->battery_low)
    return;
  self->power_saver = power_saver;
  self->battery_low = battery_low;
  g_debug ("power saver %d, battery low %d", power_saver, battery_low);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_proxy_changed (gpointer user_data)
{
  refresh (user_data);
}

static void
on_proxy (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FerryPowerMonitor *self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_for_bus_finish (result, &error);

  if (proxy == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No power information: %s", error->message);
      return;
    }
  g_ptr_array_add (self->proxies, proxy);
  /* The services may come and go: the proxies follow their names. */
  g_signal_connect_swapped (proxy, "g-properties-changed", G_CALLBACK (on_proxy_changed), self);
  g_signal_connect_swapped (proxy, "notify::g-name-owner", G_CALLBACK (on_proxy_changed), self);
  refresh (self);
}

static void
watch (FerryPowerMonitor *self, const char *name, const char *path, const char *interface)
{
  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SYSTEM, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                            name, path, interface, self->cancellable, on_proxy, self);
}

static void
ferry_power_monitor_dispose (GObject *object)
{
  FerryPowerMonitor *self = FERRY_POWER_MONITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->proxies != NULL)
    for (guint i = 0; i < self->proxies->len; i++)
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->proxies, i), self);
  g_clear_pointer (&self->proxies, g_ptr_array_unref);

  G_OBJECT_CLASS (ferry_power_monitor_parent_class)->dispose (object);
}

static void
ferry_power_monitor_class_init (FerryPowerMonitorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_power_monitor_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ferry_power_monitor_init (FerryPowerMonitor *self)
{
  self->cancellable = g_cancellable_new ();
  self->proxies = g_ptr_array_new_with_free_func (g_object_unref);
}

FerryPowerMonitor *
ferry_power_monitor_new (void)
{
  FerryPowerMonitor *self = g_object_new (FERRY_TYPE_POWER_MONITOR, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (profile_services); i++)
    watch (self, profile_services[i].name, profile_services[i].path, profile_services[i].name);
  watch (self, "org.freedesktop.UPower", "/org/freedesktop/UPower/devices/DisplayDevice",
         "org.freedesktop.UPower.Device");
  return self;
}

gboolean
ferry_power_monitor_get_power_saver (FerryPowerMonitor *self)
{
  return self->power_saver;
}

gboolean
ferry_power_monitor_get_battery_low (FerryPowerMonitor *self)
{
  return self->battery_low;
}
