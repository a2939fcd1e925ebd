import datetime

import pytest
from django.core import mail, signing

from kpis.models import Record
from projects.models import TeamMember
from society.enums import RegistrationStatus
from society.errors import DomainError
from society.growth import growth_record
from society.models import Dues, GrowthEntry, Member, MembershipPeriod, Registration
from society.services import (
    member_update_profile,
    next_member_number,
    registration_approve,
    registration_confirm_email,
    registration_reject,
    registration_submit,
)
from society.services.membership import CONFIRM_SALT
from tests import factories
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db


def data(**overrides):
    fields = {
        "name": "赵建桥",
        "gender": "male",
        "phone": "13912345678",
        "email": "zhao@example.org",
        "employer_name": "四川省建筑设计研究院",
        "title": "engineer",
    }
    fields.update(overrides)
    return fields


def submit(**overrides):
    return registration_submit(data=data(**overrides), client_hash="c1", consent=True)


def test_registration_mails_a_confirmation_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = submit()
    assert registration.status == RegistrationStatus.UNCONFIRMED
    assert "请确认您的入会申请邮箱" in mail.outbox[0].subject
    token = signing.dumps(registration.pk, salt=CONFIRM_SALT)
    registration_confirm_email(token=token)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


@pytest.mark.parametrize(
    ("overrides", "consent", "message"),
    [
        ({}, False, "隐私声明"),
        ({"phone": "12345"}, True, "电话号码"),
    ],
)
def test_bad_registrations_store_nothing(overrides, consent, message):
    with pytest.raises(DomainError, match=message):
        registration_submit(data=data(**overrides), client_hash="c1", consent=consent)
    assert not Registration.objects.exists()


def test_duplicate_phone_or_email_is_caught():
    factories.MemberFactory(phone="13912345678")
    with pytest.raises(DomainError, match="该手机号已是本会会员"):
        submit()
    submit(phone="13987654321", email="other@example.org")
    with pytest.raises(DomainError, match="正在办理"):
        submit(phone="13700000001", email="other@example.org")


def test_rate_limit_per_client():
    for n in range(3):
        submit(phone=f"1390000000{n}", email=f"a{n}@example.org")
    with pytest.raises(DomainError, match="过于频繁"):
        submit(phone="13900000009", email="a9@example.org")


def test_bad_confirmation_token_is_refused():
    with pytest.raises(DomainError, match="无效"):
        registration_confirm_email(token="nonsense")


def pending():
    registration = submit()
    registration.status = RegistrationStatus.PENDING
    registration.save()
    return registration


def test_approval_makes_a_member_with_number_login_period_and_dues(
    staff_user, django_capture_on_commit_callbacks
):
    registration = pending()
    with django_capture_on_commit_callbacks(execute=True):
        member = registration_approve(registration=registration, user=staff_user)
    year = datetime.date.today().year
    assert member.member_number == f"SCTJ-{year}-00001"
    assert member.user.username == member.member_number
    assert not member.user.has_usable_password()
    assert MembershipPeriod.objects.filter(member=member).exists()
    assert Dues.objects.get(member=member).status == "unpaid"
    assert "入会申请已批准" in mail.outbox[-1].subject
    with pytest.raises(DomainError, match="待审核"):
        registration_approve(registration=registration, user=staff_user)


def test_member_numbers_continue_after_imported_ones():
    year = 2031
    factories.MemberFactory(member_number=f"SCTJ-{year}-00041")
    assert next_member_number(year) == f"SCTJ-{year}-00042"
    assert next_member_number(year) == f"SCTJ-{year}-00043"


def test_rejection_needs_a_reason(staff_user):
    registration = pending()
    with pytest.raises(DomainError, match="理由"):
        registration_reject(registration=registration, user=staff_user, reason="")
    registration_reject(registration=registration, user=staff_user, reason="材料不全")
    assert registration.status == RegistrationStatus.REJECTED


def test_only_staff_approve(unit_officer):
    with pytest.raises(DomainError):
        registration_approve(registration=pending(), user=unit_officer)


def test_member_edits_only_their_own_profile(member_user):
    member = member_user.member
    member_update_profile(
        member=member,
        user=member_user,
        changes={"tianfu_account": "zhao2023"},
        expected_version=member.version,
    )
    member.refresh_from_db()
    assert member.tianfu_account == "zhao2023"
    other = factories.MemberFactory()
    with pytest.raises(DomainError):
        member_update_profile(
            member=other,
            user=member_user,
            changes={"tianfu_account": "x"},
            expected_version=other.version,
        )


def test_growth_record_gathers_each_source(member_user):
    member = member_user.member
    application = factories.ApplicationFactory(title="城市更新科技服务项目")
    TeamMember.objects.create(application=application, name=member.name, role="骨干", member=member)
    record = RecordFactory(indicator=indicator("A02"), title="装配式结构论文")
    record.participants.add(member)
    RecordFactory(
        indicator=indicator("A05"), title="未核实的科普作品", status="reported"
    ).participants.add(member)
    GrowthEntry.objects.create(
        member=member, occurred_on=datetime.date(2023, 5, 1), title="获评优秀会员"
    )
    titles = [item.title for item in growth_record(member)]
    assert "城市更新科技服务项目" in titles
    assert "装配式结构论文" in titles
    assert "获评优秀会员" in titles
    assert "未核实的科普作品" not in titles
    assert any("加入" in t for t in titles)
    assert Member.objects.count() >= 1
    assert Record.objects.count() == 2
