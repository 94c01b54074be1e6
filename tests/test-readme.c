/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The README's download, watch and cancel with gdbus and busctl, run as
 * written: the blocks are read from README.md (marked
 * "<!-- readme-test: NAME -->"), so the text and the test cannot drift. */
#define G_LOG_DOMAIN "test-readme"

#include <string.h>

#include "ferry-test-fixture.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* The code of the ```sh block after the marker of @name. */
static char *
readme_block (const char *name)
{
  g_autofree char *readme = NULL;
  g_autofree char *marker = g_strdup_printf ("<!-- readme-test: %s -->\n```sh\n", name);
  g_autoptr(GError) error = NULL;
  const char *start, *end;

  g_file_get_contents (g_getenv ("FERRY_README"), &readme, NULL, &error);
  g_assert_no_error (error);
  start = strstr (readme, marker);
  if (start == NULL)
    g_error ("README.md has no block marked “%s”", name);
  start += strlen (marker);
  end = strstr (start, "\n```");
  g_assert_nonnull (end);
  return g_strndup (start, end - start + 1);
}

typedef struct {
  char     *out;
  char     *err;
  gboolean  done;
} Output;

static void
on_communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Output *output = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &output->out,
                                        &output->err, &error);
  g_assert_no_error (error);
  output->done = TRUE;
}

static gboolean
output_done (gpointer data)
{
  return ((Output *) data)->done;
}

/* Runs the README's blocks @names in one bash, strict, with uri and dest
 * set first as the README says; returns its stdout. */
static char *
run_readme (const char *uri, const char *dest, const char * const *names)
{
  g_autoptr(GString) script = g_string_new (NULL);
  g_autoptr(GSubprocess) bash = NULL;
  g_autoptr(GError) error = NULL;
  Output output = { NULL, };
  g_autofree char *quoted_uri = g_shell_quote (uri);
  g_autofree char *quoted_dest = g_shell_quote (dest);

  g_string_append_printf (script, "uri=%s dest=%s\n", quoted_uri, quoted_dest);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *block = readme_block (names[i]);
      g_string_append (script, block);
    }
  g_test_message ("running:\n%s", script->str);

  bash = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, "bash", "--norc", "-euo", "pipefail", "-c", script->str, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (bash, NULL, NULL, on_communicated, &output);
  if (!ferry_test_wait_until (output_done, &output, FERRY_TEST_TIMEOUT_MS))
    g_error ("the README's commands did not finish within %d ms", FERRY_TEST_TIMEOUT_MS);
  g_subprocess_wait (bash, NULL, NULL);
  g_test_message ("stdout:\n%s\nstderr:\n%s", output.out, output.err);
  g_assert_true (g_subprocess_get_successful (bash));
  g_free (output.err);
  return output.out;
}

static const char *
last_line (char *text)
{
  char *nl;

  g_strchomp (text);
  nl = strrchr (text, '\n');
  return nl ? nl + 1 : text;
}

static void
test_readme_download_and_watch (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 2 * MiB;
  const char * const blocks[] = { "create", "watch", NULL };
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "readme.bin");
  g_autofree char *out = NULL;
  g_autofree char *expected = g_strdup_printf ("s \"completed\" %" G_GUINT64_FORMAT "/%"
                                               G_GUINT64_FORMAT, size, size);

  /* Slow enough that the loop sees it running first. */
  ferry_test_server_set_throttle (fx->server, 2 * MiB);
  out = run_readme (uri, dest, blocks);
  g_assert_true (g_str_has_prefix (out, FERRY_TRANSFER_PATH_PREFIX));
  g_assert_nonnull (strstr (out, "s \"running\" "));
  g_assert_cmpstr (last_line (out), ==, expected);
  ferry_assert_downloaded (dest, ferry_test_server_get_seed (fx->server), size);
}

/* A job that was writing removes its part once it has stopped: soon after
 * the status says canceled, not necessarily before. */
static gboolean
part_is_gone (gpointer data)
{
  g_autofree char *part = g_strconcat (data, ".part", NULL);

  return !ferry_test_file_exists (part);
}

static void
test_readme_cancel (FerryFixture *fx, gconstpointer config)
{
  const guint64 size = 8 * MiB;
  const char * const blocks[] = { "create", "cancel", NULL };
  g_autofree char *uri = ferry_fixture_uri (fx, "/file/%" G_GUINT64_FORMAT, size);
  g_autofree char *dest = ferry_fixture_dest (fx, "readme-canceled.bin");
  g_autofree char *out = NULL;
  FerryTestClient *host = ferry_fixture_connect (fx, NULL);
  g_auto(GStrv) current = NULL;

  ferry_test_server_set_throttle (fx->server, 256 * KiB);
  out = run_readme (uri, dest, blocks);
  g_assert_cmpstr (last_line (out), ==, "s \"canceled\"");
  g_assert_true (ferry_test_wait_until (part_is_gone, dest, FERRY_TEST_TIMEOUT_MS));
  ferry_assert_no_file (dest);
  /* It was the unnamed host app's, and is current no more. */
  current = ferry_client_list (host, "");
  g_assert_cmpuint (g_strv_length (current), ==, 0);
}

int
main (int argc, char **argv)
{
  ferry_test_init (&argc, &argv);
  if (g_getenv ("FERRY_README") == NULL ||
      !g_file_test ("/usr/bin/busctl", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("FERRY_README must name README.md, and busctl must be installed\n");
      return 77;
    }

  ferry_test_add ("/readme/gdbus-busctl/download-and-watch", NULL,
                  test_readme_download_and_watch);
  ferry_test_add ("/readme/gdbus-busctl/cancel", NULL, test_readme_cancel);

  return g_test_run ();
}
