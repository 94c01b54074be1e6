/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer targets: the parsers of header values that servers send
 * (common/ferry-http.c). The first byte picks the parser, unless the
 * target is built for one (FUZZ_HTTP_PARSER 0: Content-Range,
 * 1: Retry-After, 2: Content-Disposition); the rest is the header value. Beyond "does not crash", each result must keep its
 * promise: a Content-Range that parses is a real range, a Retry-After
 * never exceeds its cap, a Content-Disposition file name is a safe base
 * name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry-http.h"

#define check(condition) do { if (!(condition)) { fprintf (stderr, "broken: %s\n", #condition); abort (); } } while (0)

static void
fuzz_content_range (const char *value)
{
  guint64 start = 0, end = 0;
  gint64 total = 0;

  if (!ferry_http_parse_content_range (value, &start, &end, &total))
    return;
  check (end >= start);
  check (total == -1 || (total > 0 && end < (guint64) total));
}

static void
fuzz_retry_after (const char *value, guint32 max_seconds, gint64 now)
{
  guint seconds = G_MAXUINT;

  if (!ferry_http_parse_retry_after (value, now, max_seconds, &seconds))
    return;
  check (seconds <= max_seconds);
}

static void
fuzz_content_disposition (const char *value)
{
  g_autofree char *name = ferry_http_parse_content_disposition_filename (value);

  if (name == NULL)
    return;
  check (*name != '\0');
  check (*name != '.');
  check (g_utf8_validate (name, -1, NULL));
  check (strchr (name, '/') == NULL);
  check (strchr (name, '\\') == NULL);
  for (const char *c = name; *c; c++)
    check ((guchar) *c >= 0x20 && *c != 0x7f);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *value = NULL;
  guint32 max_seconds;

  if (size < 1)
    return 0;
  value = g_strndup ((const char *) data + 1, size - 1);
#ifdef FUZZ_HTTP_PARSER
  switch (FUZZ_HTTP_PARSER)
#else
  switch (data[0] % 3)
#endif
    {
    case 0:
      fuzz_content_range (value);
      break;
    case 1:
      /* The cap and the clock vary with the input too; 3600 as ferryd
       * uses it, most of the time. */
      max_seconds = data[0] < 128 ? 3600 : (guint32) data[0] * 1000003u;
      fuzz_retry_after (value, max_seconds, data[0] < 200 ? 1700000000 : G_MAXINT64 / 2);
      break;
    default:
      fuzz_content_disposition (value);
      break;
    }
  return 0;
}
