/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ferry.h"

/* The strings on the bus are the enums' nicks, which glib-mkenums derives
 * from the value names: one table, in ferry-enums.h. */
static const char *
enum_to_nick (GType type, int value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  /* The nicks live in glib-mkenums' static tables, not in the class. */
  return found != NULL ? found->value_nick : NULL;
}

static gboolean
enum_from_nick (GType type, const char *nick, int *out_value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *found;

  g_return_val_if_fail (nick != NULL, FALSE);
  klass = g_type_class_ref (type);
  found = g_enum_get_value_by_nick (klass, nick);
  if (found == NULL)
    return FALSE;
  if (out_value != NULL)
    *out_value = found->value;
  return TRUE;
}

/**
 * ferry_error_quark:
 *
 * The error domain of Ferry, %FERRY_ERROR. Its codes (#FerryError) map both
 * ways to the D-Bus errors `org.freedesktop.Ferry1.Error.Failed`,
 * `.InvalidArgument`, `.NotFound`, `.AccessDenied` and `.InvalidState`, so
 * an error of the service arrives in a #GError of this domain.
 *
 * Returns: the quark of the domain
 */

/**
 * ferry_transfer_status_to_string:
 * @status: a status
 *
 * Returns: (transfer none): the status as the service names it, such as
 *   `"paused-by-application"`
 */
const char *
ferry_transfer_status_to_string (FerryTransferStatus status)
{
  const char *nick = enum_to_nick (FERRY_TYPE_TRANSFER_STATUS, status);

  g_return_val_if_fail (nick != NULL, "error");
  return nick;
}

/**
 * ferry_transfer_status_from_string:
 * @str: a status as the service names it
 * @out_status: (out) (optional): the status
 *
 * Returns: whether @str names a status
 */
gboolean
ferry_transfer_status_from_string (const char *str, FerryTransferStatus *out_status)
{
  int value;

  if (!enum_from_nick (FERRY_TYPE_TRANSFER_STATUS, str, &value))
    return FALSE;
  if (out_status != NULL)
    *out_status = (FerryTransferStatus) value;
  return TRUE;
}

/**
 * ferry_transfer_status_is_final:
 * @status: a status
 *
 * Completed and canceled transfers never change again. A transfer in
 * %FERRY_TRANSFER_STATUS_ERROR is not final: it can be resumed.
 *
 * Returns: whether @status is completed or canceled
 */
gboolean
ferry_transfer_status_is_final (FerryTransferStatus status)
{
  return status == FERRY_TRANSFER_STATUS_COMPLETED || status == FERRY_TRANSFER_STATUS_CANCELED;
}

/**
 * ferry_transfer_kind_to_string:
 * @kind: a kind
 *
 * Returns: (transfer none): the kind as the service names it
 */
const char *
ferry_transfer_kind_to_string (FerryTransferKind kind)
{
  const char *nick = enum_to_nick (FERRY_TYPE_TRANSFER_KIND, kind);

  g_return_val_if_fail (nick != NULL, "download");
  return nick;
}

/**
 * ferry_transfer_kind_from_string:
 * @str: a kind as the service names it
 * @out_kind: (out) (optional): the kind
 *
 * Returns: whether @str names a kind
 */
gboolean
ferry_transfer_kind_from_string (const char *str, FerryTransferKind *out_kind)
{
  int value;

  if (!enum_from_nick (FERRY_TYPE_TRANSFER_KIND, str, &value))
    return FALSE;
  if (out_kind != NULL)
    *out_kind = (FerryTransferKind) value;
  return TRUE;
}

/**
 * ferry_cost_policy_to_string:
 * @policy: a cost policy
 *
 * Returns: (transfer none): the policy as the service names it
 */
const char *
ferry_cost_policy_to_string (FerryCostPolicy policy)
{
  const char *nick = enum_to_nick (FERRY_TYPE_COST_POLICY, policy);

  g_return_val_if_fail (nick != NULL, "default");
  return nick;
}

/**
 * ferry_cost_policy_from_string:
 * @str: a cost policy as the service names it
 * @out_policy: (out) (optional): the policy
 *
 * Returns: whether @str names a cost policy
 */
gboolean
ferry_cost_policy_from_string (const char *str, FerryCostPolicy *out_policy)
{
  int value;

  if (!enum_from_nick (FERRY_TYPE_COST_POLICY, str, &value))
    return FALSE;
  if (out_policy != NULL)
    *out_policy = (FerryCostPolicy) value;
  return TRUE;
}

/**
 * ferry_priority_to_string:
 * @priority: a priority
 *
 * Returns: (transfer none): the priority as the service names it
 */
const char *
ferry_priority_to_string (FerryPriority priority)
{
  const char *nick = enum_to_nick (FERRY_TYPE_PRIORITY, priority);

  g_return_val_if_fail (nick != NULL, "default");
  return nick;
}

/**
 * ferry_priority_from_string:
 * @str: a priority as the service names it
 * @out_priority: (out) (optional): the priority
 *
 * Returns: whether @str names a priority
 */
gboolean
ferry_priority_from_string (const char *str, FerryPriority *out_priority)
{
  int value;

  if (!enum_from_nick (FERRY_TYPE_PRIORITY, str, &value))
    return FALSE;
  if (out_priority != NULL)
    *out_priority = (FerryPriority) value;
  return TRUE;
}

/**
 * ferry_group_behavior_to_string:
 * @behavior: a group behavior
 *
 * Returns: (transfer none): the behavior as the service names it
 */
const char *
ferry_group_behavior_to_string (FerryGroupBehavior behavior)
{
  const char *nick = enum_to_nick (FERRY_TYPE_GROUP_BEHAVIOR, behavior);

  g_return_val_if_fail (nick != NULL, "parallel");
  return nick;
}

/**
 * ferry_group_behavior_from_string:
 * @str: a group behavior as the service names it
 * @out_behavior: (out) (optional): the behavior
 *
 * Returns: whether @str names a group behavior
 */
gboolean
ferry_group_behavior_from_string (const char *str, FerryGroupBehavior *out_behavior)
{
  int value;

  if (!enum_from_nick (FERRY_TYPE_GROUP_BEHAVIOR, str, &value))
    return FALSE;
  if (out_behavior != NULL)
    *out_behavior = (FerryGroupBehavior) value;
  return TRUE;
}
