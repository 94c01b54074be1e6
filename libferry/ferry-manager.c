/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n-lib.h>

#include "ferry.h"
#include "ferry-calls.h"

/**
 * FerryManager:
 *
 * What the Ferry service sees of the network and the power state, and the
 * calls that are not about one kind of transfer: data limits, the
 * restriction of background data and completion groups.
 *
 * The properties follow the service's `org.freedesktop.Ferry1.Manager`
 * properties: connect to `notify::` to learn of changes.
 *
 * ```c
 * g_autoptr(FerryManager) manager = ferry_manager_new_sync (NULL, NULL, &error);
 *
 * g_print ("metered: %d\n", ferry_manager_get_metered (manager));
 * ferry_manager_set_data_limit_sync (manager, "", 5000000000, 1, NULL, &error);
 * ```
 */

/* The network and power properties, in the order of the table below. */
enum {
  NET_CONNECTIVITY,
  NET_METERED,
  NET_ROAMING,
  NET_CONNECTION,
  NET_NETWORK_SOURCE,
  NET_DATA_USAGE,
  NET_DATA_LIMIT,
  NET_BILLING_CYCLE_START_DAY,
  NET_ON_TRACK_TO_EXCEED,
  NET_OVER_LIMIT,
  NET_RESTRICT_BACKGROUND_DATA,
  NET_POWER_SAVER,
  NET_BATTERY_LOW,
  N_NET
};

static const struct {
  const char *dbus_name;
  const char *type;
} net_props[N_NET] = {
  { "Connectivity", "s" },
  { "Metered", "b" },
  { "Roaming", "b" },
  { "Connection", "s" },
  { "NetworkSource", "s" },
  { "DataUsage", "t" },
  { "DataLimit", "t" },
  { "BillingCycleStartDay", "u" },
  { "OnTrackToExceed", "b" },
  { "OverLimit", "b" },
  { "RestrictBackgroundData", "b" },
  { "PowerSaver", "b" },
  { "BatteryLow", "b" },
};

struct _FerryManager
{
  GObject       parent_instance;
  FerrySession *session;
  guint         changed_id;
  GVariant     *values[N_NET];
};

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_SERVICE_RUNNING,
  PROP_NET_FIRST,
  N_PROPS = PROP_NET_FIRST + N_NET
};
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (FerryManager, ferry_manager, G_TYPE_OBJECT)

static void
ferry_manager_dispose (GObject *object)
{
  FerryManager *self = FERRY_MANAGER (object);

  if (self->session != NULL)
    {
      if (self->changed_id != 0)
        g_dbus_connection_signal_unsubscribe (ferry_session_get_connection (self->session),
                                              self->changed_id);
      self->changed_id = 0;
      g_signal_handlers_disconnect_by_data (self->session, self);
    }
  g_clear_object (&self->session);
  for (guint i = 0; i < N_NET; i++)
    g_clear_pointer (&self->values[i], g_variant_unref);
  G_OBJECT_CLASS (ferry_manager_parent_class)->dispose (object);
}

static void
ferry_manager_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FerryManager *self = FERRY_MANAGER (object);

  if (prop_id == PROP_CONNECTION)
    g_value_set_object (value, ferry_manager_get_connection (self));
  else if (prop_id == PROP_SERVICE_RUNNING)
    g_value_set_boolean (value, ferry_manager_get_service_running (self));
  else if (prop_id >= PROP_NET_FIRST && prop_id < N_PROPS)
    {
      GVariant *v = self->values[prop_id - PROP_NET_FIRST];

      switch (net_props[prop_id - PROP_NET_FIRST].type[0])
        {
        case 's': g_value_set_string (value, v ? g_variant_get_string (v, NULL) : ""); break;
        case 'b': g_value_set_boolean (value, v ? g_variant_get_boolean (v) : FALSE); break;
        case 't': g_value_set_uint64 (value, v ? g_variant_get_uint64 (v) : 0); break;
        case 'u': g_value_set_uint (value, v ? g_variant_get_uint32 (v) : 0); break;
        default: g_assert_not_reached ();
        }
    }
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
ferry_manager_class_init (FerryManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = ferry_manager_dispose;
  object_class->get_property = ferry_manager_get_property;

  /**
   * FerryManager:connection:
   *
   * The D-Bus connection to the service.
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION, flags);
  /**
   * FerryManager:service-running:
   *
   * Whether the service is on the bus. When a new instance appears, the
   * manager reads its properties again.
   */
  properties[PROP_SERVICE_RUNNING] =
    g_param_spec_boolean ("service-running", NULL, NULL, FALSE, flags);
  /**
   * FerryManager:connectivity:
   *
   * `"none"`, `"limited"`, `"portal"`, `"full"` or `"unknown"`. Transfers
   * wait as %FERRY_TRANSFER_STATUS_PAUSED_NO_NETWORK unless it is `"full"`
   * (or `"unknown"`).
   */
  properties[PROP_NET_FIRST + NET_CONNECTIVITY] =
    g_param_spec_string ("connectivity", NULL, NULL, "", flags);
  /**
   * FerryManager:metered:
   *
   * Whether the primary connection is metered.
   */
  properties[PROP_NET_FIRST + NET_METERED] =
    g_param_spec_boolean ("metered", NULL, NULL, FALSE, flags);
  /**
   * FerryManager:roaming:
   *
   * Whether the primary connection is a mobile one on a roaming modem.
   */
  properties[PROP_NET_FIRST + NET_ROAMING] =
    g_param_spec_boolean ("roaming", NULL, NULL, FALSE, flags);
  /**
   * FerryManager:network-connection:
   *
   * The NetworkManager UUID of the primary connection, `""` when unknown.
   */
  properties[PROP_NET_FIRST + NET_CONNECTION] =
    g_param_spec_string ("network-connection", NULL, NULL, "", flags);
  /**
   * FerryManager:network-source:
   *
   * Where the service learns the network state: `"networkmanager"`, or
   * `"gio"` (#GNetworkMonitor) when NetworkManager is not running.
   */
  properties[PROP_NET_FIRST + NET_NETWORK_SOURCE] =
    g_param_spec_string ("network-source", NULL, NULL, "", flags);
  /**
   * FerryManager:data-usage:
   *
   * The bytes used on the primary connection in the current billing cycle.
   */
  properties[PROP_NET_FIRST + NET_DATA_USAGE] =
    g_param_spec_uint64 ("data-usage", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * FerryManager:data-limit:
   *
   * The data limit of the primary connection in bytes, 0 for none.
   */
  properties[PROP_NET_FIRST + NET_DATA_LIMIT] =
    g_param_spec_uint64 ("data-limit", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * FerryManager:billing-cycle-start-day:
   *
   * The day of the month the billing cycle of the primary connection
   * starts.
   */
  properties[PROP_NET_FIRST + NET_BILLING_CYCLE_START_DAY] =
    g_param_spec_uint ("billing-cycle-start-day", NULL, NULL, 0, 31, 0, flags);
  /**
   * FerryManager:on-track-to-exceed:
   *
   * Whether the usage, projected to the end of the cycle at the pace so
   * far, passes the data limit.
   */
  properties[PROP_NET_FIRST + NET_ON_TRACK_TO_EXCEED] =
    g_param_spec_boolean ("on-track-to-exceed", NULL, NULL, FALSE, flags);
  /**
   * FerryManager:over-limit:
   *
   * Whether the usage has reached the data limit.
   */
  properties[PROP_NET_FIRST + NET_OVER_LIMIT] =
    g_param_spec_boolean ("over-limit", NULL, NULL, FALSE, flags);
  /**
   * FerryManager:restrict-background-data:
   *
   * Whether no transfer runs on a connection over its data limit, whatever
   * its cost policy; see ferry_manager_set_restrict_background_data().
   */
  properties[PROP_NET_FIRST + NET_RESTRICT_BACKGROUND_DATA] =
    g_param_spec_boolean ("restrict-background-data", NULL, NULL, FALSE, flags);
  /**
   * FerryManager:power-saver:
   *
   * Whether the power profile is `power-saver`: low priority transfers
   * then wait as %FERRY_TRANSFER_STATUS_PAUSED_SYSTEM_POLICY.
   */
  properties[PROP_NET_FIRST + NET_POWER_SAVER] =
    g_param_spec_boolean ("power-saver", NULL, NULL, FALSE, flags);
  /**
   * FerryManager:battery-low:
   *
   * Whether UPower reports the battery low: low priority transfers then
   * wait too.
   */
  properties[PROP_NET_FIRST + NET_BATTERY_LOW] =
    g_param_spec_boolean ("battery-low", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ferry_manager_init (FerryManager *self)
{
}

/* Takes the values of an a{sv} of Manager properties; notifies changes. */
static void
apply_properties (FerryManager *self, GVariant *dict)
{
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < N_NET; i++)
    {
      g_autoptr(GVariant) value =
        g_variant_lookup_value (dict, net_props[i].dbus_name, G_VARIANT_TYPE (net_props[i].type));

      if (value == NULL)
        continue;
      if (self->values[i] != NULL && g_variant_equal (self->values[i], value))
        continue;
      g_clear_pointer (&self->values[i], g_variant_unref);
      self->values[i] = g_steal_pointer (&value);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NET_FIRST + i]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_properties_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface, const char *signal, GVariant *parameters,
                       gpointer user_data)
{
  FerryManager *self = user_data;
  const char *iface;
  g_autoptr(GVariant) changed = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}@as)", &iface, &changed, NULL);
  if (g_strcmp0 (iface, FERRY_MANAGER_IFACE) == 0)
    apply_properties (self, changed);
  /* Invalidated properties: read them all again. */
  {
    g_autoptr(GVariant) invalidated = g_variant_get_child_value (parameters, 2);
    if (g_variant_n_children (invalidated) > 0)
      ferry_manager_refresh (self, NULL, NULL, NULL);
  }
}

static void
on_service_running (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  FerryManager *self = user_data;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE_RUNNING]);
  /* A new instance: its state may differ. */
  if (ferry_session_get_service_running (self->session))
    ferry_manager_refresh (self, NULL, NULL, NULL);
}

static gpointer
wrap_session (FerrySession *session)
{
  FerryManager *self = g_object_new (FERRY_TYPE_MANAGER, NULL);

  self->session = g_object_ref (session);
  self->changed_id =
    g_dbus_connection_signal_subscribe (ferry_session_get_connection (session), FERRY_BUS_NAME,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, self,
                                        NULL);
  g_signal_connect (session, "notify::service-running", G_CALLBACK (on_service_running), self);
  return self;
}

/* ---- reading the properties ------------------------------------------- */

static GVariant *
get_all_parameters (void)
{
  return g_variant_new ("(s)", FERRY_MANAGER_IFACE);
}

static void
on_get_all (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  FerryManager *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) dict = NULL;
  GError *error = NULL;

  reply = ferry_session_call_finish (FERRY_SESSION (source), result, NULL, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  dict = g_variant_get_child_value (reply, 0);
  apply_properties (self, dict);
  g_task_return_boolean (task, TRUE);
}

/**
 * ferry_manager_refresh:
 * @self: a manager
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called when the properties are read
 * @user_data: data for @callback
 *
 * Reads all the properties from the service again. The manager follows
 * their changes by itself: this is needed only to be sure of the current
 * values.
 */
void
ferry_manager_refresh (FerryManager *self, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (FERRY_IS_MANAGER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ferry_manager_refresh);
  ferry_session_call (self->session, FERRY_MANAGER_PATH, "org.freedesktop.DBus.Properties",
                      "GetAll", get_all_parameters (), G_VARIANT_TYPE ("(a{sv})"), NULL,
                      cancellable, on_get_all, task);
}

/**
 * ferry_manager_refresh_finish:
 * @self: a manager
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the properties were read
 */
gboolean
ferry_manager_refresh_finish (FerryManager *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ferry_manager_refresh_sync:
 * @self: a manager
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Reads all the properties again, blocking the calling thread; see
 * ferry_manager_refresh().
 *
 * Returns: whether the properties were read
 */
gboolean
ferry_manager_refresh_sync (FerryManager *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) dict = NULL;

  g_return_val_if_fail (FERRY_IS_MANAGER (self), FALSE);
  reply = ferry_session_call_sync (self->session, FERRY_MANAGER_PATH,
                                   "org.freedesktop.DBus.Properties", "GetAll",
                                   get_all_parameters (), G_VARIANT_TYPE ("(a{sv})"), NULL, NULL,
                                   cancellable, error);
  if (reply == NULL)
    return FALSE;
  dict = g_variant_get_child_value (reply, 0);
  apply_properties (self, dict);
  return TRUE;
}

/* ---- construction ----------------------------------------------------- */

static void
on_new_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ferry_manager_refresh_finish (FERRY_MANAGER (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (source), g_object_unref);
}

static void
on_new_client (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(FerryManager) self = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  self = _ferry_client_new_finish (result, g_task_get_source_tag (task), &error);
  if (self == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  ferry_manager_refresh (self, cancellable, on_new_refreshed, g_steal_pointer (&task));
}

static void
manager_new (GDBusConnection *connection, const char *app_id, gpointer tag,
             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  _ferry_client_new (connection, app_id, wrap_session, tag, cancellable, on_new_client, task);
}

static FerryManager *
manager_new_finish (GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static FerryManager *
manager_new_sync (GDBusConnection *connection, const char *app_id, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr(FerryManager) self = _ferry_client_new_sync (connection, app_id, wrap_session,
                                                         cancellable, error);

  if (self == NULL || !ferry_manager_refresh_sync (self, cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * ferry_manager_new_for_connection:
 * @connection: a connection to the bus of the service
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the manager is ready
 * @user_data: data for @callback
 *
 * Makes a manager that talks to the service over @connection and reads its
 * properties. @app_id is as for ferry_downloader_new_for_connection(); the
 * completion groups are those of that application.
 */
void
ferry_manager_new_for_connection (GDBusConnection *connection, const char *app_id,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  manager_new (connection, app_id, ferry_manager_new_for_connection, cancellable, callback,
               user_data);
}

/**
 * ferry_manager_new_for_connection_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the manager, or %NULL with @error set
 */
FerryManager *
ferry_manager_new_for_connection_finish (GAsyncResult *result, GError **error)
{
  return manager_new_finish (result, ferry_manager_new_for_connection, error);
}

/**
 * ferry_manager_new_for_connection_sync:
 * @connection: a connection to the bus of the service
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes a manager, blocking the calling thread; see
 * ferry_manager_new_for_connection().
 *
 * Returns: (transfer full): the manager, or %NULL with @error set
 */
FerryManager *
ferry_manager_new_for_connection_sync (GDBusConnection *connection, const char *app_id,
                                       GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  return manager_new_sync (connection, app_id, cancellable, error);
}

/**
 * ferry_manager_new:
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the manager is ready
 * @user_data: data for @callback
 *
 * Makes a manager on the session bus; see
 * ferry_manager_new_for_connection().
 */
void
ferry_manager_new (const char *app_id, GCancellable *cancellable, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  manager_new (NULL, app_id, ferry_manager_new, cancellable, callback, user_data);
}

/**
 * ferry_manager_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the manager, or %NULL with @error set
 */
FerryManager *
ferry_manager_new_finish (GAsyncResult *result, GError **error)
{
  return manager_new_finish (result, ferry_manager_new, error);
}

/**
 * ferry_manager_new_sync:
 * @app_id: (nullable): the application id to declare, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes a manager on the session bus, blocking the calling thread; see
 * ferry_manager_new_for_connection().
 *
 * Returns: (transfer full): the manager, or %NULL with @error set
 */
FerryManager *
ferry_manager_new_sync (const char *app_id, GCancellable *cancellable, GError **error)
{
  return manager_new_sync (NULL, app_id, cancellable, error);
}

/* ---- property getters ------------------------------------------------- */

/**
 * ferry_manager_get_connection:
 * @self: a manager
 *
 * Returns: (transfer none): the value of #FerryManager:connection
 */
GDBusConnection *
ferry_manager_get_connection (FerryManager *self)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), NULL);
  return ferry_session_get_connection (self->session);
}

/**
 * ferry_manager_get_service_running:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:service-running
 */
gboolean
ferry_manager_get_service_running (FerryManager *self)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), FALSE);
  return ferry_session_get_service_running (self->session);
}

static const char *
get_s (FerryManager *self, guint i)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), NULL);
  return self->values[i] != NULL ? g_variant_get_string (self->values[i], NULL) : "";
}

static gboolean
get_b (FerryManager *self, guint i)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), FALSE);
  return self->values[i] != NULL && g_variant_get_boolean (self->values[i]);
}

static guint64
get_t (FerryManager *self, guint i)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), 0);
  return self->values[i] != NULL ? g_variant_get_uint64 (self->values[i]) : 0;
}

/**
 * ferry_manager_get_connectivity:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:connectivity
 */
const char *
ferry_manager_get_connectivity (FerryManager *self)
{
  return get_s (self, NET_CONNECTIVITY);
}

/**
 * ferry_manager_get_metered:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:metered
 */
gboolean
ferry_manager_get_metered (FerryManager *self)
{
  return get_b (self, NET_METERED);
}

/**
 * ferry_manager_get_roaming:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:roaming
 */
gboolean
ferry_manager_get_roaming (FerryManager *self)
{
  return get_b (self, NET_ROAMING);
}

/**
 * ferry_manager_get_network_connection:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:network-connection
 */
const char *
ferry_manager_get_network_connection (FerryManager *self)
{
  return get_s (self, NET_CONNECTION);
}

/**
 * ferry_manager_get_network_source:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:network-source
 */
const char *
ferry_manager_get_network_source (FerryManager *self)
{
  return get_s (self, NET_NETWORK_SOURCE);
}

/**
 * ferry_manager_get_data_usage:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:data-usage
 */
guint64
ferry_manager_get_data_usage (FerryManager *self)
{
  return get_t (self, NET_DATA_USAGE);
}

/**
 * ferry_manager_get_data_limit:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:data-limit
 */
guint64
ferry_manager_get_data_limit (FerryManager *self)
{
  return get_t (self, NET_DATA_LIMIT);
}

/**
 * ferry_manager_get_billing_cycle_start_day:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:billing-cycle-start-day
 */
guint
ferry_manager_get_billing_cycle_start_day (FerryManager *self)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), 0);
  return self->values[NET_BILLING_CYCLE_START_DAY] != NULL
         ? g_variant_get_uint32 (self->values[NET_BILLING_CYCLE_START_DAY]) : 0;
}

/**
 * ferry_manager_get_on_track_to_exceed:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:on-track-to-exceed
 */
gboolean
ferry_manager_get_on_track_to_exceed (FerryManager *self)
{
  return get_b (self, NET_ON_TRACK_TO_EXCEED);
}

/**
 * ferry_manager_get_over_limit:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:over-limit
 */
gboolean
ferry_manager_get_over_limit (FerryManager *self)
{
  return get_b (self, NET_OVER_LIMIT);
}

/**
 * ferry_manager_get_restrict_background_data:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:restrict-background-data
 */
gboolean
ferry_manager_get_restrict_background_data (FerryManager *self)
{
  return get_b (self, NET_RESTRICT_BACKGROUND_DATA);
}

/**
 * ferry_manager_get_power_saver:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:power-saver
 */
gboolean
ferry_manager_get_power_saver (FerryManager *self)
{
  return get_b (self, NET_POWER_SAVER);
}

/**
 * ferry_manager_get_battery_low:
 * @self: a manager
 *
 * Returns: the value of #FerryManager:battery-low
 */
gboolean
ferry_manager_get_battery_low (FerryManager *self)
{
  return get_b (self, NET_BATTERY_LOW);
}

/* ---- calls ------------------------------------------------------------ */

static void
manager_call (FerryManager *self, gpointer tag, const char *method, GVariant *parameters,
              const GVariantType *reply_type, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  _ferry_call (self, tag, self->session, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, method,
               parameters, reply_type, cancellable, callback, user_data);
}

static gboolean
manager_call_finish (FerryManager *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_autoptr(GVariant) reply = _ferry_call_finish (self, result, tag, NULL, error);

  return reply != NULL;
}

static gboolean
manager_call_sync (FerryManager *self, const char *method, GVariant *parameters,
                   GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = ferry_session_call_sync (self->session, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE, method,
                                   parameters, G_VARIANT_TYPE_UNIT, NULL, NULL, cancellable,
                                   error);
  return reply != NULL;
}

/**
 * ferry_manager_set_data_limit:
 * @self: a manager
 * @connection: a NetworkManager connection UUID, or `""` for the current
 *   primary connection
 * @limit: the data limit of a billing cycle in bytes; 0 removes it
 * @cycle_start_day: the day of the month (1 to 28) a billing cycle starts
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has stored it
 * @user_data: data for @callback
 *
 * Sets the data limit of a connection. Only unconfined (host) callers may
 * change it.
 */
void
ferry_manager_set_data_limit (FerryManager *self, const char *connection, guint64 limit,
                              guint cycle_start_day, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_MANAGER (self));
  g_return_if_fail (connection != NULL);
  manager_call (self, ferry_manager_set_data_limit, "SetDataLimit",
                g_variant_new ("(stu)", connection, limit, cycle_start_day), G_VARIANT_TYPE_UNIT,
                cancellable, callback, user_data);
}

/**
 * ferry_manager_set_data_limit_finish:
 * @self: a manager
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the limit was stored
 */
gboolean
ferry_manager_set_data_limit_finish (FerryManager *self, GAsyncResult *result, GError **error)
{
  return manager_call_finish (self, result, ferry_manager_set_data_limit, error);
}

/**
 * ferry_manager_set_data_limit_sync:
 * @self: a manager
 * @connection: a NetworkManager connection UUID, or `""` for the current
 *   primary connection
 * @limit: the data limit of a billing cycle in bytes; 0 removes it
 * @cycle_start_day: the day of the month (1 to 28) a billing cycle starts
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sets the data limit of a connection, blocking the calling thread; see
 * ferry_manager_set_data_limit().
 *
 * Returns: whether the limit was stored
 */
gboolean
ferry_manager_set_data_limit_sync (FerryManager *self, const char *connection, guint64 limit,
                                   guint cycle_start_day, GCancellable *cancellable,
                                   GError **error)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (connection != NULL, FALSE);
  return manager_call_sync (self, "SetDataLimit",
                            g_variant_new ("(stu)", connection, limit, cycle_start_day),
                            cancellable, error);
}

/**
 * ferry_manager_set_restrict_background_data:
 * @self: a manager
 * @restrict_: whether no transfer may run on a connection over its data
 *   limit, whatever its cost policy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has stored it
 * @user_data: data for @callback
 *
 * Sets the restriction of background data. Host callers only.
 */
void
ferry_manager_set_restrict_background_data (FerryManager *self, gboolean restrict_,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_MANAGER (self));
  manager_call (self, ferry_manager_set_restrict_background_data, "SetRestrictBackgroundData",
                g_variant_new ("(b)", restrict_), G_VARIANT_TYPE_UNIT, cancellable, callback,
                user_data);
}

/**
 * ferry_manager_set_restrict_background_data_finish:
 * @self: a manager
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the setting was stored
 */
gboolean
ferry_manager_set_restrict_background_data_finish (FerryManager *self, GAsyncResult *result,
                                                   GError **error)
{
  return manager_call_finish (self, result, ferry_manager_set_restrict_background_data, error);
}

/**
 * ferry_manager_set_restrict_background_data_sync:
 * @self: a manager
 * @restrict_: whether no transfer may run on a connection over its data
 *   limit, whatever its cost policy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sets the restriction of background data, blocking the calling thread;
 * see ferry_manager_set_restrict_background_data().
 *
 * Returns: whether the setting was stored
 */
gboolean
ferry_manager_set_restrict_background_data_sync (FerryManager *self, gboolean restrict_,
                                                 GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), FALSE);
  return manager_call_sync (self, "SetRestrictBackgroundData", g_variant_new ("(b)", restrict_),
                            cancellable, error);
}

static GVariant *
completion_parameters (const char *group, const char *action)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (action != NULL)
    g_variant_builder_add (&options, "{sv}", "action", g_variant_new_string (action));
  return g_variant_new ("(sa{sv})", group, &options);
}

/**
 * ferry_manager_enable_completion_group:
 * @self: a manager
 * @group: a completion group of the application: the `completion-group`
 *   option of its transfers
 * @action: (nullable): the action to activate, %NULL for
 *   `ferry-transfers-done`
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the service has enabled it
 * @user_data: data for @callback
 *
 * Enables a completion group once all its transfers are created. When each
 * has ended, the service activates @action of the application through
 * `org.freedesktop.Application.ActivateAction`, even if it is not running,
 * with the group and its results. Needs a named application.
 */
void
ferry_manager_enable_completion_group (FerryManager *self, const char *group, const char *action,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail (FERRY_IS_MANAGER (self));
  g_return_if_fail (group != NULL);
  manager_call (self, ferry_manager_enable_completion_group, "EnableCompletionGroup",
                completion_parameters (group, action), G_VARIANT_TYPE_UNIT, cancellable,
                callback, user_data);
}

/**
 * ferry_manager_enable_completion_group_finish:
 * @self: a manager
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the group was enabled
 */
gboolean
ferry_manager_enable_completion_group_finish (FerryManager *self, GAsyncResult *result,
                                              GError **error)
{
  return manager_call_finish (self, result, ferry_manager_enable_completion_group, error);
}

/**
 * ferry_manager_enable_completion_group_sync:
 * @self: a manager
 * @group: a completion group of the application
 * @action: (nullable): the action to activate, %NULL for
 *   `ferry-transfers-done`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Enables a completion group, blocking the calling thread; see
 * ferry_manager_enable_completion_group().
 *
 * Returns: whether the group was enabled
 */
gboolean
ferry_manager_enable_completion_group_sync (FerryManager *self, const char *group,
                                            const char *action, GCancellable *cancellable,
                                            GError **error)
{
  g_return_val_if_fail (FERRY_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (group != NULL, FALSE);
  return manager_call_sync (self, "EnableCompletionGroup", completion_parameters (group, action),
                            cancellable, error);
}

static GVariant *
split_results (GVariant *reply, gboolean *out_complete)
{
  gboolean complete;
  GVariant *results;

  g_variant_get (reply, "(b@a(oss))", &complete, &results);
  if (out_complete != NULL)
    *out_complete = complete;
  return results;
}

/**
 * ferry_manager_get_completion_group_results:
 * @self: a manager
 * @group: a completion group of the application
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the results
 * @user_data: data for @callback
 *
 * Asks the service for the results of a completion group: what it gives
 * the application's action when the group is complete.
 */
void
ferry_manager_get_completion_group_results (FerryManager *self, const char *group,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (FERRY_IS_MANAGER (self));
  g_return_if_fail (group != NULL);
  manager_call (self, ferry_manager_get_completion_group_results, "GetCompletionGroupResults",
                g_variant_new ("(s)", group), G_VARIANT_TYPE ("(ba(oss))"), cancellable,
                callback, user_data);
}

/**
 * ferry_manager_get_completion_group_results_finish:
 * @self: a manager
 * @result: the result passed to the callback
 * @out_complete: (out) (optional): whether every transfer of the group
 *   has ended
 * @error: return location for an error
 *
 * Returns: (transfer full): an `a(oss)` of the object path, status and
 *   error name of each transfer of the group, or %NULL with @error set
 */
GVariant *
ferry_manager_get_completion_group_results_finish (FerryManager *self, GAsyncResult *result,
                                                   gboolean *out_complete, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = _ferry_call_finish (self, result, ferry_manager_get_completion_group_results, NULL,
                              error);
  if (reply == NULL)
    return NULL;
  return split_results (reply, out_complete);
}

/**
 * ferry_manager_get_completion_group_results_sync:
 * @self: a manager
 * @group: a completion group of the application
 * @out_complete: (out) (optional): whether every transfer of the group
 *   has ended
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Asks for the results of a completion group, blocking the calling
 * thread; see ferry_manager_get_completion_group_results().
 *
 * Returns: (transfer full): an `a(oss)` of the object path, status and
 *   error name of each transfer of the group, or %NULL with @error set
 */
GVariant *
ferry_manager_get_completion_group_results_sync (FerryManager *self, const char *group,
                                                 gboolean *out_complete,
                                                 GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (FERRY_IS_MANAGER (self), NULL);
  g_return_val_if_fail (group != NULL, NULL);
  reply = ferry_session_call_sync (self->session, FERRY_MANAGER_PATH, FERRY_MANAGER_IFACE,
                                   "GetCompletionGroupResults", g_variant_new ("(s)", group),
                                   G_VARIANT_TYPE ("(ba(oss))"), NULL, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  return split_results (reply, out_complete);
}
