/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Destinations on a small or read-only filesystem. A full disk stops a
 * download with "insufficient-storage" and keeps what was written, and
 * Resume finishes it once there is room; a read-only directory is refused
 * when the download is created.
 *
 * The filesystems are tmpfs mounts in a mount namespace of the test's own
 * (unshare(CLONE_NEWNS) in the test process, whose ferryd inherits it), so
 * that nothing leaks to the host even when a test aborts. That needs
 * CAP_SYS_ADMIN: without it the tests are skipped. */
#define G_LOG_DOMAIN "test-disk-full"

#include <errno.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* ferryd is started once the mounts are in place. */
static const FerryFixtureConfig disk_config = {
  .no_ferryd = TRUE,
};

/* Enters a private mount namespace and mounts a tmpfs of @size_kib at
 * @name in the test's directory (read-only with @read_only). Returns the
 * mount point, or NULL after g_test_skip() when the test may not mount. */
static char *
mount_small_fs (FerryFixture *fx, const char *name, guint size_kib, gboolean read_only)
{
  g_autofree char *dir = g_build_filename (fx->tmpdir, name, NULL);
  g_autofree char *options = g_strdup_printf ("size=%uk,mode=0755", size_kib);
  static gboolean unshared = FALSE;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  if (!unshared)
    {
      if (unshare (CLONE_NEWNS) != 0 ||
          mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        {
          g_autofree char *why = g_strdup_printf ("cannot make a mount namespace: %s",
                                                  g_strerror (errno));
          g_test_skip (why);
          return NULL;
        }
      unshared = TRUE;
    }
  if (mount ("tmpfs", dir, "tmpfs", read_only ? MS_RDONLY : 0, options) != 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot mount a tmpfs on %s: %s", dir,
                                              g_strerror (errno));
      g_test_skip (why);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

static void
unmount (const char *dir)
{
  if (umount2 (dir, MNT_DETACH) != 0)
    g_printerr ("# could not unmount %s: %s\n", dir, g_strerror (errno));
}

static void
write_filler (const char *path, gsize size)
{
  g_autofree char *zeros = g_malloc0 (size);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, zeros, (gssize) size, &error);
  g_assert_no_error (error);
}

static void
test_full_disk_keeps_the_bytes_and_resume_finishes (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 2 * MiB;
  g_autofree char *small = mount_small_fs (fx, "small", 3 * 1024, FALSE);
  g_autofree char *filler = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *part = NULL;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  guint64 kept;

  if (small == NULL)
    return;
  filler = g_build_filename (small, "filler", NULL);
  dest = g_build_filename (small, "big.bin", NULL);
  part = g_strconcat (dest, ".part", NULL);
  /* 3 MiB, 2 of them taken: the 2 MiB download stops half-way. */
  write_filler (filler, 2 * MiB);
  ferry_fixture_start_ferryd_with_app (fx);

  path = ferry_client_start_download (fx->app, uri, dest, NULL);
  ferry_client_wait_error (fx->app, path, "insufficient-storage");
  /* What it counts as received is in the part (which may hold a little
   * more: the last write that did not fit whole). */
  kept = ferry_client_get_uint64 (fx->app, path, "BytesReceived");
  g_printerr ("# %s: the disk filled up after %" G_GUINT64_FORMAT " bytes (%" G_GINT64_FORMAT
              " in the part)\n", g_test_get_path (), kept, ferry_test_file_size (part));
  g_assert_cmpuint (kept, >, 0);
  g_assert_cmpuint (kept, <, size);
  g_assert_cmpint (ferry_test_file_size (part), >=, (gint64) kept);
  g_assert_false (ferry_test_file_exists (dest));
  /* Running out of room does not go away by asking again at once. */
  g_assert_cmpuint (ferry_test_server_count_requests (fx->server, "/file/"), ==, 1);
  /* Still current: the app may Resume it. */
  {
    g_auto(GStrv) current = ferry_client_list (fx->app, "");

    g_assert_true (g_strv_contains ((const char * const *) current, path));
  }

  g_assert_cmpint (g_unlink (filler), ==, 0);
  ferry_client_transfer_call (fx->app, path, "Resume", &error);
  g_assert_no_error (error);
  ferry_client_wait_status (fx->app, path, "completed");

  ferry_assert_downloaded (dest, 1, size);
  ferry_assert_range_request (fx->server, "/file/", 1, kept);
  ferry_assert_property (fx->app, path, "ErrorName", "");
  ferry_fixture_stop_ferryd (fx);
  unmount (small);
}

static void
test_read_only_directory_is_refused_at_creation (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *read_only = mount_small_fs (fx, "read-only", 1024, TRUE);
  g_autofree char *dest = NULL;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/4096");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (read_only == NULL)
    return;
  dest = g_build_filename (read_only, "file.bin", NULL);
  ferry_fixture_start_ferryd_with_app (fx);

  /* root may write to any directory it owns: only a read-only mount stops
   * it, and ferryd must say so rather than fail later. */
  path = ferry_client_create_download (fx->app, uri, dest, NULL, &error);
  ferry_assert_dbus_error (error, FERRY_ERROR_NAME_INVALID_ARGUMENT);
  g_printerr ("# %s: %s\n", g_test_get_path (), error->message);
  g_assert_nonnull (strstr (error->message, read_only));
  g_assert_null (path);
  g_assert_cmpuint (ferry_test_server_get_requests (fx->server)->len, ==, 0);
  ferry_fixture_stop_ferryd (fx);
  unmount (read_only);
}

static void
test_directory_made_read_only_later_fails_cleanly (FerryFixture *fx, gconstpointer config)
{
  g_autofree char *dir = mount_small_fs (fx, "later-read-only", 1024, FALSE);
  g_autofree char *dest = NULL;
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/4096");
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL)
    return;
  dest = g_build_filename (dir, "file.bin", NULL);
  ferry_fixture_start_ferryd_with_app (fx);
  path = ferry_client_create_download (fx->app, uri, dest, NULL, &error);
  g_assert_no_error (error);

  /* Between creation and start the filesystem becomes read-only. */
  g_assert_cmpint (mount (NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, "size=1024k"), ==, 0);
  ferry_client_transfer_call (fx->app, path, "Start", &error);
  g_assert_no_error (error);
  ferry_client_wait_error (fx->app, path, "io-error");
  message = ferry_client_get_string (fx->app, path, "ErrorMessage");
  g_printerr ("# %s: %s\n", g_test_get_path (), message);
  g_assert_nonnull (strstr (message, dir));
  ferry_assert_no_file (dest);
  ferry_fixture_stop_ferryd (fx);
  unmount (dir);
}

/* Whether this process may make a mount namespace and mount a tmpfs in
 * it: tried in a child, so that nothing changes here. */
static char *
why_no_mounts (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ferry-mount-probe-XXXXXX", NULL);
  int status = 0;
  pid_t pid;

  if (dir == NULL)
    return g_strdup ("cannot make a temporary directory");
  pid = fork ();
  if (pid == 0)
    {
      if (unshare (CLONE_NEWNS) != 0)
        _exit (1);
      if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        _exit (2);
      if (mount ("tmpfs", dir, "tmpfs", 0, "size=64k") != 0)
        _exit (3);
      _exit (0);
    }
  waitpid (pid, &status, 0);
  g_rmdir (dir);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return NULL;
  return g_strdup_printf ("cannot mount a tmpfs in a mount namespace of its own (step %d): "
                          "needs CAP_SYS_ADMIN", WIFEXITED (status) ? WEXITSTATUS (status) : -1);
}

static void
skip_test (gconstpointer reason)
{
  g_test_skip (reason);
}

int
main (int argc, char **argv)
{
  g_autofree char *why_not = NULL;

  ferry_test_init (&argc, &argv);

  /* A skip inside a test's subprocess would be reported as a pass. */
  if (!g_test_subprocess () && (why_not = why_no_mounts ()) != NULL)
    {
      g_test_add_data_func ("/disk-full/full-disk-keeps-the-bytes-and-resume-finishes", why_not,
                            skip_test);
      g_test_add_data_func ("/disk-full/read-only-directory-is-refused-at-creation", why_not,
                            skip_test);
      g_test_add_data_func ("/disk-full/directory-made-read-only-later-fails-cleanly", why_not,
                            skip_test);
      return g_test_run ();
    }

  ferry_test_add ("/disk-full/full-disk-keeps-the-bytes-and-resume-finishes", &disk_config,
                  test_full_disk_keeps_the_bytes_and_resume_finishes);
  ferry_test_add ("/disk-full/read-only-directory-is-refused-at-creation", &disk_config,
                  test_read_only_directory_is_refused_at_creation);
  ferry_test_add ("/disk-full/directory-made-read-only-later-fails-cleanly", &disk_config,
                  test_directory_made_read_only_later_fails_cleanly);

  return g_test_run ();
}
