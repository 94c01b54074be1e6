/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-data-plan"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "ferry-data-plan.h"
#include "ferry-error.h"

#define SCHEMA_ID "org.freedesktop.Ferry1"
#define DEFAULT_CYCLE_START_DAY 1
/* The pace of usage also changes with time alone. */
#define REEVALUATE_INTERVAL_S 60

struct _FerryDataPlan
{
  GObject     parent_instance;
  FerryStore *store;
  GSettings  *settings;      /* NULL when the schema is not installed */
  GVariant   *limits;        /* a{s(tu)}, used without GSettings */
  gboolean    restrict_data;
  guint       timer;
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FerryDataPlan, ferry_data_plan, G_TYPE_OBJECT)

static GVariant *
get_limits (FerryDataPlan *self)
{
  if (self->settings != NULL)
    return g_settings_get_value (self->settings, "data-limits");
  return g_variant_ref (self->limits);
}

static gboolean
lookup_limit (FerryDataPlan *self, const char *connection, guint64 *limit, guint *day)
{
  g_autoptr(GVariant) limits = get_limits (self);

  *limit = 0;
  *day = DEFAULT_CYCLE_START_DAY;
  return g_variant_lookup (limits, connection, "(tu)", limit, day);
}

/* The current cycle: from local midnight of the last @day on or before
 * today to the same day a month later. */
static void
current_cycle (guint day, GDateTime **start, GDateTime **end)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) this_month = g_date_time_new_local (g_date_time_get_year (now),
                                                           g_date_time_get_month (now),
                                                           (gint) day, 0, 0, 0);

  if (g_date_time_compare (this_month, now) <= 0)
    *start = g_date_time_ref (this_month);
  else
    *start = g_date_time_add_months (this_month, -1);
  *end = g_date_time_add_months (*start, 1);
}

static void
on_timer_or_settings (gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_CHANGED], 0);
}

static gboolean
on_timer (gpointer user_data)
{
  on_timer_or_settings (user_data);
  return G_SOURCE_CONTINUE;
}

void
ferry_data_plan_get_state (FerryDataPlan *self, const char *connection, FerryDataPlanState *state)
{
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  double elapsed;

  lookup_limit (self, connection, &state->limit, &state->cycle_start_day);
  current_cycle (state->cycle_start_day, &start, &end);
  state->usage = ferry_store_load_usage (self->store, connection, g_date_time_to_unix (start));
  state->over_limit = state->limit > 0 && state->usage >= state->limit;

  /* Usage so far, at the pace so far, until the end of the cycle. */
  elapsed = (double) g_date_time_difference (now, start) /
            (double) MAX (g_date_time_difference (end, start), 1);
  state->on_track_to_exceed = state->limit > 0 &&
    (state->over_limit || (elapsed > 0 && (double) state->usage / elapsed > (double) state->limit));
}

void
ferry_data_plan_add_traffic (FerryDataPlan *self, const char *connection, guint64 bytes)
{
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  g_autoptr(GError) error = NULL;
  guint64 limit, usage;
  guint day;
  gint64 cycle;

  lookup_limit (self, connection, &limit, &day);
  current_cycle (day, &start, &end);
  cycle = g_date_time_to_unix (start);
  usage = ferry_store_load_usage (self->store, connection, cycle) + bytes;
  if (!ferry_store_save_usage (self->store, connection, cycle, usage, &error))
    g_warning ("Cannot record data usage: %s", error->message);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

gboolean
ferry_data_plan_set_limit (FerryDataPlan *self, const char *connection, guint64 limit,
                           guint cycle_start_day, GError **error)
{
  g_autoptr(GVariant) limits = get_limits (self);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{s(tu)}"));
  GVariantIter iter;
  const char *key;
  guint64 other_limit;
  guint other_day;

  if (*connection == '\0' || cycle_start_day < 1 || cycle_start_day > 28)
    {
      g_set_error_literal (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                           _("A data limit needs a connection and a cycle start day from 1 to 28"));
      return FALSE;
    }
  g_variant_iter_init (&iter, limits);
  while (g_variant_iter_next (&iter, "{&s(tu)}", &key, &other_limit, &other_day))
    if (!g_str_equal (key, connection))
      g_variant_builder_add (&builder, "{s(tu)}", key, other_limit, other_day);
  if (limit > 0)
    g_variant_builder_add (&builder, "{s(tu)}", connection, limit, cycle_start_day);

  g_clear_pointer (&self->limits, g_variant_unref);
  self->limits = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (self->settings != NULL)
    g_settings_set_value (self->settings, "data-limits", self->limits);
  g_message ("Data limit of %s: %" G_GUINT64_FORMAT " bytes from day %u", connection, limit,
             cycle_start_day);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

void
ferry_data_plan_set_restrict_background_data (FerryDataPlan *self, gboolean restrict_data)
{
  self->restrict_data = restrict_data;
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "restrict-background-data", restrict_data);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

gboolean
ferry_data_plan_get_restrict_background_data (FerryDataPlan *self)
{
  if (self->settings != NULL)
    return g_settings_get_boolean (self->settings, "restrict-background-data");
  return self->restrict_data;
}

static void
ferry_data_plan_dispose (GObject *object)
{
  FerryDataPlan *self = FERRY_DATA_PLAN (object);

  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->limits, g_variant_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ferry_data_plan_parent_class)->dispose (object);
}

static void
ferry_data_plan_class_init (FerryDataPlanClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_data_plan_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ferry_data_plan_init (FerryDataPlan *self)
{
  self->limits = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{s(tu)}"), NULL, 0));
}

FerryDataPlan *
ferry_data_plan_new (FerryStore *store)
{
  FerryDataPlan *self = g_object_new (FERRY_TYPE_DATA_PLAN, NULL);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  self->store = g_object_ref (store);
  schema = source ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;
  if (schema != NULL)
    {
      self->settings = g_settings_new_full (schema, NULL, NULL);
      g_signal_connect_swapped (self->settings, "changed", G_CALLBACK (on_timer_or_settings), self);
    }
  else
    g_message ("The GSettings schema %s is not installed: data limits last until exit",
               SCHEMA_ID);
  self->timer = g_timeout_add_seconds (REEVALUATE_INTERVAL_S, on_timer, self);
  return self;
}
