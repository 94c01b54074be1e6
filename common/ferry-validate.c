/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry-error.h"
#include "ferry-validate.h"

/* The checks here are the service's first line against bad input: each
 * returns a FERRY_ERROR_INVALID_ARGUMENT that says what is wrong. */

gboolean
ferry_validate_uri (const char *uri, GError **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;

  if (strlen (uri) > FERRY_MAX_URI_LENGTH)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The URI is longer than %d bytes"), FERRY_MAX_URI_LENGTH);
      return FALSE;
    }

  /* URIs are ASCII with no spaces or controls; anything else must be
   * percent-encoded by the caller (GUri does not check hosts for this). */
  for (const unsigned char *p = (const unsigned char *) uri; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f)
      {
        g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                     _("The URI contains a space, a control or a non-ASCII character: "
                       "percent-encode it"));
        return FALSE;
      }

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, &local_error);
  if (parsed == NULL)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid URI: %s"), uri, local_error->message);
      return FALSE;
    }

  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Unsupported URI scheme “%s”: only http and https are allowed"), scheme);
      return FALSE;
    }

  if (g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The URI “%s” has no host"), uri);
      return FALSE;
    }

  return TRUE;
}

/* Returns the canonical form of @destination, or NULL with @error set. */
char *
ferry_validate_destination (const char *destination, GError **error)
{
  g_autofree char *canonical = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *part = NULL;
  struct stat st;

  if (!g_path_is_absolute (destination))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The destination “%s” is not an absolute path"), destination);
      return NULL;
    }
  if (strlen (destination) >= 4000)
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                           _("The destination path is too long"));
      return NULL;
    }

  canonical = g_canonicalize_filename (destination, NULL);
  if (g_str_has_suffix (destination, "/") || strcmp (canonical, "/") == 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The destination “%s” names a directory, not a file"), destination);
      return NULL;
    }

  if (stat (canonical, &st) == 0 && S_ISDIR (st.st_mode))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The destination “%s” is a directory"), canonical);
      return NULL;
    }

  dir = g_path_get_dirname (canonical);
  if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The destination directory “%s” does not exist"), dir);
      return NULL;
    }
  if (access (dir, W_OK | X_OK) != 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The destination directory “%s” is not writable: %s"),
                   dir, g_strerror (errno));
      return NULL;
    }

  part = g_strconcat (canonical, ".part", NULL);
  if (stat (part, &st) == 0 && S_ISDIR (st.st_mode))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is a directory and cannot hold partial data"), part);
      return NULL;
    }

  return g_steal_pointer (&canonical);
}

/* Returns the canonical form of @source, a readable regular file, or NULL
 * with @error set. */
char *
ferry_validate_source (const char *source, GError **error)
{
  g_autofree char *canonical = NULL;
  struct stat st;
  int fd;

  if (!g_path_is_absolute (source))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The source “%s” is not an absolute path"), source);
      return NULL;
    }
  canonical = g_canonicalize_filename (source, NULL);
  if (stat (canonical, &st) != 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Cannot read the source “%s”: %s"), canonical, g_strerror (errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The source “%s” is not a regular file"), canonical);
      return NULL;
    }
  fd = open (canonical, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Cannot read the source “%s”: %s"), canonical, g_strerror (errno));
      return NULL;
    }
  close (fd);
  return g_steal_pointer (&canonical);
}

/* RFC 9110 token characters. */
static gboolean
is_tchar (char c)
{
  return g_ascii_isalnum (c) || strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Headers the service itself manages for every request. */
static const char * const reserved_headers[] = {
  "Host", "Range", "If-Range", "Content-Length", "Transfer-Encoding",
  "Connection", "Upgrade", "TE", "Expect", "Keep-Alive", "Trailer",
};

gboolean
ferry_validate_header (const char *name, const char *value, GError **error)
{
  size_t name_len = strlen (name);

  if (name_len == 0 || name_len > FERRY_MAX_HEADER_NAME_LENGTH)
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                           _("A header name is empty or too long"));
      return FALSE;
    }
  for (const char *p = name; *p; p++)
    if (!is_tchar (*p))
      {
        g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                     _("The header name “%s” contains a character that is not allowed"),
                     name);
        return FALSE;
      }
  for (size_t i = 0; i < G_N_ELEMENTS (reserved_headers); i++)
    if (g_ascii_strcasecmp (name, reserved_headers[i]) == 0)
      {
        g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                     _("The header “%s” is managed by Ferry and cannot be set"), name);
        return FALSE;
      }

  if (strlen (value) > FERRY_MAX_HEADER_VALUE_LENGTH)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The value of header “%s” is longer than %d bytes"),
                   name, FERRY_MAX_HEADER_VALUE_LENGTH);
      return FALSE;
    }
  /* Control characters other than tab (CR and LF above all) would let a
   * caller split the request. */
  for (const unsigned char *p = (const unsigned char *) value; *p; p++)
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
      {
        g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                     _("The value of header “%s” contains a control character"), name);
        return FALSE;
      }

  return TRUE;
}

gboolean
ferry_validate_checksum (const char *checksum, GError **error)
{
  const char *hex;

  if (!g_str_has_prefix (checksum, "sha256:"))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("Unsupported checksum “%s”: expected “sha256:” and 64 hex digits"),
                   checksum);
      return FALSE;
    }
  hex = checksum + strlen ("sha256:");
  if (strlen (hex) != FERRY_SHA256_HEX_LENGTH)
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                           _("A sha256 checksum has exactly 64 hex digits"));
      return FALSE;
    }
  for (const char *p = hex; *p; p++)
    if (!g_ascii_isxdigit (*p))
      {
        g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                             _("A sha256 checksum has only hex digits"));
        return FALSE;
      }
  return TRUE;
}

gboolean
ferry_validate_group (const char *group, GError **error)
{
  if (strlen (group) > FERRY_MAX_GROUP_LENGTH)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The group name is longer than %d bytes"), FERRY_MAX_GROUP_LENGTH);
      return FALSE;
    }
  return TRUE;
}

gboolean
ferry_validate_app_id (const char *app_id, GError **error)
{
  if (!g_application_id_is_valid (app_id))
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid application id"), app_id);
      return FALSE;
    }
  return TRUE;
}
