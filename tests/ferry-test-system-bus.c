/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-test"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ferry-test-fixture.h"
#include "ferry-test-system-bus.h"

#define PYTHON "/usr/bin/python3"

#define NM_BUS_NAME "org.freedesktop.NetworkManager"
#define NM_ROOT_PATH "/org/freedesktop"
#define NM_PATH "/org/freedesktop/NetworkManager"
#define NM_IFACE "org.freedesktop.NetworkManager"
#define NM_SETTINGS_PATH "/org/freedesktop/NetworkManager/Settings"
#define NM_SETTINGS_IFACE "org.freedesktop.NetworkManager.Settings"
#define NM_DEVICE_IFACE "org.freedesktop.NetworkManager.Device"
#define NM_MODEM_IFACE "org.freedesktop.NetworkManager.Device.Modem"
#define NM_STATISTICS_IFACE "org.freedesktop.NetworkManager.Device.Statistics"
#define NM_DEVICE_STATE_ACTIVATED 100
#define NM_ACTIVE_CONNECTION_ACTIVATED 2

#define MM_BUS_NAME "org.freedesktop.ModemManager1"
#define MM_PATH "/org/freedesktop/ModemManager1"
#define MM_MODEM_PATH "/org/freedesktop/ModemManager1/Modem/0"
#define MM_MODEM_IFACE "org.freedesktop.ModemManager1.Modem"
#define MM_3GPP_IFACE "org.freedesktop.ModemManager1.Modem.Modem3gpp"

#define PPD_BUS_NAME "net.hadess.PowerProfiles"
#define PPD_PATH "/net/hadess/PowerProfiles"
#define PPD_IFACE "net.hadess.PowerProfiles"

#define UPOWER_BUS_NAME "org.freedesktop.UPower"
#define UPOWER_DISPLAY_PATH "/org/freedesktop/UPower/devices/DisplayDevice"
#define UPOWER_DEVICE_IFACE "org.freedesktop.UPower.Device"

#define MOCK_IFACE "org.freedesktop.DBus.Mock"
#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

typedef struct {
  char        *bus_name;
  GSubprocess *process;
} Mock;

struct _FerryTestSystemBus
{
  char                *dir;
  char                *address;
  GSubprocess         *daemon;
  GDataInputStream    *daemon_stdout;
  GDBusConnection     *connection;
  GPtrArray           *mocks;         /* Mock, in start order */
  GPtrArray           *connections;   /* FerryMockConnection */
  GHashTable          *updaters;      /* "bus_name path" with an update method */
  FerryMockConnection *primary;
};

/* A test that aborts takes every process it started with it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
process_gone (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

/* SIGTERM, and wait for the process to exit. */
static void
stop_process (GSubprocess *process, const char *what)
{
  if (process_gone (process))
    return;
  g_subprocess_send_signal (process, SIGTERM);
  if (!ferry_test_wait_until (process_gone, process, FERRY_TEST_TIMEOUT_MS))
    {
      g_printerr ("# %s ignored SIGTERM; killing it\n", what);
      g_subprocess_force_exit (process);
      ferry_test_wait_until (process_gone, process, FERRY_TEST_TIMEOUT_MS);
    }
}

/* ---- the daemon --------------------------------------------------------- */

/* Anyone may own any name and talk to anyone, as on GTestDBus's bus. */
static const char daemon_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>system</type>\n"
  "  <listen>unix:tmpdir=/tmp</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

typedef struct {
  gboolean done;
  char    *line;
  GError  *error;
} ReadLine;

static void
read_line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ReadLine *line = user_data;

  line->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &line->error);
  line->done = TRUE;
}

static gboolean
read_done (gpointer data)
{
  return ((ReadLine *) data)->done;
}

FerryTestSystemBus *
ferry_test_system_bus_new (const char *dir)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_build_filename (dir, "system-bus.conf", NULL);
  g_autofree char *config_arg = g_strconcat ("--config-file=", config, NULL);
  FerryTestSystemBus *bus = g_new0 (FerryTestSystemBus, 1);
  ReadLine address = { FALSE, NULL, NULL };

  bus->dir = g_strdup (dir);
  bus->mocks = g_ptr_array_new ();
  bus->connections = g_ptr_array_new ();
  bus->updaters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_file_set_contents (config, daemon_config, -1, &error);
  g_assert_no_error (error);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bus->daemon = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", config_arg,
                                             "--nofork", "--print-address=1", NULL);
  g_assert_no_error (error);
  bus->daemon_stdout =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus->daemon));
  g_data_input_stream_read_line_async (bus->daemon_stdout, G_PRIORITY_DEFAULT, NULL,
                                       read_line_cb, &address);
  if (!ferry_test_wait_until (read_done, &address, FERRY_TEST_TIMEOUT_MS))
    g_error ("the system bus's dbus-daemon did not print its address");
  g_assert_no_error (address.error);
  if (address.line == NULL || *address.line == '\0')
    g_error ("the system bus's dbus-daemon exited without an address");
  bus->address = g_strstrip (address.line);

  bus->connection =
    g_dbus_connection_new_for_address_sync (bus->address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("private system bus at %s", bus->address);
  return bus;
}

static void
mock_connection_free (FerryMockConnection *connection)
{
  g_free (connection->uuid);
  g_free (connection->type);
  g_free (connection->device);
  g_free (connection->active);
  g_free (connection);
}

void
ferry_test_system_bus_free (FerryTestSystemBus *bus)
{
  /* The mocks go first: they exit on their own when their bus goes. */
  for (guint i = bus->mocks->len; i > 0; i--)
    {
      Mock *mock = g_ptr_array_index (bus->mocks, i - 1);

      stop_process (mock->process, mock->bus_name);
      g_object_unref (mock->process);
      g_free (mock->bus_name);
      g_free (mock);
    }
  g_ptr_array_unref (bus->mocks);
  g_ptr_array_set_free_func (bus->connections, (GDestroyNotify) mock_connection_free);
  g_ptr_array_unref (bus->connections);
  g_hash_table_unref (bus->updaters);

  g_dbus_connection_close_sync (bus->connection, NULL, NULL);
  g_clear_object (&bus->connection);
  stop_process (bus->daemon, "the system bus's dbus-daemon");
  g_clear_object (&bus->daemon_stdout);
  g_clear_object (&bus->daemon);
  g_free (bus->address);
  g_free (bus->dir);
  g_free (bus);
}

const char *
ferry_test_system_bus_get_address (FerryTestSystemBus *bus)
{
  return bus->address;
}

GDBusConnection *
ferry_test_system_bus_get_connection (FerryTestSystemBus *bus)
{
  return bus->connection;
}

/* ---- generic mocks ------------------------------------------------------ */

typedef struct {
  FerryTestSystemBus *bus;
  const char         *bus_name;
  GSubprocess        *process;
} MockStart;

static gboolean
name_has_owner (FerryTestSystemBus *bus, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static gboolean
mock_owns_name_or_exited (gpointer data)
{
  MockStart *start = data;

  return process_gone (start->process) || name_has_owner (start->bus, start->bus_name);
}

void
ferry_test_mock_start (FerryTestSystemBus *bus,
                       const char         *bus_name,
                       const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GStrvBuilder) argv_builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *log_name = g_strconcat (bus_name, ".log", NULL);
  g_autofree char *log = g_build_filename (bus->dir, log_name, NULL);
  g_autoptr(GError) error = NULL;
  Mock *mock;
  MockStart start;

  g_strv_builder_add_many (argv_builder, PYTHON, "-m", "dbusmock", "--system", "--logfile", log,
                           NULL);
  g_strv_builder_addv (argv_builder, (const char **) args);
  argv = g_strv_builder_end (argv_builder);

  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", bus->address, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* stdout carries TAP: whatever the mock prints goes to stderr. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));

  mock = g_new0 (Mock, 1);
  mock->bus_name = g_strdup (bus_name);
  mock->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_ptr_array_add (bus->mocks, mock);

  start = (MockStart) { bus, bus_name, mock->process };
  if (!ferry_test_wait_until (mock_owns_name_or_exited, &start, FERRY_TEST_TIMEOUT_MS))
    g_error ("the mock of %s did not take its name within %d ms", bus_name,
             FERRY_TEST_TIMEOUT_MS);
  if (process_gone (mock->process))
    g_error ("the mock of %s exited at startup (is python3-dbusmock installed?)", bus_name);
}

GVariant *
ferry_test_mock_call (FerryTestSystemBus *bus,
                      const char         *bus_name,
                      const char         *path,
                      const char         *interface,
                      const char         *method,
                      GVariant           *parameters,
                      const GVariantType *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (bus->connection, bus_name, path, interface, method,
                                       parameters, reply_type, G_DBUS_CALL_FLAGS_NONE,
                                       FERRY_TEST_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    g_error ("the mock %s refused %s.%s on %s: %s", bus_name, interface, method, path,
             error->message);
  return reply;
}

void
ferry_test_mock_set (FerryTestSystemBus *bus,
                     const char         *bus_name,
                     const char         *path,
                     const char         *interface,
                     const char         *property,
                     GVariant           *value)
{
  g_autoptr(GVariant) reply =
    ferry_test_mock_call (bus, bus_name, path, "org.freedesktop.DBus.Properties", "Set",
                          g_variant_new ("(ssv)", interface, property, value),
                          G_VARIANT_TYPE_UNIT);
}

/* dbusmock's own UpdateProperties cannot send object paths (0.28), so each
 * object that needs it gets a small method of ours. */
#define UPDATER_IFACE "org.freedesktop.FerryTest.Mock"
static const char updater_code[] =
  "for name, value in args[1].items():\n"
  "    self.props[args[0]][name] = value\n"
  "self.EmitSignal('org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as',\n"
  "                [args[0], args[1], []])\n";

void
ferry_test_mock_update (FerryTestSystemBus *bus,
                        const char         *bus_name,
                        const char         *path,
                        const char         *interface,
                        GVariant           *properties)
{
  g_autofree char *key = g_strconcat (bus_name, " ", path, NULL);
  g_autoptr(GVariant) reply = NULL;

  if (!g_hash_table_contains (bus->updaters, key))
    {
      reply = ferry_test_mock_call (bus, bus_name, path, MOCK_IFACE, "AddMethod",
                                    g_variant_new ("(sssss)", UPDATER_IFACE, "UpdateProperties",
                                                   "sa{sv}", "", updater_code),
                                    G_VARIANT_TYPE_UNIT);
      g_clear_pointer (&reply, g_variant_unref);
      g_hash_table_add (bus->updaters, g_steal_pointer (&key));
    }
  reply = ferry_test_mock_call (bus, bus_name, path, UPDATER_IFACE, "UpdateProperties",
                                g_variant_new ("(s@a{sv})", interface, properties),
                                G_VARIANT_TYPE_UNIT);
}

void
ferry_test_mock_add_property (FerryTestSystemBus *bus,
                              const char         *bus_name,
                              const char         *path,
                              const char         *interface,
                              const char         *property,
                              GVariant           *value)
{
  g_autoptr(GVariant) reply =
    ferry_test_mock_call (bus, bus_name, path, MOCK_IFACE, "AddProperty",
                          g_variant_new ("(ssv)", interface, property, value),
                          G_VARIANT_TYPE_UNIT);
}

GVariant *
ferry_test_mock_get (FerryTestSystemBus *bus,
                     const char         *bus_name,
                     const char         *path,
                     const char         *interface,
                     const char         *property)
{
  g_autoptr(GVariant) reply =
    ferry_test_mock_call (bus, bus_name, path, "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", interface, property), G_VARIANT_TYPE ("(v)"));
  GVariant *value = NULL;

  g_variant_get (reply, "(v)", &value);
  return value;
}

/* Adds an object with the interfaces @interfaces (a{sa{sv}}, floating) to
 * the mock @bus_name, and tells its ObjectManager at @manager_path. */
static void
mock_add_object (FerryTestSystemBus *bus,
                 const char         *bus_name,
                 const char         *manager_path,
                 const char         *path,
                 GVariant           *interfaces)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (interfaces);
  g_autoptr(GVariant) reply = NULL;
  GVariantIter iter;
  const char *interface;
  GVariant *properties;
  gboolean first = TRUE;
  GVariant *signal_args[2];

  g_variant_iter_init (&iter, owned);
  while (g_variant_iter_loop (&iter, "{&s@a{sv}}", &interface, &properties))
    {
      g_autoptr(GVariant) added = NULL;

      if (first)
        added = ferry_test_mock_call (bus, bus_name, manager_path, MOCK_IFACE, "AddObject",
                                      g_variant_new ("(ss@a{sv}@a(ssss))", path, interface,
                                                     properties,
                                                     g_variant_new_array (G_VARIANT_TYPE ("(ssss)"),
                                                                          NULL, 0)),
                                      G_VARIANT_TYPE_UNIT);
      else
        added = ferry_test_mock_call (bus, bus_name, path, MOCK_IFACE, "AddProperties",
                                      g_variant_new ("(s@a{sv})", interface, properties),
                                      G_VARIANT_TYPE_UNIT);
      first = FALSE;
    }

  signal_args[0] = g_variant_new_variant (g_variant_new_object_path (path));
  signal_args[1] = g_variant_new_variant (owned);
  reply = ferry_test_mock_call (bus, bus_name, manager_path, MOCK_IFACE, "EmitSignal",
                                g_variant_new ("(sss@av)", OBJECT_MANAGER_IFACE, "InterfacesAdded",
                                               "oa{sa{sv}}",
                                               g_variant_new_array (G_VARIANT_TYPE_VARIANT,
                                                                    signal_args, 2)),
                                G_VARIANT_TYPE_UNIT);
}

/* Adds @interface with @properties (a{sv}, floating) to an existing object
 * of the mock, and tells its ObjectManager. */
static void
mock_add_interface (FerryTestSystemBus *bus,
                    const char         *bus_name,
                    const char         *manager_path,
                    const char         *path,
                    const char         *interface,
                    GVariant           *properties)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (properties);
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder interfaces;
  GVariant *signal_args[2];

  reply = ferry_test_mock_call (bus, bus_name, path, MOCK_IFACE, "AddProperties",
                                g_variant_new ("(s@a{sv})", interface, owned),
                                G_VARIANT_TYPE_UNIT);
  g_clear_pointer (&reply, g_variant_unref);

  g_variant_builder_init (&interfaces, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&interfaces, "{s@a{sv}}", interface, owned);
  signal_args[0] = g_variant_new_variant (g_variant_new_object_path (path));
  signal_args[1] = g_variant_new_variant (g_variant_builder_end (&interfaces));
  reply = ferry_test_mock_call (bus, bus_name, manager_path, MOCK_IFACE, "EmitSignal",
                                g_variant_new ("(sss@av)", OBJECT_MANAGER_IFACE, "InterfacesAdded",
                                               "oa{sa{sv}}",
                                               g_variant_new_array (G_VARIANT_TYPE_VARIANT,
                                                                    signal_args, 2)),
                                G_VARIANT_TYPE_UNIT);
}

/* ---- NetworkManager ----------------------------------------------------- */

void
ferry_mock_nm_start (FerryTestSystemBus *bus)
{
  ferry_test_mock_start (bus, NM_BUS_NAME,
                         (const char * const[]) { "--template", "networkmanager", NULL });
  /* What the template leaves out and ferryd reads through libnm. */
  ferry_test_mock_add_property (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, "Metered",
                                g_variant_new_uint32 (FERRY_NM_METERED_UNKNOWN));
  ferry_test_mock_add_property (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, "PrimaryConnection",
                                g_variant_new_object_path ("/"));
  ferry_test_mock_add_property (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, "PrimaryConnectionType",
                                g_variant_new_string (""));
}

/* A modem device as NetworkManager shows one (the template has no helper
 * for it). */
static char *
add_modem_device (FerryTestSystemBus *bus, const char *name)
{
  char *path = g_strconcat (NM_PATH "/Devices/", name, NULL);
  g_autoptr(GVariant) devices = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder interfaces, modem, device, list;
  GVariantIter iter;
  const char *existing;

  g_variant_builder_init (&modem, G_VARIANT_TYPE_VARDICT);
  /* NM_DEVICE_MODEM_CAPABILITY_LTE */
  g_variant_builder_add (&modem, "{sv}", "ModemCapabilities", g_variant_new_uint32 (8));
  g_variant_builder_add (&modem, "{sv}", "CurrentCapabilities", g_variant_new_uint32 (8));
  g_variant_builder_add (&modem, "{sv}", "DeviceId", g_variant_new_string ("ferry-test-modem"));
  g_variant_builder_add (&modem, "{sv}", "OperatorCode", g_variant_new_string ("00101"));
  g_variant_builder_add (&modem, "{sv}", "Apn", g_variant_new_string ("internet"));

  g_variant_builder_init (&device, G_VARIANT_TYPE_VARDICT);
  /* NM_DEVICE_TYPE_MODEM */
  g_variant_builder_add (&device, "{sv}", "DeviceType", g_variant_new_uint32 (8));
  g_variant_builder_add (&device, "{sv}", "State", g_variant_new_uint32 (NM_DEVICE_STATE_ACTIVATED));
  g_variant_builder_add (&device, "{sv}", "StateReason",
                         g_variant_new ("(uu)", NM_DEVICE_STATE_ACTIVATED, 0));
  g_variant_builder_add (&device, "{sv}", "Interface", g_variant_new_string ("cdc-wdm0"));
  g_variant_builder_add (&device, "{sv}", "IpInterface", g_variant_new_string ("wwan0"));
  g_variant_builder_add (&device, "{sv}", "ActiveConnection", g_variant_new_object_path ("/"));
  g_variant_builder_add (&device, "{sv}", "AvailableConnections",
                         g_variant_new_array (G_VARIANT_TYPE_OBJECT_PATH, NULL, 0));
  g_variant_builder_add (&device, "{sv}", "AutoConnect", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&device, "{sv}", "Managed", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&device, "{sv}", "Driver", g_variant_new_string ("dbusmock"));

  g_variant_builder_init (&interfaces, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&interfaces, "{sa{sv}}", NM_DEVICE_IFACE, &device);
  g_variant_builder_add (&interfaces, "{sa{sv}}", NM_MODEM_IFACE, &modem);
  mock_add_object (bus, NM_BUS_NAME, NM_ROOT_PATH, path, g_variant_builder_end (&interfaces));

  devices = ferry_test_mock_get (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, "Devices");
  g_variant_builder_init (&list, G_VARIANT_TYPE_OBJECT_PATH_ARRAY);
  g_variant_iter_init (&iter, devices);
  while (g_variant_iter_next (&iter, "&o", &existing))
    g_variant_builder_add (&list, "o", existing);
  g_variant_builder_add (&list, "o", path);
  ferry_test_mock_set (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, "Devices", g_variant_builder_end (&list));
  reply = ferry_test_mock_call (bus, NM_BUS_NAME, NM_PATH, MOCK_IFACE, "EmitSignal",
                                g_variant_new ("(sss@av)", NM_IFACE, "DeviceAdded", "o",
                                               g_variant_new_array (G_VARIANT_TYPE_VARIANT,
                                                                    (GVariant *[]) {
                                                                      g_variant_new_variant (g_variant_new_object_path (path))
                                                                    }, 1)),
                                G_VARIANT_TYPE_UNIT);
  return path;
}

static char *
add_ethernet_device (FerryTestSystemBus *bus, const char *name)
{
  g_autoptr(GVariant) reply =
    ferry_test_mock_call (bus, NM_BUS_NAME, NM_ROOT_PATH, MOCK_IFACE, "AddEthernetDevice",
                          g_variant_new ("(ssi)", name, name, NM_DEVICE_STATE_ACTIVATED),
                          G_VARIANT_TYPE ("(s)"));
  char *path = NULL;

  g_variant_get (reply, "(s)", &path);
  return path;
}

FerryMockConnection *
ferry_mock_nm_add_connection (FerryTestSystemBus *bus,
                              const char         *name,
                              const char         *type,
                              guint32             metered)
{
  FerryMockConnection *connection = g_new0 (FerryMockConnection, 1);
  g_autoptr(GVariant) settings_reply = NULL;
  g_autoptr(GVariant) active_reply = NULL;
  g_autofree char *settings_path = NULL;
  GVariantBuilder settings, connection_settings, statistics;
  const char *devices[2] = { NULL, NULL };

  connection->uuid = g_uuid_string_random ();
  connection->type = g_strdup (type);
  connection->metered = metered;
  /* Traffic from before ferryd looked: a baseline, never usage. */
  connection->rx_bytes = 7 * 1000 * 1000;
  connection->tx_bytes = 300 * 1000;

  if (strcmp (type, "gsm") == 0 || strcmp (type, "cdma") == 0)
    connection->device = add_modem_device (bus, name);
  else
    connection->device = add_ethernet_device (bus, name);
  ferry_test_mock_add_property (bus, NM_BUS_NAME, connection->device, NM_DEVICE_IFACE, "Metered",
                                g_variant_new_uint32 (metered));
  g_variant_builder_init (&statistics, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&statistics, "{sv}", "RefreshRateMs", g_variant_new_uint32 (0));
  g_variant_builder_add (&statistics, "{sv}", "TxBytes", g_variant_new_uint64 (connection->tx_bytes));
  g_variant_builder_add (&statistics, "{sv}", "RxBytes", g_variant_new_uint64 (connection->rx_bytes));
  mock_add_interface (bus, NM_BUS_NAME, NM_ROOT_PATH, connection->device, NM_STATISTICS_IFACE,
                      g_variant_builder_end (&statistics));

  g_variant_builder_init (&connection_settings, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&connection_settings, "{sv}", "id", g_variant_new_string (name));
  g_variant_builder_add (&connection_settings, "{sv}", "uuid", g_variant_new_string (connection->uuid));
  g_variant_builder_add (&connection_settings, "{sv}", "type", g_variant_new_string (type));
  g_variant_builder_add (&connection_settings, "{sv}", "autoconnect", g_variant_new_boolean (FALSE));
  g_variant_builder_init (&settings, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&settings, "{sa{sv}}", "connection", &connection_settings);
  settings_reply = ferry_test_mock_call (bus, NM_BUS_NAME, NM_SETTINGS_PATH, NM_SETTINGS_IFACE,
                                         "AddConnection",
                                         g_variant_new ("(@a{sa{sv}})",
                                                        g_variant_builder_end (&settings)),
                                         G_VARIANT_TYPE ("(o)"));
  g_variant_get (settings_reply, "(o)", &settings_path);

  devices[0] = connection->device;
  active_reply = ferry_test_mock_call (bus, NM_BUS_NAME, NM_ROOT_PATH, MOCK_IFACE,
                                       "AddActiveConnection",
                                       g_variant_new ("(^assssu)", devices, settings_path, "/",
                                                      name, NM_ACTIVE_CONNECTION_ACTIVATED),
                                       G_VARIANT_TYPE ("(s)"));
  g_variant_get (active_reply, "(s)", &connection->active);

  g_ptr_array_add (bus->connections, connection);
  return connection;
}

void
ferry_mock_nm_set_primary (FerryTestSystemBus *bus, FerryMockConnection *connection)
{
  GVariantBuilder properties;

  /* One PropertiesChanged for all three, as NetworkManager sends it, so
   * that nobody sees the new connection with the old metered value. */
  g_variant_builder_init (&properties, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&properties, "{sv}", "Metered",
                         g_variant_new_uint32 (connection ? connection->metered
                                                          : FERRY_NM_METERED_UNKNOWN));
  g_variant_builder_add (&properties, "{sv}", "PrimaryConnectionType",
                         g_variant_new_string (connection ? connection->type : ""));
  g_variant_builder_add (&properties, "{sv}", "PrimaryConnection",
                         g_variant_new_object_path (connection ? connection->active : "/"));
  ferry_test_mock_update (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, g_variant_builder_end (&properties));
  bus->primary = connection;
}

void
ferry_mock_nm_set_metered (FerryTestSystemBus *bus, guint32 metered)
{
  g_assert_nonnull (bus->primary);
  bus->primary->metered = metered;
  ferry_test_mock_set (bus, NM_BUS_NAME, bus->primary->device, NM_DEVICE_IFACE, "Metered",
                       g_variant_new_uint32 (metered));
  ferry_test_mock_set (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, "Metered",
                       g_variant_new_uint32 (metered));
}

void
ferry_mock_nm_set_connectivity (FerryTestSystemBus *bus, guint32 connectivity)
{
  ferry_test_mock_set (bus, NM_BUS_NAME, NM_PATH, NM_IFACE, "Connectivity",
                       g_variant_new_uint32 (connectivity));
}

void
ferry_mock_nm_add_traffic (FerryTestSystemBus  *bus,
                           FerryMockConnection *connection,
                           guint64              rx_bytes)
{
  connection->rx_bytes += rx_bytes;
  ferry_test_mock_set (bus, NM_BUS_NAME, connection->device, NM_STATISTICS_IFACE, "RxBytes",
                       g_variant_new_uint64 (connection->rx_bytes));
}

guint32
ferry_mock_nm_get_refresh_rate (FerryTestSystemBus *bus, FerryMockConnection *connection)
{
  g_autoptr(GVariant) value = ferry_test_mock_get (bus, NM_BUS_NAME, connection->device,
                                                   NM_STATISTICS_IFACE, "RefreshRateMs");

  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32));
  return g_variant_get_uint32 (value);
}

FerryMockConnection *
ferry_mock_nm_start_with_ethernet (FerryTestSystemBus *bus, guint32 metered)
{
  FerryMockConnection *ethernet;

  ferry_mock_nm_start (bus);
  ethernet = ferry_mock_nm_add_connection (bus, "eth0", "802-3-ethernet", metered);
  ferry_mock_nm_set_primary (bus, ethernet);
  return ethernet;
}

/* ---- ModemManager ------------------------------------------------------- */

void
ferry_mock_mm_start_with_modem (FerryTestSystemBus *bus, guint32 registration)
{
  GVariantBuilder interfaces, modem, modem_3gpp;

  ferry_test_mock_start (bus, MM_BUS_NAME,
                         (const char * const[]) { "--is-object-manager", MM_BUS_NAME, MM_PATH,
                                                  "org.freedesktop.ModemManager1", NULL });

  g_variant_builder_init (&modem, G_VARIANT_TYPE_VARDICT);
  /* MM_MODEM_STATE_CONNECTED, MM_MODEM_ACCESS_TECHNOLOGY_LTE */
  g_variant_builder_add (&modem, "{sv}", "State", g_variant_new_int32 (11));
  g_variant_builder_add (&modem, "{sv}", "AccessTechnologies", g_variant_new_uint32 (1 << 14));
  g_variant_builder_add (&modem, "{sv}", "Manufacturer", g_variant_new_string ("Ferry"));
  g_variant_builder_add (&modem, "{sv}", "Model", g_variant_new_string ("Test modem"));
  g_variant_builder_add (&modem, "{sv}", "PrimaryPort", g_variant_new_string ("cdc-wdm0"));

  g_variant_builder_init (&modem_3gpp, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&modem_3gpp, "{sv}", "RegistrationState", g_variant_new_uint32 (registration));
  g_variant_builder_add (&modem_3gpp, "{sv}", "OperatorCode", g_variant_new_string ("00101"));
  g_variant_builder_add (&modem_3gpp, "{sv}", "OperatorName", g_variant_new_string ("Ferry Mobile"));

  g_variant_builder_init (&interfaces, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&interfaces, "{sa{sv}}", MM_MODEM_IFACE, &modem);
  g_variant_builder_add (&interfaces, "{sa{sv}}", MM_3GPP_IFACE, &modem_3gpp);
  mock_add_object (bus, MM_BUS_NAME, MM_PATH, MM_MODEM_PATH, g_variant_builder_end (&interfaces));
}

void
ferry_mock_mm_set_registration (FerryTestSystemBus *bus, guint32 registration)
{
  ferry_test_mock_set (bus, MM_BUS_NAME, MM_MODEM_PATH, MM_3GPP_IFACE, "RegistrationState",
                       g_variant_new_uint32 (registration));
}

/* ---- power -------------------------------------------------------------- */

void
ferry_mock_power_profiles_start (FerryTestSystemBus *bus, const char *profile)
{
  ferry_test_mock_start (bus, PPD_BUS_NAME,
                         (const char * const[]) { "--template", "power_profiles_daemon", NULL });
  ferry_mock_power_profiles_set (bus, profile);
}

void
ferry_mock_power_profiles_set (FerryTestSystemBus *bus, const char *profile)
{
  ferry_test_mock_set (bus, PPD_BUS_NAME, PPD_PATH, PPD_IFACE, "ActiveProfile",
                       g_variant_new_string (profile));
}

void
ferry_mock_upower_start (FerryTestSystemBus *bus, guint32 warning_level)
{
  ferry_test_mock_start (bus, UPOWER_BUS_NAME,
                         (const char * const[]) { "--template", "upower",
                                                  "--parameters", "{\"OnBattery\": true}", NULL });
  /* UP_DEVICE_KIND_BATTERY, UP_DEVICE_STATE_DISCHARGING */
  ferry_test_mock_set (bus, UPOWER_BUS_NAME, UPOWER_DISPLAY_PATH, UPOWER_DEVICE_IFACE, "Type",
                       g_variant_new_uint32 (2));
  ferry_test_mock_set (bus, UPOWER_BUS_NAME, UPOWER_DISPLAY_PATH, UPOWER_DEVICE_IFACE, "State",
                       g_variant_new_uint32 (2));
  ferry_test_mock_set (bus, UPOWER_BUS_NAME, UPOWER_DISPLAY_PATH, UPOWER_DEVICE_IFACE, "IsPresent",
                       g_variant_new_boolean (TRUE));
  ferry_test_mock_set (bus, UPOWER_BUS_NAME, UPOWER_DISPLAY_PATH, UPOWER_DEVICE_IFACE, "Percentage",
                       g_variant_new_double (warning_level >= FERRY_UP_LEVEL_LOW ? 4.0 : 60.0));
  ferry_mock_upower_set_warning_level (bus, warning_level);
}

void
ferry_mock_upower_set_warning_level (FerryTestSystemBus *bus, guint32 warning_level)
{
  ferry_test_mock_set (bus, UPOWER_BUS_NAME, UPOWER_DISPLAY_PATH, UPOWER_DEVICE_IFACE,
                       "WarningLevel", g_variant_new_uint32 (warning_level));
}
