/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Counts what keeps the service alive (running work) and starts the exit
 * timer only when the last of it is released; calls restart the timer. */
#define FERRY_TYPE_IDLE (ferry_idle_get_type ())
G_DECLARE_FINAL_TYPE (FerryIdle, ferry_idle, FERRY, IDLE, GObject)

/* @timeout_s of 0 never times out. */
FerryIdle *ferry_idle_new (guint timeout_s);
void       ferry_idle_hold (FerryIdle *self);
void       ferry_idle_release (FerryIdle *self);
void       ferry_idle_touch (FerryIdle *self);

G_END_DECLS
