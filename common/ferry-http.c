/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "ferry-http.h"

static gboolean
parse_uint (const char **p, guint64 *value)
{
  const char *start = *p;
  guint64 result = 0;

  while (g_ascii_isdigit (**p))
    {
      guint digit = (guint) (**p - '0');

      if (result > ((guint64) G_MAXINT64 - digit) / 10)
        return FALSE;
      result = result * 10 + digit;
      (*p)++;
    }
  *value = result;
  return *p != start;
}

gboolean
ferry_http_parse_content_range (const char *value, guint64 *start, guint64 *end, gint64 *total)
{
  const char *p = value;
  guint64 full;

  if (value == NULL || g_ascii_strncasecmp (p, "bytes", 5) != 0)
    return FALSE;
  p += 5;
  while (*p == ' ')
    p++;
  if (!parse_uint (&p, start) || *p++ != '-' || !parse_uint (&p, end) || *p++ != '/' ||
      *end < *start)
    return FALSE;
  if (*p == '*' && p[1] == '\0')
    {
      *total = -1;
      return TRUE;
    }
  if (!parse_uint (&p, &full) || *p != '\0' || *end >= full)
    return FALSE;
  *total = (gint64) full;
  return TRUE;
}

gboolean
ferry_http_parse_retry_after (const char *value, gint64 now_unix, guint max_seconds,
                              guint *seconds)
{
  const char *p = value;
  guint64 delay;

  if (value == NULL)
    return FALSE;
  if (parse_uint (&p, &delay) && *p == '\0')
    {
      *seconds = (guint) MIN (delay, (guint64) max_seconds);
      return TRUE;
    }
  /* An IMF-fixdate, the form servers send: "Sun, 06 Nov 1994 08:49:37 GMT". */
  {
    static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    char weekday[4], month[4], zone[4];
    int day, year, hour, minute, second, consumed = 0;
    g_autoptr(GDateTime) date = NULL;

    if (strlen (value) != 29 ||
        sscanf (value, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", weekday, &day, month, &year,
                &hour, &minute, &second, zone, &consumed) != 8 ||
        consumed != 29 || strcmp (zone, "GMT") != 0)
      return FALSE;
    for (guint m = 0; m < G_N_ELEMENTS (months); m++)
      if (strcmp (month, months[m]) == 0)
        date = g_date_time_new_utc (year, (int) m + 1, day, hour, minute, second);
    if (date == NULL)
      return FALSE;
    delay = (guint64) MAX (g_date_time_to_unix (date) - now_unix, 0);
    *seconds = (guint) MIN (delay, (guint64) max_seconds);
    return TRUE;
  }
}

/* Keeps a name from leaving its directory or hiding itself. */
static char *
safe_base_name (const char *name)
{
  g_autofree char *base = g_path_get_basename (name);

  if (!g_utf8_validate (base, -1, NULL) || *base == '\0' || *base == '.' ||
      strchr (base, '/') != NULL || strchr (base, '\\') != NULL)
    return NULL;
  for (const char *c = base; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      return NULL;
  return g_steal_pointer (&base);
}

/* The value of parameter @name (lower case) in a header's parameters. */
static char *
find_parameter (const char *value, const char *name)
{
  g_auto(GStrv) parts = g_strsplit (value, ";", 64);

  /* An empty value splits into no parts at all. */
  if (parts[0] == NULL)
    return NULL;
  for (guint i = 1; parts[i] != NULL; i++)
    {
      char *part = g_strstrip (parts[i]);
      char *eq = strchr (part, '=');
      g_autofree char *raw_key = NULL;
      g_autofree char *key = NULL;
      char *text;
      gsize len;

      if (eq == NULL)
        continue;
      raw_key = g_strndup (part, (gsize) (eq - part));
      key = g_ascii_strdown (g_strstrip (raw_key), -1);
      if (!g_str_equal (key, name))
        continue;
      text = g_strstrip (eq + 1);
      len = strlen (text);
      if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
        return g_strndup (text + 1, len - 2);
      return g_strdup (text);
    }
  return NULL;
}

char *
ferry_http_parse_content_disposition_filename (const char *value)
{
  g_autofree char *extended = NULL;
  g_autofree char *plain = NULL;

  if (value == NULL)
    return NULL;
  /* RFC 6266: filename*=UTF-8''percent-encoded wins over filename. */
  extended = find_parameter (value, "filename*");
  if (extended != NULL && g_ascii_strncasecmp (extended, "UTF-8''", 7) == 0)
    {
      g_autofree char *decoded = g_uri_unescape_string (extended + 7, NULL);

      if (decoded != NULL)
        {
          char *safe = safe_base_name (decoded);
          if (safe != NULL)
            return safe;
        }
    }
  plain = find_parameter (value, "filename");
  return plain ? safe_base_name (plain) : NULL;
}

const char *
ferry_http_pick_validator (const char *etag, const char *last_modified)
{
  if (etag != NULL && !g_str_has_prefix (etag, "W/"))
    return etag;
  return last_modified;
}

gboolean
ferry_http_same_version (const char *validator, const char *etag, const char *last_modified)
{
  if (validator[0] == '"')
    return etag == NULL || g_str_equal (etag, validator);
  return last_modified == NULL || g_str_equal (last_modified, validator);
}
