/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
#include <string.h>

#include "ferry-concat-input-stream.h"
#include "ferry-error.h"
#include "ferry-multipart-body.h"

char *
ferry_guess_content_type (const char *path)
{
  g_autofree char *type = g_content_type_guess (path, NULL, 0, NULL);
  char *mime = type ? g_content_type_get_mime_type (type) : NULL;

  return mime ? mime : g_strdup ("application/octet-stream");
}

/* Quotes a name for Content-Disposition the way browsers do (WHATWG):
 * the characters that would end the quoted string are percent-encoded. */
static void
append_quoted (GString *out, const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"')
        g_string_append (out, "%22");
      else if (*p == '\r')
        g_string_append (out, "%0D");
      else if (*p == '\n')
        g_string_append (out, "%0A");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static GInputStream *
memory_stream (GString *text)
{
  gsize len = text->len;
  return g_memory_input_stream_new_from_data (g_string_free (text, FALSE), len, g_free);
}

/* The part's headers; the caller validated names and values already. */
static GString *
part_header (const char *boundary, const char *name, const char *file, GVariant *options)
{
  GString *header = g_string_new (NULL);
  g_autoptr(GVariant) headers = g_variant_lookup_value (options, "headers", G_VARIANT_TYPE ("a{ss}"));
  const char *filename = NULL, *content_type = NULL;
  g_autofree char *base = NULL;
  g_autofree char *guessed = NULL;

  g_string_append_printf (header, "--%s\r\nContent-Disposition: form-data; name=", boundary);
  append_quoted (header, name);
  if (*file != '\0')
    {
      if (!g_variant_lookup (options, "filename", "&s", &filename))
        filename = base = g_path_get_basename (file);
      if (!g_variant_lookup (options, "content-type", "&s", &content_type))
        content_type = guessed = ferry_guess_content_type (file);
      g_string_append (header, "; filename=");
      append_quoted (header, filename);
      g_string_append_printf (header, "\r\nContent-Type: %s", content_type);
    }
  g_string_append (header, "\r\n");

  if (headers != NULL)
    {
      GVariantIter iter;
      const char *key, *value;

      g_variant_iter_init (&iter, headers);
      while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
        g_string_append_printf (header, "%s: %s\r\n", key, value);
    }
  g_string_append (header, "\r\n");
  return header;
}

static GInputStream *
part_content (const char *file, GVariant *options, goffset *length,
              GCancellable *cancellable, GError **error)
{
  g_autoptr(GFile) gfile = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  const char *value = "";

  if (*file == '\0')
    {
      g_variant_lookup (options, "value", "&s", &value);
      *length = (goffset) strlen (value);
      return g_memory_input_stream_new_from_data (g_strdup (value), *length, g_free);
    }

  gfile = g_file_new_for_path (file);
  stream = g_file_read (gfile, cancellable, error);
  if (stream == NULL)
    return NULL;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, error);
  if (info == NULL)
    return NULL;
  *length = g_file_info_get_size (info);
  return G_INPUT_STREAM (g_steal_pointer (&stream));
}

GInputStream *
ferry_multipart_body_new (GVariant      *parts,
                          char         **content_type,
                          goffset       *length,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *random = g_uuid_string_random ();
  g_autofree char *boundary = g_strconcat ("ferry-", random, NULL);
  GString *trailer;
  GVariantIter iter;
  const char *name, *file;
  GVariant *options;
  goffset total = 0;

  g_variant_iter_init (&iter, parts);
  while (g_variant_iter_next (&iter, "(&s&s@a{sv})", &name, &file, &options))
    {
      g_autoptr(GVariant) owned = options;
      GString *header = part_header (boundary, name, file, options);
      GInputStream *content;
      goffset content_length;

      total += (goffset) header->len + 2;  /* the CRLF after the content */
      g_ptr_array_add (streams, memory_stream (header));
      content = part_content (file, options, &content_length, cancellable, error);
      if (content == NULL)
        return NULL;
      total += content_length;
      g_ptr_array_add (streams, content);
      g_ptr_array_add (streams, memory_stream (g_string_new ("\r\n")));
    }
  trailer = g_string_new (NULL);
  g_string_printf (trailer, "--%s--\r\n", boundary);
  total += (goffset) trailer->len;
  g_ptr_array_add (streams, memory_stream (trailer));

  *content_type = g_strdup_printf ("multipart/form-data; boundary=%s", boundary);
  *length = total;
  return ferry_concat_input_stream_new (streams);
}
