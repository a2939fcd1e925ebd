"""The platform's one append-only audit log.

log_action("society.member.updated", user=request.user, obj=member,
           data={"changes": {"phone": ["old", "new"]}})
"""

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the log."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value differs."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in after
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def snapshot(instance: models.Model, fields=None) -> dict[str, Any]:
    """Current values of an instance's concrete fields (and many-to-many when saved)."""
    values = {}
    for field in instance._meta.concrete_fields:
        if fields is None or field.name in fields:
            values[field.name] = getattr(instance, field.name)
    if instance.pk:
        for field in instance._meta.many_to_many:
            if fields is None or field.name in fields:
                values[field.name] = sorted(
                    str(item) for item in getattr(instance, field.name).all()
                )
    return values


def _actor_repr(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return f"{user.username}（{user}）" if str(user) != user.username else user.username


def audit_entry(
    action: str, *, user=None, obj: models.Model | None = None, data=None
) -> AuditEntry:
    """An unsaved entry, for bulk writes (imports)."""
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    return AuditEntry(
        action=action,
        actor=actor,
        actor_repr=_actor_repr(user),
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=_plain(data or {}),
    )


def log_action(action: str, *, user=None, obj: models.Model | None = None, data=None) -> AuditEntry:
    entry = audit_entry(action, user=user, obj=obj, data=data)
    entry.save()
    return entry


def entries_for(obj: models.Model):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")


def action_name(model: type[models.Model] | models.Model, verb: str) -> str:
    """'society.memberunit.updated' for a model and a verb."""
    meta = model._meta
    return f"{meta.app_label}.{meta.model_name}.{verb}"
