/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-network"

#include <NetworkManager.h>

#include "ferry-network-monitor.h"

#define MM_BUS_NAME "org.freedesktop.ModemManager1"
#define MM_PATH "/org/freedesktop/ModemManager1"
#define MM_3GPP_INTERFACE "org.freedesktop.ModemManager1.Modem.Modem3gpp"
#define NM_STATISTICS_INTERFACE "org.freedesktop.NetworkManager.Device.Statistics"
#define STATISTICS_REFRESH_MS 1000

/* MMModem3gppRegistrationState values that mean roaming. */
enum {
  MM_REGISTRATION_ROAMING = 5,
  MM_REGISTRATION_ROAMING_SMS_ONLY = 7,
  MM_REGISTRATION_ROAMING_CSFB_NOT_PREFERRED = 10,
};

struct _FerryNetworkMonitor
{
  GObject                   parent_instance;

  GCancellable             *cancellable;
  NMClient                 *nm;          /* NULL while NetworkManager is not running */
  GNetworkMonitor          *gio;         /* the fallback */
  GDBusObjectManager       *modems;
  GDBusProxy               *statistics;  /* the primary device's counters */
  char                     *statistics_path;
  GCancellable             *statistics_cancellable;
  guint64                   last_traffic;
  gboolean                  have_traffic;

  gboolean                  ready;
  FerryConnectivity         connectivity;
  gboolean                  metered;
  gboolean                  roaming;
  char                     *connection;
  char                     *connection_type;
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_TRAFFIC,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryNetworkMonitor, ferry_network_monitor, G_TYPE_OBJECT)

static gboolean
any_modem_roaming (FerryNetworkMonitor *self)
{
  g_autolist(GDBusObject) objects = NULL;

  if (self->modems == NULL)
    return FALSE;
  objects = g_dbus_object_manager_get_objects (self->modems);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autoptr(GDBusInterface) modem = g_dbus_object_get_interface (l->data, MM_3GPP_INTERFACE);
      g_autoptr(GVariant) state = NULL;

      if (modem == NULL)
        continue;
      state = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (modem), "RegistrationState");
      if (state != NULL && g_variant_is_of_type (state, G_VARIANT_TYPE_UINT32))
        switch (g_variant_get_uint32 (state))
          {
          case MM_REGISTRATION_ROAMING:
          case MM_REGISTRATION_ROAMING_SMS_ONLY:
          case MM_REGISTRATION_ROAMING_CSFB_NOT_PREFERRED:
            return TRUE;
          default:
            break;
          }
    }
  return FALSE;
}

static FerryConnectivity
connectivity_from_nm (NMConnectivityState state)
{
  switch (state)
    {
    case NM_CONNECTIVITY_NONE: return FERRY_CONNECTIVITY_NONE;
    case NM_CONNECTIVITY_PORTAL: return FERRY_CONNECTIVITY_PORTAL;
    case NM_CONNECTIVITY_LIMITED: return FERRY_CONNECTIVITY_LIMITED;
    case NM_CONNECTIVITY_FULL: return FERRY_CONNECTIVITY_FULL;
    case NM_CONNECTIVITY_UNKNOWN:
    default: return FERRY_CONNECTIVITY_UNKNOWN;
    }
}

static FerryConnectivity
connectivity_from_gio (GNetworkMonitor *monitor)
{
  if (!g_network_monitor_get_network_available (monitor))
    return FERRY_CONNECTIVITY_NONE;
  switch (g_network_monitor_get_connectivity (monitor))
    {
    case G_NETWORK_CONNECTIVITY_LOCAL: return FERRY_CONNECTIVITY_NONE;
    case G_NETWORK_CONNECTIVITY_LIMITED: return FERRY_CONNECTIVITY_LIMITED;
    case G_NETWORK_CONNECTIVITY_PORTAL: return FERRY_CONNECTIVITY_PORTAL;
    case G_NETWORK_CONNECTIVITY_FULL:
    default: return FERRY_CONNECTIVITY_FULL;
    }
}

/* Reads everything again and tells if anything changed. */
static void
refresh (FerryNetworkMonitor *self)
{
  FerryConnectivity connectivity = FERRY_CONNECTIVITY_UNKNOWN;
  gboolean metered = FALSE, mobile = TRUE, roaming;
  const char *uuid = "", *type = "";

  if (self->nm != NULL)
    {
      NMActiveConnection *primary = nm_client_get_primary_connection (self->nm);
      NMMetered nm_metered = nm_client_get_metered (self->nm);

      connectivity = connectivity_from_nm (nm_client_get_connectivity (self->nm));
      metered = nm_metered == NM_METERED_YES || nm_metered == NM_METERED_GUESS_YES;
      if (primary != NULL)
        {
          uuid = nm_active_connection_get_uuid (primary) ? nm_active_connection_get_uuid (primary) : "";
          type = nm_active_connection_get_connection_type (primary) ? nm_active_connection_get_connection_type (primary) : "";
        }
      mobile = g_str_equal (type, NM_SETTING_GSM_SETTING_NAME) ||
               g_str_equal (type, NM_SETTING_CDMA_SETTING_NAME);
    }
  else if (self->gio != NULL)
    {
      connectivity = connectivity_from_gio (self->gio);
      metered = g_network_monitor_get_network_metered (self->gio);
    }
  /* A roaming modem costs only when it carries the traffic. */
  roaming = mobile && any_modem_roaming (self);

  if (self->ready && connectivity == self->connectivity && metered == self->metered &&
      roaming == self->roaming && g_str_equal (uuid, self->connection) &&
      g_str_equal (type, self->connection_type))
    return;

  self->ready = TRUE;
  self->connectivity = connectivity;
  self->metered = metered;
  self->roaming = roaming;
  g_free (self->connection);
  self->connection = g_strdup (uuid);
  g_free (self->connection_type);
  self->connection_type = g_strdup (type);
  g_debug ("connectivity %s, metered %d, roaming %d, connection “%s” (%s)",
           ferry_connectivity_to_string (connectivity), metered, roaming, uuid, type);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_statistics_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                       gpointer user_data)
{
  FerryNetworkMonitor *self = user_data;
  g_autoptr(GVariant) tx = g_dbus_proxy_get_cached_property (proxy, "TxBytes");
  g_autoptr(GVariant) rx = g_dbus_proxy_get_cached_property (proxy, "RxBytes");
  guint64 traffic;

  if (tx == NULL || rx == NULL || !g_variant_is_of_type (tx, G_VARIANT_TYPE_UINT64) ||
      !g_variant_is_of_type (rx, G_VARIANT_TYPE_UINT64))
    return;
  traffic = g_variant_get_uint64 (tx) + g_variant_get_uint64 (rx);
  /* The first reading is where counting starts; a reset starts again. */
  if (self->have_traffic && traffic > self->last_traffic && *self->connection != '\0')
    g_signal_emit (self, signals[SIGNAL_TRAFFIC], 0, self->connection,
                   traffic - self->last_traffic);
  self->last_traffic = traffic;
  self->have_traffic = TRUE;
}

static void
on_statistics_proxy (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FerryNetworkMonitor *self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_finish (result, &error);

  /* Cancelled: the primary device changed while the proxy was made. */
  if (proxy == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No device statistics: %s", error->message);
      return;
    }
  self->statistics = proxy;
  g_signal_connect (proxy, "g-properties-changed", G_CALLBACK (on_statistics_changed), self);
  /* NetworkManager counts only while someone asks for a refresh rate. */
  g_dbus_proxy_call (proxy, "org.freedesktop.DBus.Properties.Set",
                     g_variant_new ("(ssv)", NM_STATISTICS_INTERFACE, "RefreshRateMs",
                                    g_variant_new_uint32 (STATISTICS_REFRESH_MS)),
                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  on_statistics_changed (proxy, NULL, NULL, self);
}

static void
drop_statistics (FerryNetworkMonitor *self)
{
  if (self->statistics_cancellable != NULL)
    g_cancellable_cancel (self->statistics_cancellable);
  g_clear_object (&self->statistics_cancellable);
  if (self->statistics != NULL)
    g_signal_handlers_disconnect_by_data (self->statistics, self);
  g_clear_object (&self->statistics);
  g_clear_pointer (&self->statistics_path, g_free);
  self->have_traffic = FALSE;
}

/* Follows the counters of the primary connection's first device, and only
 * them: counters of two devices must never be subtracted. */
static void
watch_primary_device (FerryNetworkMonitor *self)
{
  NMActiveConnection *primary = self->nm ? nm_client_get_primary_connection (self->nm) : NULL;
  const GPtrArray *devices = primary ? nm_active_connection_get_devices (primary) : NULL;
  const char *path = devices && devices->len > 0 ? nm_object_get_path (g_ptr_array_index (devices, 0)) : NULL;

  if (g_strcmp0 (self->statistics_path, path) == 0)
    return;
  drop_statistics (self);
  if (path == NULL)
    return;
  self->statistics_path = g_strdup (path);
  self->statistics_cancellable = g_cancellable_new ();
  g_dbus_proxy_new (nm_client_get_dbus_connection (self->nm), G_DBUS_PROXY_FLAGS_NONE, NULL,
                    NM_DBUS_SERVICE, path, NM_STATISTICS_INTERFACE,
                    self->statistics_cancellable, on_statistics_proxy, self);
}

static void
on_nm_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  FerryNetworkMonitor *self = user_data;

  refresh (self);
  watch_primary_device (self);
}

static void
on_gio_changed (gpointer user_data)
{
  refresh (user_data);
}

static void
use_gio (FerryNetworkMonitor *self, const char *why)
{
  g_message ("NetworkManager is not available (%s): following GNetworkMonitor", why);
  self->gio = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_swapped (self->gio, "notify::network-available", G_CALLBACK (on_gio_changed), self);
  g_signal_connect_swapped (self->gio, "notify::network-metered", G_CALLBACK (on_gio_changed), self);
  g_signal_connect_swapped (self->gio, "notify::connectivity", G_CALLBACK (on_gio_changed), self);
  refresh (self);
}

static void
on_nm_client (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FerryNetworkMonitor *self = user_data;
  g_autoptr(GError) error = NULL;
  NMClient *client = nm_client_new_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (client == NULL || !nm_client_get_nm_running (client))
    {
      g_clear_object (&client);
      use_gio (self, error ? error->message : "not running");
      return;
    }
  self->nm = client;
  g_signal_connect (client, "notify::" NM_CLIENT_CONNECTIVITY, G_CALLBACK (on_nm_notify), self);
  g_signal_connect (client, "notify::" NM_CLIENT_METERED, G_CALLBACK (on_nm_notify), self);
  g_signal_connect (client, "notify::" NM_CLIENT_PRIMARY_CONNECTION, G_CALLBACK (on_nm_notify), self);
  on_nm_notify (NULL, NULL, self);
}

static void
on_modems_changed (gpointer user_data)
{
  FerryNetworkMonitor *self = user_data;

  /* Before NetworkManager or GIO answered, there is nothing to tell. */
  if (self->ready)
    refresh (self);
}

static void
on_modem_manager (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FerryNetworkMonitor *self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager = g_dbus_object_manager_client_new_for_bus_finish (result, &error);

  if (manager == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No ModemManager: %s", error->message);
      return;
    }
  self->modems = manager;
  g_signal_connect_swapped (manager, "object-added", G_CALLBACK (on_modems_changed), self);
  g_signal_connect_swapped (manager, "object-removed", G_CALLBACK (on_modems_changed), self);
  g_signal_connect_swapped (manager, "interface-proxy-properties-changed",
                            G_CALLBACK (on_modems_changed), self);
  on_modems_changed (self);
}

static void
ferry_network_monitor_dispose (GObject *object)
{
  FerryNetworkMonitor *self = FERRY_NETWORK_MONITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->nm != NULL)
    g_signal_handlers_disconnect_by_data (self->nm, self);
  g_clear_object (&self->nm);
  if (self->gio != NULL)
    g_signal_handlers_disconnect_by_data (self->gio, self);
  g_clear_object (&self->gio);
  if (self->modems != NULL)
    g_signal_handlers_disconnect_by_data (self->modems, self);
  g_clear_object (&self->modems);
  drop_statistics (self);
  g_clear_pointer (&self->connection, g_free);
  g_clear_pointer (&self->connection_type, g_free);

  G_OBJECT_CLASS (ferry_network_monitor_parent_class)->dispose (object);
}

static void
ferry_network_monitor_class_init (FerryNetworkMonitorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_network_monitor_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Bytes that went over the connection with the UUID given. */
  signals[SIGNAL_TRAFFIC] =
    g_signal_new ("traffic", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT64);
}

static void
ferry_network_monitor_init (FerryNetworkMonitor *self)
{
  self->cancellable = g_cancellable_new ();
  self->connection = g_strdup ("");
  self->connection_type = g_strdup ("");
}

FerryNetworkMonitor *
ferry_network_monitor_new (void)
{
  FerryNetworkMonitor *self = g_object_new (FERRY_TYPE_NETWORK_MONITOR, NULL);

  nm_client_new_async (self->cancellable, on_nm_client, self);
  g_dbus_object_manager_client_new_for_bus (G_BUS_TYPE_SYSTEM,
                                            G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                            MM_BUS_NAME, MM_PATH, NULL, NULL, NULL,
                                            self->cancellable, on_modem_manager, self);
  return self;
}

gboolean
ferry_network_monitor_is_ready (FerryNetworkMonitor *self)
{
  return self->ready;
}

FerryConnectivity
ferry_network_monitor_get_connectivity (FerryNetworkMonitor *self)
{
  return self->connectivity;
}

gboolean
ferry_network_monitor_get_metered (FerryNetworkMonitor *self)
{
  return self->metered;
}

gboolean
ferry_network_monitor_get_roaming (FerryNetworkMonitor *self)
{
  return self->roaming;
}

const char *
ferry_network_monitor_get_connection (FerryNetworkMonitor *self)
{
  return self->connection;
}

const char *
ferry_network_monitor_get_source (FerryNetworkMonitor *self)
{
  return self->nm != NULL ? "networkmanager" : "gio";
}
