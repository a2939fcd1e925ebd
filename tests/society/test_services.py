import datetime

import pytest
from django.core.exceptions import ValidationError

from society.errors import StaleEditError
from society.models import AuditEntry, Branch, MemberUnit
from society.services import (
    BRANCH_PROFILE_FIELDS,
    MEMBER_UNIT_PROFILE_FIELDS,
    organisation_update_profile,
    versioned_update,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_versioned_update_writes_bumps_version_and_logs_the_diff(staff_user):
    unit = factories.MemberUnitFactory(address="旧地址")
    versioned_update(
        instance=unit,
        user=staff_user,
        changes={"address": "成都市青羊区", "liaison_name": "张伟"},  # liaison_name unchanged
        expected_version=1,
    )
    stored = MemberUnit.objects.get(pk=unit.pk)
    assert stored.address == "成都市青羊区"
    assert stored.version == 2
    assert unit.version == 2
    entry = AuditEntry.objects.get()
    assert entry.action == "society.memberunit.updated"
    assert entry.actor == staff_user
    assert entry.object_id == str(unit.pk)
    assert entry.data == {"changes": {"address": ["旧地址", "成都市青羊区"]}}


def test_versioned_update_refuses_a_stale_version(staff_user):
    unit = factories.MemberUnitFactory()
    first = MemberUnit.objects.get(pk=unit.pk)
    second = MemberUnit.objects.get(pk=unit.pk)
    versioned_update(instance=first, user=staff_user, changes={"address": "甲"}, expected_version=1)
    with pytest.raises(StaleEditError) as refused:
        versioned_update(
            instance=second, user=staff_user, changes={"address": "乙"}, expected_version=1
        )
    assert "其他人已修改并保存" in refused.value.message
    stored = MemberUnit.objects.get(pk=unit.pk)
    assert stored.address == "甲"
    assert stored.version == 2
    assert AuditEntry.objects.count() == 1


def test_versioned_update_validates_before_writing(staff_user):
    unit = factories.MemberUnitFactory()
    with pytest.raises(ValidationError) as invalid:
        versioned_update(
            instance=unit, user=staff_user, changes={"liaison_phone": "123"}, expected_version=1
        )
    assert "liaison_phone" in invalid.value.message_dict
    stored = MemberUnit.objects.get(pk=unit.pk)
    assert stored.liaison_phone == "13900000000"
    assert stored.version == 1
    assert not AuditEntry.objects.exists()


def test_officer_updates_own_branch_profile(branch_officer):
    branch = branch_officer.branch
    organisation_update_profile(
        organisation=branch,
        user=branch_officer,
        changes={"party_group": True, "party_group_on": datetime.date(2023, 7, 1)},
        expected_version=branch.version,
    )
    branch.refresh_from_db()
    assert branch.party_group is True
    assert branch.version == 2
    assert AuditEntry.objects.get().data["changes"] == {
        "party_group": [False, True],
        "party_group_on": [None, "2023-07-01"],
    }


@pytest.mark.parametrize(
    "factory, field, value",
    [
        (factories.BranchFactory, "name", "改名委员会"),
        (factories.BranchFactory, "branch_type", "local"),
        (factories.BranchFactory, "status", "withdrawn"),
        (factories.MemberUnitFactory, "grade", "vice_president"),
        (factories.MemberUnitFactory, "credit_code", "91510100MA61234567"),
        (factories.MemberUnitFactory, "name", "改名公司"),
    ],
)
def test_officer_may_not_change_fields_outside_the_profile(unit_officer, factory, field, value):
    organisation = factory()
    before = getattr(organisation, field)
    with pytest.raises(ValueError, match=field):
        organisation_update_profile(
            organisation=organisation,
            user=unit_officer,
            changes={field: value, "email": "x@example.cn"},
            expected_version=1,
        )
    organisation.refresh_from_db()
    assert getattr(organisation, field) == before
    assert organisation.email == ""
    assert organisation.version == 1
    assert not AuditEntry.objects.exists()


def test_profile_fields_are_model_fields():
    profiles = ((Branch, BRANCH_PROFILE_FIELDS), (MemberUnit, MEMBER_UNIT_PROFILE_FIELDS))
    for model, fields in profiles:
        names = {field.name for field in model._meta.fields}
        assert set(fields) <= names
        assert not {"name", "status", "version"} & set(fields)
