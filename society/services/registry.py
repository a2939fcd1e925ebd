"""Everything that writes to the registry."""

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import action_name, field_changes, log_action, snapshot
from ..errors import StaleEditError
from ..models import Branch, MemberUnit

# What an officer may change on their own organisation's profile.
BRANCH_PROFILE_FIELDS = (
    "leader",
    "contact_person",
    "contact_phone",
    "email",
    "established_on",
    "party_group",
    "party_group_on",
    "description",
)
MEMBER_UNIT_PROFILE_FIELDS = ("liaison_name", "liaison_phone", "email", "address")


def versioned_update(
    *, instance: models.Model, user, changes: dict[str, Any], expected_version: int
) -> models.Model:
    """Apply `changes` to `instance` if nobody saved it since `expected_version` was read.

    Validates with full_clean, writes only the changed fields with a conditional UPDATE
    (so two concurrent saves of the same version cannot both succeed), and logs the diff.
    """
    model = type(instance)
    with transaction.atomic():
        before = snapshot(instance, fields=changes)
        for name, value in changes.items():
            setattr(instance, name, value)
        instance.full_clean()
        now = timezone.now()
        updated = model.objects.filter(pk=instance.pk, version=expected_version).update(
            **{name: getattr(instance, name) for name in changes},
            version=expected_version + 1,
            updated_at=now,
        )
        if updated != 1:
            raise StaleEditError(
                _(
                    "保存未成功：在您编辑期间，其他人已修改并保存了这条记录。"
                    "您的修改没有覆盖对方的内容，请刷新页面查看最新内容后重新修改。"
                )
            )
        instance.version = expected_version + 1
        instance.updated_at = now
        diff = field_changes(before, snapshot(instance, fields=changes))
        log_action(action_name(model, "updated"), user=user, obj=instance, data={"changes": diff})
    return instance


def organisation_update_profile(
    *, organisation: Branch | MemberUnit, user, changes: dict[str, Any], expected_version: int
) -> Branch | MemberUnit:
    allowed = (
        BRANCH_PROFILE_FIELDS if isinstance(organisation, Branch) else MEMBER_UNIT_PROFILE_FIELDS
    )
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"fields not editable by officers: {sorted(unknown)}")
    return versioned_update(
        instance=organisation, user=user, changes=changes, expected_version=expected_version
    )
