/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "ferry-scheduler.h"

G_BEGIN_DECLS

/* Answers a Create call with @transfer's object path once the transfer is
 * durably stored: the promise "nothing accepted is lost" holds from the
 * moment the caller hears back. */
void ferry_created_reply_when_stored (FerryScheduler        *scheduler,
                                      GDBusMethodInvocation *invocation,
                                      FerryTransfer         *transfer);

G_END_DECLS
