"""The officers' application portal: who may open what, and the flows through the views."""

import datetime
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpis.models import Indicator
from projects.enums import ApplicationStatus, ReviewStatus
from projects.forms import IndicatorCatalogue, OutputForm
from projects.models import Application, ApplicationVersion, Attachment
from projects.services import (
    application_snapshot,
    application_transition,
    application_update,
    attachment_add,
)
from society.audit import log_action
from society.models import AuditEntry
from tests import factories

LOGIN = reverse("login")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- fixtures: the applicant, colleagues, experts ------------------------------------


@pytest.fixture
def call(db):
    return factories.CallFactory(notice="各分支机构、会员单位：现将申报工作通知如下。")


@pytest.fixture
def application(call, unit_officer):
    return factories.ApplicationFactory(call=call, member_unit=unit_officer.member_unit)


@pytest.fixture
def colleague(unit_officer):
    """Another officer of the applicant's member unit."""
    return factories.UnitOfficerFactory(username="colleague", member_unit=unit_officer.member_unit)


@pytest.fixture
def assigned_expert(expert_user, application):
    factories.ReviewAssignmentFactory(application=application, expert=expert_user.expert)
    return expert_user


@pytest.fixture
def unassigned_expert(db):
    user = factories.ExpertUserFactory(username="unassigned_expert")
    factories.ExpertFactory(user=user)
    return user


@pytest.fixture
def conflicted_expert(application):
    user = factories.ExpertUserFactory(username="conflicted_expert")
    expert = factories.ExpertFactory(user=user)
    factories.ReviewAssignmentFactory(
        application=application, expert=expert, status=ReviewStatus.CONFLICT
    )
    return user


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def stored_pdf(application, unit_officer, private_media):
    return attachment_add(
        application=application,
        user=unit_officer,
        file=SimpleUploadedFile("申报书（盖章）.pdf", PDF),
        description="盖章扫描件",
    )


def user_for(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


def response_for(client, user, url, method="get", data=None):
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data or {})


def assert_login_redirect(response, url):
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={quote(url)}"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- permissions: pages only officers have ---------------------------------------------

OFFICERS = ["unit_officer", "branch_officer", "other_unit_officer"]
NOT_OFFICERS = ["staff_user", "expert_user", "leader_user", "member_user"]


def role_page_urls(call):
    return [
        reverse("projects:call-list"),
        reverse("projects:call-detail", args=[call.pk]),
        reverse("projects:application-list"),
        reverse("projects:application-create", args=[call.pk]),
    ]


@pytest.mark.parametrize("role", OFFICERS)
def test_officers_open_calls_their_list_and_the_create_form(client, request, call, role):
    user = request.getfixturevalue(role)
    for url in role_page_urls(call):
        assert response_for(client, user, url).status_code == 200, url


@pytest.mark.parametrize("role", NOT_OFFICERS)
def test_other_roles_are_forbidden_the_officer_pages(client, request, call, role):
    user = request.getfixturevalue(role)
    for url in role_page_urls(call):
        assert response_for(client, user, url).status_code == 403, url


def test_anonymous_is_sent_to_login_from_officer_pages(client, call):
    for url in role_page_urls(call):
        assert_login_redirect(client.get(url), url)


def test_anonymous_post_to_create_is_sent_to_login(client, call):
    url = reverse("projects:application-create", args=[call.pk])
    assert_login_redirect(client.post(url, {"title": "x"}), url)
    assert not Application.objects.exists()


def test_call_closed_long_ago_is_not_listed_and_is_404(client, unit_officer):
    old = factories.CallFactory(
        year=2021,
        applications_open_at=timezone.now() - timedelta(days=800),
        applications_close_at=timezone.now() - timedelta(days=700),
        formal_check_close_at=timezone.now() - timedelta(days=690),
        review_open_at=timezone.now() - timedelta(days=690),
        review_close_at=timezone.now() - timedelta(days=680),
    )
    client.force_login(unit_officer)
    assert old.title not in client.get(reverse("projects:call-list")).content.decode()
    assert client.get(reverse("projects:call-detail", args=[old.pk])).status_code == 404


# --- permissions: the application and its attachments --------------------------------

MAY_READ = ["staff_user", "unit_officer", "colleague", "assigned_expert"]
MAY_NOT_READ = [
    "branch_officer",
    "other_unit_officer",
    "unassigned_expert",
    "conflicted_expert",
    "leader_user",
    "member_user",
]


def read_urls(application, attachment):
    return [
        reverse("projects:application-detail", args=[application.pk]),
        reverse("projects:application-versions", args=[application.pk]),
        reverse("projects:attachment-download", args=[attachment.pk]),
    ]


@pytest.mark.parametrize("role", MAY_READ)
def test_readers_open_the_application_and_download_attachments(
    client, request, application, stored_pdf, role
):
    user = request.getfixturevalue(role)
    for url in read_urls(application, stored_pdf):
        assert response_for(client, user, url).status_code == 200, url


@pytest.mark.parametrize("role", MAY_NOT_READ)
def test_everyone_else_gets_404_on_the_application_and_its_attachments(
    client, request, application, stored_pdf, role
):
    user = request.getfixturevalue(role)
    for url in read_urls(application, stored_pdf):
        assert response_for(client, user, url).status_code == 404, url


def test_anonymous_is_sent_to_login_from_the_application(client, application, stored_pdf):
    for url in read_urls(application, stored_pdf):
        assert_login_redirect(client.get(url), url)


def test_nonexistent_application_is_404_even_for_staff(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("projects:application-detail", args=[99999])).status_code == 404
    assert client.get(reverse("projects:attachment-download", args=[99999])).status_code == 404


APPLICANTS = ["unit_officer", "colleague"]
NOT_APPLICANTS = ["staff_user", "assigned_expert", *MAY_NOT_READ]


def act_requests(application, attachment):
    """(method, url, data) of everything only the applicant's officers may do."""
    return [
        ("get", reverse("projects:application-edit", args=[application.pk]), None),
        ("post", reverse("projects:application-transition", args=[application.pk, "withdraw"]),
         {"confirm": "on"}),
        ("post", reverse("projects:attachment-upload", args=[application.pk]),
         {"file": SimpleUploadedFile("b.pdf", PDF)}),
        ("post", reverse("projects:attachment-delete", args=[attachment.pk]), None),
    ]  # fmt: skip


@pytest.mark.parametrize("role", APPLICANTS)
def test_applicant_officers_may_act(client, request, application, stored_pdf, role):
    user = request.getfixturevalue(role)
    edit, *posts = act_requests(application, stored_pdf)
    assert response_for(client, user, edit[1]).status_code == 200
    for method, url, data in reversed(posts):  # delete, upload, then withdraw
        assert response_for(client, user, url, method, data).status_code == 302, url
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


@pytest.mark.parametrize("role", NOT_APPLICANTS)
def test_nobody_else_may_act_and_nothing_changes(
    client, request, application, stored_pdf, private_media, role
):
    user = request.getfixturevalue(role)
    audit_before = AuditEntry.objects.count()
    for method, url, data in act_requests(application, stored_pdf):
        assert response_for(client, user, url, method, data).status_code == 404, url
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert list(Attachment.objects.all()) == [stored_pdf]
    assert len(list(private_media.rglob("*.pdf"))) == 1
    assert AuditEntry.objects.count() == audit_before


def test_anonymous_cannot_act(client, application, stored_pdf):
    for method, url, data in act_requests(application, stored_pdf):
        assert_login_redirect(getattr(client, method)(url, data or {}), url)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("action", ["pass_check", "return", "reject", "terminate", "nonsense"])
def test_officers_cannot_use_staff_transitions(client, unit_officer, application, action):
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    client.force_login(unit_officer)
    url = reverse("projects:application-transition", args=[application.pk, action])
    assert client.post(url, {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_transitions_are_post_only(client, unit_officer, application):
    client.force_login(unit_officer)
    url = reverse("projects:application-transition", args=[application.pk, "withdraw"])
    assert client.get(url).status_code == 405


def test_staff_sees_the_detail_without_applicant_controls(client, staff_user, application):
    client.force_login(staff_user)
    response = client.get(reverse("projects:application-detail", args=[application.pk]))
    page = response.content.decode()
    assert application.title in page
    assert reverse("projects:application-edit", args=[application.pk]) not in page
    assert response.context["actions"] == []
    assert response.context["upload_form"] is None


def test_assigned_expert_sees_content_but_not_history_or_versions(
    client, assigned_expert, application, stored_pdf
):
    client.force_login(assigned_expert)
    response = client.get(reverse("projects:application-detail", args=[application.pk]))
    page = response.content.decode()
    assert application.plan in page
    assert reverse("projects:attachment-download", args=[stored_pdf.pk]) in page
    assert "状态记录" not in page
    assert reverse("projects:attachment-delete", args=[stored_pdf.pk]) not in page


# --- calls -----------------------------------------------------------------------------


def test_call_list_shows_windows_award_and_apply_button(client, unit_officer, call):
    client.force_login(unit_officer)
    page = client.get(reverse("projects:call-list")).content.decode()
    assert call.title in page
    assert "30 项，每项 ¥3,000.00" in page
    close = timezone.localtime(call.applications_close_at).strftime("%Y-%m-%d %H:%M")
    assert close in page
    assert reverse("projects:application-create", args=[call.pk]) in page


def test_call_detail_shows_notice_rubric_and_own_application(client, unit_officer, application):
    client.force_login(unit_officer)
    response = client.get(reverse("projects:call-detail", args=[application.call.pk]))
    page = response.content.decode()
    assert "现将申报工作通知如下" in page
    for criterion in ("实施能力强", "工作好", "措施实", "潜力大"):
        assert criterion in page
    assert application.title in page
    assert "贵机构已达上限" in page
    assert reverse("projects:application-create", args=[application.call.pk]) not in page


def test_call_closed_for_branches_shows_why(client, branch_officer):
    call = factories.CallFactory(branches_eligible=False)
    client.force_login(branch_officer)
    page = client.get(reverse("projects:call-detail", args=[call.pk])).content.decode()
    assert "本批次不接受分支机构申报" in page
    assert reverse("projects:application-create", args=[call.pk]) not in page


# --- creating --------------------------------------------------------------------------


def create_data(**changes):
    data = {
        "title": "智能建造科技服务团队建设",
        "area": "innovation",
        "field": factories.priority_field().pk,
        "summary": "面向全省会员单位开展智能建造技术服务。",
        "plan": "一、组建团队；二、开展服务。",
    }
    data.update(changes)
    return data


def test_create_through_the_view(client, unit_officer, call):
    client.force_login(unit_officer)
    response = client.post(reverse("projects:application-create", args=[call.pk]), create_data())
    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("projects:application-edit", args=[application.pk])
    assert application.member_unit == unit_officer.member_unit
    assert application.created_by == unit_officer
    assert application.status == ApplicationStatus.DRAFT
    assert application.title == "智能建造科技服务团队建设"
    assert "申报草稿已创建" in messages_of(client.get(response.url))[0]


def test_create_form_errors_are_shown_in_chinese(client, unit_officer, call):
    client.force_login(unit_officer)
    response = client.post(
        reverse("projects:application-create", args=[call.pk]), create_data(title="", field="")
    )
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert not Application.objects.exists()


def test_second_application_is_refused_with_the_reason(client, unit_officer, application):
    url = reverse("projects:application-create", args=[application.call.pk])
    client.force_login(unit_officer)
    response = client.get(url, follow=True)
    assert "贵机构已达上限" in messages_of(response)[0]
    response = client.post(url, create_data(title="第二项"))
    assert response.status_code == 200
    assert "贵机构已达上限" in response.content.decode()
    assert Application.objects.count() == 1


def test_create_after_the_deadline_is_refused(client, unit_officer):
    call = factories.CallFactory(applications_close_at=timezone.now() - timedelta(seconds=1))
    client.force_login(unit_officer)
    url = reverse("projects:application-create", args=[call.pk])
    response = client.get(url, follow=True)
    assert "截止" in messages_of(response)[0]
    response = client.post(url, create_data())
    assert "本批次当前不在申报时间内" in response.content.decode()
    assert not Application.objects.exists()


# --- editing ---------------------------------------------------------------------------


def page_data(response) -> dict:
    """The edit page's form as a browser would post it back unchanged."""
    data = {}
    form = response.context["form"]
    for field in form:
        data[field.html_name] = field.value() if field.value() is not None else ""
    for _title, _name, formset in response.context["formsets"]:
        for field in formset.management_form:
            data[field.html_name] = field.value()
        for row in formset.forms:
            for field in row:
                value = field.value()
                if field.name == "DELETE":
                    if value:
                        data[field.html_name] = "on"
                    continue
                data[field.html_name] = "" if value is None else value
    return data


def edit_url(application):
    return reverse("projects:application-edit", args=[application.pk])


def filled_in(data):
    indicator = Indicator.objects.get(year=2023, code="I05")
    data.update(
        {
            "plan": "一、组建团队；二、开展技术指导；三、发布科技成果。\n四、总结。",
            "outputs-0-indicator": indicator.pk,
            "outputs-0-quantity": "3",
            "outputs-0-description": "技术指导三项",
            "budget-0-item": "专家咨询费",
            "budget-0-amount": "2000",
            "budget-1-item": "资料印刷费",
            "budget-1-amount": "1000.00",
            "budget-1-note": "500 册",
            "team-0-name": "李工",
            "team-0-title": "正高级工程师",
            "team-0-role": "项目负责人",
            "milestones-0-title": "完成技术指导",
            "milestones-0-due_on": "2023-11-30",
        }
    )
    return data


def test_edit_page_lists_only_the_calls_indicators(client, unit_officer, application):
    factories.CallFactory(year=2024)
    Indicator.objects.create(
        year=2024, area="innovation", code="X01", name="明年的指标", comparator="gte",
        target=1, measure="count",
    )  # fmt: skip
    client.force_login(unit_officer)
    response = client.get(edit_url(application))
    choices = response.context["formsets"][0][2].forms[0].fields["indicator"].queryset
    assert choices.exists()
    assert set(choices.values_list("year", flat=True)) == {2023}
    assert response.context["form"]["version"].value() == application.version


def test_edit_saves_main_fields_and_every_table(client, unit_officer, application):
    client.force_login(unit_officer)
    data = filled_in(page_data(client.get(edit_url(application))))
    response = client.post(edit_url(application), data)
    assert response.status_code == 302
    assert response.url == edit_url(application)
    application.refresh_from_db()
    assert application.plan.startswith("一、组建团队；二、开展技术指导")
    assert application.version == 2
    assert [(o.indicator.code, o.quantity) for o in application.outputs.all()] == [("I05", 3)]
    assert [b.amount for b in application.budget.all()] == [Decimal("2000"), Decimal("1000")]
    assert [t.name for t in application.team.all()] == ["李工"]
    assert [m.due_on for m in application.milestones.all()] == [datetime.date(2023, 11, 30)]
    page = client.get(response.url)
    assert "已保存。" in messages_of(page)
    assert "已保存的预算合计 ¥3,000.00，应等于奖励金额 ¥3,000.00" in page.content.decode()


def test_edit_deletes_a_row_and_keeps_the_others(client, unit_officer, application):
    factories.complete_application(application)
    client.force_login(unit_officer)
    data = page_data(client.get(edit_url(application)))
    assert data["budget-0-item"] == "专家咨询费"
    data["budget-0-DELETE"] = "on"
    data["budget-1-amount"] = "3000"
    client.post(edit_url(application), {**data, "next": "detail"})
    assert [(b.item, b.amount) for b in application.budget.all()] == [
        ("资料印刷费", Decimal("3000"))
    ]
    assert application.outputs.count() == 1  # tables not touched are left as they were


def test_invalid_row_shows_errors_and_saves_nothing(client, unit_officer, application):
    client.force_login(unit_officer)
    data = filled_in(page_data(client.get(edit_url(application))))
    data["outputs-0-quantity"] = "0"
    data["budget-0-amount"] = "abc"
    response = client.post(edit_url(application), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "请按提示修改标红的内容后再保存" in page
    assert "输入一个数字。" in page
    assert "确保该值大于或等于1。" in page
    application.refresh_from_db()
    assert application.version == 1
    assert not application.outputs.exists()
    assert not application.budget.exists()


OTHER_YEAR = object()  # stands for an indicator of another year's catalogue


@pytest.mark.parametrize(
    "value", [OTHER_YEAR, "abc", "1.5", "-1", "99999999999999999999", "5\x00", " I05 ", ""]
)
def test_indicator_is_chosen_as_a_model_choice_field_would(unit_officer, application, value):
    """The outputs table finds indicators in the catalogue it was given, without a query per
    row: what it accepts and refuses, and its message, are ModelChoiceField's own."""
    own = Indicator.objects.get(year=2023, code="I05")
    if value is OTHER_YEAR:
        other = Indicator.objects.create(
            year=2024, area="innovation", code="X01", name="明年的指标", comparator="gte",
            target=1, measure="count",
        )  # fmt: skip
        value = str(other.pk)
    value = value.replace("I05", str(own.pk))
    plain = forms.ModelChoiceField(queryset=Indicator.objects.filter(year=2023), required=False)
    catalogue = IndicatorCatalogue(Indicator.objects.filter(year=2023))
    form = OutputForm(
        {"indicator": value, "quantity": "1", "description": "一项"}, indicators=catalogue
    )
    try:
        expected = plain.clean(value)
    except ValidationError as error:
        assert not form.is_valid()
        assert form.errors["indicator"] == error.messages
    else:
        assert form.is_valid() == (expected is not None)
        assert form.cleaned_data.get("indicator") == expected


def test_save_queries_do_not_grow_with_the_rows(client, unit_officer, application):
    """Validating a row does not look its indicator up in the database (it once cost two
    queries a row, 31 for the deadline burst's save)."""
    factories.complete_application(application)
    client.force_login(unit_officer)

    def save_queries(summary):
        data = page_data(client.get(edit_url(application)))
        data["summary"] = summary
        with CaptureQueriesContext(connection) as queries:
            response = client.post(edit_url(application), data)
        assert response.status_code == 302
        return len(queries)

    save_queries("先保存一次")  # caches what every later request has cached (content types)
    one_row = save_queries("一行成果")
    for code in ("I01", "I02", "I03"):
        application.outputs.create(indicator=factories.indicator(code), quantity=1, description="x")
    assert save_queries("四行成果") == one_row
    application.refresh_from_db()
    assert application.summary == "四行成果"
    assert application.version == 4


@pytest.mark.parametrize("tampered", [False, True])
def test_each_tables_management_form_is_written_as_django_writes_it(
    client, unit_officer, application, tampered
):
    """_formset.html writes the hidden fields itself (no form template) unless the
    management form has errors; the page holds exactly what {{ management_form }} gives."""
    client.force_login(unit_officer)
    if tampered:
        response = client.post(edit_url(application), {"version": "1", "outputs-TOTAL_FORMS": "x"})
    else:
        response = client.get(edit_url(application))
    page = response.content.decode()
    for _title, _name, formset in response.context["formsets"]:
        assert str(formset.management_form) in page
    assert ("(隐藏字段 TOTAL_FORMS)" in page) == tampered


def test_saving_nothing_new_writes_nothing(client, unit_officer, application):
    factories.complete_application(application)
    client.force_login(unit_officer)
    data = page_data(client.get(edit_url(application)))
    response = client.post(edit_url(application), data, follow=True)
    assert "没有需要保存的修改。" in messages_of(response)
    application.refresh_from_db()
    assert application.version == 1


def test_stale_edit_is_refused_and_the_first_text_kept(
    client, unit_officer, colleague, application
):
    client.force_login(unit_officer)
    mine = page_data(client.get(edit_url(application)))

    client.force_login(colleague)
    theirs = page_data(client.get(edit_url(application)))
    theirs["plan"] = "同事先保存的具体方案"
    assert client.post(edit_url(application), theirs).status_code == 302

    client.force_login(unit_officer)
    mine["plan"] = "我后保存的具体方案"
    response = client.post(edit_url(application), mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "其他人已修改并保存了这条记录" in page
    assert "对方已保存的内容" in page
    assert "同事先保存的具体方案" in page
    assert "我后保存的具体方案" in page  # what I typed is still in the form
    application.refresh_from_db()
    assert application.plan == "同事先保存的具体方案"
    assert application.version == 2


def test_stale_table_edit_is_refused_too(client, unit_officer, colleague, application):
    client.force_login(unit_officer)
    mine = filled_in(page_data(client.get(edit_url(application))))
    application_update(
        application=application,
        user=colleague,
        changes={"summary": "同事改了简介"},
        expected_version=application.version,
    )
    response = client.post(edit_url(application), mine)
    assert "其他人已修改并保存了这条记录" in response.content.decode()
    assert not application.outputs.exists()
    assert not application.budget.exists()


def test_submitted_application_cannot_be_edited(client, unit_officer, application):
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    client.force_login(unit_officer)
    response = client.get(edit_url(application), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "projects:application-detail", args=[application.pk]
    )
    assert "申报当前状态为“已提交”，不能修改。" in messages_of(response)
    response = client.post(edit_url(application), create_data(version=1))
    application.refresh_from_db()
    assert application.title != "智能建造科技服务团队建设"


# --- submitting and withdrawing --------------------------------------------------------


def transition_url(application, action):
    return reverse("projects:application-transition", args=[application.pk, action])


def test_submit_through_the_view(client, unit_officer, application):
    factories.complete_application(application)
    client.force_login(unit_officer)
    detail = client.get(reverse("projects:application-detail", args=[application.pk]))
    assert "内容完整，可以提交。" in detail.content.decode()
    response = client.post(transition_url(application, "submit"), follow=True)
    assert "已提交。当前状态：已提交。" in messages_of(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.versions.count() == 1
    page = response.content.decode()
    assert "等待秘书处形式审查" in page
    assert "第 1 版" in page


def test_incomplete_submit_lists_what_is_missing(client, unit_officer, application):
    client.force_login(unit_officer)
    detail = client.get(reverse("projects:application-detail", args=[application.pk]))
    assert "请至少填写一项预期成果" in detail.content.decode()
    response = client.post(transition_url(application, "submit"), follow=True)
    message = messages_of(response)[0]
    assert message.startswith("申报内容不完整，暂不能提交")
    assert "请上传至少一个申报附件" in message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_submit_after_the_deadline_is_refused(client, unit_officer, application):
    factories.complete_application(application)
    call = application.call
    call.applications_close_at = timezone.now() - timedelta(seconds=1)
    call.save()
    client.force_login(unit_officer)
    response = client.post(transition_url(application, "submit"), follow=True)
    assert "不在申报时间内" in messages_of(response)[0]
    assert "北京时间" in messages_of(response)[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert not application.versions.exists()


def test_withdraw_needs_the_confirmation(client, unit_officer, application):
    client.force_login(unit_officer)
    response = client.post(transition_url(application, "withdraw"), {}, follow=True)
    assert "请勾选“我确认撤回此申报”" in messages_of(response)[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT

    response = client.post(
        transition_url(application, "withdraw"),
        {"confirm": "on", "reason": "方案需重新论证"},
        follow=True,
    )
    assert "已撤回。当前状态：已撤回。" in messages_of(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert "方案需重新论证" in response.content.decode()


def test_withdraw_is_refused_once_under_review(client, unit_officer, application):
    application.status = ApplicationStatus.UNDER_REVIEW
    application.save()
    client.force_login(unit_officer)
    response = client.post(transition_url(application, "withdraw"), {"confirm": "on"}, follow=True)
    assert "不能执行“撤回”" in messages_of(response)[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_history_shows_staff_as_the_secretariat(client, unit_officer, staff_user, application):
    factories.complete_application(application)
    application_transition(application=application, user=unit_officer, action="submit")
    application_transition(
        application=application, user=staff_user, action="return", reason="请补充经费测算依据"
    )
    client.force_login(unit_officer)
    response = client.get(reverse("projects:application-detail", args=[application.pk]))
    page = response.content.decode()
    assert "退回意见：" in page
    assert "请补充经费测算依据" in page
    assert [row.actor for row in response.context["history"]] == [
        str(unit_officer),
        "秘书处",
    ]
    assert str(staff_user) not in page
    assert "已提交 → 退回修改" in page
    client.force_login(staff_user)
    response = client.get(reverse("projects:application-detail", args=[application.pk]))
    assert response.context["history"][-1].actor == str(staff_user)


def test_list_shows_the_organisations_applications_with_next_step(
    client, unit_officer, colleague, application
):
    factories.ApplicationFactory(title="别人的申报")
    client.force_login(colleague)
    response = client.get(reverse("projects:application-list"))
    page = response.content.decode()
    assert application.title in page
    assert "别人的申报" not in page
    assert "草稿" in page
    assert "完善内容后于" in page


# --- uploads and downloads -------------------------------------------------------------


def upload(client, application, name, content, **extra):
    return client.post(
        reverse("projects:attachment-upload", args=[application.pk]),
        {"file": SimpleUploadedFile(name, content), **extra},
        follow=True,
    )


def test_good_pdf_is_stored_privately(client, unit_officer, application, private_media):
    client.force_login(unit_officer)
    response = upload(client, application, "实施方案.pdf", PDF, description="盖章版")
    assert "已上传附件“实施方案.pdf”。" in messages_of(response)
    attachment = Attachment.objects.get()
    assert attachment.original_name == "实施方案.pdf"
    assert attachment.description == "盖章版"
    assert attachment.uploaded_by == unit_officer
    assert (private_media / attachment.file.name).read_bytes() == PDF
    assert "实施方案.pdf" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("申报书.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "文件内容与扩展名“.pdf”不符"),
        ("空文件.pdf", b"", "文件是空的（0字节）"),
        ("大文件.pdf", PDF + b"0" * 4096, "文件过大"),
        ("setup.exe", b"MZ\x90\x00", "不支持的文件类型"),
        (".hidden.pdf", PDF, "文件名不能包含路径"),
        ("方案..pdf", PDF, "文件名不能包含路径"),
        ("很长" * 70 + ".pdf", PDF, "文件名过长"),
    ],
)
def test_bad_uploads_are_refused_with_a_chinese_message(
    client, unit_officer, application, private_media, settings, name, content, message
):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(unit_officer)
    response = upload(client, application, name, content)
    shown = messages_of(response)
    assert len(shown) == 1
    assert shown[0].startswith("上传失败：")
    assert message in shown[0]
    assert not Attachment.objects.exists()
    assert not any(private_media.rglob("*"))


def test_upload_without_a_file_says_so(client, unit_officer, application, private_media):
    client.force_login(unit_officer)
    response = client.post(
        reverse("projects:attachment-upload", args=[application.pk]), {}, follow=True
    )
    assert "上传失败：这个字段是必填项。" in messages_of(response)
    assert not Attachment.objects.exists()


def test_upload_after_submission_is_refused(client, unit_officer, application, private_media):
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    client.force_login(unit_officer)
    response = upload(client, application, "补充.pdf", PDF)
    assert "申报已提交，不能再修改附件" in messages_of(response)[0]
    assert not Attachment.objects.exists()


def test_download_streams_the_file_with_its_chinese_name(client, colleague, stored_pdf):
    client.force_login(colleague)
    response = client.get(reverse("projects:attachment-download", args=[stored_pdf.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert quote("申报书（盖章）.pdf") in disposition


def test_missing_file_is_a_404_not_a_500(client, unit_officer, stored_pdf, private_media):
    (private_media / stored_pdf.file.name).unlink()
    client.force_login(unit_officer)
    response = client.get(reverse("projects:attachment-download", args=[stored_pdf.pk]))
    assert response.status_code == 404


def test_delete_attachment_removes_record_and_file(
    client, unit_officer, stored_pdf, private_media, django_capture_on_commit_callbacks
):
    path = private_media / stored_pdf.file.name
    client.force_login(unit_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:attachment-delete", args=[stored_pdf.pk]), follow=True
        )
    assert "已删除附件“申报书（盖章）.pdf”。" in messages_of(response)
    assert not Attachment.objects.exists()
    assert not path.exists()


def test_attachment_of_a_submitted_application_cannot_be_deleted(
    client, unit_officer, application, stored_pdf
):
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    client.force_login(unit_officer)
    response = client.post(reverse("projects:attachment-delete", args=[stored_pdf.pk]), follow=True)
    assert "申报已提交，不能再修改附件" in messages_of(response)[0]
    assert Attachment.objects.count() == 1


# --- versions --------------------------------------------------------------------------


@pytest.fixture
def resubmitted(application, unit_officer, staff_user):
    """Submitted, returned with a reason, changed and submitted again: two versions."""
    factories.complete_application(application)
    application_transition(application=application, user=unit_officer, action="submit")
    application_transition(
        application=application, user=staff_user, action="return", reason="请细化方案"
    )
    application.refresh_from_db()
    application_update(
        application=application,
        user=unit_officer,
        changes={"plan": "一、组建团队；二、开展技术指导和培训；三、发布科技成果。"},
        expected_version=application.version,
        children={
            "budget": [
                {"item": "专家咨询费", "amount": Decimal("2500"), "note": ""},
                {"item": "资料印刷费", "amount": Decimal("500"), "note": ""},
            ]
        },
    )
    application_transition(application=application, user=unit_officer, action="submit")
    return application


def test_versions_compare_the_last_two_by_default(client, unit_officer, resubmitted):
    client.force_login(unit_officer)
    response = client.get(reverse("projects:application-versions", args=[resubmitted.pk]))
    assert (response.context["older"].number, response.context["newer"].number) == (1, 2)
    page = response.content.decode()
    assert '<ins class="diff-ins">和培训</ins>' in page
    fields = {str(f["label"]): f["changed"] for f in response.context["comparison"]["fields"]}
    assert fields == {
        "项目名称": False,
        "能力领域": False,
        "专业领域": False,
        "项目简介": False,
        "具体方案": True,
    }
    tables = {str(t["title"]): t for t in response.context["comparison"]["tables"]}
    assert tables["经费预算"]["changed"]
    assert not tables["项目团队"]["changed"]
    kinds = [(kind, cells[:2]) for kind, cells in tables["经费预算"]["rows"]]
    assert ("delete", ["专家咨询费", "2000.00"]) in kinds
    assert ("insert", ["专家咨询费", "2500.00"]) in kinds


def test_one_version_is_shown_unmarked(client, unit_officer, resubmitted):
    client.force_login(unit_officer)
    url = reverse("projects:application-versions", args=[resubmitted.pk])
    response = client.get(url, {"a": "1", "b": "1"})
    assert response.context["single"]
    page = response.content.decode()
    assert "一、组建团队；二、开展技术指导；三、" in page
    assert 'class="diff-ins"' not in page
    assert 'class="diff-del"' not in page


def test_versions_page_ignores_bad_parameters(client, unit_officer, resubmitted):
    client.force_login(unit_officer)
    url = reverse("projects:application-versions", args=[resubmitted.pk])
    response = client.get(url, {"a": "x", "b": "99"})
    assert response.status_code == 200
    assert (response.context["older"].number, response.context["newer"].number) == (1, 2)


def test_detail_lists_versions_and_links_the_comparison(client, unit_officer, resubmitted):
    client.force_login(unit_officer)
    response = client.get(reverse("projects:application-detail", args=[resubmitted.pk]))
    page = response.content.decode()
    assert "第 2 版" in page
    assert reverse("projects:application-versions", args=[resubmitted.pk]) in page
    assert ApplicationVersion.objects.filter(application=resubmitted).count() == 2


# --- query counts ----------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_application_list_query_count_does_not_grow(client, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(unit_officer)
    url = reverse("projects:application-list")
    factories.ApplicationFactory(member_unit=unit)
    small = count_queries(client, url)
    for _ in range(6):
        factories.ApplicationFactory(member_unit=unit)
    assert count_queries(client, url) == small


def test_call_list_query_count_does_not_grow(client, unit_officer):
    client.force_login(unit_officer)
    url = reverse("projects:call-list")
    factories.ApplicationFactory(member_unit=unit_officer.member_unit)
    small = count_queries(client, url)
    for _ in range(4):
        factories.ApplicationFactory(member_unit=unit_officer.member_unit)
    assert count_queries(client, url) == small


def grow(application, user, staff, n):
    """n more of every row an application page shows: children, files, versions, history."""
    for _ in range(n):
        factories.complete_application(application)
        number = application.versions.count() + 1
        ApplicationVersion.objects.create(
            application=application,
            number=number,
            data=application_snapshot(application),
            submitted_at=timezone.now(),
            submitted_by=user,
        )
        for actor, action, source, target in [
            (user, "submit", "draft", "submitted"),
            (staff, "return", "submitted", "returned"),
        ]:
            log_action(
                f"projects.application.{action}",
                user=actor,
                obj=application,
                data={"from": source, "to": target, "reason": "再改"},
            )
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.RETURNED)


@pytest.mark.parametrize("viewer", ["unit_officer", "staff_user"])
def test_application_detail_query_count_does_not_grow(
    client, request, unit_officer, staff_user, application, viewer
):
    client.force_login(request.getfixturevalue(viewer))
    url = reverse("projects:application-detail", args=[application.pk])
    grow(application, unit_officer, staff_user, 1)
    small = count_queries(client, url)
    grow(application, unit_officer, staff_user, 3)
    assert count_queries(client, url) == small


def test_edit_page_query_count_does_not_grow(client, unit_officer, staff_user, application):
    client.force_login(unit_officer)
    url = edit_url(application)
    grow(application, unit_officer, staff_user, 1)
    small = count_queries(client, url)
    grow(application, unit_officer, staff_user, 3)
    assert count_queries(client, url) == small
