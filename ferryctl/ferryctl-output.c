/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "ferryctl-common.h"
#include "ferryctl-output.h"

/* The status, kind and strings of @transfer as the service names them. */
FerryctlTransferInfo *
ferryctl_transfer_info_new (FerryTransfer *transfer)
{
  FerryctlTransferInfo *info = g_new0 (FerryctlTransferInfo, 1);

  info->path = g_strdup (ferry_transfer_get_object_path (transfer));
  info->id = g_strdup (ferry_transfer_get_id (transfer));
  info->kind = g_strdup (ferry_transfer_kind_to_string (ferry_transfer_get_kind (transfer)));
  info->uri = g_strdup (ferry_transfer_get_uri (transfer));
  info->destination = g_strdup (ferry_transfer_get_destination (transfer));
  info->status = g_strdup (ferry_transfer_status_to_string (ferry_transfer_get_status (transfer)));
  info->group = g_strdup (ferry_transfer_get_group (transfer));
  info->bytes_received = ferry_transfer_get_bytes_received (transfer);
  info->total_bytes = ferry_transfer_get_total_bytes_to_receive (transfer);
  info->error_name = g_strdup (ferry_transfer_get_error_name (transfer));
  info->error_message = g_strdup (ferry_transfer_get_error_message (transfer));
  info->http_status = ferry_transfer_get_http_status (transfer);
  return info;
}

void
ferryctl_transfer_info_free (FerryctlTransferInfo *info)
{
  g_free (info->id);
  g_free (info->path);
  g_free (info->kind);
  g_free (info->uri);
  g_free (info->destination);
  g_free (info->status);
  g_free (info->group);
  g_free (info->error_name);
  g_free (info->error_message);
  g_free (info);
}

void
ferryctl_transfer_info_set_status (FerryctlTransferInfo *info,
                                   const char           *status,
                                   const char           *error_name,
                                   const char           *error_message)
{
  g_free (info->status);
  g_free (info->error_name);
  g_free (info->error_message);
  info->status = g_strdup (status ? status : "");
  info->error_name = g_strdup (error_name ? error_name : "");
  info->error_message = g_strdup (error_message ? error_message : "");
}

/* Adds the members of a transfer object to the object @builder has open. */
void
ferryctl_transfer_info_add_json_members (const FerryctlTransferInfo *info, JsonBuilder *builder)
{
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, info->id);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, info->path);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, info->kind);
  json_builder_set_member_name (builder, "uri");
  json_builder_add_string_value (builder, info->uri);
  json_builder_set_member_name (builder, "destination");
  json_builder_add_string_value (builder, info->destination);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, info->status);
  json_builder_set_member_name (builder, "group");
  json_builder_add_string_value (builder, info->group);
  json_builder_set_member_name (builder, "bytes_received");
  json_builder_add_int_value (builder, (gint64) info->bytes_received);
  json_builder_set_member_name (builder, "total_bytes");
  json_builder_add_int_value (builder, (gint64) info->total_bytes);
  json_builder_set_member_name (builder, "error_name");
  json_builder_add_string_value (builder, info->error_name);
  json_builder_set_member_name (builder, "error_message");
  json_builder_add_string_value (builder, info->error_message);
  json_builder_set_member_name (builder, "http_status");
  json_builder_add_int_value (builder, info->http_status);
}

JsonNode *
ferryctl_transfer_info_to_json (const FerryctlTransferInfo *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  ferryctl_transfer_info_add_json_members (info, builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

void
ferryctl_print_json (JsonNode *node, gboolean pretty)
{
  g_autofree char *text = json_to_string (node, pretty);

  g_print ("%s\n", text);
  /* Readers of a pipe (monitor --json | …) want each line as it happens. */
  fflush (stdout);
}

static void
print_padded (const char *cell, gsize width)
{
  gsize len = g_utf8_strlen (cell, -1);

  g_print ("%s%*s", cell, (int) (width > len ? width - len : 0), "");
}

/* Prints @rows (each a GStrv as long as @headers) in aligned columns; the
 * last column is not padded, so long URIs do not add trailing blanks. */
void
ferryctl_print_table (const char * const *headers, GPtrArray *rows)
{
  guint n_columns = g_strv_length ((char **) headers);
  g_autofree gsize *widths = g_new0 (gsize, n_columns);

  for (guint c = 0; c < n_columns; c++)
    widths[c] = g_utf8_strlen (headers[c], -1);
  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      for (guint c = 0; c < n_columns; c++)
        widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (row[c], -1));
    }

  for (guint r = 0; r <= rows->len; r++)
    {
      const char * const *row = r == 0 ? headers : g_ptr_array_index (rows, r - 1);
      for (guint c = 0; c < n_columns; c++)
        {
          if (c + 1 < n_columns)
            {
              print_padded (row[c], widths[c]);
              g_print ("  ");
            }
          else
            g_print ("%s\n", row[c]);
        }
    }
}

guint
ferryctl_percent (guint64 done, guint64 total)
{
  if (total == 0)
    return 0;
  if (done >= total)
    return 100;
  /* Never round up to 100% before the last byte. */
  return (guint) ((double) done * 100.0 / (double) total);
}

/* "12.3 MB of 29.1 MB (42%)", or "12.3 MB" while the size is unknown. */
char *
ferryctl_format_progress (guint64 done, guint64 total)
{
  g_autofree char *done_str = g_format_size (done);
  g_autofree char *total_str = NULL;

  if (total == 0)
    return g_steal_pointer (&done_str);
  total_str = g_format_size (total);
  /* TRANSLATORS: bytes received, the total size and a percentage */
  return g_strdup_printf (_("%s of %s (%u%%)"), done_str, total_str,
                          ferryctl_percent (done, total));
}

/* A duration for people: "4.2 s", "3 min 12 s", "2 h 5 min". */
char *
ferryctl_format_duration (double seconds)
{
  guint64 s = (guint64) seconds;

  if (seconds < 60.0)
    return g_strdup_printf (_("%.1f s"), seconds);
  if (s < 3600)
    return g_strdup_printf (_("%u min %u s"), (guint) (s / 60), (guint) (s % 60));
  return g_strdup_printf (_("%u h %u min"), (guint) (s / 3600), (guint) (s % 3600 / 60));
}
