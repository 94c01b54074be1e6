/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>

#include "ferry-error.h"
#include "ferry-options.h"
#include "ferry-validate.h"

void
ferry_options_clear (FerryOptions *options)
{
  g_clear_pointer (&options->headers, g_variant_unref);
  g_clear_pointer (&options->checksum, g_free);
  g_clear_pointer (&options->group, g_free);
}

static gboolean
check_type (const char *key, GVariant *value, const char *type, GError **error)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE (type)))
    return TRUE;
  g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
               _("The option “%s” must be of type “%s”, not “%s”"),
               key, type, g_variant_get_type_string (value));
  return FALSE;
}

static gboolean
parse_headers (GVariant *value, GError **error)
{
  GVariantIter iter;
  const char *name, *header_value;

  if (g_variant_n_children (value) > FERRY_MAX_HEADERS)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("At most %d headers are allowed"), FERRY_MAX_HEADERS);
      return FALSE;
    }
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &header_value))
    if (!ferry_validate_header (name, header_value, error))
      return FALSE;
  return TRUE;
}

gboolean
ferry_options_parse (GVariant *options, FerryOptions *out, GError **error)
{
  g_auto(FerryOptions) parsed = { 0 };
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT), FALSE);

  parsed.group = g_strdup ("");
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (g_str_equal (key, "headers"))
        {
          if (!check_type (key, value, "a{ss}", error) || !parse_headers (value, error))
            return FALSE;
          g_clear_pointer (&parsed.headers, g_variant_unref);
          parsed.headers = g_variant_ref (value);
        }
      else if (g_str_equal (key, "checksum"))
        {
          if (!check_type (key, value, "s", error) ||
              !ferry_validate_checksum (g_variant_get_string (value, NULL), error))
            return FALSE;
          g_free (parsed.checksum);
          parsed.checksum = g_variant_dup_string (value, NULL);
        }
      else if (g_str_equal (key, "group"))
        {
          if (!check_type (key, value, "s", error) ||
              !ferry_validate_group (g_variant_get_string (value, NULL), error))
            return FALSE;
          g_free (parsed.group);
          parsed.group = g_variant_dup_string (value, NULL);
        }
      else
        {
          g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                       _("Unknown option “%s”"), key);
          return FALSE;
        }
    }

  *out = parsed;
  memset (&parsed, 0, sizeof parsed);
  return TRUE;
}
