/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the checks of what callers hand ferryd
 * (common/ferry-validate.c): URIs, destinations and sources, header names
 * and values, checksums, group names and app ids. The first byte picks
 * the check; a header is "name\0value". Every check must fail with an
 * error or pass with its promise kept. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry-error.h"
#include "ferry-validate.h"

#define check(condition) do { if (!(condition)) { fprintf (stderr, "broken: %s\n", #condition); abort (); } } while (0)

/* A result and its error agree. */
static void
check_outcome (gboolean ok, GError *error)
{
  if (ok)
    check (error == NULL);
  else
    check (error != NULL && error->domain == FERRY_ERROR && error->message != NULL);
}

static void
fuzz_uri (const char *uri)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = ferry_validate_uri (uri, &error);

  check_outcome (ok, error);
  if (!ok)
    return;
  check (strlen (uri) <= FERRY_MAX_URI_LENGTH);
  check (g_ascii_strncasecmp (uri, "http://", 7) == 0 || g_ascii_strncasecmp (uri, "https://", 8) == 0);
  for (const char *p = uri; *p; p++)
    check ((guchar) *p > 0x20 && (guchar) *p < 0x7f);
}

static void
fuzz_destination (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = ferry_validate_destination (path, &error);

  check_outcome (canonical != NULL, error);
  if (canonical == NULL)
    return;
  check (g_path_is_absolute (canonical));
  check (strstr (canonical, "/../") == NULL && !g_str_has_suffix (canonical, "/.."));
  check (strstr (canonical, "/./") == NULL && strcmp (canonical, "/") != 0);
}

static void
fuzz_source (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = ferry_validate_source (path, &error);

  check_outcome (canonical != NULL, error);
  if (canonical != NULL)
    check (g_path_is_absolute (canonical));
}

static void
fuzz_header (const char *name, const char *value)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = ferry_validate_header (name, value, &error);

  check_outcome (ok, error);
  if (!ok)
    return;
  /* Nothing that could split or smuggle a request. */
  check (*name != '\0' && strlen (name) <= FERRY_MAX_HEADER_NAME_LENGTH);
  check (strpbrk (name, " :\t\r\n") == NULL);
  check (strpbrk (value, "\r\n") == NULL);
  check (g_ascii_strcasecmp (name, "Host") != 0 && g_ascii_strcasecmp (name, "Range") != 0 &&
         g_ascii_strcasecmp (name, "Content-Length") != 0 &&
         g_ascii_strcasecmp (name, "Transfer-Encoding") != 0);
}

static void
fuzz_checksum (const char *checksum)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = ferry_validate_checksum (checksum, &error);

  check_outcome (ok, error);
  if (!ok)
    return;
  check (strlen (checksum) == strlen ("sha256:") + FERRY_SHA256_HEX_LENGTH);
  for (const char *p = checksum + strlen ("sha256:"); *p; p++)
    check (g_ascii_isxdigit (*p));
}

static void
fuzz_group_and_app_id (const char *text)
{
  g_autoptr(GError) group_error = NULL;
  g_autoptr(GError) app_error = NULL;
  gboolean group_ok = ferry_validate_group (text, &group_error);
  gboolean app_ok = ferry_validate_app_id (text, &app_error);

  check_outcome (group_ok, group_error);
  check_outcome (app_ok, app_error);
  /* An app id names a directory of ferryd's: never a path. */
  if (app_ok)
    check (strchr (text, '/') == NULL && strcmp (text, "..") != 0 && *text != '.');
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  const char *value;

  if (size < 1)
    return 0;
  /* Embedded NULs stay: a header is "name\0value". */
  text = g_malloc (size + 1);
  memcpy (text, data + 1, size - 1);
  text[size - 1] = '\0';
  text[size] = '\0';
  value = text + strlen (text) + 1;
  if (value > text + size - 1)
    value = "";

  switch (data[0] % 6)
    {
    case 0: fuzz_uri (text); break;
    case 1: fuzz_destination (text); break;
    case 2: fuzz_source (text); break;
    case 3: fuzz_header (text, value); break;
    case 4: fuzz_checksum (text); break;
    default: fuzz_group_and_app_id (text); break;
    }
  return 0;
}
