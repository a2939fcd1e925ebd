"""The secretariat's back office for awards: pool, proposal, 公示, objections, payments, and the
implementation panels on the application page. Everything goes through the admin views."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards import admin_views
from awards.enums import AwardStatus, NoticeStatus, ObjectionStatus
from awards.models import Award, AwardPool, Objection, Payment, PublicNotice
from awards.services import (
    award_confirm,
    award_propose,
    award_release,
    awards_propose_suggested,
    notice_publish,
    objection_file,
    payment_record,
    pool_for_call,
)
from projects.enums import ApplicationStatus, InspectionResult, ReviewStatus
from projects.models import Acceptance, Attachment, Inspection, ProgressUpdate
from society.models import AuditEntry
from tests import factories
from tests.conftest import ROLE_FIXTURES

pytestmark = pytest.mark.django_db

OTHER_ROLES = [None, *(role for role in ROLE_FIXTURES if role != "staff_user")]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
THURSDAY = timezone.make_aware(datetime.datetime(2023, 9, 14, 10, 0))
PAID_ON = datetime.date(2023, 10, 8)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def ranked_call(totals, *, award_count=30, fund=Decimal("100000")):
    """A reviewed call whose applications have these totals (one expert each), best first."""
    call = factories.CallFactory(in_review=True, award_count=award_count, fund_total=fund)
    expert = factories.ExpertFactory()
    applications = []
    for total in totals:
        application = factories.ApplicationFactory(call=call, status=ApplicationStatus.REVIEWED)
        factories.ReviewAssignmentFactory(
            application=application, expert=expert, status=ReviewStatus.SUBMITTED, total=total
        )
        applications.append(application)
    return call, applications


def pdf(name="凭证.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def file_objection(notice, **overrides) -> Objection:
    fields = {
        "notice": notice,
        "name": "张三",
        "phone": "13812345678",
        "content": "该项目申报材料中的成果与事实不符。",
        "client_hash": "client-a",
        "evidence": pdf("证明.pdf"),
        "now": THURSDAY,
    }
    fields.update(overrides)
    return objection_file(**fields)


def confirmed_award(staff, **application_fields) -> Award:
    application = factories.ApplicationFactory(
        status=ApplicationStatus.REVIEWED, **application_fields
    )
    return award_confirm(application=application, user=staff)


def pay(award, staff, amount="1000", voucher="PZ-001", proof=None):
    return payment_record(
        award=award,
        user=staff,
        paid_on=PAID_ON,
        amount=Decimal(amount),
        voucher_number=voucher,
        proof=proof,
    )


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


# ---------------------------------------------------------------------------
# Every page: 200 for the secretariat, the login page or 403 for everyone else.


def page_urls(staff) -> dict[str, str]:
    call, _apps = ranked_call([90, 85, 80], award_count=2, fund=Decimal("6000"))
    awards_propose_suggested(call=call, user=staff)
    notice = notice_publish(call=call, user=staff, now=THURSDAY)
    objection = file_objection(notice)
    unpublished, _others = ranked_call([88])
    awards_propose_suggested(call=unpublished, user=staff)
    award = confirmed_award(staff)
    payment = pay(award, staff, proof=pdf())
    in_progress = factories.ApplicationFactory(status=ApplicationStatus.IN_PROGRESS)
    final = factories.complete_final_report(
        factories.complete_application(
            factories.ApplicationFactory(status=ApplicationStatus.FINAL_SUBMITTED)
        )
    )
    proposed = Award.objects.filter(pool__call=call).first()
    return {
        "pool-list": url("awards_awardpool_changelist"),
        "pool": url("awards_awardpool_pool", call.pk),
        "proposal": url("awards_awardpool_proposal", call.pk),
        "publish": url("awards_awardpool_publish", unpublished.pk),
        "payments": url("awards_awardpool_payments", award.pool.call_id),
        "payments-xlsx": url("awards_awardpool_payments_xlsx", award.pool.call_id),
        "ledger-xlsx": url("awards_awardpool_ledger_xlsx", call.pk),
        "award-list": url("awards_award_changelist"),
        "award-change": url("awards_award_change", award.pk),
        "award-release": url("awards_award_release", proposed.pk),
        "award-payment": url("awards_award_payment", award.pk),
        "payment-list": url("awards_payment_changelist"),
        "payment-change": url("awards_payment_change", payment.pk),
        "payment-proof": url("awards_payment_proof", payment.pk),
        "notice-list": url("awards_publicnotice_changelist"),
        "notice-change": url("awards_publicnotice_change", notice.pk),
        "objection-list": url("awards_objection_changelist"),
        "objection-change": url("awards_objection_change", objection.pk),
        "objection-evidence": url("awards_objection_evidence", objection.pk),
        "application-in-progress": url("projects_application_change", in_progress.pk),
        "application-final": url("projects_application_change", final.pk),
        "inspection": url("projects_application_inspection", in_progress.pk),
        "acceptance": url("projects_application_acceptance", final.pk),
    }


PAGES = [
    "pool-list",
    "pool",
    "proposal",
    "publish",
    "payments",
    "payments-xlsx",
    "ledger-xlsx",
    "award-list",
    "award-change",
    "award-release",
    "award-payment",
    "payment-list",
    "payment-change",
    "payment-proof",
    "notice-list",
    "notice-change",
    "objection-list",
    "objection-change",
    "objection-evidence",
    "application-in-progress",
    "application-final",
    "inspection",
    "acceptance",
]


@pytest.mark.parametrize("page", PAGES)
def test_secretariat_opens_every_page(client, staff_user, page):
    target = page_urls(staff_user)[page]
    client.force_login(staff_user)

    assert client.get(target).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_kept_out(client, request, staff_user, role, page):
    target = page_urls(staff_user)[page]
    if role is not None:
        client.force_login(request.getfixturevalue(role))

    response = client.get(target)

    if response.status_code == 302:
        assert response.url.startswith(reverse("admin:login"))
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("page", ["pool", "payment-proof", "objection-evidence", "ledger-xlsx"])
def test_staff_flag_without_secretariat_role_gets_403(client, staff_user, page):
    target = page_urls(staff_user)[page]
    client.force_login(factories.LeaderFactory(is_staff=True))

    assert client.get(target).status_code == 403


def post_only_urls(staff) -> dict[str, tuple[str, dict]]:
    call, apps = ranked_call([90, 85, 80], award_count=2, fund=Decimal("6000"))
    award_propose(application=apps[0], user=staff)
    notice_call, _apps = ranked_call([70])
    awards_propose_suggested(call=notice_call, user=staff)
    notice = notice_publish(call=notice_call, user=staff, now=THURSDAY)
    objection = file_objection(notice)
    PublicNotice.objects.filter(pk=notice.pk).update(ends_on=datetime.date(2023, 9, 1))
    return {
        "propose-suggested": (url("awards_awardpool_propose_suggested", call.pk), {}),
        "propose": (url("awards_awardpool_propose", call.pk, apps[1].pk), {"note": "递补"}),
        "release": (
            url("awards_award_release", Award.objects.get(application=apps[0]).pk),
            {"reason": "撤回"},
        ),
        "confirm": (url("awards_publicnotice_confirm", notice.pk), {}),
        "resolve": (
            url("awards_objection_resolve", objection.pk),
            {"outcome": "upheld", "decision": "成立"},
        ),
    }


def awards_state():
    return (
        sorted(Award.objects.values_list("application_id", "status")),
        list(PublicNotice.objects.values_list("status", flat=True)),
        list(Objection.objects.values_list("status", flat=True)),
    )


@pytest.mark.parametrize(
    "action", ["propose-suggested", "propose", "release", "confirm", "resolve"]
)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_post_and_nothing_changes(client, request, staff_user, role, action):
    target, data = post_only_urls(staff_user)[action]
    before = awards_state()
    if role is not None:
        client.force_login(request.getfixturevalue(role))

    response = client.post(target, data)

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith(reverse("admin:login"))
    assert awards_state() == before


@pytest.mark.parametrize("action", ["propose-suggested", "propose", "confirm", "resolve"])
def test_actions_need_post(client, staff_user, action):
    target, _data = post_only_urls(staff_user)[action]
    client.force_login(staff_user)

    assert client.get(target).status_code == 405


def test_unknown_call_is_404(client, staff_user):
    client.force_login(staff_user)

    assert client.get(url("awards_awardpool_pool", 999999)).status_code == 404
    assert not AwardPool.objects.exists()


def test_admin_index_lists_the_award_models(client, staff_user):
    client.force_login(staff_user)

    page = client.get(reverse("admin:index")).text

    for name in ("awardpool", "award", "payment", "publicnotice", "objection"):
        assert reverse(f"admin:awards_{name}_changelist") in page


def test_nothing_is_added_or_edited_as_a_model_form(client, staff_user):
    award = confirmed_award(staff_user)
    client.force_login(staff_user)

    assert client.get(url("awards_award_add")).status_code == 403
    assert client.post(url("awards_award_change", award.pk), {"amount": "9000"}).status_code == 403
    award.refresh_from_db()
    assert award.amount == Decimal("3000.00")


# ---------------------------------------------------------------------------
# The pool page.


def test_pool_page_shows_counts_money_and_the_unallocated_remainder(client, staff_user):
    call, apps = ranked_call([90, 85, 80])
    award_propose(application=apps[0], user=staff_user, note="按评审排名建议")
    paid = award_confirm(application=apps[1], user=staff_user)
    pay(paid, staff_user, amount="3000")
    client.force_login(staff_user)

    response = client.get(url("awards_awardpool_pool", call.pk))

    page = response.text
    assert "¥3,000.00" in page
    assert "¥100,000.00" in page
    assert '<td id="pool-unallocated">¥10,000.00</td>' in page
    assert '<td id="pool-counts">1 / 1 / 1</td>' in page
    assert '<td id="pool-places">2 / 28</td>' in page
    assert '<td id="pool-money">¥6,000.00 / ¥94,000.00</td>' in page
    for application in apps[:2]:
        assert application.title in page
    history = page.split('<div class="module" id="history">', 1)[1].split("</tbody>", 1)[0]
    labels = [row.split("<td>")[2].split("</td>")[0] for row in history.split("<tr>")[2:]]
    assert labels == ["登记拨付", "确认奖励", "拟奖励"]
    assert "按评审排名建议" in page
    assert "凭证号 PZ-001" in page


def test_pool_figures_from_the_awards_read_equal_the_aggregate(staff_user):
    """The pool page counts the awards it has already read instead of asking again."""
    from awards.admin_views import pool_figures

    call, apps = ranked_call([90, 85, 80, 75, 70])
    pool = pool_for_call(call)
    assert pool_figures(pool, []) == pool_figures(pool)  # no awards yet
    award_propose(application=apps[0], user=staff_user)
    pay(award_confirm(application=apps[1], user=staff_user), staff_user, amount="3000")
    pay(award_confirm(application=apps[2], user=staff_user), staff_user, amount="1000",
        voucher="PZ-002")  # fmt: skip
    award_release(
        award=award_propose(application=apps[3], user=staff_user), user=staff_user, reason="重复"
    )
    pool.refresh_from_db()
    figures = pool_figures(pool, list(pool.awards.all()))
    assert figures == pool_figures(pool)
    assert (figures.proposed, figures.confirmed, figures.paid) == (1, 2, 1)
    assert figures.paid_total == Decimal("4000.00")


def test_pool_changelist_and_change_page_lead_to_the_pool_page(client, staff_user):
    call = factories.CallFactory()
    pool = pool_for_call(call)
    client.force_login(staff_user)

    listing = client.get(url("awards_awardpool_changelist")).text
    response = client.get(url("awards_awardpool_change", pool.pk))

    assert url("awards_awardpool_pool", call.pk) in listing
    assert response.status_code == 302
    assert response.url == url("awards_awardpool_pool", call.pk)


def test_call_change_and_ranking_pages_link_to_the_pool(client, staff_user):
    call = factories.CallFactory()
    client.force_login(staff_user)

    for page in (url("projects_call_change", call.pk), url("projects_call_ranking", call.pk)):
        text = client.get(page).text
        assert url("awards_awardpool_pool", call.pk) in text
        assert url("awards_awardpool_proposal", call.pk) in text


# ---------------------------------------------------------------------------
# The proposal.


def test_proposal_page_flags_ties_disagreement_and_held(client, staff_user):
    call, apps = ranked_call([90, 85, 80, 80, 70], award_count=3, fund=Decimal("9000"))
    award_propose(application=apps[0], user=staff_user)
    client.force_login(staff_user)

    response = client.get(url("awards_awardpool_proposal", call.pk))

    page = response.text
    suggestions = response.context["suggestions"]
    assert [s.suggested for s in suggestions] == [True, True, True, False, False]
    assert page.count("并列（名额线）</strong>") == 2
    assert "已列入：拟奖励 ¥3,000.00" in page
    assert "按排名建议拟奖励" in page
    assert url("awards_award_release", Award.objects.get().pk) in page
    assert url("awards_awardpool_propose", call.pk, apps[4].pk) in page


def test_proposal_page_flags_disagreement(client, staff_user):
    call, apps = ranked_call([90])
    factories.ReviewAssignmentFactory(
        application=apps[0], status=ReviewStatus.SUBMITTED, total=Decimal("40")
    )
    client.force_login(staff_user)

    page = client.get(url("awards_awardpool_proposal", call.pk)).text

    assert "意见分歧</strong>" in page


def test_propose_suggested_through_the_admin(client, staff_user):
    call, apps = ranked_call([90, 85, 80], award_count=2, fund=Decimal("6000"))
    client.force_login(staff_user)

    response = client.post(url("awards_awardpool_propose_suggested", call.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("awards_awardpool_proposal", call.pk)
    assert any("已按排名列入拟奖励2项" in text for text in page_messages(response))
    held = Award.objects.filter(status=AwardStatus.PROPOSED)
    assert {a.application_id for a in held} == {apps[0].pk, apps[1].pk}
    again = client.post(url("awards_awardpool_propose_suggested", call.pk), follow=True)
    assert any("没有新增" in text for text in page_messages(again))
    assert Award.objects.count() == 2


def test_non_suggested_proposal_needs_a_reason(client, staff_user):
    call, apps = ranked_call([90, 85], award_count=1, fund=Decimal("100000"))
    client.force_login(staff_user)
    target = url("awards_awardpool_propose", call.pk, apps[1].pk)

    refused = client.post(target, {"note": "  "}, follow=True)

    assert any("列入拟奖励须填写理由" in text for text in page_messages(refused))
    assert not Award.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="awards.").exists()

    response = client.post(target, {"note": "第一名材料存疑，先列入第二名"}, follow=True)

    award = Award.objects.get()
    assert award.application == apps[1]
    assert award.note == "第一名材料存疑，先列入第二名"
    assert (award.rank, award.score) == (2, Decimal("85.00"))
    entry = AuditEntry.objects.get(action="awards.award.proposed")
    assert entry.actor == staff_user
    assert entry.data["note"] == "第一名材料存疑，先列入第二名"
    assert any("已将" in text and apps[1].title in text for text in page_messages(response))


def test_suggested_proposal_needs_no_reason(client, staff_user):
    call, apps = ranked_call([90, 85], award_count=1)
    client.force_login(staff_user)

    client.post(url("awards_awardpool_propose", call.pk, apps[0].pk), {"note": ""})

    assert Award.objects.get().note == "按评审排名建议"


def test_propose_an_application_outside_the_ranking_is_refused(client, staff_user):
    call, _apps = ranked_call([90])
    draft = factories.ApplicationFactory(call=call, status=ApplicationStatus.DRAFT)
    client.force_login(staff_user)

    response = client.post(
        url("awards_awardpool_propose", call.pk, draft.pk), {"note": "x"}, follow=True
    )

    assert any("不在本批次的评审排名中" in text for text in page_messages(response))
    assert not Award.objects.exists()


def test_over_allocation_is_refused_with_the_reason(client, staff_user):
    call, apps = ranked_call([90, 85], award_count=1, fund=Decimal("100000"))
    client.force_login(staff_user)
    client.post(url("awards_awardpool_propose_suggested", call.pk))

    response = client.post(
        url("awards_awardpool_propose", call.pk, apps[1].pk), {"note": "递补"}, follow=True
    )

    assert any("奖励名额已满" in text for text in page_messages(response))
    assert list(Award.objects.values_list("application_id", flat=True)) == [apps[0].pk]
    pool = pool_for_call(call)
    assert (pool.committed_count, pool.committed_amount) == (1, Decimal("3000.00"))


def test_fund_shortfall_is_refused_with_the_reason(client, staff_user):
    call, apps = ranked_call([90, 85], award_count=5, fund=Decimal("5000"))
    client.force_login(staff_user)
    client.post(url("awards_awardpool_propose_suggested", call.pk))

    response = client.post(
        url("awards_awardpool_propose", call.pk, apps[1].pk), {"note": "递补"}, follow=True
    )

    assert any("奖励经费不足：剩余¥2,000.00" in text for text in page_messages(response))
    assert Award.objects.count() == 1


def test_release_needs_a_reason(client, staff_user):
    _call, apps = ranked_call([90])
    award = award_propose(application=apps[0], user=staff_user)
    client.force_login(staff_user)
    target = url("awards_award_release", award.pk)

    from_proposal = client.post(target, {"reason": "", "next": "proposal"}, follow=True)
    on_its_page = client.post(target, {"reason": ""})

    assert any("请填写撤回或撤销的理由" in text for text in page_messages(from_proposal))
    assert on_its_page.status_code == 200
    assert "请填写撤回或撤销的理由" in on_its_page.text
    award.refresh_from_db()
    assert award.status == AwardStatus.PROPOSED


def test_release_with_a_reason_frees_the_place(client, staff_user):
    call, apps = ranked_call([90])
    award = award_propose(application=apps[0], user=staff_user)
    client.force_login(staff_user)

    response = client.post(
        url("awards_award_release", award.pk),
        {"reason": "申报单位主动放弃", "next": "proposal"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url("awards_awardpool_proposal", call.pk)
    award.refresh_from_db()
    assert award.status == AwardStatus.WITHDRAWN
    assert pool_for_call(call).committed_count == 0
    entry = AuditEntry.objects.get(action="awards.award.withdrawn")
    assert entry.data["reason"] == "申报单位主动放弃"
    pool_page = client.get(url("awards_awardpool_pool", call.pk)).text
    assert "撤回拟奖励" in pool_page
    assert "申报单位主动放弃" in pool_page


def test_a_paid_award_cannot_be_revoked(client, staff_user):
    award = confirmed_award(staff_user)
    pay(award, staff_user, amount="100")
    client.force_login(staff_user)

    response = client.post(url("awards_award_release", award.pk), {"reason": "撤销"}, follow=True)

    assert any("已有拨付记录" in text for text in page_messages(response))
    award.refresh_from_db()
    assert award.status == AwardStatus.CONFIRMED


# ---------------------------------------------------------------------------
# 公示: publish, objections, confirm.


def test_publish_page_shows_the_period_and_publishes(client, staff_user):
    call, apps = ranked_call([90, 85, 80], award_count=2, fund=Decimal("6000"))
    awards_propose_suggested(call=call, user=staff_user)
    client.force_login(staff_user)
    target = url("awards_awardpool_publish", call.pk)

    page = client.get(target)

    assert page.context["ends_on"] > page.context["starts_on"]
    assert (
        f"公示期为 {page.context['starts_on']:%Y-%m-%d} 至 {page.context['ends_on']:%Y-%m-%d}"
        in (page.text)
    )
    assert apps[0].title in page.text
    assert apps[2].title not in page.text

    response = client.post(target, {"title": "2023年度拟奖励项目公示", "body": ""}, follow=True)

    notice = PublicNotice.objects.get()
    assert response.redirect_chain[-1][0] == url("awards_publicnotice_change", notice.pk)
    assert notice.title == "2023年度拟奖励项目公示"
    assert notice.body  # the default text
    assert notice.published_by == staff_user
    assert any("已发布公示" in text for text in page_messages(response))
    apps[0].refresh_from_db()
    assert apps[0].status == ApplicationStatus.PUBLICIZED
    # Once published, the publish page leads to the notice.
    assert client.get(target).url == url("awards_publicnotice_change", notice.pk)


def test_publishing_without_proposals_is_refused(client, staff_user):
    call, _apps = ranked_call([90])
    client.force_login(staff_user)

    response = client.post(url("awards_awardpool_publish", call.pk), {"title": "", "body": ""})

    assert response.status_code == 200
    assert any("尚无拟奖励项目" in text for text in page_messages(response))
    assert not PublicNotice.objects.exists()


@pytest.fixture
def published(staff_user):
    call, apps = ranked_call([90, 85, 80], award_count=2, fund=Decimal("6000"))
    awards_propose_suggested(call=call, user=staff_user)
    return notice_publish(call=call, user=staff_user, now=THURSDAY), apps


def test_notice_page_lists_awards_objections_and_the_confirm_button(client, staff_user, published):
    notice, apps = published
    objection = file_objection(notice)
    client.force_login(staff_user)

    page = client.get(url("awards_publicnotice_change", notice.pk)).text

    assert apps[0].title in page and apps[1].title in page
    assert url("awards_objection_change", objection.pk) in page
    assert "张三" in page
    assert "还有 1 条异议未处理" in page
    assert url("awards_publicnotice_confirm", notice.pk) in page
    assert "确认公示结果" in page
    assert "发布公示" in page and "收到异议" in page  # the history, in words
    assert "awards.objection.filed" not in page


def test_objection_list_filters_by_status_and_notice(client, staff_user, published):
    notice, _apps = published
    first = file_objection(notice)
    file_objection(notice, name="李四")
    Objection.objects.filter(pk=first.pk).update(status=ObjectionStatus.DISMISSED)
    client.force_login(staff_user)

    response = client.get(
        url("awards_objection_changelist"), {"status": "pending", "notice__id__exact": notice.pk}
    )

    assert [o.name for o in response.context["cl"].result_list] == ["李四"]


def test_objection_page_shows_evidence_and_resolves(client, staff_user, published):
    notice, _apps = published
    objection = file_objection(notice)
    client.force_login(staff_user)
    change = url("awards_objection_change", objection.pk)

    page = client.get(change).text
    assert url("awards_objection_evidence", objection.pk) in page
    assert "该项目申报材料中的成果与事实不符。" in page
    assert 'name="decision"' in page
    evidence = client.get(url("awards_objection_evidence", objection.pk))
    assert b"".join(evidence.streaming_content) == PDF
    assert "attachment" in evidence["Content-Disposition"]
    assert "no-store" in evidence["Cache-Control"]

    refused = client.post(
        url("awards_objection_resolve", objection.pk), {"outcome": "dismissed"}, follow=True
    )
    assert any("请填写处理意见" in text for text in page_messages(refused))
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING

    response = client.post(
        url("awards_objection_resolve", objection.pk),
        {"outcome": "dismissed", "decision": "经核实，成果真实，异议不成立。"},
        follow=True,
    )

    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    assert objection.decided_by == staff_user
    assert any("异议已处理：异议不成立" in text for text in page_messages(response))
    assert 'name="decision"' not in response.text
    assert "处理异议" in response.text  # in the objection's history, with the decision
    assert response.text.count("经核实，成果真实，异议不成立。") == 2
    again = client.post(
        url("awards_objection_resolve", objection.pk),
        {"outcome": "upheld", "decision": "改判"},
        follow=True,
    )
    assert any("该异议已处理" in text for text in page_messages(again))
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED


def test_confirm_before_and_after_the_period(client, staff_user, published):
    notice, apps = published
    objection = file_objection(notice)
    client.force_login(staff_user)
    confirm = url("awards_publicnotice_confirm", notice.pk)

    PublicNotice.objects.filter(pk=notice.pk).update(
        ends_on=timezone.localdate() + datetime.timedelta(days=3)
    )
    early = client.post(confirm, follow=True)

    assert any("结束后才能确认结果" in text for text in page_messages(early))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED

    PublicNotice.objects.filter(pk=notice.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    pending = client.post(confirm, follow=True)
    assert any("异议未处理" in text for text in page_messages(pending))

    client.post(
        url("awards_objection_resolve", objection.pk),
        {"outcome": "dismissed", "decision": "异议不成立"},
    )
    response = client.post(confirm, follow=True)

    assert any("已确认公示结果：获奖2项，未获奖1项" in text for text in page_messages(response))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CONFIRMED
    for application in apps:
        application.refresh_from_db()
    assert [application.status for application in apps] == [
        ApplicationStatus.AWARDED,
        ApplicationStatus.AWARDED,
        ApplicationStatus.NOT_AWARDED,
    ]
    assert 'value="确认公示结果"' not in response.text


# ---------------------------------------------------------------------------
# Payments.


@pytest.fixture
def award(staff_user):
    return confirmed_award(staff_user, title='=HYPERLINK("http://x")桥梁项目')


def payment_data(**overrides):
    data = {
        "paid_on": "2023-10-08",
        "amount": "1000.00",
        "voucher_number": "PZ-2023-001",
        "proof": pdf(),
        "note": "首笔",
    }
    data.update(overrides)
    return data


def test_record_a_payment_through_the_admin(client, staff_user, award, private_media):
    client.force_login(staff_user)
    target = url("awards_award_payment", award.pk)
    assert 'value="3000.00"' in client.get(target).text

    response = client.post(target, payment_data(), follow=True)

    payment = Payment.objects.get()
    assert response.redirect_chain[-1][0] == url("awards_awardpool_payments", award.pool.call_id)
    assert (payment.amount, payment.voucher_number, payment.recorded_by) == (
        Decimal("1000.00"),
        "PZ-2023-001",
        staff_user,
    )
    assert (private_media / payment.proof.name).exists()
    assert any(
        "已登记拨付¥1,000.00（凭证号 PZ-2023-001），累计已拨付¥1,000.00" in text
        for text in page_messages(response)
    )
    assert url("awards_payment_proof", payment.pk) in response.text
    proof = client.get(url("awards_payment_proof", payment.pk))
    assert b"".join(proof.streaming_content) == PDF


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "3000.01"}, "超过未拨付金额¥3,000.00"),
        ({"proof": SimpleUploadedFile("凭证.pdf", b"MZ\x90\x00" * 10)}, "文件内容与扩展名"),
        ({"proof": SimpleUploadedFile("凭证.exe", b"MZ")}, "不支持的文件类型"),
        ({"amount": "0"}, "拨付金额须大于0"),
    ],
)
def test_refused_payments_store_nothing(
    client, staff_user, award, private_media, overrides, message
):
    client.force_login(staff_user)

    response = client.post(url("awards_award_payment", award.pk), payment_data(**overrides))

    assert response.status_code == 200
    assert any(message in text for text in page_messages(response))
    assert not Payment.objects.exists()
    assert not any(private_media.rglob("*.*"))
    award.refresh_from_db()
    assert award.paid_amount == Decimal("0.00")


def test_overpayment_after_a_first_payment_and_duplicate_voucher(client, staff_user, award):
    client.force_login(staff_user)
    target = url("awards_award_payment", award.pk)
    client.post(target, payment_data(amount="2500"))

    over = client.post(target, payment_data(amount="600", voucher_number="PZ-2"))
    duplicate = client.post(target, payment_data(amount="100"))

    assert any("超过未拨付金额¥500.00" in text for text in page_messages(over))
    assert any("已登记过" in text for text in page_messages(duplicate))
    award.refresh_from_db()
    assert award.paid_amount == Decimal("2500.00")
    assert Payment.objects.count() == 1


def test_proof_is_required(client, staff_user, award):
    client.force_login(staff_user)

    response = client.post(url("awards_award_payment", award.pk), payment_data(proof=""))

    assert response.status_code == 200
    assert "请上传凭证扫描件" in response.text
    assert not Payment.objects.exists()


def test_payments_page_shows_paid_and_unpaid(client, staff_user, award):
    other = confirmed_award(staff_user, call=award.application.call)
    pay(award, staff_user, amount="3000", proof=pdf())
    client.force_login(staff_user)

    response = client.get(url("awards_awardpool_payments", award.pool.call_id))

    page = response.text
    assert "已付清" in page and "未付清" in page
    assert url("awards_award_payment", other.pk) in page
    assert url("awards_award_payment", award.pk) not in page
    assert url("awards_awardpool_payments_xlsx", award.pool.call_id) in page


def test_proposed_award_cannot_be_paid(client, staff_user):
    _call, apps = ranked_call([90])
    proposed = award_propose(application=apps[0], user=staff_user)
    client.force_login(staff_user)

    response = client.post(url("awards_award_payment", proposed.pk), payment_data())

    assert any("只有已确认的奖励可以拨付" in text for text in page_messages(response))
    assert not Payment.objects.exists()


def test_exports_download_as_xlsx(client, staff_user, award):
    client.force_login(staff_user)

    for name in ("awards_awardpool_payments_xlsx", "awards_awardpool_ledger_xlsx"):
        response = client.get(url(name, award.pool.call_id))
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert ".xlsx" in response["Content-Disposition"]
        assert response.content.startswith(b"PK")


# ---------------------------------------------------------------------------
# Implementation on the application page: inspection, acceptance, panels.


def application_in(status, **fields):
    return factories.complete_application(factories.ApplicationFactory(status=status, **fields))


def test_panels_appear_only_in_their_states(client, staff_user):
    client.force_login(staff_user)
    under_review = factories.ApplicationFactory(status=ApplicationStatus.UNDER_REVIEW)
    in_progress = application_in(ApplicationStatus.IN_PROGRESS)
    final = factories.complete_final_report(application_in(ApplicationStatus.FINAL_SUBMITTED))

    review_page = client.get(url("projects_application_change", under_review.pk)).text
    progress_page = client.get(url("projects_application_change", in_progress.pk)).text
    final_page = client.get(url("projects_application_change", final.pk)).text

    assert 'id="implementation"' not in review_page
    assert 'id="inspection-form"' in progress_page
    assert 'id="acceptance-form"' not in progress_page
    assert 'id="acceptance-form"' in final_page
    assert 'id="inspection-form"' not in final_page
    assert "本批次验收合格分数线为 80.00 分" in final_page


def test_application_page_shows_progress_report_and_evidence_by_output(client, staff_user):
    application = factories.complete_final_report(application_in(ApplicationStatus.FINAL_SUBMITTED))
    ProgressUpdate.objects.create(
        application=application,
        milestone=application.milestones.get(),
        reported_on=datetime.date(2023, 9, 1),
        text="完成两次技术指导，服务企业三家。",
        milestone_done=True,
    )
    client.force_login(staff_user)

    page = client.get(url("projects_application_change", application.pk)).text

    assert "完成两次技术指导，服务企业三家。" in page
    assert "完成技术指导（已完成）" in page
    assert "全面完成了项目任务。" in page
    evidence = Attachment.objects.get(kind="evidence")
    assert "技术指导两项" in page
    assert reverse("projects:attachment-download", args=[evidence.pk]) in page


def inspection_data(**overrides):
    data = {
        "inspected_on": "2023-10-15",
        "inspectors": "王秘书、李专家",
        "findings": "进度滞后，技术指导仅完成一次。",
        "result": InspectionResult.RECTIFY,
        "fix_deadline": "2023-11-15",
    }
    data.update(overrides)
    return data


def test_inspection_with_rectify_and_then_passed(client, staff_user):
    application = application_in(ApplicationStatus.IN_PROGRESS)
    client.force_login(staff_user)
    target = url("projects_application_inspection", application.pk)

    missing = client.post(target, inspection_data(fix_deadline=""))

    assert missing.status_code == 200
    assert any("整改期限" in text for text in page_messages(missing))
    assert not Inspection.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_PROGRESS

    response = client.post(target, inspection_data(), follow=True)

    assert response.redirect_chain[-1][0] == url("projects_application_change", application.pk)
    assert any("已录入中期检查：整改" in text for text in page_messages(response))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INSPECTION
    inspection = Inspection.objects.get()
    assert inspection.fix_deadline == datetime.date(2023, 11, 15)
    assert inspection.recorded_by == staff_user
    assert "进度滞后，技术指导仅完成一次。" in response.text

    client.post(
        target,
        inspection_data(result=InspectionResult.PASSED, findings="已整改到位。", fix_deadline=""),
    )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_PROGRESS
    assert Inspection.objects.count() == 2


def test_inspection_is_refused_outside_implementation(client, staff_user):
    application = application_in(ApplicationStatus.AWARDED)
    client.force_login(staff_user)

    response = client.post(
        url("projects_application_inspection", application.pk), inspection_data()
    )

    assert any("只有实施中的项目可以进行中期检查" in text for text in page_messages(response))
    assert not Inspection.objects.exists()


def acceptance_data(score):
    return {
        "score": score,
        "opinion": "完成了预期成果，佐证材料齐全。",
        "reviewers": "验收专家组",
        "accepted_on": "2024-01-10",
    }


@pytest.mark.parametrize(
    ("pass_mark", "score", "status", "result"),
    [
        ("80", "85", ApplicationStatus.ACCEPTED, "passed"),
        ("80", "80", ApplicationStatus.ACCEPTED, "passed"),
        ("80", "79.5", ApplicationStatus.FAILED, "failed"),
        ("90", "85", ApplicationStatus.FAILED, "failed"),
    ],
)
def test_acceptance_follows_the_calls_pass_mark(
    client, staff_user, pass_mark, score, status, result
):
    call = factories.CallFactory(acceptance_pass_mark=Decimal(pass_mark))
    application = factories.complete_final_report(
        application_in(ApplicationStatus.FINAL_SUBMITTED, call=call)
    )
    client.force_login(staff_user)

    response = client.post(
        url("projects_application_acceptance", application.pk), acceptance_data(score), follow=True
    )

    application.refresh_from_db()
    assert application.status == status
    acceptance = Acceptance.objects.get()
    assert (acceptance.score, acceptance.result) == (Decimal(score), result)
    assert any("已录入验收" in text for text in page_messages(response))
    # The archive step is then offered in the state panel.
    assert url("projects_application_transition", application.pk, "archive") in response.text


def test_acceptance_score_out_of_range_is_refused(client, staff_user):
    application = factories.complete_final_report(application_in(ApplicationStatus.FINAL_SUBMITTED))
    client.force_login(staff_user)

    response = client.post(
        url("projects_application_acceptance", application.pk), acceptance_data("120")
    )

    assert response.status_code == 200
    assert any("验收得分须在0至100之间" in text for text in page_messages(response))
    assert not Acceptance.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FINAL_SUBMITTED


def test_archive_through_the_state_panel(client, staff_user):
    application = application_in(ApplicationStatus.ACCEPTED)
    factories.AcceptanceFactory(application=application)
    client.force_login(staff_user)

    client.post(url("projects_application_transition", application.pk, "archive"))

    application.refresh_from_db()
    assert application.status == ApplicationStatus.ARCHIVED


# ---------------------------------------------------------------------------
# Query counts do not grow with the data.


def query_count(client, target) -> int:
    client.get(target)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


def busy_call(staff, size: int):
    """A call with `size` ranked applications, all proposed, the first half confirmed and
    paid in part, a notice with `size` objections."""
    call, apps = ranked_call([90 - n for n in range(size)], award_count=size)
    awards_propose_suggested(call=call, user=staff)
    notice = notice_publish(call=call, user=staff, now=THURSDAY)
    for n in range(size):
        file_objection(notice, client_hash=f"client-{n}", name=f"异议人{n}")
    for application in apps[: max(1, size // 2)]:
        award = award_confirm(application=application, user=staff)
        pay(award, staff, amount="1000", voucher=f"PZ-{application.pk}")
        factories.InspectionFactory(application=application)
        factories.AcceptanceFactory(application=application)
    return call, notice


@pytest.mark.parametrize("page", ["pool", "proposal", "payments", "ledger", "notice"])
def test_query_count_does_not_grow(client, staff_user, page):
    client.force_login(staff_user)
    small_call, small_notice = busy_call(staff_user, 1)
    large_call, large_notice = busy_call(staff_user, 6)

    def target(call, notice):
        return {
            "pool": url("awards_awardpool_pool", call.pk),
            "proposal": url("awards_awardpool_proposal", call.pk),
            "payments": url("awards_awardpool_payments", call.pk),
            "ledger": url("awards_awardpool_ledger_xlsx", call.pk),
            "notice": url("awards_publicnotice_change", notice.pk),
        }[page]

    assert query_count(client, target(small_call, small_notice)) == query_count(
        client, target(large_call, large_notice)
    )


@pytest.mark.parametrize(
    "name",
    [
        "awards_award_changelist",
        "awards_payment_changelist",
        "awards_objection_changelist",
        "awards_publicnotice_changelist",
        "awards_awardpool_changelist",
    ],
)
def test_changelist_query_count_does_not_grow(client, staff_user, name):
    client.force_login(staff_user)
    busy_call(staff_user, 1)
    small = query_count(client, url(name))
    busy_call(staff_user, 5)

    assert query_count(client, url(name)) == small


def test_payment_form_prefills_the_date_in_iso_format_for_date_inputs():
    from awards.admin_views import PaymentForm

    html = str(PaymentForm(initial={"paid_on": datetime.date(2023, 10, 8)})["paid_on"])
    assert 'type="date"' in html
    assert "2023-10-08" in html


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the data version is PostgreSQL's snapshot"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pool_page_is_reused_until_a_change_is_committed(client, staff_user, monkeypatch):
    cache.clear()
    computed = []
    render = admin_views.pool_content

    def counted(call):
        computed.append(call.pk)
        return render(call)

    monkeypatch.setattr(admin_views, "pool_content", counted)
    call, apps = ranked_call([90, 85])
    pool_for_call(call)  # the first visit would create it: a commit, so a new data version
    client.force_login(staff_user)
    pool_url = url("awards_awardpool_pool", call.pk)
    first = client.get(pool_url).text
    assert client.get(pool_url).text.count("<tr>") == first.count("<tr>")
    assert len(computed) == 1  # the second request's content came from the cache
    assert '<td id="pool-counts">0 / 0 / 0</td>' in first

    # A committed proposal shows on the next request.
    award_propose(application=apps[0], user=staff_user, note="")
    page = client.get(pool_url).text
    assert len(computed) == 2
    assert '<td id="pool-counts">1 / 0 / 0</td>' in page
    assert apps[0].title in page
    cache.clear()
