/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "ferry-test-server.h"
#include "ferry-test-system-bus.h"

G_BEGIN_DECLS

/*
 * The integration-test fixture: a private dbus-daemon, fresh XDG
 * directories in a temporary directory, an HTTP server in this process,
 * the real ferryd, and a client connection registered as an app.
 *
 *   g_test_add ("/download/…", FerryFixture, &config, ferry_fixture_setup,
 *               test_func, ferry_fixture_teardown);
 *
 * Every wait has a deadline and iterates the default main context, so the
 * in-process HTTP server keeps serving while the test waits.
 */

#define FERRY_BUS_NAME "org.freedesktop.Ferry1"
#define FERRY_MANAGER_PATH "/org/freedesktop/Ferry1"
#define FERRY_DOWNLOADER_PATH "/org/freedesktop/Ferry1/Downloader"
#define FERRY_TRANSFER_PATH_PREFIX "/org/freedesktop/Ferry1/Transfer/"
#define FERRY_MANAGER_IFACE "org.freedesktop.Ferry1.Manager"
#define FERRY_DOWNLOADER_IFACE "org.freedesktop.Ferry1.Downloader"
#define FERRY_TRANSFER_IFACE "org.freedesktop.Ferry1.Transfer"

#define FERRY_ERROR_NAME_INVALID_ARGUMENT "org.freedesktop.Ferry1.Error.InvalidArgument"
#define FERRY_ERROR_NAME_ACCESS_DENIED "org.freedesktop.Ferry1.Error.AccessDenied"
#define FERRY_ERROR_NAME_INVALID_STATE "org.freedesktop.Ferry1.Error.InvalidState"

/* The app id of the fixture's default client. */
#define FERRY_TEST_APP_ID "org.freedesktop.FerryTest.App"

/* How long a test waits for anything before it fails. Generous: a passing
 * test never waits this long, and ASan builds are slow. */
#define FERRY_TEST_TIMEOUT_MS 30000

typedef struct {
  /* Extra ferryd arguments, NULL-terminated, after the fixture's defaults
   * (which make retries and checkpoints fast; later arguments win). */
  const char * const *ferryd_args;
  /* Do not start ferryd in setup (the test starts it, or lets D-Bus
   * activate it). */
  gboolean no_ferryd;
  /* Add the build tree's tests/services directory to the bus, so that a
   * call to org.freedesktop.Ferry1 activates ferryd. */
  gboolean activatable;
  /* Start a private system bus (fx->system_bus) before ferryd, and give
   * ferryd its address as DBUS_SYSTEM_BUS_ADDRESS; the test starts the
   * mocks of the system services on it (see ferry-test-system-bus.h). */
  gboolean system_bus;
} FerryFixtureConfig;

/* One D-Bus connection to the test bus, acting as one app. It records
 * the signals it receives from ferryd. */
typedef struct {
  GDBusConnection *connection;
  char *app_id;            /* NULL: never registered (the host app "") */
  GPtrArray *signals;      /* FerryTestSignal, in arrival order */
  guint subscription;
  guint filter;
  gint *n_broadcast_box;   /* Ferry signals without a destination (atomic) */
} FerryTestClient;

typedef struct {
  char *path;
  char *interface;
  char *member;
  GVariant *parameters;
} FerryTestSignal;

typedef struct {
  const FerryFixtureConfig *config;
  GTestDBus *bus;
  const char *bus_address;
  GDBusConnection *observer;  /* talks only to the bus daemon */
  char *tmpdir;
  char *data_home;
  char *runtime_dir;
  char *config_home;
  char *cache_home;
  char *downloads;            /* where the tests put their destinations */
  FerryTestServer *server;
  GSubprocess *ferryd;
  GStrv ferryd_args;          /* the arguments ferryd was last started with */
  GStrv ferryd_extra_args;    /* the extra_args of the last start */
  GPtrArray *clients;         /* FerryTestClient, owned */
  FerryTestClient *app;       /* the default client, app FERRY_TEST_APP_ID */
  FerryTestSystemBus *system_bus;  /* with config->system_bus, else NULL */
} FerryFixture;

void ferry_fixture_setup (FerryFixture *fx, gconstpointer config);
void ferry_fixture_teardown (FerryFixture *fx, gconstpointer config);

/* ---- ferryd ----------------------------------------------------------- */

/* Starts ferryd with the fixture's defaults, the config's arguments and
 * @extra_args (may be NULL), and waits until it owns the bus name. */
void     ferry_fixture_start_ferryd (FerryFixture *fx, const char * const *extra_args);
/* SIGTERM, and wait for it to exit and release the name. */
void     ferry_fixture_stop_ferryd (FerryFixture *fx);
/* SIGKILL, and wait for it to exit and release the name. */
void     ferry_fixture_kill_ferryd (FerryFixture *fx);
/* Starts ferryd again with the same arguments and data, and registers
 * every client again (a new instance knows no connection). */
void     ferry_fixture_restart_ferryd (FerryFixture *fx);
/* Waits for ferryd to exit by itself and release the name; FALSE if it
 * still runs after @timeout_ms. @out_code as for
 * ferry_test_wait_process_exit(). */
gboolean ferry_fixture_wait_ferryd_exit (FerryFixture *fx, guint timeout_ms, int *out_code);
/* Waits for @process to exit; @out_code gets its exit status, or minus the
 * signal that killed it. FALSE if it still runs after @timeout_ms. */
gboolean ferry_test_wait_process_exit (GSubprocess *process, guint timeout_ms, int *out_code);
/* Whether org.freedesktop.Ferry1 has an owner on the test bus. */
gboolean ferry_fixture_name_has_owner (FerryFixture *fx);
/* The PID of the owner of org.freedesktop.Ferry1, 0 if none. */
guint    ferry_fixture_name_owner_pid (FerryFixture *fx);

/* ---- files and URIs --------------------------------------------------- */

/* The absolute path of @name in the fixture's downloads directory. */
char *ferry_fixture_dest (FerryFixture *fx, const char *name);
/* An absolute URI on the fixture's HTTP server. */
#define ferry_fixture_uri(fx, ...) ferry_test_server_uri ((fx)->server, __VA_ARGS__)

/* The lowercase hex SHA-256 of a file, NULL if it cannot be read. */
char    *ferry_test_file_sha256 (const char *path);
gboolean ferry_test_file_exists (const char *path);
/* The size of a file, -1 if it does not exist. */
gint64   ferry_test_file_size (const char *path);

/* Asserts that @path holds exactly the first @size bytes of the server's
 * content @seed (compared by SHA-256) and that no "@path.part" is left. */
void ferry_assert_downloaded (const char *path, guint32 seed, guint64 size);
/* Asserts that neither @path nor "@path.part" exists. */
void ferry_assert_no_file (const char *path);

/* ---- clients ---------------------------------------------------------- */

/* A new connection to the test bus; registered as @app_id unless NULL.
 * Owned by the fixture. */
FerryTestClient *ferry_fixture_connect (FerryFixture *fx, const char *app_id);

/* Calls Register(@app_id) on the Manager. */
gboolean ferry_client_register (FerryTestClient *client, const char *app_id, GError **error);

/* Calls @method on @path/@interface; @parameters may be floating or NULL.
 * Returns the reply, or NULL with @error set. */
GVariant *ferry_client_call (FerryTestClient    *client,
                             const char         *path,
                             const char         *interface,
                             const char         *method,
                             GVariant           *parameters,
                             const GVariantType *reply_type,
                             GError            **error);

/* CreateDownload; @options may be floating or NULL (empty a{sv}).
 * Returns the object path, or NULL with @error set. */
char *ferry_client_create_download (FerryTestClient *client,
                                    const char      *uri,
                                    const char      *destination,
                                    GVariant        *options,
                                    GError         **error);
/* CreateDownload that must succeed, then Start. */
char *ferry_client_start_download (FerryTestClient *client,
                                   const char      *uri,
                                   const char      *destination,
                                   GVariant        *options);

/* Calls a Transfer method without arguments (Start, Pause, ...). */
gboolean ferry_client_transfer_call (FerryTestClient *client,
                                     const char      *transfer,
                                     const char      *method,
                                     GError         **error);

/* GetCurrentDownloads(@group): the object paths, as a NULL-terminated
 * array. Asserts the call succeeds. */
GStrv ferry_client_list (FerryTestClient *client, const char *group);

/* org.freedesktop.DBus.Properties.Get on a transfer. */
GVariant *ferry_client_get_property (FerryTestClient *client,
                                     const char      *transfer,
                                     const char      *name,
                                     GError         **error);
/* Property getters that assert the call succeeds. */
char    *ferry_client_get_string (FerryTestClient *client, const char *transfer, const char *name);
guint64  ferry_client_get_uint64 (FerryTestClient *client, const char *transfer, const char *name);
guint32  ferry_client_get_uint32 (FerryTestClient *client, const char *transfer, const char *name);

/* Asserts that a string property of @transfer is @expected. */
#define ferry_assert_property(client, transfer, name, expected) \
  ferry_assert_property_impl (__FILE__, __LINE__, G_STRFUNC, (client), (transfer), (name), (expected))
void ferry_assert_property_impl (const char      *file,
                                 int              line,
                                 const char      *func,
                                 FerryTestClient *client,
                                 const char      *transfer,
                                 const char      *name,
                                 const char      *expected);

/* Waits until the transfer's Status is @status; fails the test at the
 * deadline, or at once if the transfer reaches another final status
 * ("completed", "canceled", "error") first. */
void ferry_client_wait_status (FerryTestClient *client, const char *transfer, const char *status);
/* Waits until BytesReceived >= @bytes; fails if the transfer stops first. */
void ferry_client_wait_bytes (FerryTestClient *client, const char *transfer, guint64 bytes);
/* Waits until the transfer fails, and checks its ErrorName. */
void ferry_client_wait_error (FerryTestClient *client, const char *transfer, const char *error_name);

/* A round trip to ferryd (org.freedesktop.DBus.Peer.Ping): every signal
 * ferryd sent this connection before the reply has arrived after it. */
void  ferry_client_sync (FerryTestClient *client);
/* Signals received from @path (NULL: any) named @member (NULL: any). */
guint ferry_client_count_signals (FerryTestClient *client, const char *path, const char *member);
/* Ferry signals this connection received that were broadcast. */
guint ferry_client_count_broadcast (FerryTestClient *client);

/* ---- waiting ---------------------------------------------------------- */

/* Runs the default main context for @ms milliseconds. */
void     ferry_test_iterate (guint ms);
/* Iterates the default main context until @condition is true (checked
 * every few milliseconds) or @timeout_ms passes; returns the last value. */
gboolean ferry_test_wait_until (gboolean (*condition) (gpointer data),
                                gpointer data,
                                guint    timeout_ms);

/* Asserts that @error came over the bus with the D-Bus error name @name. */
#define ferry_assert_dbus_error(error, name) \
  ferry_assert_dbus_error_impl (__FILE__, __LINE__, G_STRFUNC, (error), (name))
void ferry_assert_dbus_error_impl (const char   *file,
                                   int           line,
                                   const char   *func,
                                   const GError *error,
                                   const char   *name);

/* g_test_init() plus what every Ferry integration test program needs
 * (FERRYD in the environment). */
void ferry_test_init (int *argc, char ***argv);

typedef void (*FerryTestFunc) (FerryFixture *fx, gconstpointer config);

/* Adds a test that runs @func in a FerryFixture set up with @config (NULL:
 * the defaults), in a process of its own. */
void ferry_test_add (const char *path, const FerryFixtureConfig *config, FerryTestFunc func);

/* ---- uploads ---------------------------------------------------------- */

#define FERRY_UPLOADER_PATH "/org/freedesktop/Ferry1/Uploader"
#define FERRY_UPLOADER_IFACE "org.freedesktop.Ferry1.Uploader"

/* CreateUpload; @options may be floating or NULL. Returns the object path,
 * or NULL with @error set. */
char *ferry_client_create_upload (FerryTestClient *client,
                                  const char      *uri,
                                  const char      *source,
                                  GVariant        *options,
                                  GError         **error);
/* CreateUpload that must succeed, then Start. */
char *ferry_client_start_upload (FerryTestClient *client,
                                 const char      *uri,
                                 const char      *source,
                                 GVariant        *options);
/* CreateMultipartUpload; @parts is an a(ssa{sv}), floating or not. */
char *ferry_client_create_multipart_upload (FerryTestClient *client,
                                            const char      *uri,
                                            GVariant        *parts,
                                            GVariant        *options,
                                            GError         **error);
/* CreateUploadFromStream with the handle @handle and the descriptors
 * @fd_list (may be NULL), so that a test can also send a handle that
 * names no descriptor. */
char *ferry_client_create_upload_from_stream (FerryTestClient *client,
                                              const char      *uri,
                                              gint32           handle,
                                              GUnixFDList     *fd_list,
                                              GVariant        *options,
                                              GError         **error);
/* CreateUploadFromStream of @fd (not taken: the call sends a copy). */
char *ferry_client_create_upload_from_fd (FerryTestClient *client,
                                          const char      *uri,
                                          int              fd,
                                          GVariant        *options,
                                          GError         **error);
/* GetCurrentUploads(@group). Asserts the call succeeds. */
GStrv ferry_client_list_uploads (FerryTestClient *client, const char *group);
/* OpenResponseBody: the descriptor, owned by the caller, or -1 with
 * @error set. */
int   ferry_client_open_response_body (FerryTestClient *client,
                                       const char      *transfer,
                                       GError         **error);
/* The whole content of @fd, which is closed. */
GBytes *ferry_test_read_fd (int fd);
/* Waits until BytesSent >= @bytes; fails if the transfer stops first. */
void ferry_client_wait_bytes_sent (FerryTestClient *client, const char *transfer, guint64 bytes);

/* ---- network and power (system bus mocks) ------------------------------ */

/* Starts ferryd and connects fx->app, for a config with no_ferryd whose
 * test first shapes the mocks on fx->system_bus. */
void      ferry_fixture_start_ferryd_with_app (FerryFixture *fx);

/* org.freedesktop.DBus.Properties.Get on the Manager; asserts it works. */
GVariant *ferry_client_get_manager_property (FerryTestClient *client, const char *name);
/* Waits until the Manager's property @name equals @expected (floating or
 * not); fails with the last value at the deadline. */
void      ferry_client_wait_manager_property (FerryTestClient *client,
                                              const char      *name,
                                              GVariant        *expected);

/* Waits at most @timeout_ms for the transfer's Status to become @status
 * and returns how long it took; fails the test otherwise. */
guint     ferry_client_wait_status_within (FerryTestClient *client,
                                           const char      *transfer,
                                           const char      *status,
                                           guint            timeout_ms);
/* Watches the transfer for @window_ms and fails if its Status leaves
 * @status or its BytesReceived changes: a bounded observation window, for
 * the things that must not happen. */
void      ferry_client_assert_stays (FerryTestClient *client,
                                     const char      *transfer,
                                     const char      *status,
                                     guint            window_ms);

/* CreateDownload with string options given as name, value pairs ending
 * with NULL ("cost-policy", "always", "priority", "low", NULL), then Start. */
char     *ferry_client_start_download_with (FerryTestClient *client,
                                            const char      *uri,
                                            const char      *destination,
                                            const char      *first_option,
                                            ...) G_GNUC_NULL_TERMINATED;
/* For a transfer that stopped part-way: waits until "@destination.part"
 * holds exactly BytesReceived bytes, and returns them (more than 0). */
guint64   ferry_client_wait_kept_bytes (FerryTestClient *client,
                                        const char      *transfer,
                                        const char      *destination);
/* Asserts that the request number @index (from 0) for @path_prefix asked
 * for the rest from @offset ("Range: bytes=@offset-" with If-Range) and got
 * 206 Partial Content. */
void      ferry_assert_range_request (FerryTestServer *server,
                                      const char      *path_prefix,
                                      guint            index,
                                      guint64          offset);

/* ---- clients of other processes (identity) ----------------------------- */

/* A client whose connection the bus credits to another process: a child
 * that connects the socket and exits at once (the bus takes the peer's
 * credentials at connect time, SO_PEERCRED). With FERRY_PROC_ROOT in
 * ferryd's environment naming a directory the test fills for that PID,
 * the client can pass for a Flatpak, a Snap or an app in a systemd scope.
 * @out_pid: the PID the bus reports for it. Not registered. */
FerryTestClient *ferry_fixture_connect_as_process (FerryFixture *fx, guint *out_pid);
/* The PID the bus reports for @client's connection. */
guint            ferry_client_bus_pid (FerryFixture *fx, FerryTestClient *client);

G_END_DECLS
