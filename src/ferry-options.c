/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
#include <string.h>

#include "ferry-error.h"
#include "ferry-options.h"
#include "ferry-validate.h"

void
ferry_options_clear (FerryOptions *options)
{
  g_clear_pointer (&options->headers, g_variant_unref);
  g_clear_pointer (&options->checksum, g_free);
  g_clear_pointer (&options->group, g_free);
  g_clear_pointer (&options->method, g_free);
  g_clear_pointer (&options->content_type, g_free);
  g_clear_pointer (&options->completion_group, g_free);
  g_clear_pointer (&options->notify_success, g_variant_unref);
  g_clear_pointer (&options->notify_failure, g_variant_unref);
}

/* A notification's text: "title" and "body", of a sane length. */
static gboolean
check_notification (const char *key, GVariant *value, GError **error)
{
  GVariantIter iter;
  const char *name, *text;

  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &text))
    if ((!g_str_equal (name, "title") && !g_str_equal (name, "body")) || strlen (text) > 1024)
      {
        g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                     _("The option “%s” takes a “title” and a “body” of up to 1024 bytes"), key);
        return FALSE;
      }
  return TRUE;
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
unknown_option (const char *key, GError **error)
{
  g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT, _("Unknown option “%s”"), key);
  return FALSE;
}

static gboolean
check_headers (GVariant *value, GError **error)
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

static gboolean
check_content_type (const char *value, GError **error)
{
  if (strchr (value, '/') == NULL || strlen (value) > 255)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a media type"), value);
      return FALSE;
    }
  return ferry_validate_header ("Content-Type", value, error);
}

static gboolean
parse_method (const char *value, FerryOptionsFor call, FerryOptions *parsed, GError **error)
{
  if (g_str_equal (value, "POST") || (g_str_equal (value, "PUT") && call != FERRY_OPTIONS_FOR_MULTIPART))
    {
      g_free (parsed->method);
      parsed->method = g_strdup (value);
      return TRUE;
    }
  g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
               call == FERRY_OPTIONS_FOR_MULTIPART ? _("A multipart upload is always a POST, not “%s”")
                                                   : _("The method must be PUT or POST, not “%s”"),
               value);
  return FALSE;
}

static gboolean
parse_protocol (const char *value, FerryOptionsFor call, FerryOptions *parsed, GError **error)
{
  if (g_str_equal (value, "plain"))
    parsed->protocol = FERRY_UPLOAD_PROTOCOL_PLAIN;
  else if (g_str_equal (value, "tus") && call == FERRY_OPTIONS_FOR_UPLOAD)
    parsed->protocol = FERRY_UPLOAD_PROTOCOL_TUS;
  else
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   g_str_equal (value, "tus") ? _("Only CreateUpload can use the tus protocol")
                                              : _("Unknown protocol “%s”"),
                   value);
      return FALSE;
    }
  return TRUE;
}

/* One option; FALSE with @error for a bad value or one this call lacks. */
static gboolean
parse_option (const char *key, GVariant *value, FerryOptionsFor call, FerryOptions *parsed,
              GError **error)
{
  gboolean upload = call != FERRY_OPTIONS_FOR_DOWNLOAD;

  if (g_str_equal (key, "headers"))
    {
      if (!check_type (key, value, "a{ss}", error) || !check_headers (value, error))
        return FALSE;
      g_clear_pointer (&parsed->headers, g_variant_unref);
      parsed->headers = g_variant_ref (value);
    }
  else if (g_str_equal (key, "group"))
    {
      if (!check_type (key, value, "s", error) ||
          !ferry_validate_group (g_variant_get_string (value, NULL), error))
        return FALSE;
      g_free (parsed->group);
      parsed->group = g_variant_dup_string (value, NULL);
    }
  else if (g_str_equal (key, "cost-policy"))
    {
      if (!check_type (key, value, "s", error) ||
          !ferry_cost_policy_from_string (g_variant_get_string (value, NULL),
                                          &parsed->cost_policy, error))
        return FALSE;
      parsed->has_cost_policy = TRUE;
    }
  else if (g_str_equal (key, "max-speed"))
    {
      if (!check_type (key, value, "t", error))
        return FALSE;
      parsed->max_speed = g_variant_get_uint64 (value);
    }
  else if (g_str_equal (key, "completion-group"))
    {
      if (!check_type (key, value, "s", error) ||
          !ferry_validate_group (g_variant_get_string (value, NULL), error))
        return FALSE;
      g_free (parsed->completion_group);
      parsed->completion_group = g_variant_dup_string (value, NULL);
    }
  else if (g_str_equal (key, "notify-success") || g_str_equal (key, "notify-failure"))
    {
      GVariant **field = g_str_equal (key, "notify-success") ? &parsed->notify_success
                                                             : &parsed->notify_failure;

      if (!check_type (key, value, "a{ss}", error) || !check_notification (key, value, error))
        return FALSE;
      g_clear_pointer (field, g_variant_unref);
      *field = g_variant_ref (value);
    }
  else if (g_str_equal (key, "priority"))
    return check_type (key, value, "s", error) &&
           ferry_priority_from_string (g_variant_get_string (value, NULL), &parsed->priority, error);
  else if (g_str_equal (key, "connections") && !upload)
    {
      if (!check_type (key, value, "u", error))
        return FALSE;
      parsed->connections = g_variant_get_uint32 (value);
      if (parsed->connections < 1 || parsed->connections > FERRY_MAX_CONNECTIONS)
        {
          g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                       _("“connections” must be from 1 to %d, not %u"), FERRY_MAX_CONNECTIONS,
                       parsed->connections);
          return FALSE;
        }
    }
  else if (g_str_equal (key, "checksum") && !upload)
    {
      if (!check_type (key, value, "s", error) ||
          !ferry_validate_checksum (g_variant_get_string (value, NULL), error))
        return FALSE;
      g_free (parsed->checksum);
      parsed->checksum = g_variant_dup_string (value, NULL);
    }
  else if (g_str_equal (key, "method") && upload)
    return check_type (key, value, "s", error) &&
           parse_method (g_variant_get_string (value, NULL), call, parsed, error);
  else if (g_str_equal (key, "protocol") && upload)
    return check_type (key, value, "s", error) &&
           parse_protocol (g_variant_get_string (value, NULL), call, parsed, error);
  else if (g_str_equal (key, "content-type") && upload && call != FERRY_OPTIONS_FOR_MULTIPART)
    {
      if (!check_type (key, value, "s", error) ||
          !check_content_type (g_variant_get_string (value, NULL), error))
        return FALSE;
      g_free (parsed->content_type);
      parsed->content_type = g_variant_dup_string (value, NULL);
    }
  else
    return unknown_option (key, error);
  return TRUE;
}

gboolean
ferry_options_parse (GVariant *options, FerryOptionsFor call, FerryOptions *out, GError **error)
{
  g_auto(FerryOptions) parsed = { 0 };
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT), FALSE);

  parsed.group = g_strdup ("");
  parsed.priority = FERRY_PRIORITY_DEFAULT;
  parsed.connections = 1;
  if (call != FERRY_OPTIONS_FOR_DOWNLOAD)
    parsed.method = g_strdup (call == FERRY_OPTIONS_FOR_MULTIPART ? "POST" : "PUT");

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!parse_option (key, value, call, &parsed, error))
        return FALSE;
    }

  *out = parsed;
  memset (&parsed, 0, sizeof parsed);
  return TRUE;
}

gboolean
ferry_part_options_check (const char *name, const char *file, GVariant *options, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gboolean has_value = FALSE;

  if (*name == '\0')
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                           _("Every part of a multipart upload needs a form name"));
      return FALSE;
    }
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      gboolean ok;

      if (g_str_equal (key, "value") && *file == '\0')
        ok = check_type (key, value, "s", error) && (has_value = TRUE);
      else if (g_str_equal (key, "filename") && *file != '\0')
        ok = check_type (key, value, "s", error) &&
             ferry_validate_header ("Content-Disposition", g_variant_get_string (value, NULL), error);
      else if (g_str_equal (key, "content-type") && *file != '\0')
        ok = check_type (key, value, "s", error) &&
             check_content_type (g_variant_get_string (value, NULL), error);
      else if (g_str_equal (key, "headers"))
        ok = check_type (key, value, "a{ss}", error) && check_headers (value, error);
      else
        ok = unknown_option (key, error);
      if (!ok)
        return FALSE;
    }
  if (*file == '\0' && !has_value)
    {
      g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                   _("The part “%s” has neither a file nor a value"), name);
      return FALSE;
    }
  return TRUE;
}
