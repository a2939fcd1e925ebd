"""The demo's members and publishing: periods, dues, 入会申请, 信息发布, the demo member's growth
record and services to rate."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kpis.models import Record, SatisfactionResponse
from society import demo
from society.article_views import published_articles
from society.enums import ArticleKind, DuesStatus, MemberStatus, RegistrationStatus
from society.growth import growth_record
from society.member_views import services_to_rate
from society.models import (
    Article,
    Dues,
    GrowthEntry,
    Member,
    MembershipPeriod,
    Registration,
)

pytestmark = pytest.mark.django_db
SCALE = "0.1"


def run_demo_data(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_db(db):
    return run_demo_data("--scale", SCALE)


@pytest.fixture
def huiyuan(demo_db):
    return Member.objects.get(user__username="huiyuan")


def fingerprint():
    return (
        sorted(
            MembershipPeriod.objects.values_list(
                "member__member_number", "grade", "starts_on", "ends_on"
            )
        ),
        sorted(
            Dues.objects.values_list(
                "member__member_number", "year", "status", "amount", "paid_on", "receipt_number"
            )
        ),
        sorted(
            Registration.objects.values_list("name", "phone", "status", "member__member_number")
        ),
        sorted(Article.objects.values_list("kind", "title", "published", "call__year")),
        sorted(GrowthEntry.objects.values_list("member__member_number", "occurred_on", "title")),
    )


def test_every_approved_member_has_yearly_periods_up_to_their_last_year(demo_db):
    this_year = timezone.localdate().year
    for member in Member.objects.prefetch_related("periods"):
        periods = sorted(member.periods.all(), key=lambda p: p.starts_on)
        if member.status == MemberStatus.PENDING:
            assert periods == []
            continue
        assert periods, member
        assert periods[0].starts_on.year == member.joined_on.year or (
            member.joined_on == datetime.date(member.joined_on.year, 12, 31)
        )
        years = [p.starts_on.year for p in periods]
        assert years == list(range(years[0], years[-1] + 1))
        assert all(p.ends_on == datetime.date(p.starts_on.year, 12, 31) for p in periods)
        if member.status == MemberStatus.ACTIVE:
            assert years[-1] == this_year
            assert periods[-1].grade == member.grade
        else:
            assert years[-1] < this_year
    for period in MembershipPeriod.objects.all()[:200]:
        period.full_clean()


def test_dues_of_the_last_three_years(demo_db):
    this_year = timezone.localdate().year
    years = set(Dues.objects.values_list("year", flat=True))
    assert years == {this_year - 2, this_year - 1, this_year}
    counts = {status: Dues.objects.filter(status=status).count() for status in DuesStatus}
    assert counts[DuesStatus.PAID] > counts[DuesStatus.UNPAID] > counts[DuesStatus.EXEMPT] > 0
    paid = Dues.objects.filter(status=DuesStatus.PAID)
    assert not paid.filter(receipt_number="").exists()
    assert not paid.filter(paid_on__gt=timezone.localdate()).exists()
    receipts = list(paid.values_list("receipt_number", flat=True))
    assert len(set(receipts)) == len(receipts)
    assert not Dues.objects.exclude(status=DuesStatus.PAID).exclude(receipt_number="").exists()
    for row in Dues.objects.select_related("member")[:200]:
        row.full_clean()
        period = row.member.periods.filter(starts_on__year=row.year)
        assert period.exists(), row


def test_registrations_in_each_state(demo_db):
    counts = {s: Registration.objects.filter(status=s).count() for s in RegistrationStatus}
    assert counts == {
        RegistrationStatus.PENDING: 3,
        RegistrationStatus.UNCONFIRMED: 2,
        RegistrationStatus.APPROVED: 2,
        RegistrationStatus.REJECTED: 1,
    }
    for registration in Registration.objects.all():
        registration.full_clean()
        assert registration.branches.exists()
    for approved in Registration.objects.filter(status=RegistrationStatus.APPROVED):
        assert approved.member.phone == approved.phone
        assert approved.decided_by.username == "mishuchu"
    rejected = Registration.objects.get(status=RegistrationStatus.REJECTED)
    assert rejected.decision_note and rejected.decided_at
    waiting = Registration.objects.filter(status=RegistrationStatus.PENDING)
    assert not waiting.filter(email_confirmed_at=None).exists()
    assert not Member.objects.filter(phone__in=waiting.values("phone")).exists()
    assert not Registration.objects.filter(
        status=RegistrationStatus.UNCONFIRMED, email_confirmed_at__isnull=False
    ).exists()


def test_articles_published_over_the_years_with_a_draft_and_one_scheduled(demo_db):
    now = timezone.now()
    published = published_articles(now)
    assert 8 <= published.count() <= 12
    years = {a.publish_at.year for a in published}
    assert {2023, 2024, 2025, now.year} <= years
    assert set(published.values_list("kind", flat=True)) == set(ArticleKind.values)
    assert Article.objects.filter(published=False).count() == 1
    assert Article.objects.filter(published=True, publish_at__gt=now).count() == 1
    calls = {a.call.year for a in published.filter(kind=ArticleKind.CALL)}
    assert {2023, now.year + 1} <= calls  # the 2023 call and the one open now
    for article in Article.objects.all():
        article.full_clean()
    assert published.filter(attachments__isnull=False).exists()


def test_the_news_page_shows_only_published_past_articles(demo_db, client):
    response = client.get(reverse("article-list"))
    assert response.status_code == 200
    listed = [article.pk for article in response.context["articles"]]
    assert listed == list(
        published_articles().order_by("-publish_at", "-id").values_list("pk", flat=True)
    )
    html = response.content.decode()
    for hidden in Article.objects.exclude(pk__in=listed):
        assert hidden.title not in html
        assert client.get(reverse("article-detail", args=[hidden.pk])).status_code == 404


def test_growth_record_of_the_demo_member_gathers_several_sources(huiyuan):
    items = growth_record(huiyuan)
    periods = [i for i in items if i.title.startswith("会籍期")]
    own = [i for i in items if i.own]
    record_titles = set(
        Record.objects.filter(participants=huiyuan, status="verified").values_list(
            "title", flat=True
        )
    )
    from_records = [i for i in items if i.title in record_titles]
    assert periods and len(own) >= 2 and len(from_records) >= 3
    assert GrowthEntry.objects.filter(member=huiyuan).exclude(evidence="").exists()


def test_the_demo_member_has_a_service_of_this_year_to_rate(huiyuan, client):
    waiting = list(services_to_rate(huiyuan))
    assert waiting
    assert all(record.occurred_on.year == timezone.localdate().year for record in waiting)
    assert SatisfactionResponse.objects.filter(member=huiyuan).exists()  # one rated in 2023

    # Through the login page: django-axes needs the request to authenticate.
    signed_in = client.post(
        reverse("login"), {"username": "huiyuan", "password": demo.DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302
    response = client.get(reverse("me-services"))
    assert response.status_code == 200
    assert waiting[0].title in response.content.decode()

    response = client.post(
        reverse("me-services"), {"record": waiting[0].pk, "rating": 5, "comment": "很好"}
    )
    assert response.status_code == 302
    assert waiting[0] not in services_to_rate(huiyuan)


def test_participants_are_members_of_the_reporting_unit_where_it_has_some(huiyuan):
    papers = Record.objects.filter(indicator__code="A02", status="verified")
    assert papers.exists()
    assert not papers.filter(participants=None).exists()
    for paper in papers.prefetch_related("participants"):
        authors = sorted(paper.participants.all(), key=lambda m: m.pk)
        assert paper.authors == "、".join(m.name for m in authors)
        if Member.objects.filter(employer=paper.member_unit, status="active").exists():
            units = {m.employer_id for m in authors if m != huiyuan}
            assert units == {paper.member_unit_id}
    for response in SatisfactionResponse.objects.select_related("record"):
        assert response.record.participants.filter(pk=response.member_id).exists()
    trainings = Record.objects.filter(indicator__code="P05", status="verified")
    assert trainings.exists() and not trainings.filter(participants=None).exists()


def test_second_run_and_reset_give_the_same_data(demo_db):
    before = fingerprint()
    assert "已有学会登记数据" in run_demo_data("--scale", SCALE)
    assert fingerprint() == before
    run_demo_data("--scale", SCALE, "--reset")
    assert fingerprint() == before
