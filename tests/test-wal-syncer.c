/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WAL syncer: waiters are told on the main thread, in order, once the
 * file is flushed, with the commit's or the flush's error; nothing is lost
 * when it is freed with flushes under way. */
#include <glib.h>
#include <glib/gstdio.h>

#include "ferry-error.h"
#include "ferry-wal-syncer.h"

typedef struct {
  GArray  *order;     /* guint: which waiter was told, in turn */
  GThread *main_thread;
  char    *last_error;
  guint    errors;
} Told;

typedef struct {
  Told  *told;
  guint  id;
} Waiter;

static void
on_synced (const GError *error, gpointer data)
{
  Waiter *waiter = data;

  g_assert_true (g_thread_self () == waiter->told->main_thread);
  g_array_append_val (waiter->told->order, waiter->id);
  if (error != NULL)
    {
      waiter->told->errors++;
      g_free (waiter->told->last_error);
      waiter->told->last_error = g_strdup (error->message);
    }
}

static void
told_init (Told *told)
{
  told->order = g_array_new (FALSE, FALSE, sizeof (guint));
  told->main_thread = g_thread_self ();
}

static void
told_clear (Told *told)
{
  g_array_unref (told->order);
  g_free (told->last_error);
}

/* Iterates the main context until @n waiters were told, or fails. */
static void
wait_told (Told *told, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (told->order->len < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static char *
make_wal (void)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("ferry-wal-XXXXXX", &path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (write (fd, "frames", 6), ==, 6);
  close (fd);
  return path;
}

static void
test_waiters_are_told_in_order (void)
{
  g_autofree char *wal = make_wal ();
  FerryWalSyncer *syncer = ferry_wal_syncer_new (wal);
  Waiter waiters[20];
  Told told = { 0 };

  told_init (&told);
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      waiters[i] = (Waiter) { &told, i };
      ferry_wal_syncer_sync (syncer, NULL, on_synced, &waiters[i]);
      g_assert_true (ferry_wal_syncer_is_pending (syncer));
    }
  /* Never from within the call: on the main loop. */
  g_assert_cmpuint (told.order->len, ==, 0);
  wait_told (&told, G_N_ELEMENTS (waiters));
  for (guint i = 0; i < told.order->len; i++)
    g_assert_cmpuint (g_array_index (told.order, guint, i), ==, i);
  g_assert_cmpuint (told.errors, ==, 0);
  g_assert_false (ferry_wal_syncer_is_pending (syncer));

  ferry_wal_syncer_free (syncer);
  g_unlink (wal);
  told_clear (&told);
}

/* A commit that failed is reported as such, after the flush all the same. */
static void
test_commit_error_is_passed_on (void)
{
  g_autofree char *wal = make_wal ();
  FerryWalSyncer *syncer = ferry_wal_syncer_new (wal);
  g_autoptr(GError) commit_error = g_error_new_literal (FERRY_ERROR, FERRY_ERROR_FAILED,
                                                        "disk I/O error");
  Told told = { 0 };
  Waiter failed, fine;

  told_init (&told);
  failed = (Waiter) { &told, 1 };
  fine = (Waiter) { &told, 2 };
  ferry_wal_syncer_sync (syncer, commit_error, on_synced, &failed);
  ferry_wal_syncer_sync (syncer, NULL, on_synced, &fine);
  wait_told (&told, 2);
  g_assert_cmpuint (told.errors, ==, 1);
  g_assert_cmpstr (told.last_error, ==, "disk I/O error");

  ferry_wal_syncer_free (syncer);
  g_unlink (wal);
  told_clear (&told);
}

/* A file that cannot be flushed fails every waiter of that flush. */
static void
test_flush_error_reaches_the_waiters (void)
{
  /* procfs takes no fdatasync (EINVAL). */
  FerryWalSyncer *syncer = ferry_wal_syncer_new ("/proc/self/status");
  Told told = { 0 };
  Waiter waiter;

  told_init (&told);
  waiter = (Waiter) { &told, 1 };
  ferry_wal_syncer_sync (syncer, NULL, on_synced, &waiter);
  wait_told (&told, 1);
  g_assert_cmpuint (told.errors, ==, 1);
  g_assert_true (g_str_has_prefix (told.last_error, "Cannot flush the database"));

  ferry_wal_syncer_free (syncer);
  told_clear (&told);
}

/* sqlite removes its WAL when it checkpoints everything at close: nothing
 * is left to flush, and that is no error. */
static void
test_missing_wal_is_no_error (void)
{
  FerryWalSyncer *syncer = ferry_wal_syncer_new ("/nonexistent/ferry.db-wal");
  Told told = { 0 };
  Waiter waiter;

  told_init (&told);
  waiter = (Waiter) { &told, 1 };
  ferry_wal_syncer_sync (syncer, NULL, on_synced, &waiter);
  wait_told (&told, 1);
  g_assert_cmpuint (told.errors, ==, 0);

  ferry_wal_syncer_free (syncer);
  told_clear (&told);
}

/* Freed at once: the flushes under way end, and every waiter is told
 * before free returns, without a turn of the main loop. */
static void
test_free_tells_every_waiter (void)
{
  g_autofree char *wal = make_wal ();
  FerryWalSyncer *syncer = ferry_wal_syncer_new (wal);
  Waiter waiters[50];
  Told told = { 0 };

  told_init (&told);
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      waiters[i] = (Waiter) { &told, i };
      ferry_wal_syncer_sync (syncer, NULL, on_synced, &waiters[i]);
    }
  ferry_wal_syncer_free (syncer);
  g_assert_cmpuint (told.order->len, ==, G_N_ELEMENTS (waiters));
  for (guint i = 0; i < told.order->len; i++)
    g_assert_cmpuint (g_array_index (told.order, guint, i), ==, i);

  /* Deliveries queued before the free find nothing left to do. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (told.order->len, ==, G_N_ELEMENTS (waiters));
  g_unlink (wal);
  told_clear (&told);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wal-syncer/waiters-are-told-in-order", test_waiters_are_told_in_order);
  g_test_add_func ("/wal-syncer/commit-error-is-passed-on", test_commit_error_is_passed_on);
  g_test_add_func ("/wal-syncer/flush-error-reaches-the-waiters",
                   test_flush_error_reaches_the_waiters);
  g_test_add_func ("/wal-syncer/missing-wal-is-no-error", test_missing_wal_is_no_error);
  g_test_add_func ("/wal-syncer/free-tells-every-waiter", test_free_tells_every_waiter);
  return g_test_run ();
}
