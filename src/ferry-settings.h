/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The service's tunables; defaults follow the seed, tests make them short. */
typedef struct {
  guint max_parallel;            /* transfers running at once */
  guint max_per_host;            /* of them, to one host and port */
  guint64 max_speed;             /* bytes per second of all together; 0: no limit */
  guint aging_interval_s;        /* waiting this long counts one priority higher */
  guint connect_timeout_s;       /* no response headers within this: abort */
  guint response_timeout_s;      /* no data on the socket within this: abort */
  guint retries;                 /* automatic retries of a transient failure */
  guint retry_delay_ms;          /* first backoff; doubles with each retry */
  guint checkpoint_interval_ms;  /* how often offsets are flushed and stored */
  guint idle_timeout_s;          /* exit after this long with nothing to do; 0: never */
  gsize max_response_body;       /* bytes of a response body kept for the app */
  guint keep_ended_days;         /* ended transfers are forgotten after this long */
} FerrySettings;

#define FERRY_SETTINGS_INIT { \
  .max_parallel = 6, \
  .max_per_host = 4, \
  .max_speed = 0, \
  .aging_interval_s = 600, \
  .connect_timeout_s = 300, \
  .response_timeout_s = 120, \
  .retries = 3, \
  .retry_delay_ms = 1000, \
  .checkpoint_interval_ms = 1000, \
  .idle_timeout_s = 60, \
  .max_response_body = 1024 * 1024, \
  .keep_ended_days = 30, \
}

G_END_DECLS
