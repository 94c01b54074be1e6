/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libferry's API against the real ferryd: creating, following progress and
 * status, finishing, attaching to current downloads, control calls, errors,
 * and following the service across a restart. */
#define G_LOG_DOMAIN "test-libferry"

#include <string.h>

#include "ferry.h"
#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* ---- helpers ---------------------------------------------------------- */

/* A downloader on a connection of its own, as @app_id (NULL: none). */
static FerryDownloader *
new_downloader (FerryFixture *fx, const char *app_id)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  FerryDownloader *downloader;

  connection = g_dbus_connection_new_for_address_sync (fx->bus_address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  downloader = ferry_downloader_new_for_connection_sync (connection, app_id, NULL, &error);
  g_assert_no_error (error);
  return downloader;
}

static gboolean
result_arrived (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the main context until an async call has finished. */
static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  if (!ferry_test_wait_until (result_arrived, slot, FERRY_TEST_TIMEOUT_MS))
    g_error ("an asynchronous call did not finish within %d ms", FERRY_TEST_TIMEOUT_MS);
  return *slot;
}

static FerryTransferStatus
wait_transfer (FerryTransfer *transfer)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  FerryTransferStatus status;

  ferry_transfer_wait (transfer, NULL, store_result, &result);
  status = ferry_transfer_wait_finish (transfer, wait_result (&result), &error);
  g_assert_no_error (error);
  return status;
}

typedef struct {
  FerryTransfer *transfer;
  FerryTransferStatus status;
} StatusWait;

static gboolean
has_status (gpointer data)
{
  StatusWait *wait = data;

  return ferry_transfer_get_status (wait->transfer) == wait->status;
}

static void
wait_status (FerryTransfer *transfer, FerryTransferStatus status)
{
  StatusWait wait = { transfer, status };

  if (!ferry_test_wait_until (has_status, &wait, FERRY_TEST_TIMEOUT_MS))
    g_error ("%s did not reach %s; it is %s", ferry_transfer_get_id (transfer),
             ferry_transfer_status_to_string (status),
             ferry_transfer_status_to_string (ferry_transfer_get_status (transfer)));
}

/* What a transfer said, in order. */
typedef struct {
  GArray *statuses;   /* FerryTransferStatus, from notify::status */
  GArray *progress;   /* guint64 pairs (transferred, total) */
  gboolean error_set_before_status;
} Recorder;

static void
on_notify_status (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Recorder *rec = user_data;
  FerryTransfer *transfer = FERRY_TRANSFER (object);
  FerryTransferStatus status = ferry_transfer_get_status (transfer);

  g_array_append_val (rec->statuses, status);
  if (status == FERRY_TRANSFER_STATUS_ERROR)
    rec->error_set_before_status = *ferry_transfer_get_error_name (transfer) != '\0';
}

static void
on_progress (FerryTransfer *transfer, guint64 transferred, guint64 total, gpointer user_data)
{
  Recorder *rec = user_data;

  /* The properties are up to date when the signal comes. */
  g_assert_cmpuint (ferry_transfer_get_bytes_received (transfer), ==, transferred);
  g_assert_cmpuint (ferry_transfer_get_total_bytes_to_receive (transfer), ==, total);
  g_array_append_val (rec->progress, transferred);
  g_array_append_val (rec->progress, total);
}

static void
recorder_attach (Recorder *rec, FerryTransfer *transfer)
{
  rec->statuses = g_array_new (FALSE, FALSE, sizeof (FerryTransferStatus));
  rec->progress = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_signal_connect (transfer, "notify::status", G_CALLBACK (on_notify_status), rec);
  g_signal_connect (transfer, "progress", G_CALLBACK (on_progress), rec);
}

static void
recorder_clear (Recorder *rec)
{
  g_clear_pointer (&rec->statuses, g_array_unref);
  g_clear_pointer (&rec->progress, g_array_unref);
}

static gboolean
has_progress (gpointer data)
{
  return ((Recorder *) data)->progress->len > 0;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_async_download_reports_progress_status_and_completion (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 2 * MiB;
  g_autoptr(FerryDownloader) downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "async.bin");
  g_autoptr(GAsyncResult) created = NULL;
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(GError) error = NULL;
  Recorder rec = { 0, };
  guint64 last = 0;

  ferry_test_server_set_throttle (fx->server, 4 * MiB);
  ferry_downloader_create_download (downloader, uri, dest, NULL, NULL, store_result, &created);
  transfer = ferry_downloader_create_download_finish (downloader, wait_result (&created), &error);
  g_assert_no_error (error);
  g_assert_cmpint (ferry_transfer_get_status (transfer), ==, FERRY_TRANSFER_STATUS_IDLE);
  g_assert_cmpint (ferry_transfer_get_kind (transfer), ==, FERRY_TRANSFER_KIND_DOWNLOAD);
  g_assert_cmpstr (ferry_transfer_get_uri (transfer), ==, uri);
  g_assert_cmpstr (ferry_transfer_get_destination (transfer), ==, dest);
  g_assert_true (g_str_has_suffix (ferry_transfer_get_object_path (transfer),
                                   ferry_transfer_get_id (transfer)));

  recorder_attach (&rec, transfer);
  ferry_transfer_start (transfer, NULL, store_result, &started);
  g_assert_true (ferry_transfer_start_finish (transfer, wait_result (&started), &error));
  g_assert_no_error (error);

  g_assert_cmpint (wait_transfer (transfer), ==, FERRY_TRANSFER_STATUS_COMPLETED);
  g_assert_cmpuint (rec.statuses->len, ==, 2);
  g_assert_cmpint (g_array_index (rec.statuses, FerryTransferStatus, 0), ==,
                   FERRY_TRANSFER_STATUS_RUNNING);
  g_assert_cmpint (g_array_index (rec.statuses, FerryTransferStatus, 1), ==,
                   FERRY_TRANSFER_STATUS_COMPLETED);
  /* Throttled to about half a second: more than one report, never going back. */
  g_assert_cmpuint (rec.progress->len / 2, >=, 2);
  for (guint i = 0; i < rec.progress->len; i += 2)
    {
      g_assert_cmpuint (g_array_index (rec.progress, guint64, i), >=, last);
      last = g_array_index (rec.progress, guint64, i);
    }
  g_assert_cmpuint (last, ==, size);
  g_assert_cmpuint (ferry_transfer_get_bytes_received (transfer), ==, size);
  g_assert_cmpuint (ferry_transfer_get_total_bytes_to_receive (transfer), ==, size);
  g_assert_cmpuint (ferry_transfer_get_http_status (transfer), ==, 200);
  g_assert_cmpstr (ferry_transfer_get_error_name (transfer), ==, "");
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);
  recorder_clear (&rec);
}

static void
test_current_downloads_come_attached (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 3 * MiB;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "current.bin");
  g_autofree char *path = NULL;
  g_autoptr(FerryDownloader) downloader = NULL;
  g_autoptr(GAsyncResult) listed = NULL;
  g_autoptr(GPtrArray) current = NULL;
  g_autoptr(GError) error = NULL;
  FerryTransfer *transfer;
  Recorder rec = { 0, };

  /* Another process of the app started it; this one starts afresh. */
  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  path = ferry_client_start_download (fx->app, uri, dest,
                                      g_variant_new_parsed ("{'group': <'nightly'>}"));
  ferry_client_wait_bytes (fx->app, path, 1);

  downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  ferry_downloader_get_current_downloads (downloader, "nightly", NULL, store_result, &listed);
  current = ferry_downloader_get_current_downloads_finish (downloader, wait_result (&listed),
                                                           &error);
  g_assert_no_error (error);
  g_assert_cmpuint (current->len, ==, 1);
  transfer = g_ptr_array_index (current, 0);
  g_assert_cmpstr (ferry_transfer_get_object_path (transfer), ==, path);
  g_assert_cmpint (ferry_transfer_get_status (transfer), ==, FERRY_TRANSFER_STATUS_RUNNING);
  g_assert_cmpstr (ferry_transfer_get_group (transfer), ==, "nightly");
  g_assert_cmpuint (ferry_transfer_get_bytes_received (transfer), >, 0);

  /* Live: progress arrives without asking. */
  recorder_attach (&rec, transfer);
  g_assert_true (ferry_test_wait_until (has_progress, &rec, FERRY_TEST_TIMEOUT_MS));
  ferry_test_server_set_throttle (fx->server, 0);
  g_assert_cmpint (wait_transfer (transfer), ==, FERRY_TRANSFER_STATUS_COMPLETED);
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);

  /* Completed downloads are no longer current. */
  g_clear_pointer (&current, g_ptr_array_unref);
  current = ferry_downloader_get_current_downloads_sync (downloader, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (current->len, ==, 0);
  recorder_clear (&rec);
}

static gboolean
part_is_gone (gpointer data)
{
  g_autofree char *part = g_strconcat (data, ".part", NULL);

  return !ferry_test_file_exists (part);
}

static void
test_sync_pause_resume_cancel (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autoptr(FerryDownloader) downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "control.bin");
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(GError) error = NULL;
  Recorder rec = { 0, };

  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  transfer = ferry_downloader_create_download_sync (downloader, uri, dest, NULL, NULL, &error);
  g_assert_no_error (error);
  recorder_attach (&rec, transfer);
  g_assert_true (ferry_transfer_start_sync (transfer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ferry_test_wait_until (has_progress, &rec, FERRY_TEST_TIMEOUT_MS));

  g_assert_true (ferry_transfer_pause_sync (transfer, NULL, &error));
  g_assert_no_error (error);
  wait_status (transfer, FERRY_TRANSFER_STATUS_PAUSED_BY_APPLICATION);
  /* Pausing twice is the service's business: it says InvalidState or not. */
  g_assert_true (ferry_transfer_resume_sync (transfer, NULL, &error));
  g_assert_no_error (error);
  wait_status (transfer, FERRY_TRANSFER_STATUS_RUNNING);

  g_assert_true (ferry_transfer_cancel_sync (transfer, NULL, &error));
  g_assert_no_error (error);
  /* The wait reads afresh, so the canceled status is there at once. */
  g_assert_cmpint (wait_transfer (transfer), ==, FERRY_TRANSFER_STATUS_CANCELED);
  /* A job that was writing removes its part once it has stopped: soon
   * after the status, not necessarily before. */
  g_assert_true (ferry_test_wait_until (part_is_gone, dest, FERRY_TEST_TIMEOUT_MS));
  ferry_assert_no_file (dest);

  /* A canceled transfer cannot start again. */
  g_assert_false (ferry_transfer_start_sync (transfer, NULL, &error));
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE);
  recorder_clear (&rec);
}

static void
test_service_errors_are_ferry_errors (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryDownloader) downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  g_autoptr(FerryDownloader) other = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *dest = ferry_fixture_dest (fx, "errors.bin");
  g_autofree char *foreign = NULL;
  g_autoptr(GError) error = NULL;

  transfer = ferry_downloader_create_download_sync (downloader, uri, "relative.bin", NULL, NULL,
                                                    &error);
  g_assert_null (transfer);
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT);
  /* The domain and code say where it came from; the message need not. */
  g_assert_false (g_str_has_prefix (error->message, "GDBus.Error"));
  g_clear_error (&error);

  transfer = ferry_downloader_create_download_sync (downloader, uri, dest,
                                                    g_variant_new_parsed ("{'colour': <'red'>}"),
                                                    NULL, &error);
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  transfer = ferry_downloader_get_transfer_sync (downloader, "0123456789abcdef0123456789abcdef",
                                                 NULL, &error);
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  transfer = ferry_downloader_get_transfer_sync (downloader, "no/such/id", NULL, &error);
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Another app's transfer is not this one's to read. */
  foreign = ferry_client_create_download (ferry_fixture_connect (fx, "org.freedesktop.FerryTest.Other"),
                                          uri, dest, NULL, &error);
  g_assert_no_error (error);
  transfer = ferry_downloader_get_transfer_sync (downloader, foreign, NULL, &error);
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_ACCESS_DENIED);
  g_clear_error (&error);

  /* One connection acts as one app. */
  other = ferry_downloader_new_for_connection_sync (ferry_downloader_get_connection (downloader),
                                                    "org.freedesktop.FerryTest.Other", NULL,
                                                    &error);
  g_assert_null (other);
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE);
  g_clear_error (&error);
  other = ferry_downloader_new_for_connection_sync (ferry_downloader_get_connection (downloader),
                                                    FERRY_TEST_APP_ID, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ferry_downloader_get_app_id (other), ==, FERRY_TEST_APP_ID);
}

static void
test_failed_download_names_its_error (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryDownloader) downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  g_autofree char *uri = ferry_fixture_uri (fx, "/status/404");
  g_autofree char *dest = ferry_fixture_dest (fx, "missing.bin");
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(GError) error = NULL;
  Recorder rec = { 0, };

  transfer = ferry_downloader_create_download_sync (downloader, uri, dest, NULL, NULL, &error);
  g_assert_no_error (error);
  recorder_attach (&rec, transfer);
  ferry_transfer_start_sync (transfer, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (wait_transfer (transfer), ==, FERRY_TRANSFER_STATUS_ERROR);
  g_assert_cmpstr (ferry_transfer_get_error_name (transfer), ==, "not-found");
  g_assert_cmpstr (ferry_transfer_get_error_message (transfer), !=, "");
  g_assert_cmpuint (ferry_transfer_get_http_status (transfer), ==, 404);
  /* Whoever follows notify::status finds the error already set. */
  g_assert_true (rec.error_set_before_status);
  recorder_clear (&rec);
}

/* ferryd restarts (a crash, an update, an idle exit): the new instance
 * knows no connection. libferry declares the app again and reads the
 * transfer again, which makes the service send it signals. */
static void
test_transfer_follows_a_restarted_service (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 4 * MiB;
  g_autoptr(FerryDownloader) downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "restart.bin");
  g_autofree char *dest2 = ferry_fixture_dest (fx, "after-restart.bin");
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(FerryTransfer) later = NULL;
  g_autoptr(GError) error = NULL;
  Recorder rec = { 0, };

  ferry_test_server_set_throttle (fx->server, 1 * MiB);
  transfer = ferry_downloader_create_download_sync (downloader, uri, dest, NULL, NULL, &error);
  g_assert_no_error (error);
  ferry_transfer_start_sync (transfer, NULL, &error);
  g_assert_no_error (error);
  wait_status (transfer, FERRY_TRANSFER_STATUS_RUNNING);

  ferry_fixture_restart_ferryd (fx);
  recorder_attach (&rec, transfer);
  /* Progress from the new instance, unasked. */
  g_assert_true (ferry_test_wait_until (has_progress, &rec, FERRY_TEST_TIMEOUT_MS));
  g_assert_true (ferry_downloader_get_service_running (downloader));
  ferry_test_server_set_throttle (fx->server, 0);
  g_assert_cmpint (wait_transfer (transfer), ==, FERRY_TRANSFER_STATUS_COMPLETED);
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);

  /* Still acting as the app: what it creates now is the app's. */
  later = ferry_downloader_create_download_sync (downloader, uri, dest2, NULL, NULL, &error);
  g_assert_no_error (error);
  ferry_assert_property (fx->app, ferry_transfer_get_object_path (later), "Status", "idle");
  recorder_clear (&rec);
}

static void
test_enums_map_the_service_strings (void)
{
  static const char * const statuses[] = {
    "idle", "running", "paused-by-application", "paused-costed-network", "paused-no-network",
    "paused-system-policy", "paused-recoverable-web-error", "completed", "canceled", "error",
  };
  FerryTransferStatus status;
  FerryCostPolicy policy;
  FerryPriority priority;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_assert_true (ferry_transfer_status_from_string (statuses[i], &status));
      g_assert_cmpint (status, ==, i);
      g_assert_cmpstr (ferry_transfer_status_to_string (status), ==, statuses[i]);
    }
  g_assert_false (ferry_transfer_status_from_string ("paused", NULL));
  g_assert_true (ferry_transfer_status_is_final (FERRY_TRANSFER_STATUS_CANCELED));
  g_assert_false (ferry_transfer_status_is_final (FERRY_TRANSFER_STATUS_ERROR));

  g_assert_true (ferry_cost_policy_from_string ("unrestricted-only", &policy));
  g_assert_cmpint (policy, ==, FERRY_COST_POLICY_UNRESTRICTED_ONLY);
  g_assert_cmpstr (ferry_cost_policy_to_string (FERRY_COST_POLICY_ALWAYS), ==, "always");
  g_assert_true (ferry_priority_from_string ("high", &priority));
  g_assert_cmpint (priority, ==, FERRY_PRIORITY_HIGH);
  g_assert_cmpstr (ferry_priority_to_string (FERRY_PRIORITY_DEFAULT), ==, "default");
  g_assert_cmpstr (ferry_transfer_kind_to_string (FERRY_TRANSFER_KIND_DOWNLOAD), ==, "download");

  /* The D-Bus names map to the one FERRY_ERROR domain. */
  g_assert_cmpstr (g_quark_to_string (FERRY_ERROR), ==, "ferry-error-quark");
  g_assert_true (g_type_is_a (FERRY_TYPE_ERROR, G_TYPE_ENUM));
}

/* ---- settings, the manager, completion groups ------------------------- */

static gboolean
has_priority (gpointer data)
{
  return ferry_transfer_get_priority (data) == FERRY_PRIORITY_HIGH;
}

static gboolean
has_cost_policy (gpointer data)
{
  return ferry_transfer_get_cost_policy (data) == FERRY_COST_POLICY_UNRESTRICTED_ONLY;
}

static void
test_transfer_and_group_settings (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryDownloader) downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/1000");
  g_autofree char *new_uri = ferry_fixture_uri (fx, "/file/1000?signed");
  g_autofree char *dest = ferry_fixture_dest (fx, "settings.bin");
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(GAsyncResult) priority_result = NULL;
  g_autoptr(GAsyncResult) group_result = NULL;
  g_autoptr(GAsyncResult) uri_result = NULL;
  g_autoptr(GError) error = NULL;
  FerryCostPolicy policy;

  transfer = ferry_downloader_create_download_sync (downloader, uri, dest, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ferry_transfer_get_priority (transfer), ==, FERRY_PRIORITY_DEFAULT);

  /* Async SetPriority; the property follows through PropertiesChanged. */
  ferry_transfer_set_priority (transfer, FERRY_PRIORITY_HIGH, NULL, store_result,
                               &priority_result);
  g_assert_true (ferry_transfer_set_priority_finish (transfer, wait_result (&priority_result),
                                                     &error));
  g_assert_no_error (error);
  g_assert_true (ferry_test_wait_until (has_priority, transfer, FERRY_TEST_TIMEOUT_MS));

  g_assert_true (ferry_transfer_set_cost_policy_sync (transfer,
                                                      FERRY_COST_POLICY_UNRESTRICTED_ONLY, NULL,
                                                      &error));
  g_assert_no_error (error);
  g_assert_true (ferry_test_wait_until (has_cost_policy, transfer, FERRY_TEST_TIMEOUT_MS));

  ferry_transfer_set_requested_uri (transfer, new_uri, NULL, store_result, &uri_result);
  g_assert_true (ferry_transfer_set_requested_uri_finish (transfer, wait_result (&uri_result),
                                                          &error));
  g_assert_no_error (error);
  g_assert_false (ferry_transfer_set_requested_uri_sync (transfer, "ftp://example.com/", NULL,
                                                         &error));
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  ferry_downloader_set_group_behavior (downloader, "batch", FERRY_GROUP_BEHAVIOR_SERIALIZED, NULL,
                                       store_result, &group_result);
  g_assert_true (ferry_downloader_set_group_behavior_finish (downloader,
                                                             wait_result (&group_result), &error));
  g_assert_no_error (error);

  g_assert_true (ferry_downloader_set_default_cost_policy_sync (downloader,
                                                                FERRY_COST_POLICY_ALWAYS, NULL,
                                                                &error));
  g_assert_no_error (error);
  g_assert_true (ferry_downloader_get_default_cost_policy_sync (downloader, NULL, &policy,
                                                                &error));
  g_assert_no_error (error);
  g_assert_cmpint (policy, ==, FERRY_COST_POLICY_ALWAYS);

  /* OpenResult before completion is an InvalidState. */
  g_assert_null (ferry_transfer_open_result_sync (transfer, NULL, &error));
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE);
}

static void
on_notify_count (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
restricts (gpointer data)
{
  return ferry_manager_get_restrict_background_data (data);
}

static void
test_manager_properties_and_completion_group (FerryFixture *fx, gconstpointer config)
{
  g_autoptr(FerryDownloader) downloader = new_downloader (fx, FERRY_TEST_APP_ID);
  GDBusConnection *connection = ferry_downloader_get_connection (downloader);
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%d", 100 * KiB);
  g_autofree char *dest = ferry_fixture_dest (fx, "grouped.bin");
  g_autoptr(FerryManager) manager = NULL;
  g_autoptr(FerryTransfer) transfer = NULL;
  g_autoptr(GAsyncResult) new_result = NULL;
  g_autoptr(GAsyncResult) results_result = NULL;
  g_autoptr(GVariant) results = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *connectivity = NULL;
  const char *path, *status, *error_name;
  gboolean complete = FALSE;
  guint notified = 0;

  /* On the same connection: the declaration is shared. */
  ferry_manager_new_for_connection (connection, FERRY_TEST_APP_ID, NULL, store_result,
                                    &new_result);
  manager = ferry_manager_new_for_connection_finish (wait_result (&new_result), &error);
  g_assert_no_error (error);
  g_assert_true (ferry_manager_get_connection (manager) == connection);
  g_assert_true (ferry_manager_get_service_running (manager));

  /* This fixture has no NetworkManager: GNetworkMonitor tells. */
  g_assert_cmpstr (ferry_manager_get_network_source (manager), ==, "gio");
  g_object_get (manager, "connectivity", &connectivity, NULL);
  g_assert_cmpstr (connectivity, ==, ferry_manager_get_connectivity (manager));
  g_assert_true (g_strv_contains ((const char * const[]) { "none", "limited", "portal", "full",
                                                            "unknown", NULL }, connectivity));
  g_assert_cmpstr (ferry_manager_get_network_connection (manager), ==, "");
  g_assert_cmpuint (ferry_manager_get_data_limit (manager), ==, 0);
  g_assert_false (ferry_manager_get_roaming (manager));
  g_assert_false (ferry_manager_get_over_limit (manager));
  g_assert_false (ferry_manager_get_on_track_to_exceed (manager));
  g_assert_false (ferry_manager_get_power_saver (manager));
  g_assert_false (ferry_manager_get_battery_low (manager));
  (void) ferry_manager_get_metered (manager);
  (void) ferry_manager_get_data_usage (manager);
  (void) ferry_manager_get_billing_cycle_start_day (manager);
  g_assert_false (ferry_manager_get_restrict_background_data (manager));

  /* A change notifies, through PropertiesChanged. */
  g_signal_connect (manager, "notify::restrict-background-data", G_CALLBACK (on_notify_count),
                    &notified);
  g_assert_true (ferry_manager_set_restrict_background_data_sync (manager, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ferry_test_wait_until (restricts, manager, FERRY_TEST_TIMEOUT_MS));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (ferry_manager_set_restrict_background_data_sync (manager, FALSE, NULL, &error));
  g_assert_no_error (error);

  /* Without a connection to name, there is nothing to limit. */
  g_assert_false (ferry_manager_set_data_limit_sync (manager, "", 1000, 1, NULL, &error));
  g_assert_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A completion group of one download. */
  options = g_variant_ref_sink (g_variant_new_parsed ("{'completion-group': <'cg'>}"));
  transfer = ferry_downloader_create_download_sync (downloader, uri, dest, options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ferry_transfer_get_completion_group (transfer), ==, "cg");
  g_assert_true (ferry_transfer_start_sync (transfer, NULL, &error));
  g_assert_cmpint (wait_transfer (transfer), ==, FERRY_TRANSFER_STATUS_COMPLETED);
  g_assert_true (ferry_manager_enable_completion_group_sync (manager, "cg", "done-here", NULL,
                                                             &error));
  g_assert_no_error (error);
  ferry_manager_get_completion_group_results (manager, "cg", NULL, store_result,
                                              &results_result);
  results = ferry_manager_get_completion_group_results_finish (manager,
                                                               wait_result (&results_result),
                                                               &complete, &error);
  g_assert_no_error (error);
  g_assert_true (complete);
  g_assert_cmpuint (g_variant_n_children (results), ==, 1);
  g_variant_get_child (results, 0, "(&o&s&s)", &path, &status, &error_name);
  g_assert_cmpstr (path, ==, ferry_transfer_get_object_path (transfer));
  g_assert_cmpstr (status, ==, "completed");
  g_assert_cmpstr (error_name, ==, "");

  /* OpenResult of a download with a destination opens that file. */
  stream = ferry_transfer_open_result_sync (transfer, NULL, &error);
  g_assert_no_error (error);
  bytes = g_input_stream_read_bytes (stream, 200 * KiB, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 100 * KiB);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);

  g_test_add_func ("/libferry/enums/map-the-service-strings", test_enums_map_the_service_strings);
  ferry_test_add ("/libferry/download/async-progress-status-completion", NULL,
                  test_async_download_reports_progress_status_and_completion);
  ferry_test_add ("/libferry/download/current-downloads-come-attached", NULL,
                  test_current_downloads_come_attached);
  ferry_test_add ("/libferry/control/sync-pause-resume-cancel", NULL,
                  test_sync_pause_resume_cancel);
  ferry_test_add ("/libferry/errors/service-errors-are-ferry-errors", NULL,
                  test_service_errors_are_ferry_errors);
  ferry_test_add ("/libferry/errors/failed-download-names-its-error", NULL,
                  test_failed_download_names_its_error);
  ferry_test_add ("/libferry/service/transfer-follows-a-restart", NULL,
                  test_transfer_follows_a_restarted_service);
  ferry_test_add ("/libferry/settings/transfer-and-group", NULL,
                  test_transfer_and_group_settings);
  ferry_test_add ("/libferry/manager/properties-and-completion-group", NULL,
                  test_manager_properties_and_completion_group);

  return g_test_run ();
}
