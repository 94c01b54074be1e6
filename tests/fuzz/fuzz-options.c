/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the a{sv} options of the create calls
 * (src/ferry-options.c) and the options of multipart parts. The first
 * byte picks the call and how the rest becomes a dictionary: GVariant text
 * ("{'group': <'x'>}") or the serialized form D-Bus carries (brought to
 * normal form, as GDBus hands it to ferryd). Options that parse must be
 * what ferryd may use as they are. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry-error.h"
#include "ferry-options.h"
#include "ferry-validate.h"

#define check(condition) do { if (!(condition)) { fprintf (stderr, "broken: %s\n", #condition); abort (); } } while (0)

static void
check_headers (GVariant *headers)
{
  GVariantIter iter;
  const char *name, *value;

  check (g_variant_is_of_type (headers, G_VARIANT_TYPE ("a{ss}")));
  check (g_variant_n_children (headers) <= FERRY_MAX_HEADERS);
  g_variant_iter_init (&iter, headers);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    check (ferry_validate_header (name, value, NULL));
}

static void
fuzz_options (GVariant *dict, FerryOptionsFor call)
{
  g_auto(FerryOptions) options = { 0 };
  g_autoptr(GError) error = NULL;

  if (!ferry_options_parse (dict, call, &options, &error))
    {
      check (error != NULL && g_error_matches (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT));
      return;
    }
  check (error == NULL);
  check (options.group != NULL && ferry_validate_group (options.group, NULL));
  if (options.headers != NULL)
    check_headers (options.headers);
  if (options.checksum != NULL)
    check (call == FERRY_OPTIONS_FOR_DOWNLOAD && ferry_validate_checksum (options.checksum, NULL));
  check (options.connections >= 1 && options.connections <= FERRY_MAX_CONNECTIONS);
  if (call != FERRY_OPTIONS_FOR_DOWNLOAD)
    check (options.connections == 1);
  if (call == FERRY_OPTIONS_FOR_DOWNLOAD)
    check (options.method == NULL);
  else
    check (g_strcmp0 (options.method, "PUT") == 0 || g_strcmp0 (options.method, "POST") == 0);
  if (call == FERRY_OPTIONS_FOR_MULTIPART)
    check (g_strcmp0 (options.method, "POST") == 0);
  if (options.protocol == FERRY_UPLOAD_PROTOCOL_TUS)
    check (call == FERRY_OPTIONS_FOR_UPLOAD);
  if (options.content_type != NULL)
    check (strchr (options.content_type, '/') != NULL &&
           strpbrk (options.content_type, "\r\n") == NULL);
  if (options.notify_success != NULL)
    check (g_variant_is_of_type (options.notify_success, G_VARIANT_TYPE ("a{ss}")));
}

static void
fuzz_part_options (GVariant *dict, const char *name, const char *file)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = ferry_part_options_check (name, file, dict, &error);

  check (ok == (error == NULL));
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GVariant) dict = NULL;
  static const FerryOptionsFor calls[] = {
    FERRY_OPTIONS_FOR_DOWNLOAD, FERRY_OPTIONS_FOR_UPLOAD,
    FERRY_OPTIONS_FOR_MULTIPART, FERRY_OPTIONS_FOR_STREAM,
  };

  if (size < 1)
    return 0;
  if (data[0] & 0x80)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (data + 1, size - 1);
      g_autoptr(GVariant) raw = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT,
                                                                              bytes, FALSE));

      dict = g_variant_get_normal_form (raw);
    }
  else
    {
      g_autofree char *text = g_strndup ((const char *) data + 1, size - 1);

      dict = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, NULL);
      if (dict == NULL)
        return 0;
    }

  fuzz_options (dict, calls[data[0] % G_N_ELEMENTS (calls)]);
  fuzz_part_options (dict, (data[0] & 0x40) ? "field" : "", (data[0] & 0x20) ? "/etc/hostname" : "");
  return 0;
}
