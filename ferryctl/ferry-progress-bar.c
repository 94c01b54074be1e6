/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ferry-progress-bar.h"

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
/* Rates over shorter spans than this are mostly noise. */
#define RATE_MIN_SPAN_US (G_USEC_PER_SEC / 5)
/* How long a stall lasts before the rate starts falling towards zero. */
#define STALL_US G_USEC_PER_SEC
/* Time constant of the rate's exponential smoothing, in seconds. */
#define RATE_SMOOTHING 3.0
#define MAX_BAR_WIDTH 50
#define MIN_NAME_WIDTH 8

struct _FerryProgressBar {
  char     *label;
  char     *note;
  guint64   done;
  guint64   total;

  /* The start of the span the next rate sample covers; 0 when there is none. */
  gint64    span_start_us;
  guint64   span_start_done;
  double    rate;
  gboolean  have_rate;

  gint64    last_draw_us;
  guint     redraw_id;
  guint     tick_id;
};

static void draw (FerryProgressBar *self);

void
ferry_progress_bar_add_sample (FerryProgressBar *self, guint64 done, guint64 total, gint64 now_us)
{
  double span, instant;

  self->done = done;
  self->total = total;

  /* A transfer that restarted from zero starts a new estimate too. */
  if (self->span_start_us == 0 || done < self->span_start_done)
    {
      self->span_start_us = now_us;
      self->span_start_done = done;
      self->have_rate = FALSE;
      return;
    }
  if (now_us - self->span_start_us < RATE_MIN_SPAN_US)
    return;

  span = (double) (now_us - self->span_start_us) / G_USEC_PER_SEC;
  instant = (double) (done - self->span_start_done) / span;
  if (self->have_rate)
    self->rate += span / (RATE_SMOOTHING + span) * (instant - self->rate);
  else
    self->rate = instant;
  self->have_rate = TRUE;
  self->span_start_us = now_us;
  self->span_start_done = done;
}

static gboolean
on_redraw_timeout (gpointer user_data)
{
  FerryProgressBar *self = user_data;

  self->redraw_id = 0;
  draw (self);
  return G_SOURCE_REMOVE;
}

/* Draws now, or schedules a draw so that draws are at least
 * REDRAW_INTERVAL_US apart and the last state always gets drawn. */
static void
request_redraw (FerryProgressBar *self)
{
  gint64 since = g_get_monotonic_time () - self->last_draw_us;

  if (self->redraw_id != 0)
    return;
  if (self->last_draw_us == 0 || since >= REDRAW_INTERVAL_US)
    draw (self);
  else
    self->redraw_id = g_timeout_add ((guint) ((REDRAW_INTERVAL_US - since) / 1000) + 1,
                                     on_redraw_timeout, self);
}

/* Without progress signals during a stall, the rate and ETA would freeze. */
static gboolean
on_tick (gpointer user_data)
{
  FerryProgressBar *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (self->note == NULL && self->span_start_us != 0 && now - self->span_start_us >= STALL_US)
    ferry_progress_bar_add_sample (self, self->done, self->total, now);
  request_redraw (self);
  return G_SOURCE_CONTINUE;
}

FerryProgressBar *
ferry_progress_bar_new (const char *label)
{
  FerryProgressBar *self = g_new0 (FerryProgressBar, 1);

  self->label = g_strdup (label);
  self->tick_id = g_timeout_add_seconds (1, on_tick, self);
  return self;
}

static void
stop_timers (FerryProgressBar *self)
{
  g_clear_handle_id (&self->redraw_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
}

void
ferry_progress_bar_free (FerryProgressBar *self)
{
  stop_timers (self);
  g_free (self->label);
  g_free (self->note);
  g_free (self);
}

void
ferry_progress_bar_update (FerryProgressBar *self, guint64 done, guint64 total)
{
  ferry_progress_bar_add_sample (self, done, total, g_get_monotonic_time ());
  request_redraw (self);
}

/* @note replaces the rate and ETA while the transfer is not moving
 * ("queued", "paused"); NULL when it runs. */
void
ferry_progress_bar_set_note (FerryProgressBar *self, const char *note)
{
  if (g_strcmp0 (self->note, note) == 0)
    return;
  g_free (self->note);
  self->note = g_strdup (note);
  /* Time spent waiting must not count in the rate. */
  self->span_start_us = 0;
  self->have_rate = FALSE;
  request_redraw (self);
}

/* A label that changes as the transfer goes, such as "12/20 files" for a
 * batch; drawn with the next update. */
void
ferry_progress_bar_set_label (FerryProgressBar *self, const char *label)
{
  if (g_strcmp0 (self->label, label) == 0)
    return;
  g_free (self->label);
  self->label = g_strdup (label);
  request_redraw (self);
}

/* Draws the final state and ends the line. */
void
ferry_progress_bar_finish (FerryProgressBar *self)
{
  stop_timers (self);
  draw (self);
  g_print ("\n");
  fflush (stdout);
}

double
ferry_progress_bar_get_rate (FerryProgressBar *self)
{
  return self->have_rate ? self->rate : 0.0;
}

static guint
terminal_width (void)
{
  struct winsize ws;

  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 80;
}

static void
draw (FerryProgressBar *self)
{
  g_autofree char *line = ferry_progress_bar_render (self, terminal_width ());

  /* Back to the start of the line, then clear what a longer line left. */
  g_print ("\r%s\033[K", line);
  fflush (stdout);
  self->last_draw_us = g_get_monotonic_time ();
}

static char *
format_eta (double seconds)
{
  guint64 s;

  if (seconds < 0 || seconds > 99.0 * 3600)
    return g_strdup ("--:--");
  s = (guint64) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", (guint) (s / 3600), (guint) (s / 60 % 60),
                            (guint) (s % 60));
  return g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
}

/* What the line shows, from most to least: a narrow terminal drops the ETA,
 * then the rate (or note), rather than wrap. */
typedef enum {
  DETAIL_BYTES,
  DETAIL_RATE,
  DETAIL_FULL,
} Detail;

/* The rate, and the ETA too when the size is known and @detail allows. */
static void
append_speed (FerryProgressBar *self, GString *out, Detail detail)
{
  g_autofree char *rate = self->have_rate ? g_format_size ((guint64) self->rate) : g_strdup ("--");
  g_autofree char *eta = NULL;
  double left = -1.0;

  g_string_append (out, "  ");
  /* TRANSLATORS: a transfer rate, such as "1.2 MB/s" */
  g_string_append_printf (out, _("%s/s"), rate);
  if (self->total == 0 || detail < DETAIL_FULL)
    return;

  if (self->done >= self->total)
    left = 0.0;
  else if (self->have_rate && self->rate >= 1.0)
    left = (double) (self->total - self->done) / self->rate;
  eta = format_eta (left);
  g_string_append (out, "  ");
  /* TRANSLATORS: the estimated time left; %s is a time such as 1:05 */
  g_string_append_printf (out, _("ETA %s"), eta);
}

/* Everything right of the bar: "12.3 MB / 29.1 MB  1.2 MB/s  ETA 0:14". */
static char *
format_stats (FerryProgressBar *self, Detail detail)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *done = g_format_size (self->done);

  g_string_append (out, done);
  if (self->total > 0)
    {
      g_autofree char *total = g_format_size (self->total);
      g_string_append_printf (out, " / %s", total);
    }

  if (detail == DETAIL_BYTES)
    ;
  else if (self->note != NULL)
    g_string_append_printf (out, "  %s", self->note);
  else
    append_speed (self, out, detail);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
columns (const char *s)
{
  return (guint) g_utf8_strlen (s, -1);
}

static char *
truncate_text (const char *text, guint max_cols)
{
  g_autofree char *head = NULL;

  if (columns (text) <= max_cols)
    return g_strdup (text);
  head = g_utf8_substring (text, 0, max_cols > 1 ? max_cols - 1 : 0);
  return g_strconcat (head, "…", NULL);
}

static guint
percent (guint64 done, guint64 total)
{
  /* Never show 100% before the last byte. */
  return done >= total ? 100 : (guint) ((double) done * 100.0 / (double) total);
}

static void
append_bar (GString *out, guint width, guint64 done, guint64 total)
{
  guint filled = (guint) ((double) width * ((double) MIN (done, total) / (double) total));

  g_string_append_c (out, '[');
  for (guint i = 0; i < width; i++)
    g_string_append_c (out, i < filled ? '=' : (i == filled ? '>' : ' '));
  g_string_append_c (out, ']');
}

/* The stats always show; the bar gets what is left, and a long name is
 * cut first. The line may still be longer than @avail. */
static char *
render_detail (FerryProgressBar *self, guint avail, Detail detail)
{
  g_autofree char *stats = format_stats (self, detail);
  g_autofree char *name = NULL;
  GString *line = g_string_new (NULL);
  gboolean known = self->total > 0;
  /* "  42% " before the bar and " " after it; "  " without a bar. */
  guint fixed = columns (stats) + (known ? 8 : 2);
  guint room = avail > fixed ? avail - fixed : 0;
  /* With a bar, a long name gets two fifths of the room at most. */
  guint name_max = MAX (known ? room * 2 / 5 : room, MIN_NAME_WIDTH);
  guint bar_width;

  name = truncate_text (self->label, name_max);
  g_string_append (line, name);
  if (!known)
    {
      g_string_append_printf (line, "  %s", stats);
      return g_string_free (line, FALSE);
    }

  g_string_append_printf (line, "  %3u%% ", percent (self->done, self->total));
  bar_width = MIN (room - MIN (room, columns (name)), MAX_BAR_WIDTH);
  if (bar_width >= 5)
    {
      append_bar (line, bar_width - 2, self->done, self->total);
      g_string_append_c (line, ' ');
    }
  g_string_append (line, stats);
  return g_string_free (line, FALSE);
}

/* The line for a terminal @width columns wide; it never wraps. */
char *
ferry_progress_bar_render (FerryProgressBar *self, guint width)
{
  /* Writing into the last column makes some terminals wrap. */
  guint avail = width > 1 ? width - 1 : 0;
  g_autofree char *line = NULL;

  for (Detail detail = DETAIL_FULL; ; detail--)
    {
      g_free (line);
      line = render_detail (self, avail, detail);
      if (columns (line) <= avail || detail == DETAIL_BYTES)
        break;
    }
  return truncate_text (line, avail);
}
