/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "ferry-rate-limiter.h"
#include "ferry-settings.h"
#include "ferry-transfer.h"

G_BEGIN_DECLS

/* One attempt at a transfer: blocking libsoup I/O in a thread of its own.
 * The main thread reads its progress and responses under a lock, never per
 * packet. Subclasses (download, upload) implement run(); this class holds
 * what they share: the thread, the published state, the error names. */
#define FERRY_TYPE_JOB (ferry_job_get_type ())
G_DECLARE_DERIVABLE_TYPE (FerryJob, ferry_job, FERRY, JOB, GObject)

struct _FerryJobClass
{
  GObjectClass parent_class;

  /* Runs in the job's thread. */
  gboolean (*run)              (FerryJob      *self,
                                GCancellable  *cancellable,
                                GError       **error);
  /* Copies state of the subclass' own onto @transfer, on the main thread,
   * when a new response was taken. */
  void     (*sync_to_transfer) (FerryJob      *self,
                                FerryTransfer *transfer);
  /* Copies what the subclass keeps of the bytes on disk besides the
   * durable offset (a segmented download's segments) onto @transfer, on
   * the main thread, under the lock, whenever that offset is copied. */
  void     (*sync_durable)     (FerryJob      *self,
                                FerryTransfer *transfer);
};

/* What the scheduler uses. */
/* @shared: the service's overall bandwidth limiter, or NULL. */
FerryJob   *ferry_job_new_for_transfer (SoupSession         *session,
                                        FerryTransfer       *transfer,
                                        const FerrySettings *settings,
                                        FerryRateLimiter    *shared);
void        ferry_job_run_async (FerryJob           *self,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
gboolean    ferry_job_run_finish (FerryJob      *self,
                                  GAsyncResult  *result,
                                  GError       **error);
/* Thread-safe snapshots. @total is -1 while unknown; @durable is the offset
 * that survives a crash (flushed to disk, or confirmed by the server). */
void        ferry_job_get_progress (FerryJob *self,
                                    guint64  *transferred,
                                    gint64   *total,
                                    guint64  *durable);
/* Copies a new response onto @transfer, once; when @finished, also an
 * error answer that was not published. FALSE when there is nothing new. The response is
 * published with the offset that goes with it: call this before reading
 * offsets, so that no offset is stored with older validators. */
gboolean    ferry_job_take_response (FerryJob      *self,
                                     gboolean       finished,
                                     FerryTransfer *transfer);
/* Copies the durable offset, and what goes with it, onto @transfer; FALSE
 * when the offset did not change. */
gboolean    ferry_job_copy_durable (FerryJob *self, FerryTransfer *transfer);
gint64      ferry_job_get_start_time (FerryJob *self);
/* Whether the server answered, or took body bytes: past connecting. */
gboolean    ferry_job_is_connected (FerryJob *self);
/* After a failure: the WebErrorStatus-like name, and whether a retry may help. */
const char *ferry_job_get_error_name (FerryJob *self);
gboolean    ferry_job_get_error_is_transient (FerryJob *self);
/* Seconds the server asked to wait (Retry-After), 0 when it did not. */
guint       ferry_job_get_retry_after (FerryJob *self);

/* For subclasses. */
void        ferry_job_setup (FerryJob            *self,
                             SoupSession         *session,
                             FerryTransfer       *transfer,
                             const FerrySettings *settings,
                             FerryRateLimiter    *shared);
/* How many of @wanted bytes may move now under the bandwidth limits
 * (blocking); 0 when cancelled. */
gsize       ferry_job_throttle (FerryJob *self, gsize wanted, GCancellable *cancellable);
/* Gives back what ferry_job_throttle() allowed but was not moved. */
void        ferry_job_unthrottle (FerryJob *self, gsize unused);
/* @body, read no faster than the bandwidth limits allow. */
GInputStream *ferry_job_throttle_stream (FerryJob *self, GInputStream *body);
SoupSession *ferry_job_get_session (FerryJob *self);
const char *ferry_job_get_uri (FerryJob *self);
gint64      ferry_job_get_checkpoint_interval (FerryJob *self);
SoupMessage *ferry_job_new_message (FerryJob *self, const char *method, const char *uri);
gboolean    ferry_job_fail (FerryJob *self, GError **error, const char *name, gboolean transient,
                            const char *format, ...) G_GNUC_PRINTF (5, 6);
gboolean    ferry_job_fail_from_gerror (FerryJob *self, GError **error, GError *cause);
gboolean    ferry_job_fail_from_http_status (FerryJob *self, GError **error, SoupMessage *msg);
gboolean    ferry_job_fail_from_errno (FerryJob *self, GError **error, int saved_errno,
                                       const char *what, const char *path);
/* After a failure that no retry can mend (a consumed stream). */
void        ferry_job_forbid_retry (FerryJob *self);
/* Records @msg's response for GetResponseInformation, not yet published. */
void        ferry_job_record_response (FerryJob *self, SoupMessage *msg);
/* Publishes the recorded response together with the offsets that go with it. */
void        ferry_job_publish_response (FerryJob *self, guint64 transferred, gint64 total,
                                        guint64 durable);
/* The same, with ferry_job_lock() held: with what the subclass publishes. */
void        ferry_job_publish_response_locked (FerryJob *self, guint64 transferred,
                                               gint64 total, guint64 durable);
void        ferry_job_publish_progress (FerryJob *self, guint64 transferred, gint64 total,
                                        guint64 durable);
/* Declares the offset up to which data is on disk (any thread). */
void        ferry_job_set_durable (FerryJob *self, guint64 durable);
/* Counts body bytes that went out or came in since the last publish. */
void        ferry_job_add_transferred (FerryJob *self, guint64 bytes);
/* The lock that guards published state; sync_to_transfer runs under it. */
void        ferry_job_lock (FerryJob *self);
void        ferry_job_unlock (FerryJob *self);
/* Keeps up to the configured limit of @body as the response body. */
gboolean    ferry_job_save_response_body (FerryJob *self, GInputStream *body,
                                          GCancellable *cancellable, GError **error);

G_END_DECLS
