/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs @func once on the thread that iterates @context, never on the
 * caller's: g_main_context_invoke() from a worker thread runs the function
 * right there whenever the owner happens to be between two iterations (at
 * start-up and shut-down, or in a test's own loop). */
static inline void
ferry_main_context_defer (GMainContext   *context,
                          GSourceFunc     func,
                          gpointer        data,
                          GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[ferry] deferred to the main context");
  g_source_attach (source, context);
  g_source_unref (source);
}

G_END_DECLS
