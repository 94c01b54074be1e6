/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "ferry-notifier"

#include <glib/gi18n.h>

#include "ferry-notifier.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"

struct _FerryNotifier
{
  GObject          parent_instance;
  GDBusConnection *bus;
};

G_DEFINE_FINAL_TYPE (FerryNotifier, ferry_notifier, G_TYPE_OBJECT)

static char *
default_title (FerryTransfer *transfer, gboolean success)
{
  gboolean upload = ferry_transfer_get_kind (transfer) == FERRY_TRANSFER_KIND_UPLOAD;

  if (success)
    return g_strdup (upload ? _("Upload complete") : _("Download complete"));
  return g_strdup (upload ? _("Upload failed") : _("Download failed"));
}

static char *
default_body (FerryTransfer *transfer, gboolean success)
{
  const char *path = ferry_transfer_get_kind (transfer) == FERRY_TRANSFER_KIND_UPLOAD
                     ? ferry_transfer_get_source (transfer)
                     : ferry_transfer_get_destination (transfer);
  g_autofree char *name = path ? g_path_get_basename (path)
                               : g_strdup (ferry_transfer_get_uri (transfer));

  if (success)
    return g_strdup_printf (_("“%s” is done."), name);
  return g_strdup_printf (_("“%s”: %s"), name, ferry_transfer_get_error_message (transfer));
}

static void
on_notified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  if (reply == NULL)
    g_message ("Cannot show a notification: %s", error->message);
}

static void
on_status_changed (FerryTransfer *transfer, gpointer user_data)
{
  FerryNotifier *self = user_data;
  FerryStatus status = ferry_transfer_get_status (transfer);
  gboolean success = status == FERRY_STATUS_COMPLETED;
  GVariant *text;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  if (status != FERRY_STATUS_COMPLETED && status != FERRY_STATUS_ERROR)
    return;
  text = ferry_transfer_get_notification (transfer, success);
  if (text == NULL)
    return;
  if (!g_variant_lookup (text, "title", "s", &title))
    title = default_title (transfer, success);
  if (!g_variant_lookup (text, "body", "s", &body))
    body = default_body (transfer, success);

  g_dbus_connection_call (self->bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME,
                          "Notify",
                          g_variant_new ("(susssasa{sv}i)", "Ferry", 0,
                                         success ? "emblem-ok-symbolic" : "dialog-error-symbolic",
                                         title, body, NULL, NULL, -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_notified, NULL);
}

static void
on_transfer_added (FerryScheduler *scheduler, FerryTransfer *transfer, gpointer user_data)
{
  if (ferry_transfer_get_notification (transfer, TRUE) != NULL ||
      ferry_transfer_get_notification (transfer, FALSE) != NULL)
    g_signal_connect_object (transfer, "status-changed", G_CALLBACK (on_status_changed),
                             user_data, G_CONNECT_DEFAULT);
}

static void
ferry_notifier_dispose (GObject *object)
{
  FerryNotifier *self = FERRY_NOTIFIER (object);

  g_clear_object (&self->bus);
  G_OBJECT_CLASS (ferry_notifier_parent_class)->dispose (object);
}

static void
ferry_notifier_class_init (FerryNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ferry_notifier_dispose;
}

static void
ferry_notifier_init (FerryNotifier *self)
{
}

FerryNotifier *
ferry_notifier_new (GDBusConnection *bus, FerryScheduler *scheduler)
{
  FerryNotifier *self = g_object_new (FERRY_TYPE_NOTIFIER, NULL);
  g_autoptr(GPtrArray) existing = ferry_scheduler_list_all (scheduler);

  self->bus = g_object_ref (bus);
  for (guint i = 0; i < existing->len; i++)
    on_transfer_added (scheduler, g_ptr_array_index (existing, i), self);
  g_signal_connect_object (scheduler, "transfer-added", G_CALLBACK (on_transfer_added), self,
                           G_CONNECT_DEFAULT);
  return self;
}
