"""The secretariat's admin for calls, applications, formal check, assignment and ranking."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import Indicator
from projects import admin_views
from projects.enums import ApplicationStatus, ReviewStatus
from projects.models import Application, Call, ReviewAssignment
from projects.selectors import call_ranking
from society.enums import Role
from society.models import AuditEntry, Notification
from tests import factories
from tests.conftest import ROLE_FIXTURES

pytestmark = pytest.mark.django_db

OTHER_ROLES = [None, *(role for role in ROLE_FIXTURES if role != "staff_user")]


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def scored_call(applications: int = 2, experts: int = 3) -> Call:
    """A call in review whose applications each have `experts` submitted scores."""
    call = factories.CallFactory(in_review=True)
    panel = factories.ExpertFactory.create_batch(experts)
    for index in range(applications):
        application = factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)
        for offset, expert in enumerate(panel):
            factories.ReviewAssignmentFactory(
                application=application,
                expert=expert,
                status=ReviewStatus.SUBMITTED,
                total=Decimal(70 + index + offset),
                comment=f"方案具体，措施可行，建议支持。{index}-{offset}",
            )
    return call


# ---------------------------------------------------------------------------
# Every page: 200 for the secretariat, the login page or 403 for everyone else.


def page_urls() -> dict[str, str]:
    call = scored_call(applications=1)
    application = call.applications.get()
    assignment = application.assignments.first()
    submitted = factories.ApplicationFactory(call=call, status=ApplicationStatus.SUBMITTED)
    indicator = Indicator.objects.first()
    return {
        "indicator-list": reverse("admin:kpis_indicator_changelist"),
        "indicator-add": reverse("admin:kpis_indicator_add"),
        "indicator-change": reverse("admin:kpis_indicator_change", args=[indicator.pk]),
        "call-list": reverse("admin:projects_call_changelist"),
        "call-add": reverse("admin:projects_call_add"),
        "call-change": reverse("admin:projects_call_change", args=[call.pk]),
        "call-ranking": reverse("admin:projects_call_ranking", args=[call.pk]),
        "call-ranking-xlsx": reverse("admin:projects_call_ranking_xlsx", args=[call.pk]),
        "call-ranking-pdf": reverse("admin:projects_call_ranking_pdf", args=[call.pk]),
        "call-copy": reverse("admin:projects_call_copy", args=[call.pk]),
        "call-auto-assign": reverse("admin:projects_call_auto_assign", args=[call.pk]),
        "application-list": reverse("admin:projects_application_changelist"),
        "application-under-review": reverse(
            "admin:projects_application_change", args=[application.pk]
        ),
        "application-submitted": reverse("admin:projects_application_change", args=[submitted.pk]),
        "assignment-list": reverse("admin:projects_reviewassignment_changelist"),
        "assignment-change": reverse(
            "admin:projects_reviewassignment_change", args=[assignment.pk]
        ),
        "assignment-reopen": reverse("admin:projects_reviewassignment_reopen")
        + f"?ids={assignment.pk}",
    }


PAGES = [
    "indicator-list",
    "indicator-add",
    "indicator-change",
    "call-list",
    "call-add",
    "call-change",
    "call-ranking",
    "call-ranking-xlsx",
    "call-ranking-pdf",
    "call-copy",
    "call-auto-assign",
    "application-list",
    "application-under-review",
    "application-submitted",
    "assignment-list",
    "assignment-change",
    "assignment-reopen",
]


@pytest.mark.parametrize("page", PAGES)
def test_secretariat_opens_every_page(client, staff_user, page):
    url = page_urls()[page]
    client.force_login(staff_user)

    assert client.get(url).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_kept_out(client, request, role, page):
    url = page_urls()[page]
    if role is not None:
        client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    if response.status_code == 302:
        assert response.url.startswith(reverse("admin:login"))
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_staff_flag_without_secretariat_role_gets_403(client, page):
    url = page_urls()[page]
    client.force_login(factories.UnitOfficerFactory(is_staff=True))

    assert client.get(url).status_code == 403


def test_applicant_officer_with_staff_flag_cannot_open_own_application_in_admin(client):
    officer = factories.UnitOfficerFactory(is_staff=True)
    application = factories.ApplicationFactory(member_unit=officer.member_unit)
    client.force_login(officer)

    url = reverse("admin:projects_application_change", args=[application.pk])

    assert client.get(url).status_code == 403


def test_admin_index_lists_the_new_models(client, staff_user):
    client.force_login(staff_user)

    page = client.get(reverse("admin:index")).text

    for name in ("indicator", "call", "application", "reviewassignment"):
        app = "kpis" if name == "indicator" else "projects"
        assert reverse(f"admin:{app}_{name}_changelist") in page


def test_unknown_call_is_404(client, staff_user):
    client.force_login(staff_user)

    assert client.get(reverse("admin:projects_call_ranking", args=[999999])).status_code == 404


# ---------------------------------------------------------------------------
# Indicators and calls.


def test_indicator_target_is_edited_in_the_list_and_audited(client, staff_user):
    indicator = Indicator.objects.get(year=2023, code="I05")
    client.force_login(staff_user)
    url = reverse("admin:kpis_indicator_changelist")
    page = client.get(url, {"q": "I05"})
    formset = page.context["cl"].formset
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(indicator.pk),
        "form-0-target": "25",
        "_save": "保存",
    }
    assert formset.forms[0].instance == indicator

    response = client.post(f"{url}?q=I05", data)

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target == Decimal("25")
    entry = AuditEntry.objects.get(action="kpis.indicator.updated")
    assert entry.data["changes"]["target"][1] == "25.00"


def test_call_change_page_shows_rubric_total_and_links(client, staff_user):
    call = factories.CallFactory()
    client.force_login(staff_user)

    page = client.get(reverse("admin:projects_call_change", args=[call.pk])).text

    assert "100.00 分" in page
    for name in ("ranking", "copy", "auto_assign"):
        assert reverse(f"admin:projects_call_{name}", args=[call.pk]) in page
    for heading in ("基本信息", "申报主体", "阶段时间", "奖励设置", "评审设置"):
        assert heading in page


def test_rubric_is_locked_once_an_expert_has_scored(client, staff_user):
    assignment = factories.ReviewAssignmentFactory(status=ReviewStatus.DRAFT)
    call = assignment.application.call
    client.force_login(staff_user)

    page = client.get(reverse("admin:projects_call_change", args=[call.pk]))

    criteria = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "criteria"
    )
    assert not criteria.has_change_permission
    assert not criteria.has_add_permission


@pytest.mark.parametrize("selected", [1, 2])
def test_copy_action_opens_the_copy_page_for_one_call(client, staff_user, selected):
    calls = factories.CallFactory.create_batch(selected)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:projects_call_changelist"),
        {"action": "copy_to_new_year", "_selected_action": [c.pk for c in calls]},
    )

    assert response.status_code == 302
    if selected == 1:
        assert response.url == reverse("admin:projects_call_copy", args=[calls[0].pk])
    else:
        assert Call.objects.count() == 2


def test_copy_to_new_year_through_the_admin(client, staff_user):
    call = factories.CallFactory(title="2023年度创建一流科技社团培育奖励申报")
    client.force_login(staff_user)
    url = reverse("admin:projects_call_copy", args=[call.pk])
    assert 'value="2024"' in client.get(url).text

    response = client.post(url, {"year": "2024"})

    copy = Call.objects.get(year=2024)
    assert response.status_code == 302
    assert response.url == reverse("admin:projects_call_change", args=[copy.pk])
    assert copy.title == "2024年度创建一流科技社团培育奖励申报"
    assert list(copy.criteria.values_list("name", flat=True)) == factories.RUBRIC
    assert AuditEntry.objects.filter(action="projects.call.copied").exists()


def test_copy_refuses_a_bad_year(client, staff_user):
    call = factories.CallFactory()
    client.force_login(staff_user)

    response = client.post(reverse("admin:projects_call_copy", args=[call.pk]), {"year": "19"})

    assert response.status_code == 200
    assert Call.objects.count() == 1


# ---------------------------------------------------------------------------
# Applications: list and read-only change page.


def test_application_list_shows_reference_applicant_and_review_progress(client, staff_user):
    call = scored_call(applications=1)
    application = call.applications.get()
    factories.ReviewAssignmentFactory(application=application)  # a fourth, not yet submitted
    client.force_login(staff_user)

    page = client.get(reverse("admin:projects_application_changelist")).text

    assert application.reference in page
    assert application.member_unit.name in page
    assert "3 / 4" in page


def test_application_list_searches_by_reference(client, staff_user):
    _first, second = factories.ApplicationFactory.create_batch(2)
    client.force_login(staff_user)

    response = client.get(reverse("admin:projects_application_changelist"), {"q": second.reference})

    assert list(response.context["cl"].result_list) == [second]


def test_application_change_page_is_read_only_with_attachment_links(client, staff_user):
    application = factories.complete_application(
        factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    )
    client.force_login(staff_user)

    page = client.get(reverse("admin:projects_application_change", args=[application.pk]))

    assert page.context["adminform"].form.fields == {}
    attachment = application.attachments.get()
    assert reverse("projects:attachment-download", args=[attachment.pk]) in page.text
    assert "申报书.pdf" in page.text
    assert application.plan.split("；")[0] in page.text
    assert "专家咨询费" in page.text
    assert 'name="_save"' not in page.text


def test_application_cannot_be_added_or_deleted_in_the_admin(client, staff_user):
    application = factories.ApplicationFactory()
    client.force_login(staff_user)

    assert client.get(reverse("admin:projects_application_add")).status_code == 403
    delete = reverse("admin:projects_application_delete", args=[application.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Application.objects.filter(pk=application.pk).exists()


# ---------------------------------------------------------------------------
# Formal check through the admin.


def transition_url(application, action):
    return reverse("admin:projects_application_transition", args=[application.pk, action])


def test_only_actions_allowed_from_the_state_are_offered(client, staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_user)

    page = client.get(reverse("admin:projects_application_change", args=[application.pk]))

    offered = [item["action"] for item in page.context["state_actions"]]
    assert offered == ["pass_check", "return", "reject", "terminate"]
    assert transition_url(application, "complete_review") not in page.text


def test_pass_formal_check_through_the_admin(client, staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_user)

    response = client.post(transition_url(application, "pass_check"), follow=True)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    entry = AuditEntry.objects.get(action="projects.application.pass_check")
    assert entry.actor == staff_user
    assert entry.data["to"] == ApplicationStatus.UNDER_REVIEW
    assert any("形式审查通过" in message for message in page_messages(response))


def test_return_with_reason_through_the_admin(client, staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_user)

    response = client.post(
        transition_url(application, "return"), {"reason": "经费预算缺少测算依据"}, follow=True
    )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    entry = AuditEntry.objects.get(action="projects.application.return")
    assert entry.data["reason"] == "经费预算缺少测算依据"
    assert "经费预算缺少测算依据" in response.text  # in the page's history
    assert "已提交 → 退回修改" in response.text


@pytest.mark.parametrize("action", ["return", "reject", "terminate"])
def test_action_needing_a_reason_is_refused_without_one(client, staff_user, action):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_user)

    response = client.post(transition_url(application, action), {"reason": "  "}, follow=True)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action__startswith="projects.application.").exists()
    assert any("须填写理由" in message for message in page_messages(response))


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ApplicationStatus.SUBMITTED, "complete_review"),
        (ApplicationStatus.DRAFT, "pass_check"),
        (ApplicationStatus.UNDER_REVIEW, "pass_check"),
        (ApplicationStatus.WITHDRAWN, "terminate"),
    ],
)
def test_action_not_allowed_from_the_state_changes_nothing(client, staff_user, status, action):
    application = factories.ApplicationFactory(status=status)
    client.force_login(staff_user)

    response = client.post(transition_url(application, action), {"reason": "理由"}, follow=True)

    application.refresh_from_db()
    assert application.status == status
    assert application.version == 1
    assert not AuditEntry.objects.filter(action__startswith="projects.application.").exists()
    assert any("不能执行" in message for message in page_messages(response))


def test_applicant_actions_are_refused_to_staff(client, staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_user)

    response = client.post(transition_url(application, "withdraw"), follow=True)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert any("无权" in message for message in page_messages(response))


def test_transition_needs_post(client, staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_user)

    assert client.get(transition_url(application, "pass_check")).status_code == 405


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_transition_is_refused_to_other_roles(client, request, role):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    if role is not None:
        client.force_login(request.getfixturevalue(role))

    response = client.post(transition_url(application, "pass_check"))

    assert response.status_code in (302, 403)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_bulk_pass_reports_each_refusal_with_its_reason(client, staff_user):
    call = factories.CallFactory()
    submitted = factories.ApplicationFactory.create_batch(
        2, call=call, status=ApplicationStatus.SUBMITTED
    )
    draft = factories.ApplicationFactory(call=call, status=ApplicationStatus.DRAFT)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:projects_application_changelist"),
        {
            "action": "pass_check_selected",
            "_selected_action": [a.pk for a in [*submitted, draft]],
        },
        follow=True,
    )

    statuses = {a.pk: a.status for a in Application.objects.all()}
    assert statuses == {
        submitted[0].pk: ApplicationStatus.UNDER_REVIEW,
        submitted[1].pk: ApplicationStatus.UNDER_REVIEW,
        draft.pk: ApplicationStatus.DRAFT,
    }
    texts = page_messages(response)
    assert any("2项申报已执行“形式审查通过”" in text for text in texts)
    assert any(draft.reference in text and "草稿" in text for text in texts)


# ---------------------------------------------------------------------------
# Assigning experts by hand and automatically.


def change_form_data(response) -> dict:
    """What the browser posts back from the application page: every inline, unchanged."""
    data = {"_save": "保存"}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if value not in (None, ""):
                    data[form.add_prefix(name)] = str(getattr(value, "pk", value))
    return data


def assign_by_hand(client, application, expert):
    url = reverse("admin:projects_application_change", args=[application.pk])
    data = change_form_data(client.get(url))
    index = application.assignments.count()
    data[f"assignments-{index}-expert"] = str(expert.pk)
    return client.post(url, data)


def test_staff_assign_an_expert_by_hand(client, staff_user):
    application = factories.ApplicationFactory(
        status=ApplicationStatus.UNDER_REVIEW,
        call=factories.CallFactory(in_review=True),
    )
    expert = factories.ExpertFactory(user=factories.ExpertUserFactory())
    client.force_login(staff_user)

    response = assign_by_hand(client, application, expert)

    assert response.status_code == 302
    assignment = ReviewAssignment.objects.get(application=application)
    assert assignment.expert == expert
    assert assignment.assigned_by == staff_user
    assert AuditEntry.objects.filter(action="projects.assignment.created").exists()
    assert Notification.objects.filter(user=expert.user).exists()


def test_conflicting_expert_is_refused_with_the_reason(client, staff_user):
    application = factories.ApplicationFactory(
        status=ApplicationStatus.UNDER_REVIEW,
        call=factories.CallFactory(in_review=True),
    )
    expert = factories.ExpertFactory(affiliation=application.member_unit, name="赵专家")
    client.force_login(staff_user)

    response = assign_by_hand(client, application, expert)

    assert response.status_code == 200
    assert "不能将“赵专家”分配给此申报：专家所在单位即申报单位。" in response.text
    assert not ReviewAssignment.objects.exists()


def test_expert_on_avoid_list_is_refused_with_the_reason(client, staff_user):
    application = factories.ApplicationFactory(
        status=ApplicationStatus.UNDER_REVIEW,
        call=factories.CallFactory(in_review=True),
    )
    expert = factories.ExpertFactory()
    expert.avoid_units.add(application.member_unit)
    client.force_login(staff_user)

    response = assign_by_hand(client, application, expert)

    assert response.status_code == 200
    assert "申报单位在专家的回避单位名单中" in response.text
    assert not ReviewAssignment.objects.exists()


def test_the_same_expert_is_not_assigned_twice(client, staff_user):
    assignment = factories.ReviewAssignmentFactory()
    client.force_login(staff_user)

    response = assign_by_hand(client, assignment.application, assignment.expert)

    assert response.status_code == 200
    assert "已分配给此申报" in response.text
    assert ReviewAssignment.objects.count() == 1


def test_experts_are_only_added_while_under_review(client, staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_user)
    url = reverse("admin:projects_application_change", args=[application.pk])

    page = client.get(url)

    assert 'name="assignments-0-expert"' not in page.text
    response = client.post(url, {"_save": "保存"})
    assert response.status_code == 403


def test_auto_assign_action_opens_the_auto_assign_page(client, staff_user):
    call = factories.CallFactory(in_review=True)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:projects_call_changelist"),
        {"action": "auto_assign_experts", "_selected_action": [call.pk]},
    )

    assert response.url == reverse("admin:projects_call_auto_assign", args=[call.pk])


def test_auto_assign_through_the_admin_reports_created_and_short(client, staff_user):
    call = factories.CallFactory(in_review=True)
    applications = factories.ApplicationFactory.create_batch(
        2, call=call, status=ApplicationStatus.UNDER_REVIEW
    )
    experts = factories.ExpertFactory.create_batch(3)
    # The second application's unit is avoided by every expert but one: it falls short.
    for expert in experts[:2]:
        expert.avoid_units.add(applications[1].member_unit)
    client.force_login(staff_user)
    url = reverse("admin:projects_call_auto_assign", args=[call.pk])
    page = client.get(url)
    assert "专家评审中的申报：2 项" in page.text

    response = client.post(url, {"per_application": "2"}, follow=True)

    assert ReviewAssignment.objects.filter(application=applications[0]).count() == 2
    assert ReviewAssignment.objects.filter(application=applications[1]).count() == 1
    assert not ReviewAssignment.objects.filter(
        application=applications[1], expert__in=experts[:2]
    ).exists()
    texts = page_messages(response)
    assert any("已自动分配3项评审任务" in text for text in texts)
    assert any(applications[1].reference in text for text in texts)


# ---------------------------------------------------------------------------
# Reopening a submitted review.


def test_reopen_through_the_admin(client, staff_user):
    assignment = factories.ReviewAssignmentFactory(
        status=ReviewStatus.SUBMITTED,
        total=Decimal("80"),
        expert=factories.ExpertFactory(user=factories.ExpertUserFactory()),
    )
    client.force_login(staff_user)
    changelist = reverse("admin:projects_reviewassignment_changelist")
    action = client.post(
        changelist, {"action": "reopen_reviews", "_selected_action": [assignment.pk]}
    )
    assert action.status_code == 302
    assert client.get(action.url).status_code == 200

    response = client.post(
        reverse("admin:projects_reviewassignment_reopen"),
        {"ids": str(assignment.pk), "reason": "评分与评审意见不一致，请核对"},
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.DRAFT
    assert assignment.total is None
    entry = AuditEntry.objects.get(action="projects.review.reopened")
    assert entry.data["reason"] == "评分与评审意见不一致，请核对"
    assert Notification.objects.filter(user=assignment.expert.user).exists()


def test_reopen_needs_a_reason(client, staff_user):
    assignment = factories.ReviewAssignmentFactory(
        status=ReviewStatus.SUBMITTED, total=Decimal("80")
    )
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:projects_reviewassignment_reopen"),
        {"ids": str(assignment.pk), "reason": ""},
    )

    assert response.status_code == 200
    assert "请填写重新开放的理由" in response.text
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.SUBMITTED


def test_reopen_of_an_unsubmitted_review_is_refused(client, staff_user):
    assignment = factories.ReviewAssignmentFactory(status=ReviewStatus.DRAFT)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:projects_reviewassignment_reopen"),
        {"ids": str(assignment.pk), "reason": "再看一遍"},
        follow=True,
    )

    assert any("只有已提交的评审可以重新开放" in text for text in page_messages(response))
    assert not AuditEntry.objects.filter(action="projects.review.reopened").exists()


def test_staff_cannot_edit_scores(client, staff_user):
    assignment = factories.ReviewAssignmentFactory(
        status=ReviewStatus.SUBMITTED, total=Decimal("80")
    )
    client.force_login(staff_user)
    url = reverse("admin:projects_reviewassignment_change", args=[assignment.pk])

    assert 'name="_save"' not in client.get(url).text
    assert client.post(url, {"total": "100"}).status_code == 403
    assert client.get(reverse("admin:projects_reviewassignment_add")).status_code == 403
    assignment.refresh_from_db()
    assert assignment.total == Decimal("80")


# ---------------------------------------------------------------------------
# The ranking page.


def ranking_rows(page: str) -> list[str]:
    body = page.split('<table id="ranking">', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    return body.split("<tr>")[1:]


def shown_ranks(page: str) -> list[str]:
    return [row.split("<td>", 1)[1].split("</td>", 1)[0] for row in ranking_rows(page)]


def shown_titles(page: str) -> list[str]:
    return [row.split('<td class="title">', 1)[1].split("</a>", 1)[0] for row in ranking_rows(page)]


def test_ranking_page_lists_each_applications_scores_statistics_flags_and_comments(
    client, staff_user
):
    call = scored_call(applications=2, experts=3)
    expert = ReviewAssignment.objects.filter(application__call=call).first().expert
    late = factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)
    factories.ReviewAssignmentFactory(application=late, expert=expert)
    outsider = factories.ExpertFactory(name="未参与专家")
    factories.ReviewAssignmentFactory(application=late, expert=outsider)
    client.force_login(staff_user)

    response = client.get(reverse("admin:projects_call_ranking", args=[call.pk]))

    page = response.text
    rows, experts = call_ranking(call)
    lines = [admin_views.ranking_line(position, row) for position, row in enumerate(rows, 1)]
    assert len(experts) == 4
    assert [line.row.rank for line in lines] == [1, 2, None]
    assert shown_ranks(page) == ["1", "2", "—"]
    assert "共 3 项申报，" in page
    assert "4 位评审专家。" in page
    # One 专家评分 column, not one column per expert.
    for column in experts:
        assert f'<th scope="col">{column.name}</th>' not in page
    assert '<th scope="col">专家评分</th>' in page
    top, second, last = ranking_rows(page)
    for line, html in zip(lines[:2], (top, second), strict=True):
        assignments = line.application.assignments.order_by("expert__name", "expert_id")
        for assignment in assignments:
            score = f"{assignment.expert.name} <b>{assignment.total:.2f}</b>"
            assert f'<span class="score">{score}</span>' in html
            assert assignment.comment in html
        stats = line.row.stats
        for value in (stats.count, stats.mean, stats.trimmed_mean, stats.stdev, stats.spread):
            assert f'<td class="number">{value}</td>' in html
        assert "未参与专家" not in html
    assert late.title in last
    assert f'<span class="score pending">{expert.name} <em>未提交</em></span>' in last
    assert '<span class="score pending">未参与专家 <em>未提交</em></span>' in last
    assert "2位专家未提交" in last
    assert '<td class="number">0</td>' in last
    assert "<details>" in top
    assert "方案具体，措施可行，建议支持。" in page


def test_ranking_page_marks_the_scores_the_trimmed_mean_leaves_out(client, staff_user):
    call = factories.CallFactory(in_review=True)
    application = factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)
    totals = {"甲": 60, "乙": 80, "丙": 99, "丁": 80, "戊": 99}
    for name, total in totals.items():
        factories.ReviewAssignmentFactory(
            application=application,
            expert=factories.ExpertFactory(name=f"专家{name}"),
            status=ReviewStatus.SUBMITTED,
            total=Decimal(total),
        )
    client.force_login(staff_user)

    (row,) = ranking_rows(client.get(reverse("admin:projects_call_ranking", args=[call.pk])).text)

    dropped = '<span class="score dropped" title="去极值平均分不计此分">'
    assert row.count(dropped) == 2
    assert f"{dropped}专家甲 <s>60.00</s></span>" in row
    assert row.count("<s>99.00</s>") == 1  # only one of the two highest is left out
    assert row.count("<b>80.00</b>") == 2
    assert '<td class="number">86.33</td>' in row  # (80 + 80 + 99) / 3


def test_ranking_page_escapes_expert_names(client, staff_user):
    call = factories.CallFactory(in_review=True)
    application = factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)
    factories.ReviewAssignmentFactory(
        application=application,
        expert=factories.ExpertFactory(name="<script>alert(1)</script>"),
        status=ReviewStatus.SUBMITTED,
        total=Decimal("80"),
    )
    client.force_login(staff_user)

    page = client.get(reverse("admin:projects_call_ranking", args=[call.pk])).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <b>80.00</b>" in page


def test_ranking_page_is_paginated_with_the_calls_ranks(client, staff_user, monkeypatch):
    monkeypatch.setattr(admin_views, "RANKING_PAGE_SIZE", 2)
    call = scored_call(applications=5, experts=1)
    url = reverse("admin:projects_call_ranking", args=[call.pk])
    client.force_login(staff_user)

    pages = {n: client.get(url, {"page": n}) for n in ("1", "2", "3")}

    ranks = {n: shown_ranks(r.text) for n, r in pages.items()}
    assert ranks == {"1": ["1", "2"], "2": ["3", "4"], "3": ["5"]}
    second = pages["2"].text
    assert "第 3–4 项，共 5 项：" in second
    assert '<a href="?page=1" rel="prev">上一页</a>' in second
    assert '<a href="?page=3" rel="next">下一页</a>' in second
    assert '<span class="this-page" aria-current="page">2</span>' in second
    assert "共 5 项申报，" in second
    assert 'rel="next"' not in pages["3"].text
    titles = [title for r in pages.values() for title in shown_titles(r.text)]
    assert len(set(titles)) == 5
    # A page number that is not one falls back to the first page, one past the end to the last.
    for number, shown in (("abc", "1"), ("99", "3"), ("0", "3"), ("", "1")):
        page = client.get(url, {"page": number}).text
        assert f'<span class="this-page" aria-current="page">{shown}</span>' in page


def test_ranking_page_without_applications(client, staff_user):
    call = factories.CallFactory(in_review=True)
    client.force_login(staff_user)

    page = client.get(reverse("admin:projects_call_ranking", args=[call.pk])).text

    assert "本批次尚无进入评审的申报。" in page
    assert "上一页" not in page


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_ranking_page_query_count_does_not_grow(client, staff_user):
    client.force_login(staff_user)
    small = scored_call(applications=1, experts=2)
    large = scored_call(applications=6, experts=5)
    count = query_count(client, reverse("admin:projects_call_ranking", args=[small.pk]))

    assert query_count(client, reverse("admin:projects_call_ranking", args=[large.pk])) == count
    assert query_count(client, reverse("admin:projects_call_ranking", args=[large.pk])) <= 25


def test_ranking_page_query_count_is_the_same_on_every_page(client, staff_user, monkeypatch):
    monkeypatch.setattr(admin_views, "RANKING_PAGE_SIZE", 2)
    client.force_login(staff_user)
    call = scored_call(applications=5, experts=3)
    url = reverse("admin:projects_call_ranking", args=[call.pk])

    assert query_count(client, f"{url}?page=2") == query_count(client, f"{url}?page=1")


@pytest.mark.parametrize(
    "url_name",
    ["admin:projects_application_changelist", "admin:projects_reviewassignment_changelist"],
)
def test_changelist_query_count_does_not_grow(client, staff_user, url_name):
    client.force_login(staff_user)
    url = reverse(url_name)
    scored_call(applications=1, experts=2)
    small = query_count(client, url)
    scored_call(applications=6, experts=4)
    factories.ApplicationFactory.create_batch(3, status=ApplicationStatus.SUBMITTED)

    assert query_count(client, url) == small


def test_staff_flag_alone_does_not_open_the_ranking(client):
    call = factories.CallFactory()
    client.force_login(factories.UserFactory(role=Role.LEADER, is_staff=True))

    assert client.get(reverse("admin:projects_call_ranking", args=[call.pk])).status_code == 403


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the data version is PostgreSQL's snapshot"
)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("empty_cache")
def test_ranking_is_reused_until_a_change_is_committed(client, staff_user):
    call = scored_call(applications=2, experts=3)
    client.force_login(staff_user)
    url = reverse("admin:projects_call_ranking", args=[call.pk])
    computed = query_count(client, url)
    assert query_count(client, url) < computed  # the ranking came from the cache

    # A committed score shows on the next request, ranked anew.
    last = ReviewAssignment.objects.filter(application__call=call).order_by("total").first()
    last.total = Decimal("99.00")
    last.save(update_fields=["total"])
    top = ranking_rows(client.get(url).text)[0]
    assert last.application.title in top
    assert f"{last.expert.name} <b>99.00</b>" in top
