/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-store"

#include <gio/gio.h>
#include <sqlite3.h>

#include "ferry-error.h"
#include "ferry-store.h"
#include "ferry-wal-syncer.h"

#define FERRY_STORE_SCHEMA_VERSION 6

typedef struct {
  FerryStoreDurableFunc func;
  gpointer              data;
} DurableWaiter;

struct _FerryStore
{
  GObject       parent_instance;
  sqlite3      *db;
  GArray       *waiters;        /* DurableWaiter, for the group commit */
  guint         commit_source;
  FerryWalSyncer *syncer;
  sqlite3_stmt *insert_stmt;
  sqlite3_stmt *state_stmt;
  sqlite3_stmt *offset_stmt;
};

G_DEFINE_FINAL_TYPE (FerryStore, ferry_store, G_TYPE_OBJECT)

static gboolean on_group_commit (gpointer user_data);
static gboolean join_group (FerryStore *self, GError **error);

static gboolean
set_sqlite_error (FerryStore *self, GError **error, const char *what)
{
  g_set_error (error, FERRY_ERROR, FERRY_ERROR_FAILED,
               "Database error while %s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec_sql (FerryStore *self, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_FAILED, "Database error: %s", message);
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static int
get_schema_version (FerryStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = 0;

  if (sqlite3_prepare_v2 (self->db, "SELECT version FROM schema_version", -1, &stmt, NULL) != SQLITE_OK)
    return 0; /* no table yet: a new database */
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

/* Migrates step by step from the stored version to the newest: each case
 * falls through to the next. */
static gboolean
migrate (FerryStore *self, GError **error)
{
  int version = get_schema_version (self);

  if (version > FERRY_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_FAILED,
                   "The database has schema version %d, newer than this ferryd (%d)",
                   version, FERRY_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  switch (version)
    {
    case 0:
      if (!exec_sql (self,
                     "CREATE TABLE schema_version (version INTEGER NOT NULL);"
                     "INSERT INTO schema_version VALUES (0);"
                     "CREATE TABLE transfers ("
                     "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                     "  id TEXT NOT NULL UNIQUE,"
                     "  app_id TEXT NOT NULL,"
                     "  kind INTEGER NOT NULL,"
                     "  uri TEXT NOT NULL,"
                     "  destination TEXT NOT NULL,"
                     "  group_name TEXT NOT NULL DEFAULT '',"
                     "  checksum TEXT,"
                     "  headers TEXT,"
                     "  created INTEGER NOT NULL,"
                     "  status TEXT NOT NULL,"
                     "  started INTEGER NOT NULL DEFAULT 0,"
                     "  error_name TEXT NOT NULL DEFAULT '',"
                     "  error_message TEXT NOT NULL DEFAULT '',"
                     "  offset INTEGER NOT NULL DEFAULT 0,"
                     "  total INTEGER NOT NULL DEFAULT -1,"
                     "  http_status INTEGER NOT NULL DEFAULT 0,"
                     "  actual_uri TEXT,"
                     "  etag TEXT,"
                     "  last_modified TEXT,"
                     "  accepts_ranges INTEGER NOT NULL DEFAULT 0,"
                     "  response_headers TEXT);"
                     "CREATE INDEX transfers_app ON transfers (app_id);",
                     error))
        goto fail;
      G_GNUC_FALLTHROUGH;
    case 1:
      /* Uploads. */
      if (!exec_sql (self,
                     "ALTER TABLE transfers ADD COLUMN source TEXT;"
                     "ALTER TABLE transfers ADD COLUMN parts TEXT;"
                     "ALTER TABLE transfers ADD COLUMN is_stream INTEGER NOT NULL DEFAULT 0;"
                     "ALTER TABLE transfers ADD COLUMN method TEXT;"
                     "ALTER TABLE transfers ADD COLUMN content_type TEXT;"
                     "ALTER TABLE transfers ADD COLUMN protocol INTEGER NOT NULL DEFAULT 0;"
                     "ALTER TABLE transfers ADD COLUMN upload_location TEXT;"
                     "ALTER TABLE transfers ADD COLUMN source_size INTEGER NOT NULL DEFAULT -1;"
                     "ALTER TABLE transfers ADD COLUMN source_mtime INTEGER NOT NULL DEFAULT 0;",
                     error))
        goto fail;
      G_GNUC_FALLTHROUGH;
    case 2:
      /* Cost policies, priorities and data usage. */
      if (!exec_sql (self,
                     "ALTER TABLE transfers ADD COLUMN cost_policy INTEGER NOT NULL DEFAULT 0;"
                     "ALTER TABLE transfers ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;"
                     "CREATE TABLE data_usage ("
                     "  connection TEXT NOT NULL,"
                     "  cycle_start INTEGER NOT NULL,"
                     "  bytes INTEGER NOT NULL,"
                     "  PRIMARY KEY (connection, cycle_start));"
                     "CREATE TABLE app_defaults ("
                     "  app_id TEXT NOT NULL,"
                     "  kind INTEGER NOT NULL,"
                     "  cost_policy INTEGER NOT NULL,"
                     "  PRIMARY KEY (app_id, kind));",
                     error))
        goto fail;
      G_GNUC_FALLTHROUGH;
    case 3:
      /* Scheduling: speed limits, groups, completion groups, notifications. */
      if (!exec_sql (self,
                     "ALTER TABLE transfers ADD COLUMN max_speed INTEGER NOT NULL DEFAULT 0;"
                     "ALTER TABLE transfers ADD COLUMN completion_group TEXT;"
                     "ALTER TABLE transfers ADD COLUMN notify_success TEXT;"
                     "ALTER TABLE transfers ADD COLUMN notify_failure TEXT;"
                     "CREATE TABLE group_behaviors ("
                     "  app_id TEXT NOT NULL,"
                     "  name TEXT NOT NULL,"
                     "  serialized INTEGER NOT NULL,"
                     "  PRIMARY KEY (app_id, name));"
                     "CREATE TABLE completion_groups ("
                     "  app_id TEXT NOT NULL,"
                     "  name TEXT NOT NULL,"
                     "  action TEXT NOT NULL,"
                     "  delivered INTEGER NOT NULL DEFAULT 0,"
                     "  PRIMARY KEY (app_id, name));",
                     error))
        goto fail;
      G_GNUC_FALLTHROUGH;
    case 4:
      /* When transfers ended, so that old ones can be forgotten. */
      if (!exec_sql (self, "ALTER TABLE transfers ADD COLUMN ended INTEGER NOT NULL DEFAULT 0;",
                     error))
        goto fail;
      G_GNUC_FALLTHROUGH;
    case 5:
      /* Segmented downloads. */
      if (!exec_sql (self,
                     "ALTER TABLE transfers ADD COLUMN connections INTEGER NOT NULL DEFAULT 1;"
                     "ALTER TABLE transfers ADD COLUMN segments TEXT;",
                     error))
        goto fail;
      G_GNUC_FALLTHROUGH;
    case FERRY_STORE_SCHEMA_VERSION:
      break;
    default:
      g_assert_not_reached ();
    }

  if (version != FERRY_STORE_SCHEMA_VERSION)
    {
      g_autofree char *sql = g_strdup_printf ("UPDATE schema_version SET version = %d",
                                              FERRY_STORE_SCHEMA_VERSION);
      if (!exec_sql (self, sql, error))
        goto fail;
      g_debug ("Database migrated from schema %d to %d", version, FERRY_STORE_SCHEMA_VERSION);
    }
  return exec_sql (self, "COMMIT", error);

fail:
  exec_sql (self, "ROLLBACK", NULL);
  return FALSE;
}

static gboolean
prepare (FerryStore *self, const char *sql, sqlite3_stmt **stmt, GError **error)
{
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
    return set_sqlite_error (self, error, "preparing a statement");
  return TRUE;
}

static gboolean
ferry_store_open (FerryStore *self, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *wal_path = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_FAILED,
                   "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                       SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    return set_sqlite_error (self, error, "opening the database");

  sqlite3_busy_timeout (self->db, 5000);
  /* WAL keeps readers and the checkpointing writer apart. NORMAL writes a
   * commit to the WAL without waiting for the disk; the syncer flushes it
   * in its thread before anyone who waits for it is told, so a method that
   * created a transfer still returns only once it is durable, while the main
   * loop serves on. */
  if (!exec_sql (self, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", error))
    return FALSE;
  wal_path = g_strconcat (path, "-wal", NULL);
  self->syncer = ferry_wal_syncer_new (wal_path);
  if (!migrate (self, error))
    return FALSE;

  return prepare (self,
                  "INSERT INTO transfers (id, app_id, kind, uri, destination, group_name,"
                  " checksum, headers, created, status, started, source, parts, is_stream,"
                  " method, content_type, protocol, source_size, source_mtime, cost_policy,"
                  " priority, max_speed, completion_group, notify_success, notify_failure,"
                  " connections)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                  " ?, ?, ?, ?, ?)",
                  &self->insert_stmt, error) &&
         prepare (self,
                  "UPDATE transfers SET status = ?, started = ?, error_name = ?,"
                  " error_message = ?, offset = ?, total = ?, http_status = ?,"
                  " actual_uri = ?, etag = ?, last_modified = ?, accepts_ranges = ?,"
                  " response_headers = ?, upload_location = ?, source_size = ?,"
                  " source_mtime = ?, cost_policy = ?, priority = ?, uri = ?, ended = ?,"
                  " segments = ? WHERE id = ?",
                  &self->state_stmt, error) &&
         prepare (self, "UPDATE transfers SET offset = ?, total = ?, segments = ? WHERE id = ?",
                  &self->offset_stmt, error);
}

static void
ferry_store_finalize (GObject *object)
{
  FerryStore *self = FERRY_STORE (object);

  /* Anything still in a group is committed before the database closes. */
  if (self->commit_source != 0)
    {
      g_source_remove (self->commit_source);
      on_group_commit (self);
    }
  if (self->syncer != NULL)
    ferry_wal_syncer_free (self->syncer);
  g_array_unref (self->waiters);
  sqlite3_finalize (self->insert_stmt);
  sqlite3_finalize (self->state_stmt);
  sqlite3_finalize (self->offset_stmt);
  sqlite3_close (self->db);

  G_OBJECT_CLASS (ferry_store_parent_class)->finalize (object);
}

static void
ferry_store_class_init (FerryStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_store_finalize;
}

static void
ferry_store_init (FerryStore *self)
{
  self->waiters = g_array_new (FALSE, FALSE, sizeof (DurableWaiter));
}

FerryStore *
ferry_store_new (const char *path, GError **error)
{
  g_autoptr(FerryStore) self = g_object_new (FERRY_TYPE_STORE, NULL);

  if (!ferry_store_open (self, path, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
bind_text_or_null (sqlite3_stmt *stmt, int column, const char *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}

static void
bind_variant (sqlite3_stmt *stmt, int column, GVariant *value)
{
  g_autofree char *text = value ? g_variant_print (value, FALSE) : NULL;

  bind_text_or_null (stmt, column, text);
}

/* Runs a bound statement once and resets it for the next use. */
static gboolean
step_done (FerryStore *self, sqlite3_stmt *stmt, GError **error, const char *what)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, what);
  return TRUE;
}

/* Commits the open group and tells everyone who waited for it. */
static gboolean
on_group_commit (gpointer user_data)
{
  FerryStore *self = user_data;
  g_autoptr(GArray) waiters = g_steal_pointer (&self->waiters);
  g_autoptr(GError) error = NULL;

  self->commit_source = 0;
  self->waiters = g_array_new (FALSE, FALSE, sizeof (DurableWaiter));
  if (!sqlite3_get_autocommit (self->db) && !exec_sql (self, "COMMIT", &error))
    {
      g_warning ("Cannot commit: %s", error->message);
      exec_sql (self, "ROLLBACK", NULL);
    }
  /* Told once the WAL is flushed; flushed soon even when nobody waits. */
  for (guint i = 0; i < waiters->len; i++)
    {
      DurableWaiter *waiter = &g_array_index (waiters, DurableWaiter, i);
      ferry_wal_syncer_sync (self->syncer, error, waiter->func, waiter->data);
    }
  if (waiters->len == 0)
    ferry_wal_syncer_sync (self->syncer, NULL, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Opens (or joins) a group of writes that one commit makes durable: many
 * creations and state changes cost one fsync instead of one each. The
 * commit runs once the main loop has nothing more urgent to do: within
 * milliseconds. */
static gboolean
join_group (FerryStore *self, GError **error)
{
  if (sqlite3_get_autocommit (self->db) && !exec_sql (self, "BEGIN", error))
    return FALSE;
  if (self->commit_source == 0)
    /* Low priority: the calls already queued join this group first. */
    self->commit_source = g_idle_add_full (G_PRIORITY_LOW, on_group_commit, self, NULL);
  return TRUE;
}

void
ferry_store_when_durable (FerryStore *self, FerryStoreDurableFunc func, gpointer data)
{
  DurableWaiter waiter = { func, data };

  if (self->commit_source == 0)
    {
      /* Committed: durable once the flushes under way are done. */
      if (ferry_wal_syncer_is_pending (self->syncer))
        ferry_wal_syncer_sync (self->syncer, NULL, func, data);
      else
        func (NULL, data);
      return;
    }
  g_array_append_val (self->waiters, waiter);
}

gboolean
ferry_store_insert (FerryStore *self, FerryTransfer *transfer, GError **error)
{
  sqlite3_stmt *stmt = self->insert_stmt;

  if (!join_group (self, error))
    return FALSE;

  sqlite3_bind_text (stmt, 1, ferry_transfer_get_id (transfer), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, ferry_transfer_get_app_id (transfer), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, ferry_transfer_get_kind (transfer));
  sqlite3_bind_text (stmt, 4, ferry_transfer_get_uri (transfer), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, ferry_transfer_get_destination (transfer) ? ferry_transfer_get_destination (transfer) : "", -1,
                     SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, ferry_transfer_get_group (transfer), -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 7, ferry_transfer_get_checksum (transfer));
  bind_variant (stmt, 8, ferry_transfer_get_headers (transfer));
  sqlite3_bind_int64 (stmt, 9, ferry_transfer_get_created_usec (transfer));
  sqlite3_bind_text (stmt, 10, ferry_status_to_string (ferry_transfer_get_status (transfer)),
                     -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 11, ferry_transfer_get_started (transfer));
  bind_text_or_null (stmt, 12, ferry_transfer_get_source (transfer));
  bind_variant (stmt, 13, ferry_transfer_get_parts (transfer));
  sqlite3_bind_int (stmt, 14, ferry_transfer_is_stream (transfer));
  bind_text_or_null (stmt, 15, ferry_transfer_get_method (transfer));
  bind_text_or_null (stmt, 16, ferry_transfer_get_content_type (transfer));
  sqlite3_bind_int (stmt, 17, ferry_transfer_get_protocol (transfer));
  sqlite3_bind_int64 (stmt, 18, ferry_transfer_get_source_size (transfer));
  sqlite3_bind_int64 (stmt, 19, ferry_transfer_get_source_mtime (transfer));
  sqlite3_bind_int (stmt, 20, ferry_transfer_get_cost_policy (transfer));
  sqlite3_bind_int (stmt, 21, ferry_transfer_get_priority (transfer));
  sqlite3_bind_int64 (stmt, 22, (sqlite3_int64) ferry_transfer_get_max_speed (transfer));
  bind_text_or_null (stmt, 23, ferry_transfer_get_completion_group (transfer));
  bind_variant (stmt, 24, ferry_transfer_get_notification (transfer, TRUE));
  bind_variant (stmt, 25, ferry_transfer_get_notification (transfer, FALSE));
  sqlite3_bind_int (stmt, 26, (int) ferry_transfer_get_connections (transfer));

  if (!step_done (self, stmt, error, "adding a transfer"))
    return FALSE;
  ferry_transfer_set_sequence (transfer, sqlite3_last_insert_rowid (self->db));
  return TRUE;
}

gboolean
ferry_store_save_state (FerryStore *self, FerryTransfer *transfer, GError **error)
{
  sqlite3_stmt *stmt = self->state_stmt;
  const FerryResponseInfo *response = ferry_transfer_get_response (transfer);

  if (!join_group (self, error))
    return FALSE;

  sqlite3_bind_text (stmt, 1, ferry_status_to_string (ferry_transfer_get_status (transfer)),
                     -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, ferry_transfer_get_started (transfer));
  sqlite3_bind_text (stmt, 3, ferry_transfer_get_error_name (transfer), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, ferry_transfer_get_error_message (transfer), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) ferry_transfer_get_durable_offset (transfer));
  sqlite3_bind_int64 (stmt, 6, ferry_transfer_get_total_bytes (transfer));
  sqlite3_bind_int (stmt, 7, (int) response->http_status);
  bind_text_or_null (stmt, 8, response->actual_uri);
  bind_text_or_null (stmt, 9, response->etag);
  bind_text_or_null (stmt, 10, response->last_modified);
  sqlite3_bind_int (stmt, 11, response->accepts_ranges);
  bind_variant (stmt, 12, response->headers);
  bind_text_or_null (stmt, 13, ferry_transfer_get_upload_location (transfer));
  sqlite3_bind_int64 (stmt, 14, ferry_transfer_get_source_size (transfer));
  sqlite3_bind_int64 (stmt, 15, ferry_transfer_get_source_mtime (transfer));
  sqlite3_bind_int (stmt, 16, ferry_transfer_get_cost_policy (transfer));
  sqlite3_bind_int (stmt, 17, ferry_transfer_get_priority (transfer));
  sqlite3_bind_text (stmt, 18, ferry_transfer_get_uri (transfer), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 19, ferry_transfer_get_ended_usec (transfer));
  bind_variant (stmt, 20, ferry_transfer_get_segments (transfer));
  sqlite3_bind_text (stmt, 21, ferry_transfer_get_id (transfer), -1, SQLITE_TRANSIENT);

  return step_done (self, stmt, error, "saving a transfer's state");
}

gboolean
ferry_store_save_offsets (FerryStore *self, GPtrArray *transfers, GError **error)
{
  if (transfers->len == 0)
    return TRUE;
  if (!join_group (self, error))
    return FALSE;

  for (guint i = 0; i < transfers->len; i++)
    {
      FerryTransfer *transfer = g_ptr_array_index (transfers, i);
      sqlite3_stmt *stmt = self->offset_stmt;

      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) ferry_transfer_get_durable_offset (transfer));
      sqlite3_bind_int64 (stmt, 2, ferry_transfer_get_total_bytes (transfer));
      bind_variant (stmt, 3, ferry_transfer_get_segments (transfer));
      sqlite3_bind_text (stmt, 4, ferry_transfer_get_id (transfer), -1, SQLITE_TRANSIENT);
      if (!step_done (self, stmt, error, "saving offsets"))
        return FALSE;
    }
  return TRUE;
}

GVariant *
ferry_store_decode_value (const char *text, const char *type)
{
  g_autoptr(GError) error = NULL;
  GVariant *value;

  if (text == NULL)
    return NULL;
  /* GVariant's parser gives no error for some invalid UTF-8. */
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_warning ("Ignoring a damaged stored value: not UTF-8");
      return NULL;
    }
  value = g_variant_parse (G_VARIANT_TYPE (type), text, NULL, NULL, &error);
  if (value == NULL)
    g_warning ("Ignoring a damaged stored value: %s", error ? error->message : "unparsable");
  return value;
}

static GVariant *
column_variant (sqlite3_stmt *stmt, int column, const char *type)
{
  return ferry_store_decode_value ((const char *) sqlite3_column_text (stmt, column), type);
}

static FerryTransfer *
transfer_from_row (sqlite3_stmt *stmt)
{
  g_autoptr(FerryTransfer) transfer = NULL;
  g_auto(FerryResponseInfo) response = { 0 };
  FerryStatus status;
  const char *status_text = (const char *) sqlite3_column_text (stmt, 10);
  guint64 offset = (guint64) MAX (sqlite3_column_int64 (stmt, 14), 0);

  transfer = ferry_transfer_new ((const char *) sqlite3_column_text (stmt, 1),
                                 (const char *) sqlite3_column_text (stmt, 2),
                                 sqlite3_column_int (stmt, 3) == FERRY_TRANSFER_KIND_UPLOAD
                                   ? FERRY_TRANSFER_KIND_UPLOAD : FERRY_TRANSFER_KIND_DOWNLOAD,
                                 (const char *) sqlite3_column_text (stmt, 4));
  ferry_transfer_set_destination (transfer, (const char *) sqlite3_column_text (stmt, 5));
  ferry_transfer_set_sequence (transfer, sqlite3_column_int64 (stmt, 0));
  ferry_transfer_set_group (transfer, (const char *) sqlite3_column_text (stmt, 6));
  ferry_transfer_set_checksum (transfer, (const char *) sqlite3_column_text (stmt, 7));
  ferry_transfer_set_headers (transfer, column_variant (stmt, 8, "a{ss}"));
  ferry_transfer_set_created_usec (transfer, sqlite3_column_int64 (stmt, 9));
  if (status_text == NULL || !ferry_status_from_string (status_text, &status))
    status = FERRY_STATUS_ERROR;
  ferry_transfer_set_status (transfer, status,
                             (const char *) sqlite3_column_text (stmt, 12),
                             (const char *) sqlite3_column_text (stmt, 13));
  ferry_transfer_set_started (transfer, sqlite3_column_int (stmt, 11));
  ferry_transfer_set_durable_offset (transfer, offset);
  ferry_transfer_set_progress (transfer, offset, sqlite3_column_int64 (stmt, 15));

  response.http_status = (guint) sqlite3_column_int (stmt, 16);
  response.actual_uri = g_strdup ((const char *) sqlite3_column_text (stmt, 17));
  response.etag = g_strdup ((const char *) sqlite3_column_text (stmt, 18));
  response.last_modified = g_strdup ((const char *) sqlite3_column_text (stmt, 19));
  response.accepts_ranges = sqlite3_column_int (stmt, 20);
  response.headers = column_variant (stmt, 21, "a{ss}");
  ferry_transfer_set_response (transfer, &response);

  ferry_transfer_set_source (transfer, (const char *) sqlite3_column_text (stmt, 22));
  ferry_transfer_set_parts (transfer, column_variant (stmt, 23, "a(ssa{sv})"));
  ferry_transfer_set_is_stream (transfer, sqlite3_column_int (stmt, 24));
  ferry_transfer_set_method (transfer, (const char *) sqlite3_column_text (stmt, 25));
  ferry_transfer_set_content_type (transfer, (const char *) sqlite3_column_text (stmt, 26));
  ferry_transfer_set_protocol (transfer, sqlite3_column_int (stmt, 27) == FERRY_UPLOAD_PROTOCOL_TUS
                                           ? FERRY_UPLOAD_PROTOCOL_TUS : FERRY_UPLOAD_PROTOCOL_PLAIN);
  ferry_transfer_set_upload_location (transfer, (const char *) sqlite3_column_text (stmt, 28));
  ferry_transfer_set_source_stamp (transfer, sqlite3_column_int64 (stmt, 29),
                                   sqlite3_column_int64 (stmt, 30));
  ferry_transfer_set_cost_policy (transfer, CLAMP (sqlite3_column_int (stmt, 31),
                                                   FERRY_COST_POLICY_DEFAULT,
                                                   FERRY_COST_POLICY_ALWAYS));
  ferry_transfer_set_priority (transfer, CLAMP (sqlite3_column_int (stmt, 32),
                                                FERRY_PRIORITY_LOW, FERRY_PRIORITY_HIGH));
  ferry_transfer_set_max_speed (transfer, (guint64) MAX (sqlite3_column_int64 (stmt, 33), 0));
  ferry_transfer_set_completion_group (transfer, (const char *) sqlite3_column_text (stmt, 34));
  ferry_transfer_set_notification (transfer, TRUE, column_variant (stmt, 35, "a{ss}"));
  ferry_transfer_set_notification (transfer, FALSE, column_variant (stmt, 36, "a{ss}"));
  ferry_transfer_set_ended_usec (transfer, sqlite3_column_int64 (stmt, 37));
  ferry_transfer_set_connections (transfer, CLAMP (sqlite3_column_int (stmt, 38), 1,
                                                   FERRY_MAX_CONNECTIONS));
  ferry_transfer_set_segments (transfer, column_variant (stmt, 39, "a(ttt)"));

  return g_steal_pointer (&transfer);
}

GPtrArray *
ferry_store_load (FerryStore *self, GError **error)
{
  g_autoptr(GPtrArray) transfers = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT seq, id, app_id, kind, uri, destination, group_name,"
                          " checksum, headers, created, status, started, error_name,"
                          " error_message, offset, total, http_status, actual_uri, etag,"
                          " last_modified, accepts_ranges, response_headers, source, parts,"
                          " is_stream, method, content_type, protocol, upload_location,"
                          " source_size, source_mtime, cost_policy, priority, max_speed,"
                          " completion_group, notify_success, notify_failure, ended,"
                          " connections, segments"
                          " FROM transfers ORDER BY seq",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, "loading transfers");
      return NULL;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (transfers, transfer_from_row (stmt));
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, "loading transfers");
      return NULL;
    }
  return g_steal_pointer (&transfers);
}

/* Runs @sql with @bind filling its parameters; for the rare small writes. */
static gboolean
run_once (FerryStore *self, const char *sql, GError **error,
          void (*bind) (sqlite3_stmt *stmt, gconstpointer data), gconstpointer data)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return set_sqlite_error (self, error, "preparing a statement");
  bind (stmt, data);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, "writing");
  /* Committed on its own (not in a group): flushed soon all the same. */
  if (sqlite3_get_autocommit (self->db))
    ferry_wal_syncer_sync (self->syncer, NULL, NULL, NULL);
  return TRUE;
}

typedef struct {
  const char *connection;
  gint64      cycle_start;
  guint64     bytes;
} UsageRow;

static void
bind_usage (sqlite3_stmt *stmt, gconstpointer data)
{
  const UsageRow *row = data;

  sqlite3_bind_text (stmt, 1, row->connection, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, row->cycle_start);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) row->bytes);
}

gboolean
ferry_store_save_usage (FerryStore *self, const char *connection, gint64 cycle_start,
                        guint64 bytes, GError **error)
{
  UsageRow row = { connection, cycle_start, bytes };

  return run_once (self, "INSERT OR REPLACE INTO data_usage VALUES (?, ?, ?)", error,
                   bind_usage, &row);
}

guint64
ferry_store_load_usage (FerryStore *self, const char *connection, gint64 cycle_start)
{
  sqlite3_stmt *stmt = NULL;
  guint64 bytes = 0;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT bytes FROM data_usage WHERE connection = ? AND cycle_start = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text (stmt, 1, connection, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, cycle_start);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    bytes = (guint64) MAX (sqlite3_column_int64 (stmt, 0), 0);
  sqlite3_finalize (stmt);
  return bytes;
}

typedef struct {
  const char *app_id;
  int         kind;
  int         policy;
} DefaultRow;

static void
bind_default (sqlite3_stmt *stmt, gconstpointer data)
{
  const DefaultRow *row = data;

  sqlite3_bind_text (stmt, 1, row->app_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, row->kind);
  sqlite3_bind_int (stmt, 3, row->policy);
}

gboolean
ferry_store_save_default_cost_policy (FerryStore *self, const char *app_id,
                                      FerryTransferKind kind, FerryCostPolicy policy,
                                      GError **error)
{
  DefaultRow row = { app_id, kind, policy };

  return run_once (self, "INSERT OR REPLACE INTO app_defaults VALUES (?, ?, ?)", error,
                   bind_default, &row);
}

FerryCostPolicy
ferry_store_load_default_cost_policy (FerryStore *self, const char *app_id,
                                      FerryTransferKind kind)
{
  sqlite3_stmt *stmt = NULL;
  FerryCostPolicy policy = FERRY_COST_POLICY_DEFAULT;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT cost_policy FROM app_defaults WHERE app_id = ? AND kind = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    return policy;
  sqlite3_bind_text (stmt, 1, app_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, kind);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    policy = CLAMP (sqlite3_column_int (stmt, 0), FERRY_COST_POLICY_DEFAULT,
                    FERRY_COST_POLICY_ALWAYS);
  sqlite3_finalize (stmt);
  return policy;
}

typedef struct {
  const char *app_id;
  const char *name;
  gboolean    flag;
  const char *action;
} GroupRow;

static void
bind_group_behavior (sqlite3_stmt *stmt, gconstpointer data)
{
  const GroupRow *row = data;

  sqlite3_bind_text (stmt, 1, row->app_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, row->flag);
}

gboolean
ferry_store_save_group_behavior (FerryStore *self, const char *app_id, const char *group,
                                 gboolean serialized, GError **error)
{
  GroupRow row = { app_id, group, serialized, NULL };

  return run_once (self, "INSERT OR REPLACE INTO group_behaviors VALUES (?, ?, ?)", error,
                   bind_group_behavior, &row);
}

/* Calls @func for each stored row of @sql, whose columns are text, text,
 * int and (optionally) text. */
static void
for_each_group_row (FerryStore *self, const char *sql,
                    void (*func) (const char *app_id, const char *name, gboolean flag,
                                  const char *action, gpointer user_data),
                    gpointer user_data)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_warning ("Cannot read groups: %s", sqlite3_errmsg (self->db));
      return;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    func ((const char *) sqlite3_column_text (stmt, 0), (const char *) sqlite3_column_text (stmt, 1),
          sqlite3_column_int (stmt, 2),
          sqlite3_column_count (stmt) > 3 ? (const char *) sqlite3_column_text (stmt, 3) : NULL,
          user_data);
  sqlite3_finalize (stmt);
}

void
ferry_store_load_group_behaviors (FerryStore *self, FerryStoreGroupFunc func, gpointer user_data)
{
  for_each_group_row (self, "SELECT app_id, name, serialized FROM group_behaviors",
                      func, user_data);
}

static void
bind_completion_group (sqlite3_stmt *stmt, gconstpointer data)
{
  const GroupRow *row = data;

  sqlite3_bind_text (stmt, 1, row->app_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, row->action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 4, row->flag);
}

gboolean
ferry_store_save_completion_group (FerryStore *self, const char *app_id, const char *group,
                                   const char *action, gboolean delivered, GError **error)
{
  GroupRow row = { app_id, group, delivered, action };

  return run_once (self, "INSERT OR REPLACE INTO completion_groups VALUES (?, ?, ?, ?)", error,
                   bind_completion_group, &row);
}

void
ferry_store_load_completion_groups (FerryStore *self, FerryStoreGroupFunc func,
                                    gpointer user_data)
{
  for_each_group_row (self, "SELECT app_id, name, delivered, action FROM completion_groups",
                      func, user_data);
}

static void
bind_id (sqlite3_stmt *stmt, gconstpointer data)
{
  sqlite3_bind_text (stmt, 1, data, -1, SQLITE_TRANSIENT);
}

gboolean
ferry_store_delete (FerryStore *self, FerryTransfer *transfer, GError **error)
{
  return join_group (self, error) &&
         run_once (self, "DELETE FROM transfers WHERE id = ?", error, bind_id,
                   ferry_transfer_get_id (transfer));
}
