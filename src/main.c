/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferryd"

#include <glib/gi18n.h>
#include <locale.h>

#include "ferry-daemon.h"

int
main (int argc, char **argv)
{
  FerrySettings settings = FERRY_SETTINGS_INIT;
  gboolean replace = FALSE;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  int max_parallel = settings.max_parallel;
  int max_per_host = settings.max_per_host;
  gint64 max_speed = (gint64) settings.max_speed;
  int aging_interval = settings.aging_interval_s;
  int idle_timeout = settings.idle_timeout_s;
  int connect_timeout = settings.connect_timeout_s;
  int response_timeout = settings.response_timeout_s;
  int retries = settings.retries;
  int retry_delay = settings.retry_delay_ms;
  int checkpoint_interval = settings.checkpoint_interval_ms;
  gint64 max_response_body = settings.max_response_body;
  int keep_ended_days = settings.keep_ended_days;
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace a running instance"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_("Print debug messages"), NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      N_("Exit after SECONDS with nothing to do; 0 never exits (default: 60)"), N_("SECONDS") },
    { "max-parallel", 0, 0, G_OPTION_ARG_INT, &max_parallel,
      N_("Run at most N transfers at once (default: 6)"), "N" },
    { "max-per-host", 0, 0, G_OPTION_ARG_INT, &max_per_host,
      N_("Run at most N transfers to one host at once (default: 4)"), "N" },
    { "max-speed", 0, 0, G_OPTION_ARG_INT64, &max_speed,
      N_("Move at most BYTES per second, all transfers together; 0 for no limit (default: 0)"),
      N_("BYTES") },
    { "aging-interval", 0, 0, G_OPTION_ARG_INT, &aging_interval,
      N_("Raise a waiting transfer one priority level per SECONDS waited (default: 600)"),
      N_("SECONDS") },
    { "connect-timeout", 0, 0, G_OPTION_ARG_INT, &connect_timeout,
      N_("Abort a request without response headers after SECONDS (default: 300)"), N_("SECONDS") },
    { "response-timeout", 0, 0, G_OPTION_ARG_INT, &response_timeout,
      N_("Abort a connection silent for SECONDS (default: 120)"), N_("SECONDS") },
    { "retries", 0, 0, G_OPTION_ARG_INT, &retries,
      N_("Retry a transient failure N times (default: 3)"), "N" },
    { "retry-delay", 0, 0, G_OPTION_ARG_INT, &retry_delay,
      N_("Wait MS before the first retry, doubling each time (default: 1000)"), "MS" },
    { "checkpoint-interval", 0, 0, G_OPTION_ARG_INT, &checkpoint_interval,
      N_("Flush and record progress every MS (default: 1000)"), "MS" },
    { "max-response-body", 0, 0, G_OPTION_ARG_INT64, &max_response_body,
      N_("Keep at most BYTES of a server's response body (default: 1048576)"), N_("BYTES") },
    { "keep-ended-days", 0, 0, G_OPTION_ARG_INT, &keep_ended_days,
      N_("Forget completed and canceled transfers DAYS after they ended (default: 30)"),
      N_("DAYS") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(FerryDaemon) daemon = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Ferry’s background transfer service: downloads and uploads that survive app exits, "
      "crashes and reboots, on the session bus as org.freedesktop.Ferry1."));
  g_option_context_set_description (context,
    _("ferryd is normally started by D-Bus activation and exits by itself when idle.\n"
      "Transfers are stored in $XDG_DATA_HOME/ferry/ferry.db.\n"
      "Use ferryctl(1) or any D-Bus client to talk to it."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("ferryd %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (max_parallel < 1 || max_per_host < 1 || max_speed < 0 || aging_interval < 1 || idle_timeout < 0 || connect_timeout < 1 || response_timeout < 1 ||
      retries < 0 || retry_delay < 0 || checkpoint_interval < 10 || max_response_body < 0 || keep_ended_days < 0)
    {
      g_printerr ("%s\n", _("Option values out of range"));
      return 2;
    }

  settings.max_parallel = max_parallel;
  settings.max_per_host = max_per_host;
  settings.max_speed = (guint64) max_speed;
  settings.aging_interval_s = aging_interval;
  settings.idle_timeout_s = idle_timeout;
  settings.connect_timeout_s = connect_timeout;
  settings.response_timeout_s = response_timeout;
  settings.retries = retries;
  settings.retry_delay_ms = retry_delay;
  settings.checkpoint_interval_ms = checkpoint_interval;
  settings.max_response_body = (gsize) max_response_body;
  settings.keep_ended_days = keep_ended_days;

  /* Debug output of Ferry's own domains, not of every library. */
  if (verbose && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    g_setenv ("G_MESSAGES_DEBUG",
              "ferryd ferry-daemon ferry-scheduler ferry-job ferry-download ferry-upload "
              "ferry-store ferry-transfer ferry-callers ferry-app-info ferry-manager "
              "ferry-downloader ferry-uploader ferry-idle ferry-transfer-tree ferry-network "
              "ferry-power ferry-conditions ferry-data-plan", TRUE);

  daemon = ferry_daemon_new (&settings, replace);
  status = ferry_daemon_run (daemon, &error);
  if (error != NULL)
    {
      g_warning ("%s", error->message);
      return 1;
    }
  return status;
}
