"""The secretariat decides 入会申请 and records dues in the admin; renewal reminders by beat."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from society.enums import DuesStatus, RegistrationStatus
from society.errors import DomainError
from society.models import Dues, Member, MembershipPeriod, Notification, Registration
from society.services import registration_approve
from society.tasks import send_renewal_reminders
from tests import factories
from tests.conftest import ROLE_FIXTURES

OTHER_ROLES = [None, *(role for role in ROLE_FIXTURES if role != "staff_user")]


def make_registration(n: int = 1, status=RegistrationStatus.PENDING, **fields) -> Registration:
    values = {
        "name": f"申请人{n}",
        "gender": "female",
        "phone": f"1391234{n:04d}",
        "email": f"applicant{n}@example.org",
        "employer_name": "中国五冶集团有限公司",
        "consent_at": timezone.now(),
        "status": status,
    }
    values.update(fields)
    return Registration.objects.create(**values)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(registration):
    return reverse("admin:society_registration_change", args=[registration.pk])


# ---------------------------------------------------------------------------
# Pages and permissions


@pytest.mark.django_db
def test_staff_see_list_filters_search_and_change_page(client, staff_user):
    registration = make_registration(name="孙卫东")
    make_registration(2, name="周其他")
    client.force_login(staff_user)
    listing = client.get(reverse("admin:society_registration_changelist"), {"q": "孙卫东"})
    assert listing.status_code == 200
    assert "孙卫东" in listing.content.decode()
    assert "周其他" not in listing.content.decode()
    filtered = client.get(
        reverse("admin:society_registration_changelist"), {"status__exact": "approved"}
    )
    assert "孙卫东" not in filtered.content.decode()
    page = client.get(change_url(registration))
    assert page.status_code == 200
    body = page.content.decode()
    assert "批准" in body and "不予批准" in body
    assert reverse("admin:society_registration_approve", args=[registration.pk]) in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_reach_the_membership_admin(client, request, role):
    registration = make_registration()
    member = factories.MemberFactory()
    dues = Dues.objects.create(member=member, year=2025, amount=Decimal("100"))
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    urls = [
        reverse("admin:society_registration_changelist"),
        change_url(registration),
        reverse("admin:society_dues_changelist"),
        reverse("admin:society_dues_pay", args=[dues.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403), url
    for url in [
        reverse("admin:society_registration_approve", args=[registration.pk]),
        reverse("admin:society_registration_reject", args=[registration.pk]),
        reverse("admin:society_dues_pay", args=[dues.pk]),
    ]:
        response = client.post(url, {"reason": "不符合条件", "paid_on": "2025-03-01"})
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert reverse("admin:login") in response.url
    registration.refresh_from_db()
    dues.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert dues.status == DuesStatus.UNPAID


# ---------------------------------------------------------------------------
# 批准 / 不予批准


@pytest.mark.django_db
def test_approval_through_the_admin(client, staff_user, django_capture_on_commit_callbacks):
    registration = make_registration()
    client.force_login(staff_user)
    url = reverse("admin:society_registration_approve", args=[registration.pk])
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED
    member = registration.member
    assert member.member_number.startswith(f"SCTJ-{timezone.localdate().year}-")
    assert member.user.username == member.member_number
    assert any(member.member_number in text for text in texts(response))
    assert "入会申请已批准" in mail.outbox[-1].subject
    assert registration.decided_by == staff_user
    # The member page shows the period, the dues and the certificate link.
    page = client.get(reverse("admin:society_member_change", args=[member.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert reverse("member-certificate-of", args=[member.pk]) in body
    assert reverse("admin:society_dues_pay", args=[member.dues.get().pk]) in body


@pytest.mark.django_db
def test_unconfirmed_application_cannot_be_approved(client, staff_user):
    registration = make_registration(status=RegistrationStatus.UNCONFIRMED)
    client.force_login(staff_user)
    response = client.post(reverse("admin:society_registration_approve", args=[registration.pk]))
    assert any("待审核" in text for text in texts(response))
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_rejection_needs_a_reason_through_the_admin(client, staff_user):
    registration = make_registration()
    client.force_login(staff_user)
    url = reverse("admin:society_registration_reject", args=[registration.pk])
    response = client.post(url, {"reason": ""})
    assert any("请填写不予批准的理由" in text for text in texts(response))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    client.post(url, {"reason": "非土木建筑相关专业"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED
    assert registration.decision_note == "非土木建筑相关专业"
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_bulk_approval_reports_each_refusal(client, staff_user):
    good = [make_registration(n) for n in (1, 2)]
    unconfirmed = make_registration(3, status=RegistrationStatus.UNCONFIRMED, name="未确认者")
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:society_registration_changelist"),
        {
            "action": "approve_selected",
            "_selected_action": [r.pk for r in [*good, unconfirmed]],
        },
        follow=True,
    )
    messages = texts(response)
    assert any("已批准 2 份入会申请" in text for text in messages)
    assert any(text.startswith("未确认者：") for text in messages)
    numbers = sorted(Member.objects.values_list("member_number", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"SCTJ-{year}-00001", f"SCTJ-{year}-00002"]


# ---------------------------------------------------------------------------
# 登记会费


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "status", "paid_on"),
    [
        ({"paid_on": "2025-03-01", "receipt_number": "NO.0012"}, DuesStatus.PAID, "2025-03-01"),
        ({"exempt": "on"}, DuesStatus.EXEMPT, None),
    ],
)
def test_dues_payment_through_the_admin(client, staff_user, data, status, paid_on):
    member = factories.MemberFactory()
    dues = Dues.objects.create(member=member, year=2025, amount=Decimal("100"))
    client.force_login(staff_user)
    url = reverse("admin:society_dues_pay", args=[dues.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, data)
    assert response.status_code == 302
    dues.refresh_from_db()
    assert dues.status == status
    assert (dues.paid_on and dues.paid_on.isoformat()) == paid_on
    again = client.post(url, data)
    assert "该年度会费已登记" in again.content.decode()


@pytest.mark.django_db
def test_dues_payment_needs_a_date(client, staff_user):
    dues = Dues.objects.create(member=factories.MemberFactory(), year=2025, amount=Decimal("100"))
    client.force_login(staff_user)
    response = client.post(reverse("admin:society_dues_pay", args=[dues.pk]), {})
    assert "请填写缴费日期" in response.content.decode()
    dues.refresh_from_db()
    assert dues.status == DuesStatus.UNPAID


# ---------------------------------------------------------------------------
# Renewal reminders


def member_with_period(ends_in: int, *, dues_status=DuesStatus.UNPAID, **fields):
    user = factories.UserFactory(email=f"m{ends_in}{dues_status}@example.org")
    member = factories.MemberFactory(user=user, **fields)
    today = timezone.localdate()
    MembershipPeriod.objects.create(
        member=member,
        grade=member.grade,
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today + datetime.timedelta(days=ends_in),
    )
    Dues.objects.create(
        member=member,
        year=today.year,
        amount=Decimal("100"),
        status=dues_status,
        paid_on=today if dues_status == DuesStatus.PAID else None,
    )
    return member


@pytest.mark.django_db
def test_renewal_reminders_go_once_to_members_due_soon_with_unpaid_dues(
    django_capture_on_commit_callbacks,
):
    due = member_with_period(20)
    member_with_period(20, dues_status=DuesStatus.PAID)  # paid: no reminder
    member_with_period(45)  # not yet due
    member_with_period(-1)  # already ended
    member_with_period(10, status="withdrawn")
    renewed = member_with_period(5)
    MembershipPeriod.objects.create(
        member=renewed,
        grade=renewed.grade,
        starts_on=timezone.localdate() + datetime.timedelta(days=6),
        ends_on=timezone.localdate() + datetime.timedelta(days=370),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert send_renewal_reminders() == 1
    notes = Notification.objects.all()
    assert [note.user for note in notes] == [due.user]
    assert "会籍即将到期" in notes[0].title
    assert mail.outbox[-1].to == [due.user.email]

    assert send_renewal_reminders() == 0
    assert Notification.objects.count() == 1


def test_renewal_reminders_are_on_the_beat_schedule():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "society.tasks.send_renewal_reminders" in tasks


# ---------------------------------------------------------------------------
# Concurrency


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="row locks need PostgreSQL: SQLite serialises whole-database writes, so this race "
    "cannot happen there; CI runs it with DATABASE_URL set",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_staff_approving_at_once_get_distinct_consecutive_numbers():
    staff = factories.StaffUserFactory()
    registrations = [make_registration(n) for n in range(10)]
    barrier = threading.Barrier(len(registrations))
    outcomes = []

    def approve(registration):
        try:
            barrier.wait()
            member = registration_approve(registration=registration, user=staff)
            outcomes.append(member.member_number)
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(r,)) for r in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    year = timezone.localdate().year
    assert sorted(outcomes) == [f"SCTJ-{year}-{n:05d}" for n in range(1, 11)]
    assert Member.objects.count() == 10
    assert not Registration.objects.exclude(status=RegistrationStatus.APPROVED).exists()
