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

/* The commands with a file of their own. */
int ferryctl_download (FerryctlGlobals *globals, int argc, char **argv);
int ferryctl_monitor (FerryctlGlobals *globals, int argc, char **argv);

G_END_DECLS
