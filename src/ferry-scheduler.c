/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-scheduler"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "ferry-cost-policy.h"
#include "ferry-job.h"
#include "ferry-error.h"
#include "ferry-scheduler.h"

/* Progress signals: a few per second per transfer at most. */
#define PROGRESS_INTERVAL_MS 250

/* A transfer that holds a slot: running, or waiting to retry. */
typedef struct {
  FerryScheduler   *scheduler;   /* unowned: it owns the slot */
  FerryTransfer    *transfer;
  FerryJob         *job;
  GCancellable     *cancellable;
  guint             retry_source;
  guint             attempts;
  guint64           attempt_offset;
  gboolean          stopping;    /* paused or canceled by the app */
  gboolean          timed_out;   /* canceled by the connect watchdog */
  GSList           *stopped;     /* StoppedWaiter, told once the job ended */
} Slot;

typedef struct {
  FerryStoppedFunc func;
  gpointer         data;
} StoppedWaiter;

struct _FerryScheduler
{
  GObject        parent_instance;

  FerryStore    *store;
  FerrySettings  settings;
  SoupSession   *session;

  GHashTable    *transfers;   /* id → FerryTransfer, owned */
  GHashTable    *destinations; /* destination → FerryTransfer that has not ended for good */
  GPtrArray     *ordered;     /* every transfer in creation order */
  GQueue         queue;       /* FerryTransfer waiting for a slot, FIFO */
  GHashTable    *slots;       /* FerryTransfer → Slot */
  GHashTable    *draining;    /* FerryTransfer whose stopped job still runs → Slot */

  guint          progress_source;
  gboolean       busy;

  /* Nothing starts before the network state is known. */
  gboolean        conditions_known;
  FerryConditions conditions;

  FerryRateLimiter *bandwidth;   /* all transfers together, or NULL */
  GHashTable     *serialized;    /* "app\ngroup" of serialized groups */
};

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_TRANSFER_ADDED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryScheduler, ferry_scheduler, G_TYPE_OBJECT)

static void fill_slots (FerryScheduler *self);
static void add_group_behavior (const char *app_id, const char *name, gboolean serialized,
                                const char *unused, gpointer user_data);
static int compare_sequence (gconstpointer a, gconstpointer b, gpointer user_data);
static GList *queue_insert (FerryScheduler *self, FerryTransfer *transfer);
static void enqueue (FerryScheduler *self, FerryTransfer *transfer);
static FerryStatus verdict (FerryScheduler *self, FerryTransfer *transfer);

/* Lets go of the slot's job; a durable-changed already queued for it must
 * not reach a slot that may be gone. */
static void
drop_job (Slot *slot)
{
  if (slot->job != NULL)
    g_signal_handlers_disconnect_by_data (slot->job, slot);
  g_clear_object (&slot->job);
}

static void
tell_stopped (Slot *slot)
{
  GSList *waiters = g_slist_reverse (g_steal_pointer (&slot->stopped));

  for (GSList *l = waiters; l != NULL; l = l->next)
    {
      StoppedWaiter *waiter = l->data;
      waiter->func (waiter->data);
    }
  g_slist_free_full (waiters, g_free);
}

static void
slot_free (Slot *slot)
{
  tell_stopped (slot);
  g_clear_handle_id (&slot->retry_source, g_source_remove);
  drop_job (slot);
  g_clear_object (&slot->cancellable);
  g_clear_object (&slot->transfer);
  g_free (slot);
}

static void
save_state (FerryScheduler *self, FerryTransfer *transfer)
{
  g_autoptr(GError) error = NULL;

  if (!ferry_store_save_state (self->store, transfer, &error))
    g_warning ("Cannot save transfer %s: %s", ferry_transfer_get_id (transfer), error->message);
}

static void
update_busy (FerryScheduler *self)
{
  gboolean busy = self->queue.length > 0 ||
                  g_hash_table_size (self->slots) > 0 ||
                  g_hash_table_size (self->draining) > 0;

  if (busy != self->busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

/* Takes a new response from the job onto its transfer and stores it. This
 * comes before any read of the job's offsets: the job resets its offset in
 * the same step as it publishes a new response, so an offset read after it
 * never belongs to an older version of the resource. */
static void
take_new_response (FerryScheduler *self, Slot *slot, gboolean finished)
{
  if (slot->job != NULL && ferry_job_take_response (slot->job, finished, slot->transfer))
    save_state (self, slot->transfer);
}

/* Copies a job's byte counts onto its transfer, which emits progress. */
static void
sync_progress (FerryScheduler *self, Slot *slot, gboolean finished)
{
  guint64 transferred, durable;
  gint64 total;

  take_new_response (self, slot, finished);
  if (slot->job == NULL)
    return;
  ferry_job_get_progress (slot->job, &transferred, &total, &durable);
  ferry_transfer_set_progress (slot->transfer, transferred, total);
}

static void
check_connect_timeout (FerryScheduler *self, Slot *slot)
{
  gint64 limit = (gint64) self->settings.connect_timeout_s * G_USEC_PER_SEC;

  if (slot->job == NULL || slot->timed_out || ferry_job_is_connected (slot->job))
    return;
  if (g_get_monotonic_time () - ferry_job_get_start_time (slot->job) > limit)
    {
      g_debug ("%s: no response within %u s", ferry_transfer_get_id (slot->transfer),
               self->settings.connect_timeout_s);
      slot->timed_out = TRUE;
      g_cancellable_cancel (slot->cancellable);
    }
}

static gboolean
on_progress_tick (gpointer user_data)
{
  FerryScheduler *self = user_data;
  GHashTableIter iter;
  Slot *slot;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &slot))
    {
      sync_progress (self, slot, FALSE);
      check_connect_timeout (self, slot);
    }
  return G_SOURCE_CONTINUE;
}

/* Stores the offset a job just flushed: the store follows the disk
 * closely, so a crash loses at most about one checkpoint interval. */
static void
on_job_durable_changed (FerryJob *job, gpointer user_data)
{
  Slot *slot = user_data;
  FerryScheduler *self = slot->scheduler;
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  if (slot->job != job)
    return;
  take_new_response (self, slot, FALSE);
  if (!ferry_job_copy_durable (job, slot->transfer))
    return;
  g_ptr_array_add (changed, slot->transfer);
  if (!ferry_store_save_offsets (self->store, changed, &error))
    g_warning ("Cannot store a checkpoint: %s", error->message);
}

/* The tick sources run only while some transfer holds a slot. */
static void
update_timers (FerryScheduler *self)
{
  gboolean running = g_hash_table_size (self->slots) > 0;

  if (running && self->progress_source == 0)
    self->progress_source = g_timeout_add (PROGRESS_INTERVAL_MS, on_progress_tick, self);
  else if (!running && self->progress_source != 0)
    g_clear_handle_id (&self->progress_source, g_source_remove);
}

static void start_attempt (FerryScheduler *self, Slot *slot);

static void
release_slot (FerryScheduler *self, Slot *slot)
{
  g_hash_table_remove (self->slots, slot->transfer);
  update_timers (self);
  fill_slots (self);
  update_busy (self);
}

static gboolean
on_retry_timeout (gpointer user_data)
{
  Slot *slot = user_data;
  FerryScheduler *self = slot->scheduler;
  FerryTransfer *transfer = slot->transfer;

  slot->retry_source = 0;
  if (verdict (self, transfer) != FERRY_STATUS_RUNNING)
    {
      g_object_ref (transfer);
      g_hash_table_remove (self->slots, transfer);
      update_timers (self);
      enqueue (self, transfer);
      g_object_unref (transfer);
      return G_SOURCE_REMOVE;
    }
  start_attempt (self, slot);
  return G_SOURCE_REMOVE;
}

static void
finish_stopped_job (FerryScheduler *self, Slot *slot)
{
  FerryTransfer *transfer = slot->transfer;

  /* A canceled one's part is gone already: its path may be a new
   * transfer's by now, so nothing is removed here. */
  if (ferry_transfer_get_status (transfer) == FERRY_STATUS_CANCELED)
    ferry_transfer_set_durable_offset (transfer, 0);
  save_state (self, transfer);
  g_hash_table_remove (self->draining, transfer);
  fill_slots (self);
  update_busy (self);
}

static gboolean
is_refused_resume (Slot *slot)
{
  guint status = ferry_transfer_get_response (slot->transfer)->http_status;

  return ferry_transfer_get_kind (slot->transfer) == FERRY_TRANSFER_KIND_DOWNLOAD &&
         slot->attempt_offset > 0 &&
         (status == SOUP_STATUS_FORBIDDEN || status == SOUP_STATUS_GONE);
}

static void
finish_failed_attempt (FerryScheduler *self, Slot *slot, GError *error)
{
  FerryTransfer *transfer = slot->transfer;
  const char *name = ferry_job_get_error_name (slot->job);
  gboolean transient = ferry_job_get_error_is_transient (slot->job);

  if (slot->timed_out)
    {
      name = "timeout";
      transient = TRUE;
    }
  /* An attempt that moved forward earns a fresh set of retries. */
  if (ferry_transfer_get_durable_offset (transfer) > slot->attempt_offset)
    slot->attempts = 0;

  /* Lost with the network: wait for it without spending a retry. */
  if (transient && verdict (self, transfer) != FERRY_STATUS_RUNNING)
    {
      g_debug ("%s: %s while the network denies it: waiting", ferry_transfer_get_id (transfer),
               name);
      g_hash_table_remove (self->slots, transfer);
      update_timers (self);
      enqueue (self, transfer);
      return;
    }

  if (transient && slot->attempts < self->settings.retries)
    {
      guint delay = MAX (self->settings.retry_delay_ms << MIN (slot->attempts, 10),
                         ferry_job_get_retry_after (slot->job) * 1000);

      slot->attempts++;
      g_debug ("%s: %s (%s), retry %u of %u in %u ms", ferry_transfer_get_id (transfer),
               name, error->message, slot->attempts, self->settings.retries, delay);
      drop_job (slot);
      save_state (self, transfer);
      slot->retry_source = g_timeout_add (delay, on_retry_timeout, slot);
      return;
    }

  /* A refused resume is often an expired signed URL: the app may give a
   * fresh one (SetRequestedUri) and keep the bytes. */
  if (is_refused_resume (slot))
    {
      g_message ("%s: resume refused (%s), waiting for a new URI",
                 ferry_transfer_get_id (transfer), name);
      ferry_transfer_set_status (transfer, FERRY_STATUS_PAUSED_RECOVERABLE_WEB_ERROR, name,
                                 error->message);
      save_state (self, transfer);
      release_slot (self, slot);
      return;
    }

  g_message ("%s failed: %s (%s)", ferry_transfer_get_id (transfer), name, error->message);
  ferry_transfer_set_status (transfer, FERRY_STATUS_ERROR, name, error->message);
  save_state (self, transfer);
  release_slot (self, slot);
}

static void
on_job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FerryJob *job = FERRY_JOB (source);
  FerryScheduler *self = FERRY_SCHEDULER (user_data);
  g_autoptr(GError) error = NULL;
  gboolean ok = ferry_job_run_finish (job, result, &error);
  FerryTransfer *transfer = g_object_get_data (G_OBJECT (job), "ferry-transfer");
  Slot *slot;
  guint64 transferred, durable;
  gint64 total;

  slot = g_hash_table_lookup (self->draining, transfer);
  if (slot == NULL)
    slot = g_hash_table_lookup (self->slots, transfer);
  g_assert (slot != NULL && slot->job == job);

  sync_progress (self, slot, TRUE);
  ferry_job_get_progress (job, &transferred, &total, &durable);
  ferry_job_copy_durable (job, transfer);

  if (slot->stopping)
    finish_stopped_job (self, slot);
  else if (ok)
    {
      ferry_transfer_set_progress (transfer, transferred, (gint64) transferred);
      ferry_transfer_set_status (transfer, FERRY_STATUS_COMPLETED, NULL, NULL);
      save_state (self, transfer);
      g_message ("%s completed: %" G_GUINT64_FORMAT " bytes", ferry_transfer_get_id (transfer),
                 transferred);
      release_slot (self, slot);
    }
  else
    finish_failed_attempt (self, slot, error);

  g_object_unref (self);
}

static void
start_attempt (FerryScheduler *self, Slot *slot)
{
  g_clear_object (&slot->cancellable);
  drop_job (slot);
  slot->cancellable = g_cancellable_new ();
  slot->timed_out = FALSE;
  slot->attempt_offset = ferry_transfer_get_durable_offset (slot->transfer);
  slot->job = ferry_job_new_for_transfer (self->session, slot->transfer, &self->settings,
                                          self->bandwidth);
  g_signal_connect (slot->job, "durable-changed", G_CALLBACK (on_job_durable_changed), slot);
  g_object_set_data (G_OBJECT (slot->job), "ferry-transfer", slot->transfer);
  ferry_job_run_async (slot->job, slot->cancellable, on_job_done, g_object_ref (self));
}

static void
run_transfer (FerryScheduler *self, FerryTransfer *transfer)
{
  Slot *slot = g_new0 (Slot, 1);

  slot->scheduler = self;
  slot->transfer = g_object_ref (transfer);
  g_hash_table_insert (self->slots, transfer, slot);
  ferry_transfer_set_status (transfer, FERRY_STATUS_RUNNING, NULL, NULL);
  save_state (self, transfer);
  start_attempt (self, slot);
  update_timers (self);
}

/* FERRY_STATUS_RUNNING when @transfer may run now, else what it waits as. */
static FerryStatus
verdict (FerryScheduler *self, FerryTransfer *transfer)
{
  return ferry_cost_policy_decide (&self->conditions, ferry_transfer_get_cost_policy (transfer),
                                   ferry_transfer_get_priority (transfer));
}

/* The status a queued transfer shows: idle while it waits for a slot. */
static void
show_waiting_status (FerryScheduler *self, FerryTransfer *transfer)
{
  FerryStatus status = verdict (self, transfer);

  if (!self->conditions_known || status == FERRY_STATUS_RUNNING)
    status = FERRY_STATUS_IDLE;
  if (status != ferry_transfer_get_status (transfer))
    {
      ferry_transfer_set_status (transfer, status, NULL, NULL);
      save_state (self, transfer);
    }
}

static char *
group_key (FerryTransfer *transfer)
{
  return g_strconcat (ferry_transfer_get_app_id (transfer), "\n",
                      ferry_transfer_get_group (transfer), NULL);
}

static gboolean
is_serialized (FerryScheduler *self, FerryTransfer *transfer)
{
  g_autofree char *key = NULL;

  if (*ferry_transfer_get_group (transfer) == '\0')
    return FALSE;
  key = group_key (transfer);
  return g_hash_table_contains (self->serialized, key);
}

static gboolean
same_group (FerryTransfer *a, FerryTransfer *b)
{
  return g_str_equal (ferry_transfer_get_app_id (a), ferry_transfer_get_app_id (b)) &&
         g_str_equal (ferry_transfer_get_group (a), ferry_transfer_get_group (b));
}

/* Whether a transfer holding a slot, or still draining, blocks @transfer:
 * the same host at its limit, or the same serialized group. */
static gboolean
blocked_by_running (FerryScheduler *self, FerryTransfer *transfer)
{
  GHashTable *tables[] = { self->slots, self->draining };
  gboolean serialized = is_serialized (self, transfer);
  guint same_host = 0;

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      GHashTableIter iter;
      FerryTransfer *other;

      g_hash_table_iter_init (&iter, tables[t]);
      while (g_hash_table_iter_next (&iter, (gpointer *) &other, NULL))
        {
          if (serialized && same_group (transfer, other))
            return TRUE;
          if (t == 0 && g_str_equal (ferry_transfer_get_host_key (transfer),
                                     ferry_transfer_get_host_key (other)))
            same_host++;
        }
    }
  return same_host >= self->settings.max_per_host;
}

/* A serialized group runs in creation order: only its oldest queued one. */
static gboolean
is_first_of_serialized_group (FerryScheduler *self, FerryTransfer *transfer)
{
  if (!is_serialized (self, transfer))
    return TRUE;
  for (GList *l = self->queue.head; l != NULL; l = l->next)
    if (same_group (transfer, l->data))
      return l->data == transfer;  /* the queue is in creation order */
  return TRUE;
}

/* The priority, raised one level per aging interval waited: no transfer
 * waits behind newer ones forever. */
static int
effective_priority (FerryScheduler *self, FerryTransfer *transfer, gint64 now)
{
  gint64 waited = now - ferry_transfer_get_queued_time (transfer);
  gint64 steps = waited / ((gint64) self->settings.aging_interval_s * G_USEC_PER_SEC);

  return (int) MIN ((gint64) ferry_transfer_get_priority (transfer) + steps, FERRY_PRIORITY_HIGH);
}

static gboolean
is_eligible (FerryScheduler *self, FerryTransfer *transfer)
{
  return !g_hash_table_contains (self->draining, transfer) &&
         verdict (self, transfer) == FERRY_STATUS_RUNNING &&
         !blocked_by_running (self, transfer) &&
         is_first_of_serialized_group (self, transfer);
}

/* The hosts whose running transfers are at --max-per-host: a set. */
static GHashTable *
full_hosts (FerryScheduler *self)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTable *full = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  FerryTransfer *running;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, (gpointer *) &running, NULL))
    {
      const char *host = ferry_transfer_get_host_key (running);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, host)) + 1;

      g_hash_table_insert (counts, (gpointer) host, GUINT_TO_POINTER (count));
      if (count >= self->settings.max_per_host)
        g_hash_table_add (full, (gpointer) host);
    }
  return full;
}

/* The queued transfer to start next: highest (aged) priority, then oldest.
 * Those of a host at its limit are passed over at the cost of a lookup:
 * thousands may wait for one host, and this runs whenever a slot frees. */
static GList *
next_candidate (FerryScheduler *self)
{
  g_autoptr(GHashTable) full = full_hosts (self);
  gint64 now = g_get_monotonic_time ();
  GList *best = NULL;
  int best_priority = -1;

  for (GList *l = self->queue.head; l != NULL; l = l->next)
    {
      int priority = effective_priority (self, l->data, now);

      if (priority > best_priority &&
          !g_hash_table_contains (full, ferry_transfer_get_host_key (l->data)) &&
          is_eligible (self, l->data))
        {
          best = l;
          best_priority = priority;
        }
    }
  return best;
}

/* A running low priority transfer that a waiting high one may displace. */
static FerryTransfer *
preemptible (FerryScheduler *self)
{
  GHashTableIter iter;
  FerryTransfer *running;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, (gpointer *) &running, NULL))
    if (ferry_transfer_get_priority (running) == FERRY_PRIORITY_LOW)
      return running;
  return NULL;
}

static GList *
waiting_high (FerryScheduler *self)
{
  for (GList *l = self->queue.head; l != NULL; l = l->next)
    if (ferry_transfer_get_priority (l->data) == FERRY_PRIORITY_HIGH &&
        verdict (self, l->data) == FERRY_STATUS_RUNNING &&
        !g_hash_table_contains (self->draining, l->data))
      return l;
  return NULL;
}

static void
start_queued (FerryScheduler *self, GList *link)
{
  FerryTransfer *transfer = link->data;

  g_queue_delete_link (&self->queue, link);
  run_transfer (self, transfer);
  g_object_unref (transfer);
}

static void stop_transfer (FerryScheduler *self, FerryTransfer *transfer);

/* Starts what may run while slots are free, then lets a waiting high
 * priority transfer take the slot of a running low one (which goes back to
 * the queue with its bytes). A transfer whose previous job still drains
 * waits: both would write its .part. */
static void
fill_slots (FerryScheduler *self)
{
  GList *link;
  FerryTransfer *low;

  if (!self->conditions_known)
    return;
  while (g_hash_table_size (self->slots) < self->settings.max_parallel &&
         (link = next_candidate (self)) != NULL)
    start_queued (self, link);

  while ((link = waiting_high (self)) != NULL && (low = preemptible (self)) != NULL)
    {
      g_autoptr(FerryTransfer) displaced = g_object_ref (low);

      g_debug ("%s: preempted by %s", ferry_transfer_get_id (displaced),
               ferry_transfer_get_id (link->data));
      stop_transfer (self, displaced);
      queue_insert (self, displaced);
      ferry_transfer_set_queued_time (displaced, g_get_monotonic_time ());
      show_waiting_status (self, displaced);
      if (!is_eligible (self, link->data))
        break;
      start_queued (self, link);
    }
}

static int
compare_sequence (gconstpointer a, gconstpointer b, gpointer user_data)
{
  gint64 sa = ferry_transfer_get_sequence ((FerryTransfer *) a);
  gint64 sb = ferry_transfer_get_sequence ((FerryTransfer *) b);

  return sa < sb ? -1 : sa > sb;
}

/* Inserts @transfer in creation order and returns its link. Mostly it is
 * the newest, appended without a walk through the queue. */
static GList *
queue_insert (FerryScheduler *self, FerryTransfer *transfer)
{
  if (self->queue.tail == NULL || compare_sequence (self->queue.tail->data, transfer, NULL) < 0)
    {
      g_queue_push_tail (&self->queue, g_object_ref (transfer));
      return self->queue.tail;
    }
  g_queue_insert_sorted (&self->queue, g_object_ref (transfer), compare_sequence, NULL);
  return g_queue_find (&self->queue, transfer);
}

/* Starts @transfer, just queued, if it may run now. Whatever else is queued
 * was weighed when the slots or conditions last changed, and a newcomer
 * changes nothing for it: only @transfer needs a look, where a pass over
 * the whole queue made queuing n transfers cost n² checks. A high one may
 * still displace a running low one. */
static void
fill_slots_for (FerryScheduler *self, FerryTransfer *transfer, GList *link)
{
  if (!self->conditions_known)
    return;
  if (g_hash_table_size (self->slots) < self->settings.max_parallel &&
      is_eligible (self, transfer))
    start_queued (self, link);
  else if (ferry_transfer_get_priority (transfer) == FERRY_PRIORITY_HIGH)
    fill_slots (self);
}

/* Queues @transfer in creation order (one stopped for a while keeps its
 * place) and returns its link. */
static GList *
queue_transfer (FerryScheduler *self, FerryTransfer *transfer)
{
  GList *link = queue_insert (self, transfer);

  ferry_transfer_set_queued_time (transfer, g_get_monotonic_time ());
  ferry_transfer_set_status (transfer, FERRY_STATUS_IDLE, NULL, NULL);
  show_waiting_status (self, transfer);
  save_state (self, transfer);
  return link;
}

/* Queues a transfer that left its slot: what may run is weighed again. */
static void
enqueue (FerryScheduler *self, FerryTransfer *transfer)
{
  queue_transfer (self, transfer);
  fill_slots (self);
  update_busy (self);
}

/* Queues a transfer the app starts or resumes, or one stored as queued. */
static void
enqueue_new (FerryScheduler *self, FerryTransfer *transfer)
{
  fill_slots_for (self, transfer, queue_transfer (self, transfer));
  update_busy (self);
}

/* Takes @transfer off the queue or out of its slot. A running job is
 * canceled and finishes in the background (it flushes what it has). */
static void
stop_transfer (FerryScheduler *self, FerryTransfer *transfer)
{
  Slot *slot;

  if (g_queue_remove (&self->queue, transfer))
    g_object_unref (transfer);

  slot = g_hash_table_lookup (self->slots, transfer);
  if (slot == NULL)
    return;

  g_hash_table_steal (self->slots, transfer);
  g_clear_handle_id (&slot->retry_source, g_source_remove);
  if (slot->job != NULL)
    {
      slot->stopping = TRUE;
      g_cancellable_cancel (slot->cancellable);
      g_hash_table_insert (self->draining, transfer, slot);
    }
  else
    slot_free (slot);
  update_timers (self);
}

/* Stops running transfers the conditions now deny (their bytes are kept),
 * shows queued ones as waiting or idle, and starts what may run. */
static void
apply_conditions (FerryScheduler *self)
{
  g_autoptr(GList) running = g_hash_table_get_keys (self->slots);

  for (GList *l = running; l != NULL; l = l->next)
    {
      FerryTransfer *transfer = l->data;
      FerryStatus status = verdict (self, transfer);

      if (status == FERRY_STATUS_RUNNING)
        continue;
      g_debug ("%s: stopped, %s", ferry_transfer_get_id (transfer), ferry_status_to_string (status));
      stop_transfer (self, transfer);
      enqueue (self, transfer);
    }
  for (GList *l = self->queue.head; l != NULL; l = l->next)
    show_waiting_status (self, l->data);
  fill_slots (self);
  update_busy (self);
}

void
ferry_scheduler_set_conditions (FerryScheduler *self, const FerryConditions *conditions)
{
  self->conditions = *conditions;
  self->conditions_known = TRUE;
  apply_conditions (self);
}

gboolean
ferry_scheduler_set_cost_policy (FerryScheduler *self, FerryTransfer *transfer,
                                 FerryCostPolicy policy, FerryPriority priority)
{
  ferry_transfer_set_cost_policy (transfer, policy);
  ferry_transfer_set_priority (transfer, priority);
  save_state (self, transfer);
  apply_conditions (self);
  return TRUE;
}

static gboolean
check_not_final (FerryTransfer *transfer, GError **error)
{
  if (ferry_status_is_final (ferry_transfer_get_status (transfer)))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE,
                   _("The transfer is %s"),
                   ferry_status_to_string (ferry_transfer_get_status (transfer)));
      return FALSE;
    }
  return TRUE;
}

gboolean
ferry_scheduler_start (FerryScheduler *self, FerryTransfer *transfer, GError **error)
{
  if (ferry_transfer_get_started (transfer) ||
      ferry_transfer_get_status (transfer) != FERRY_STATUS_IDLE)
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_STATE,
                           _("The transfer was already started"));
      return FALSE;
    }
  ferry_transfer_set_started (transfer, TRUE);
  enqueue_new (self, transfer);
  return TRUE;
}

gboolean
ferry_scheduler_set_requested_uri (FerryScheduler *self, FerryTransfer *transfer,
                                   const char *uri, GError **error)
{
  if (!check_not_final (transfer, error))
    return FALSE;
  ferry_transfer_set_uri (transfer, uri);
  save_state (self, transfer);
  g_debug ("%s: new URI %s", ferry_transfer_get_id (transfer), uri);
  if (ferry_transfer_get_status (transfer) == FERRY_STATUS_PAUSED_RECOVERABLE_WEB_ERROR)
    enqueue_new (self, transfer);
  return TRUE;
}

gboolean
ferry_scheduler_pause (FerryScheduler *self, FerryTransfer *transfer, GError **error)
{
  if (!check_not_final (transfer, error))
    return FALSE;
  stop_transfer (self, transfer);
  ferry_transfer_set_started (transfer, TRUE);
  ferry_transfer_set_status (transfer, FERRY_STATUS_PAUSED_BY_APPLICATION, NULL, NULL);
  save_state (self, transfer);
  fill_slots (self);
  update_busy (self);
  return TRUE;
}

gboolean
ferry_scheduler_resume (FerryScheduler *self, FerryTransfer *transfer, GError **error)
{
  FerryStatus status = ferry_transfer_get_status (transfer);

  if (!check_not_final (transfer, error))
    return FALSE;
  /* Queued or running already: nothing to do. */
  if (status == FERRY_STATUS_RUNNING ||
      (status == FERRY_STATUS_IDLE && ferry_transfer_get_started (transfer)))
    return TRUE;
  ferry_transfer_set_started (transfer, TRUE);
  enqueue_new (self, transfer);
  return TRUE;
}

gboolean
ferry_scheduler_cancel (FerryScheduler *self, FerryTransfer *transfer, GError **error)
{
  g_autofree char *part = ferry_transfer_dup_part_path (transfer);

  if (!check_not_final (transfer, error))
    return FALSE;
  stop_transfer (self, transfer);
  ferry_transfer_set_status (transfer, FERRY_STATUS_CANCELED, NULL, NULL);
  /* A job still draining writes to the unlinked file, harmlessly. */
  g_unlink (part);
  ferry_transfer_set_durable_offset (transfer, 0);
  save_state (self, transfer);
  fill_slots (self);
  update_busy (self);
  return TRUE;
}

/* A transfer that ended for good frees its destination for others. */
static void
on_status_for_destinations (FerryTransfer *transfer, gpointer user_data)
{
  FerryScheduler *self = user_data;
  const char *destination = ferry_transfer_get_destination (transfer);

  if (destination != NULL && ferry_status_is_final (ferry_transfer_get_status (transfer)) &&
      g_hash_table_lookup (self->destinations, destination) == transfer)
    g_hash_table_remove (self->destinations, destination);
}

static void
take_transfer (FerryScheduler *self, FerryTransfer *transfer)
{
  const char *destination = ferry_transfer_get_destination (transfer);

  if (destination != NULL && !ferry_status_is_final (ferry_transfer_get_status (transfer)))
    g_hash_table_insert (self->destinations, g_strdup (destination), transfer);
  g_signal_connect_object (transfer, "status-changed", G_CALLBACK (on_status_for_destinations),
                           self, G_CONNECT_DEFAULT);
  g_hash_table_insert (self->transfers, g_strdup (ferry_transfer_get_id (transfer)),
                       g_object_ref (transfer));
  g_ptr_array_add (self->ordered, g_object_ref (transfer));
  g_signal_emit (self, signals[SIGNAL_TRANSFER_ADDED], 0, transfer);
}

gboolean
ferry_scheduler_add (FerryScheduler *self, FerryTransfer *transfer, GError **error)
{
  if (!ferry_store_insert (self->store, transfer, error))
    return FALSE;
  take_transfer (self, transfer);
  return TRUE;
}

/* A transfer that ended long ago is forgotten, with what the service kept
 * for it: the reply body, and a result the app never took. */
static gboolean
forget_if_old (FerryScheduler *self, FerryTransfer *transfer)
{
  gint64 ended = ferry_transfer_get_ended_usec (transfer);
  gint64 keep = (gint64) self->settings.keep_ended_days * 24 * 3600 * G_USEC_PER_SEC;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;

  if (!ferry_status_is_final (ferry_transfer_get_status (transfer)) || ended == 0 ||
      g_get_real_time () - ended < keep)
    return FALSE;
  if (!ferry_store_delete (self->store, transfer, &error))
    {
      g_warning ("Cannot forget transfer %s: %s", ferry_transfer_get_id (transfer), error->message);
      return FALSE;
    }
  body = ferry_transfer_dup_response_body_path (transfer);
  g_unlink (body);
  if (ferry_transfer_is_managed (transfer))
    g_unlink (ferry_transfer_get_destination (transfer));
  g_debug ("%s: ended long ago, forgotten", ferry_transfer_get_id (transfer));
  return TRUE;
}

/* Transfers that were queued or running when the service stopped go on. */
static gboolean
should_requeue (FerryTransfer *transfer)
{
  switch (ferry_transfer_get_status (transfer))
    {
    case FERRY_STATUS_IDLE:
      return ferry_transfer_get_started (transfer);
    case FERRY_STATUS_RUNNING:
    case FERRY_STATUS_PAUSED_COSTED_NETWORK:
    case FERRY_STATUS_PAUSED_NO_NETWORK:
    case FERRY_STATUS_PAUSED_SYSTEM_POLICY:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
ferry_scheduler_restore (FerryScheduler *self, GError **error)
{
  g_autoptr(GPtrArray) stored = ferry_store_load (self->store, error);

  if (stored == NULL)
    return FALSE;
  ferry_store_load_group_behaviors (self->store, add_group_behavior, self);
  for (guint i = 0; i < stored->len; )
    {
      if (forget_if_old (self, g_ptr_array_index (stored, i)))
        g_ptr_array_remove_index (stored, i);
      else
        take_transfer (self, g_ptr_array_index (stored, i++));
    }
  g_message ("Loaded %u stored transfers", stored->len);

  for (guint i = 0; i < stored->len; i++)
    {
      FerryTransfer *transfer = g_ptr_array_index (stored, i);

      if (should_requeue (transfer) && ferry_transfer_is_stream (transfer))
        {
          /* Its descriptor died with the previous service. */
          ferry_transfer_set_status (transfer, FERRY_STATUS_ERROR, "source-unavailable",
                                     _("The stream ended with the service that held it"));
          save_state (self, transfer);
        }
      else if (should_requeue (transfer))
        {
          g_debug ("%s: resuming from %" G_GUINT64_FORMAT, ferry_transfer_get_id (transfer),
                   ferry_transfer_get_durable_offset (transfer));
          enqueue_new (self, transfer);
        }
    }
  return TRUE;
}

gboolean
ferry_scheduler_destination_in_use (FerryScheduler *self, const char *destination)
{
  return g_hash_table_contains (self->destinations, destination);
}

void
ferry_scheduler_when_stored (FerryScheduler *self, FerryStoreDurableFunc func, gpointer data)
{
  ferry_store_when_durable (self->store, func, data);
}

FerryTransfer *
ferry_scheduler_lookup (FerryScheduler *self, const char *id)
{
  return g_hash_table_lookup (self->transfers, id);
}

static GPtrArray *
list_current (FerryScheduler *self, const char *app_id, FerryTransferKind kind,
              const char *group)
{
  GPtrArray *result = g_ptr_array_new ();

  for (guint i = 0; i < self->ordered->len; i++)
    {
      FerryTransfer *transfer = g_ptr_array_index (self->ordered, i);

      if (g_str_equal (ferry_transfer_get_app_id (transfer), app_id) &&
          ferry_transfer_get_kind (transfer) == kind &&
          !ferry_status_is_final (ferry_transfer_get_status (transfer)) &&
          (*group == '\0' || g_str_equal (ferry_transfer_get_group (transfer), group)))
        g_ptr_array_add (result, transfer);
    }
  return result;
}

const char **
ferry_scheduler_list_current_paths (FerryScheduler *self, const char *app_id,
                                    FerryTransferKind kind, const char *group)
{
  g_autoptr(GPtrArray) transfers = list_current (self, app_id, kind, group);
  const char **paths = g_new0 (const char *, transfers->len + 1);

  for (guint i = 0; i < transfers->len; i++)
    paths[i] = ferry_transfer_get_object_path (g_ptr_array_index (transfers, i));
  return paths;
}

GPtrArray *
ferry_scheduler_list_all (FerryScheduler *self)
{
  return g_ptr_array_ref (self->ordered);
}

static void
add_group_behavior (const char *app_id, const char *name, gboolean serialized,
                    const char *unused, gpointer user_data)
{
  FerryScheduler *self = user_data;
  char *key = g_strconcat (app_id, "\n", name, NULL);

  if (serialized)
    g_hash_table_add (self->serialized, key);
  else
    {
      g_hash_table_remove (self->serialized, key);
      g_free (key);
    }
}

gboolean
ferry_scheduler_set_group_behavior (FerryScheduler *self, const char *app_id, const char *group,
                                    gboolean serialized, GError **error)
{
  if (!ferry_store_save_group_behavior (self->store, app_id, group, serialized, error))
    return FALSE;
  add_group_behavior (app_id, group, serialized, NULL, self);
  fill_slots (self);
  return TRUE;
}

FerryCostPolicy
ferry_scheduler_get_default_cost_policy (FerryScheduler *self, const char *app_id,
                                         FerryTransferKind kind)
{
  return ferry_store_load_default_cost_policy (self->store, app_id, kind);
}

gboolean
ferry_scheduler_set_default_cost_policy (FerryScheduler *self, const char *app_id,
                                         FerryTransferKind kind, FerryCostPolicy policy,
                                         GError **error)
{
  return ferry_store_save_default_cost_policy (self->store, app_id, kind, policy, error);
}

void
ferry_scheduler_when_stopped (FerryScheduler *self, FerryTransfer *transfer,
                              FerryStoppedFunc func, gpointer data)
{
  Slot *slot = g_hash_table_lookup (self->draining, transfer);
  StoppedWaiter *waiter;

  if (slot == NULL)
    {
      func (data);
      return;
    }
  waiter = g_new0 (StoppedWaiter, 1);
  waiter->func = func;
  waiter->data = data;
  slot->stopped = g_slist_prepend (slot->stopped, waiter);
}

gboolean
ferry_scheduler_get_busy (FerryScheduler *self)
{
  return self->busy;
}

void
ferry_scheduler_shutdown (FerryScheduler *self)
{
  g_autoptr(GList) running = g_hash_table_get_keys (self->slots);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* Statuses stay as they are so the next start picks them up again. */
  for (GList *l = running; l != NULL; l = l->next)
    {
      Slot *slot = g_hash_table_lookup (self->slots, l->data);

      if (slot->job == NULL)
        continue;
      slot->stopping = TRUE;
      g_cancellable_cancel (slot->cancellable);
      g_hash_table_steal (self->slots, l->data);
      g_hash_table_insert (self->draining, l->data, slot);
    }
  while (g_hash_table_size (self->draining) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static void
ferry_scheduler_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FerryScheduler *self = FERRY_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ferry_scheduler_finalize (GObject *object)
{
  FerryScheduler *self = FERRY_SCHEDULER (object);

  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_queue_clear_full (&self->queue, g_object_unref);
  g_hash_table_unref (self->slots);
  g_hash_table_unref (self->draining);
  g_hash_table_unref (self->destinations);
  g_hash_table_unref (self->transfers);
  g_ptr_array_unref (self->ordered);
  g_clear_object (&self->session);
  g_clear_object (&self->store);
  g_clear_pointer (&self->bandwidth, ferry_rate_limiter_unref);
  g_clear_pointer (&self->serialized, g_hash_table_unref);

  G_OBJECT_CLASS (ferry_scheduler_parent_class)->finalize (object);
}

static void
ferry_scheduler_class_init (FerrySchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ferry_scheduler_get_property;
  object_class->finalize = ferry_scheduler_finalize;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_TRANSFER_ADDED] =
    g_signal_new ("transfer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, FERRY_TYPE_TRANSFER);
}

static void
ferry_scheduler_init (FerryScheduler *self)
{
  self->transfers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->destinations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ordered = g_ptr_array_new_with_free_func (g_object_unref);
  self->slots = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) slot_free);
  self->draining = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) slot_free);
  self->serialized = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->queue);
}

FerryScheduler *
ferry_scheduler_new (FerryStore *store, const FerrySettings *settings)
{
  FerryScheduler *self = g_object_new (FERRY_TYPE_SCHEDULER, NULL);

  self->store = g_object_ref (store);
  self->settings = *settings;
  if (settings->max_speed > 0)
    self->bandwidth = ferry_rate_limiter_new (settings->max_speed);
  self->session = soup_session_new_with_options ("timeout", settings->response_timeout_s,
                                                 "max-conns", 256,
                                                 "max-conns-per-host",
                                                 MIN (MAX (settings->max_per_host, 2) *
                                                        FERRY_MAX_CONNECTIONS, 256),
                                                 "user-agent", "Ferry/" PACKAGE_VERSION " ",
                                                 NULL);
  /* Ranges count bytes of the stored entity: never ask for a coding. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
  return self;
}
