/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ferry.h"

G_BEGIN_DECLS

#define FERRY_BUS_NAME "org.freedesktop.Ferry1"
#define FERRY_MANAGER_PATH "/org/freedesktop/Ferry1"
#define FERRY_DOWNLOADER_PATH "/org/freedesktop/Ferry1/Downloader"
#define FERRY_TRANSFER_PATH_PREFIX "/org/freedesktop/Ferry1/Transfer/"

/* The exit codes ferryctl documents in its --help. */
typedef enum {
  FERRYCTL_EXIT_OK = 0,
  FERRYCTL_EXIT_FAILED = 1,
  FERRYCTL_EXIT_CANCELED = 2,
  FERRYCTL_EXIT_USAGE = 3,
  FERRYCTL_EXIT_SERVICE = 4,
  FERRYCTL_EXIT_INTERRUPTED = 130,
} FerryctlExit;

/* Options that every command accepts, before or after its name. */
typedef struct {
  char *app_id;
} FerryctlGlobals;

/* What a command needs from the service: a downloader on a connection
 * that acts as the right app. */
typedef struct {
  FerryDownloader *downloader;
} FerryctlClient;

FerryctlClient *ferryctl_client_new (const FerryctlGlobals *globals, GError **error);
void            ferryctl_client_free (FerryctlClient *client);
FerryTransfer  *ferryctl_client_get_transfer (FerryctlClient *client,
                                              const char     *path,
                                              GError        **error);
GPtrArray      *ferryctl_client_list_downloads (FerryctlClient *client,
                                                const char     *group,
                                                GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FerryctlClient, ferryctl_client_free)

char       *ferryctl_path_from_id (const char *id);
const char *ferryctl_id_from_path (const char *path);

/* Completed, canceled and failed transfers: what --wait and monitor stop at. */
gboolean    ferryctl_status_is_end (FerryTransferStatus status);

GOptionContext *ferryctl_option_context_new (FerryctlGlobals    *globals,
                                             const char         *parameter_string,
                                             const char         *summary,
                                             const char         *description,
                                             const GOptionEntry *entries);
gboolean ferryctl_parse_options (FerryctlGlobals *globals, GOptionContext *context,
                                 const char *command, int *argc, char ***argv);

int  ferryctl_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);
int  ferryctl_service_error (const char *what, GError *error);
int  ferryctl_transfer_error (const char *what, GError *error);
void ferryctl_print_error (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* The scheduling options that download and upload share. */
typedef struct {
  char     *group;
  char     *priority;
  char     *cost_policy;
  char     *max_speed;
  char     *completion_group;
  gboolean  notify;
} FerryctlSchedOptions;

#define FERRYCTL_N_SCHED_ENTRIES 6

void     ferryctl_sched_options_clear (FerryctlSchedOptions *opts);
/* Fills @entries (FERRYCTL_N_SCHED_ENTRIES of them) with the options. */
void     ferryctl_sched_options_entries (FerryctlSchedOptions *opts, GOptionEntry *entries);
/* Checks the options and adds them to an a{sv} builder. */
gboolean ferryctl_sched_options_build (const FerryctlSchedOptions *opts, GVariantBuilder *builder,
                                       GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FerryctlSchedOptions, ferryctl_sched_options_clear)

/* "1500", "10k", "2M", "1G" (powers of 1000) or "64Ki", "1Mi", "1Gi" (of
 * 1024), with an optional trailing "B". */
gboolean ferryctl_parse_bytes (const char *text, guint64 *out_bytes, GError **error);

/* The commands with a file of their own. */
/* What ends a wait on transfers early: Ctrl-C (they go on in the service),
 * or the service leaving the bus. */
typedef struct {
  gboolean  interrupted;
  gboolean  service_lost;
  GObject  *service;       /* a FerryDownloader or FerryUploader, while watched */
  gulong    notify_id;
  guint     sigint_id;
} FerryctlStop;

/* Watches @service's "service-running", and with @catch_sigint Ctrl-C. */
void ferryctl_stop_watch   (FerryctlStop *stop, gpointer service, gboolean catch_sigint);
/* Stops watching; the flags keep what was seen. */
void ferryctl_stop_unwatch (FerryctlStop *stop);

int ferryctl_download (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_monitor (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_upload (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_group (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_network (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_data_limit (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_restrict_background_data (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_priority (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_cost_policy (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_set_uri (FerryctlGlobals *globals, int argc, char **argv);

G_END_DECLS
