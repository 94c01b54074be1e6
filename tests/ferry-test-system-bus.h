/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * FerryTestSystemBus: a private dbus-daemon that stands in for the system
 * bus, and python3-dbusmock processes on it that stand in for the system
 * services ferryd watches: NetworkManager, ModemManager,
 * power-profiles-daemon and UPower.
 *
 * The fixture starts one when its config asks for it (system_bus) and hands
 * its address to ferryd as DBUS_SYSTEM_BUS_ADDRESS. The test then starts the
 * mocks it needs, shapes them with the calls below, and changes them while
 * ferryd runs: every change goes through org.freedesktop.DBus.Properties.Set
 * on the mock, which emits PropertiesChanged as the real service would.
 *
 * Every process started here is stopped by ferry_test_system_bus_free(), and
 * dies with the test process if that aborts (PR_SET_PDEATHSIG).
 */

typedef struct _FerryTestSystemBus FerryTestSystemBus;

/* Starts a dbus-daemon listening in @dir and waits until it answers. */
FerryTestSystemBus *ferry_test_system_bus_new (const char *dir);
/* Stops the mocks, then the daemon. */
void                ferry_test_system_bus_free (FerryTestSystemBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FerryTestSystemBus, ferry_test_system_bus_free)

const char      *ferry_test_system_bus_get_address (FerryTestSystemBus *bus);
/* A connection of the test's own to the system bus. */
GDBusConnection *ferry_test_system_bus_get_connection (FerryTestSystemBus *bus);

/* ---- generic mocks ----------------------------------------------------- */

/* Runs "python3 -m dbusmock --system @args…" and waits until @bus_name has
 * an owner. Its log goes to "<dir>/<bus_name>.log". */
void      ferry_test_mock_start (FerryTestSystemBus *bus,
                                 const char         *bus_name,
                                 const char * const *args);

/* Calls a method of the mock that must succeed; @parameters may be
 * floating or NULL. Returns the reply. */
GVariant *ferry_test_mock_call (FerryTestSystemBus *bus,
                                const char         *bus_name,
                                const char         *path,
                                const char         *interface,
                                const char         *method,
                                GVariant           *parameters,
                                const GVariantType *reply_type);
/* org.freedesktop.DBus.Properties.Set on a mock object: it changes the
 * value and emits PropertiesChanged. @value may be floating. */
void      ferry_test_mock_set (FerryTestSystemBus *bus,
                               const char         *bus_name,
                               const char         *path,
                               const char         *interface,
                               const char         *property,
                               GVariant           *value);
/* Changes several properties of one interface of a mock object at once,
 * with one PropertiesChanged as the real services send it. @properties is
 * an a{sv}, floating or not. */
void      ferry_test_mock_update (FerryTestSystemBus *bus,
                                  const char         *bus_name,
                                  const char         *path,
                                  const char         *interface,
                                  GVariant           *properties);
/* org.freedesktop.DBus.Mock.AddProperty on a mock object (no signal). */
void      ferry_test_mock_add_property (FerryTestSystemBus *bus,
                                        const char         *bus_name,
                                        const char         *path,
                                        const char         *interface,
                                        const char         *property,
                                        GVariant           *value);
/* org.freedesktop.DBus.Properties.Get on a mock object. */
GVariant *ferry_test_mock_get (FerryTestSystemBus *bus,
                               const char         *bus_name,
                               const char         *path,
                               const char         *interface,
                               const char         *property);

/* ---- NetworkManager ---------------------------------------------------- */

/* NMConnectivityState */
#define FERRY_NM_CONNECTIVITY_UNKNOWN 0
#define FERRY_NM_CONNECTIVITY_NONE    1
#define FERRY_NM_CONNECTIVITY_PORTAL  2
#define FERRY_NM_CONNECTIVITY_LIMITED 3
#define FERRY_NM_CONNECTIVITY_FULL    4

/* NMMetered */
#define FERRY_NM_METERED_UNKNOWN   0
#define FERRY_NM_METERED_YES       1
#define FERRY_NM_METERED_NO        2
#define FERRY_NM_METERED_GUESS_YES 3
#define FERRY_NM_METERED_GUESS_NO  4

/* One NetworkManager connection, active on a device of its own. */
typedef struct {
  char   *uuid;
  char   *type;        /* "802-3-ethernet", "gsm", … */
  char   *device;      /* the device's object path */
  char   *active;      /* the ActiveConnection's object path */
  guint32 metered;     /* what the device says when it is primary */
  guint64 rx_bytes;    /* the device's Statistics counters */
  guint64 tx_bytes;
} FerryMockConnection;

/* Starts the "networkmanager" template with full connectivity, no primary
 * connection and the manager properties the template lacks (Metered,
 * PrimaryConnection, PrimaryConnectionType). */
void ferry_mock_nm_start (FerryTestSystemBus *bus);

/* Adds a connection of @type ("802-3-ethernet" on an Ethernet device,
 * "gsm" on a modem device) with a Statistics interface whose counters
 * start at some traffic from before, active but not primary. Owned by
 * @bus. Add connections before ferryd starts: libnm learns of new objects
 * from signals that the template sends only for some of them. */
FerryMockConnection *ferry_mock_nm_add_connection (FerryTestSystemBus *bus,
                                                   const char         *name,
                                                   const char         *type,
                                                   guint32             metered);
/* Makes @connection the primary one (NULL: none), with its Metered value
 * on the manager. */
void ferry_mock_nm_set_primary (FerryTestSystemBus *bus, FerryMockConnection *connection);
/* Changes the primary connection's Metered value on its device and on the
 * manager, as NetworkManager does. */
void ferry_mock_nm_set_metered (FerryTestSystemBus *bus, guint32 metered);
void ferry_mock_nm_set_connectivity (FerryTestSystemBus *bus, guint32 connectivity);
/* Counts @rx_bytes more received on @connection's device. */
void ferry_mock_nm_add_traffic (FerryTestSystemBus  *bus,
                                FerryMockConnection *connection,
                                guint64              rx_bytes);
/* The RefreshRateMs that someone set on @connection's Statistics. */
guint32 ferry_mock_nm_get_refresh_rate (FerryTestSystemBus *bus, FerryMockConnection *connection);

/* The usual start: NetworkManager with one Ethernet connection, primary,
 * full connectivity, metered as given. */
FerryMockConnection *ferry_mock_nm_start_with_ethernet (FerryTestSystemBus *bus, guint32 metered);

/* ---- ModemManager ------------------------------------------------------ */

/* MMModem3gppRegistrationState */
#define FERRY_MM_REGISTRATION_HOME    1
#define FERRY_MM_REGISTRATION_ROAMING 5

/* Starts a plain mock named org.freedesktop.ModemManager1 whose root object
 * is an ObjectManager, with one 3GPP modem registered as @registration. */
void ferry_mock_mm_start_with_modem (FerryTestSystemBus *bus, guint32 registration);
void ferry_mock_mm_set_registration (FerryTestSystemBus *bus, guint32 registration);

/* ---- power ------------------------------------------------------------- */

/* Starts the power_profiles_daemon template (net.hadess.PowerProfiles)
 * with @profile active. */
void ferry_mock_power_profiles_start (FerryTestSystemBus *bus, const char *profile);
void ferry_mock_power_profiles_set (FerryTestSystemBus *bus, const char *profile);

/* UpDeviceLevel */
#define FERRY_UP_LEVEL_NONE     1
#define FERRY_UP_LEVEL_LOW      3
#define FERRY_UP_LEVEL_CRITICAL 4

/* Starts the upower template, on battery, its DisplayDevice a battery at
 * @warning_level. */
void ferry_mock_upower_start (FerryTestSystemBus *bus, guint32 warning_level);
void ferry_mock_upower_set_warning_level (FerryTestSystemBus *bus, guint32 warning_level);

G_END_DECLS
