/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the decoding of values ferryd stored as GVariant text
 * in its database (ferry_store_decode_value() in src/ferry-store.c): a
 * damaged or hostile database must give NULL or a value of the type
 * asked for, never a crash. The first byte picks the type. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry-store.h"

#define check(condition) do { if (!(condition)) { fprintf (stderr, "broken: %s\n", #condition); abort (); } } while (0)

static GLogWriterOutput
quiet_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  /* "Ignoring a damaged stored value" is the expected outcome. */
  return G_LOG_WRITER_HANDLED;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char * const types[] = { "a{ss}", "a(ssa{sv})", "a{sv}", "s", "t" };
  static gboolean quiet = FALSE;
  g_autofree char *text = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *type;

  if (!quiet)
    {
      g_log_set_writer_func (quiet_writer, NULL, NULL);
      quiet = TRUE;
    }
  if (size < 1)
    return 0;
  type = types[data[0] % G_N_ELEMENTS (types)];
  text = g_strndup ((const char *) data + 1, size - 1);
  value = ferry_store_decode_value (text, type);
  if (value != NULL)
    {
      g_autofree char *printed = NULL;

      check (g_variant_is_of_type (value, G_VARIANT_TYPE (type)));
      /* ferryd stores what it decodes with g_variant_print(): strings and
       * numbers come back the same (values in variants may not, a NaN
       * say, and ferryd stores none). */
      if (strchr (type, 'v') == NULL)
        {
          g_autoptr(GVariant) again = NULL;

          printed = g_variant_print (value, FALSE);
          again = ferry_store_decode_value (printed, type);
          check (again != NULL && g_variant_equal (again, value));
        }
    }
  return 0;
}
