/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gi18n-lib.h>

#include "ferry.h"
#include "ferry-calls.h"
#include "ferry-transfer-private.h"

static gpointer
propagate (gpointer source, GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- construction ----------------------------------------------------- */

static void
on_registered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ferry_session_register_finish (FERRY_SESSION (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (g_task_get_task_data (task)), g_object_unref);
}

/* The app id and the wrapper wait in the task while the bus comes. */
typedef struct {
  char             *app_id;
  FerryWrapSession  wrap;
} NewData;

static void
new_data_free (NewData *data)
{
  g_free (data->app_id);
  g_free (data);
}

static void
register_new (GTask *task, GDBusConnection *connection, const char *app_id,
              FerryWrapSession wrap)
{
  g_autoptr(FerrySession) session = ferry_session_get (connection);
  GObject *object = wrap (session);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_task_set_task_data (task, object, g_object_unref);
  ferry_session_register (session, app_id, cancellable, on_registered, task);
}

static void
on_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  NewData *data = g_object_steal_data (G_OBJECT (task), "ferry-new-data");
  g_autoptr(GDBusConnection) connection = NULL;
  GError *error = NULL;

  connection = g_bus_get_finish (result, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
    }
  else
    register_new (task, connection, data->app_id, data->wrap);
  new_data_free (data);
}

void
_ferry_client_new (GDBusConnection     *connection,
                   const char          *app_id,
                   FerryWrapSession     wrap,
                   gpointer             tag,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  NewData *data;

  g_task_set_source_tag (task, tag);
  if (connection != NULL)
    {
      register_new (task, connection, app_id, wrap);
      return;
    }
  data = g_new0 (NewData, 1);
  data->app_id = g_strdup (app_id);
  data->wrap = wrap;
  g_object_set_data (G_OBJECT (task), "ferry-new-data", data);
  g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus, task);
}

gpointer
_ferry_client_new_finish (GAsyncResult *result, gpointer tag, GError **error)
{
  return propagate (NULL, result, tag, error);
}

gpointer
_ferry_client_new_sync (GDBusConnection  *connection,
                        const char       *app_id,
                        FerryWrapSession  wrap,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(FerrySession) session = NULL;
  g_autoptr(GObject) object = NULL;

  if (connection == NULL)
    {
      bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, error);
      if (bus == NULL)
        return NULL;
      connection = bus;
    }
  session = ferry_session_get (connection);
  object = wrap (session);
  if (!ferry_session_register_sync (session, app_id, cancellable, error))
    return NULL;
  return g_steal_pointer (&object);
}

/* ---- creating --------------------------------------------------------- */

static void
on_created_attached (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  FerryTransfer *transfer = _ferry_transfer_attach_finish (result, &error);

  if (transfer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, transfer, g_object_unref);
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  const char *path;
  GError *error = NULL;

  reply = ferry_session_call_finish (FERRY_SESSION (source), result, NULL, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_variant_get (reply, "(&o)", &path);
  _ferry_transfer_attach (FERRY_SESSION (source), path, cancellable, on_created_attached,
                          g_steal_pointer (&task));
}

void
_ferry_create (gpointer             source,
               gpointer             tag,
               FerrySession        *session,
               const char          *path,
               const char          *interface,
               const char          *method,
               GVariant            *parameters,
               GUnixFDList         *fd_list,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  ferry_session_call (session, path, interface, method, parameters, G_VARIANT_TYPE ("(o)"),
                      fd_list, cancellable, on_created, task);
}

FerryTransfer *
_ferry_create_finish (gpointer source, GAsyncResult *result, gpointer tag, GError **error)
{
  return propagate (source, result, tag, error);
}

FerryTransfer *
_ferry_create_sync (FerrySession  *session,
                    const char    *path,
                    const char    *interface,
                    const char    *method,
                    GVariant      *parameters,
                    GUnixFDList   *fd_list,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  const char *transfer_path;

  reply = ferry_session_call_sync (session, path, interface, method, parameters,
                                   G_VARIANT_TYPE ("(o)"), fd_list, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(&o)", &transfer_path);
  return _ferry_transfer_attach_sync (session, transfer_path, cancellable, error);
}

/* ---- listing ---------------------------------------------------------- */

/* Attaches the listed transfers side by side and keeps their order. */
typedef struct {
  GPtrArray *transfers;   /* FerryTransfer or NULL, by position in the list */
  guint      pending;
  GError    *error;
} Listing;

static void
listing_free (Listing *listing)
{
  g_ptr_array_unref (listing->transfers);
  g_clear_error (&listing->error);
  g_free (listing);
}

/* A transfer that ended and went between the list and the reading of its
 * properties is simply no longer current. */
static gboolean
is_gone (const GError *error)
{
  return g_error_matches (error, FERRY_ERROR, FERRY_ERROR_NOT_FOUND);
}

static GPtrArray *
listing_result (GPtrArray *transfers)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < transfers->len; i++)
    if (g_ptr_array_index (transfers, i) != NULL)
      g_ptr_array_add (result, g_object_ref (g_ptr_array_index (transfers, i)));
  return result;
}

/* One transfer of the list being attached. */
typedef struct {
  GTask *task;     /* owns a reference */
  guint  index;
} ListItem;

static void
on_listed_attached (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ListItem *item = user_data;
  g_autoptr(GTask) task = item->task;
  Listing *listing = g_task_get_task_data (task);
  GError *error = NULL;
  FerryTransfer *transfer = _ferry_transfer_attach_finish (result, &error);

  if (transfer != NULL)
    g_ptr_array_index (listing->transfers, item->index) = transfer;
  else if (is_gone (error) || listing->error != NULL)
    g_error_free (error);
  else
    listing->error = error;
  g_free (item);

  if (--listing->pending > 0)
    return;
  if (listing->error != NULL)
    g_task_return_error (task, g_steal_pointer (&listing->error));
  else
    g_task_return_pointer (task, listing_result (listing->transfers),
                           (GDestroyNotify) g_ptr_array_unref);
}

/* Takes @task; returns the attached transfers through it. */
static void
attach_listed (GTask *task, FerrySession *session, const char * const *paths)
{
  Listing *listing = g_new0 (Listing, 1);
  guint n = g_strv_length ((char **) paths);

  listing->transfers = g_ptr_array_new_full (n, (GDestroyNotify) g_object_unref);
  g_ptr_array_set_size (listing->transfers, n);
  listing->pending = n;
  g_task_set_task_data (task, listing, (GDestroyNotify) listing_free);
  if (n == 0)
    {
      g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_object_unref),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      ListItem *item = g_new0 (ListItem, 1);

      item->task = i + 1 < n ? g_object_ref (task) : task;
      item->index = i;
      _ferry_transfer_attach (session, paths[i], g_task_get_cancellable (task),
                              on_listed_attached, item);
    }
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **paths = NULL;
  GError *error = NULL;

  reply = ferry_session_call_finish (FERRY_SESSION (source), result, NULL, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_variant_get (reply, "(^a&o)", &paths);
  attach_listed (task, FERRY_SESSION (source), paths);
}

void
_ferry_list (gpointer             source,
             gpointer             tag,
             FerrySession        *session,
             const char          *path,
             const char          *interface,
             const char          *method,
             const char          *group,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  ferry_session_call (session, path, interface, method, g_variant_new ("(s)", group ? group : ""),
                      G_VARIANT_TYPE ("(ao)"), NULL, cancellable, on_listed, task);
}

GPtrArray *
_ferry_list_finish (gpointer source, GAsyncResult *result, gpointer tag, GError **error)
{
  return propagate (source, result, tag, error);
}

GPtrArray *
_ferry_list_sync (FerrySession  *session,
                  const char    *path,
                  const char    *interface,
                  const char    *method,
                  const char    *group,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) transfers = NULL;
  g_autofree const char **paths = NULL;

  reply = ferry_session_call_sync (session, path, interface, method,
                                   g_variant_new ("(s)", group ? group : ""),
                                   G_VARIANT_TYPE ("(ao)"), NULL, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(^a&o)", &paths);
  transfers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      GError *local_error = NULL;
      FerryTransfer *transfer = _ferry_transfer_attach_sync (session, paths[i], cancellable,
                                                             &local_error);

      if (transfer != NULL)
        g_ptr_array_add (transfers, transfer);
      else if (is_gone (local_error))
        g_error_free (local_error);
      else
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
    }
  return g_steal_pointer (&transfers);
}

/* ---- one transfer ----------------------------------------------------- */

static char *
transfer_path_or_error (const char *id, GError **error)
{
  char *path = ferry_session_transfer_path (id);

  if (path == NULL)
    g_set_error (error, FERRY_ERROR, FERRY_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not a transfer id"), id);
  return path;
}

void
_ferry_lookup (gpointer             source,
               gpointer             tag,
               FerrySession        *session,
               const char          *id,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source, cancellable, callback, user_data);
  g_autofree char *path = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, tag);
  path = transfer_path_or_error (id, &error);
  if (path == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  _ferry_transfer_attach (session, path, cancellable, on_created_attached,
                          g_steal_pointer (&task));
}

FerryTransfer *
_ferry_lookup_finish (gpointer source, GAsyncResult *result, gpointer tag, GError **error)
{
  return propagate (source, result, tag, error);
}

FerryTransfer *
_ferry_lookup_sync (FerrySession *session, const char *id, GCancellable *cancellable,
                    GError **error)
{
  g_autofree char *path = transfer_path_or_error (id, error);

  if (path == NULL)
    return NULL;
  return _ferry_transfer_attach_sync (session, path, cancellable, error);
}

/* ---- other calls ------------------------------------------------------ */

typedef struct {
  GVariant    *reply;
  GUnixFDList *fd_list;
} CallResult;

static void
call_result_free (CallResult *result)
{
  g_clear_pointer (&result->reply, g_variant_unref);
  g_clear_object (&result->fd_list);
  g_free (result);
}

static void
on_called (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CallResult *call = g_new0 (CallResult, 1);
  GError *error = NULL;

  call->reply = ferry_session_call_finish (FERRY_SESSION (source), result, &call->fd_list,
                                           &error);
  if (call->reply == NULL)
    {
      call_result_free (call);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, call, (GDestroyNotify) call_result_free);
}

void
_ferry_call (gpointer             source,
             gpointer             tag,
             FerrySession        *session,
             const char          *path,
             const char          *interface,
             const char          *method,
             GVariant            *parameters,
             const GVariantType  *reply_type,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  ferry_session_call (session, path, interface, method, parameters, reply_type, NULL,
                      cancellable, on_called, task);
}

GVariant *
_ferry_call_finish (gpointer       source,
                    GAsyncResult  *result,
                    gpointer       tag,
                    GUnixFDList  **out_fd_list,
                    GError       **error)
{
  CallResult *call = propagate (source, result, tag, error);
  GVariant *reply;

  if (call == NULL)
    return NULL;
  reply = g_steal_pointer (&call->reply);
  if (out_fd_list != NULL)
    *out_fd_list = g_steal_pointer (&call->fd_list);
  call_result_free (call);
  return reply;
}

/* The "(s)" of GetDefaultCostPolicy as the enum. */
gboolean
_ferry_parse_cost_policy (GVariant *reply, FerryCostPolicy *out_policy, GError **error)
{
  const char *policy;

  g_variant_get (reply, "(&s)", &policy);
  if (ferry_cost_policy_from_string (policy, out_policy))
    return TRUE;
  g_set_error (error, FERRY_ERROR, FERRY_ERROR_FAILED,
               _("The service answered an unknown cost policy “%s”"), policy);
  return FALSE;
}
