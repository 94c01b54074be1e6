/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry-concat-input-stream.h"

struct _FerryConcatInputStream
{
  GInputStream  parent_instance;
  GPtrArray    *streams;
  guint         current;
};

G_DEFINE_FINAL_TYPE (FerryConcatInputStream, ferry_concat_input_stream, G_TYPE_INPUT_STREAM)

static gssize
ferry_concat_input_stream_read (GInputStream  *stream,
                                void          *buffer,
                                gsize          count,
                                GCancellable  *cancellable,
                                GError       **error)
{
  FerryConcatInputStream *self = FERRY_CONCAT_INPUT_STREAM (stream);

  while (self->current < self->streams->len)
    {
      GInputStream *part = g_ptr_array_index (self->streams, self->current);
      gssize n = g_input_stream_read (part, buffer, count, cancellable, error);

      if (n != 0)
        return n; /* data, or an error */
      self->current++;
    }
  return 0;
}

static gboolean
ferry_concat_input_stream_close (GInputStream  *stream,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  FerryConcatInputStream *self = FERRY_CONCAT_INPUT_STREAM (stream);
  gboolean ok = TRUE;

  for (guint i = 0; i < self->streams->len; i++)
    if (!g_input_stream_close (g_ptr_array_index (self->streams, i), cancellable,
                               ok ? error : NULL))
      ok = FALSE;
  return ok;
}

static void
ferry_concat_input_stream_finalize (GObject *object)
{
  FerryConcatInputStream *self = FERRY_CONCAT_INPUT_STREAM (object);

  g_ptr_array_unref (self->streams);
  G_OBJECT_CLASS (ferry_concat_input_stream_parent_class)->finalize (object);
}

static void
ferry_concat_input_stream_class_init (FerryConcatInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ferry_concat_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = ferry_concat_input_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = ferry_concat_input_stream_close;
}

static void
ferry_concat_input_stream_init (FerryConcatInputStream *self)
{
  self->streams = g_ptr_array_new_with_free_func (g_object_unref);
}

GInputStream *
ferry_concat_input_stream_new (GPtrArray *streams)
{
  FerryConcatInputStream *self = g_object_new (FERRY_TYPE_CONCAT_INPUT_STREAM, NULL);

  for (guint i = 0; i < streams->len; i++)
    g_ptr_array_add (self->streams, g_object_ref (g_ptr_array_index (streams, i)));
  return G_INPUT_STREAM (self);
}
