"""The awardee's implementation pages: who may open them, progress, evidence, final report."""

import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.enums import AwardStatus
from awards.models import Payment
from projects.enums import ApplicationStatus, AttachmentKind, ReviewStatus
from projects.models import Attachment, FinalReport, Milestone, PlannedOutput, ProgressUpdate
from projects.views.implementation import IMPLEMENTATION_STATES
from tests import factories

pytestmark = pytest.mark.django_db

S = ApplicationStatus
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LOGIN = reverse("login")


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def application(unit_officer):
    application = factories.ApplicationFactory(
        member_unit=unit_officer.member_unit, status=S.AWARDED
    )
    return factories.complete_application(application)


@pytest.fixture
def in_progress(application):
    application.status = S.IN_PROGRESS
    application.save()
    return application


@pytest.fixture
def award(application):
    return factories.AwardFactory(
        application=application,
        status=AwardStatus.CONFIRMED,
        certificate_number="SCTJ-JL-2023-001",
        confirmed_at=timezone.now(),
    )


@pytest.fixture
def colleague(unit_officer):
    return factories.UnitOfficerFactory(username="colleague", member_unit=unit_officer.member_unit)


@pytest.fixture
def assigned_expert(expert_user, application):
    factories.ReviewAssignmentFactory(
        application=application, expert=expert_user.expert, status=ReviewStatus.SUBMITTED
    )
    return expert_user


def url(name, application, *args) -> str:
    return reverse(f"projects:{name}", args=[application.pk, *args])


def pdf(name="进展材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def text_of(response) -> str:
    return response.content.decode()


# --- permissions ------------------------------------------------------------------------

PAGES = ["implementation", "implementation-progress", "final-report"]
MAY_OPEN = ["unit_officer", "colleague"]
MAY_NOT_OPEN = [
    "staff_user",
    "branch_officer",
    "other_unit_officer",
    "assigned_expert",
    "leader_user",
    "member_user",
]


@pytest.mark.parametrize("role", MAY_OPEN)
def test_the_awardee_officers_open_every_page(client, request, application, award, role):
    client.force_login(request.getfixturevalue(role))
    for name in PAGES:
        assert client.get(url(name, application)).status_code == 200, name


@pytest.mark.parametrize("role", MAY_NOT_OPEN)
def test_everyone_else_gets_404_on_every_page(client, request, application, award, role):
    client.force_login(request.getfixturevalue(role))
    for name in PAGES:
        assert client.get(url(name, application)).status_code == 404, name


def test_anonymous_is_sent_to_login(client, application):
    for name in PAGES:
        target = url(name, application)
        response = client.get(target)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?next={quote(target)}"


@pytest.mark.parametrize("role", MAY_NOT_OPEN)
def test_everyone_else_cannot_act(client, request, in_progress, private_media, role):
    output = in_progress.outputs.get()
    factories.complete_final_report(in_progress)
    evidence = output.evidence.get()
    client.force_login(request.getfixturevalue(role))
    posts = [
        (url("implementation-progress", in_progress), {"text": "进展情况说明十个字以上。"}),
        (url("final-report", in_progress), {"summary": "改写的总结"}),
        (url("final-report-evidence", in_progress), {"output": output.pk, "file": pdf()}),
        (url("final-report-submit", in_progress), {}),
        (url("implementation-attachment-delete", in_progress, evidence.pk), {}),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code == 404, target
    in_progress.refresh_from_db()
    assert in_progress.status == S.IN_PROGRESS
    assert not ProgressUpdate.objects.exists()
    assert FinalReport.objects.get().summary == "全面完成了项目任务。"
    assert in_progress.attachments.filter(kind=AttachmentKind.EVIDENCE).count() == 1


@pytest.mark.parametrize("status", IMPLEMENTATION_STATES)
def test_pages_exist_from_the_award_to_the_archive(client, unit_officer, application, status):
    application.status = status
    application.save()
    client.force_login(unit_officer)
    assert client.get(url("implementation", application)).status_code == 200
    assert client.get(url("final-report", application)).status_code == 200


@pytest.mark.parametrize(
    "status",
    [S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.REVIEWED, S.PUBLICIZED, S.NOT_AWARDED, S.WITHDRAWN],
)
def test_pages_do_not_exist_before_the_award(client, unit_officer, application, status):
    application.status = status
    application.save()
    client.force_login(unit_officer)
    for name in PAGES:
        assert client.get(url(name, application)).status_code == 404, name


def test_application_detail_links_the_awardee_to_the_implementation(
    client, unit_officer, application
):
    client.force_login(unit_officer)
    detail = reverse("projects:application-detail", args=[application.pk])
    assert url("implementation", application) in text_of(client.get(detail))
    application.status = S.REVIEWED
    application.save()
    assert url("implementation", application) not in text_of(client.get(detail))


# --- overview ---------------------------------------------------------------------------


def test_overview_shows_inspections_payments_and_documents(
    client, unit_officer, in_progress, award
):
    factories.InspectionFactory(
        application=in_progress,
        result="rectify",
        findings="台账资料不完整，请补充。",
        fix_deadline=datetime.date(2023, 11, 15),
    )
    Payment.objects.create(
        award=award,
        paid_on=datetime.date(2023, 10, 8),
        amount=Decimal("1500.00"),
        voucher_number="PZ-2023-0815",
    )
    client.force_login(unit_officer)

    text = text_of(client.get(url("implementation", in_progress)))

    assert "整改" in text and "2023-11-15" in text and "台账资料不完整" in text
    assert "2023-10-08" in text and "¥1,500.00" in text
    assert "PZ-2023-0815" not in text  # amounts and dates only
    assert reverse("awards:award-letter", args=[award.pk]) in text
    assert reverse("awards:award-certificate", args=[award.pk]) in text
    assert "SCTJ-JL-2023-001" in text


def test_overview_without_a_confirmed_award_has_no_document_links(
    client, unit_officer, application
):
    client.force_login(unit_officer)
    text = text_of(client.get(url("implementation", application)))
    assert "奖励确认后可在此下载" in text


# --- progress ---------------------------------------------------------------------------


def test_first_progress_update_starts_the_work_with_files(
    client, unit_officer, application, private_media
):
    milestone = application.milestones.get()
    client.force_login(unit_officer)

    response = client.post(
        url("implementation-progress", application),
        {
            "reported_on": "2023-10-10",
            "milestone": milestone.pk,
            "milestone_done": "on",
            "text": "已完成两次桥梁检测技术指导服务。",
            "files": [pdf("指导记录.pdf"), pdf("现场照片说明.pdf")],
        },
    )

    assert response.status_code == 302
    assert response.url == url("implementation", application)
    application.refresh_from_db()
    assert application.status == S.IN_PROGRESS
    update = ProgressUpdate.objects.get()
    assert (update.milestone, update.milestone_done, update.author) == (
        milestone,
        True,
        unit_officer,
    )
    files = application.attachments.filter(kind=AttachmentKind.PROGRESS)
    assert sorted(files.values_list("original_name", flat=True)) == [
        "指导记录.pdf",
        "现场照片说明.pdf",
    ]
    text = text_of(client.get(response.url))
    assert "已完成两次桥梁检测技术指导服务。" in text
    assert "指导记录.pdf" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "好"}, "不少于10个字"),
        ({"text": ""}, "请写明进展情况"),
        ({"files": [SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00" * 10)]}, "文件内容与扩展名"),
        ({"files": [SimpleUploadedFile("a.exe", b"MZ")]}, "不支持的文件类型"),
        ({"reported_on": "2099-01-01"}, "报告日期不能晚于今天"),
    ],
)
def test_bad_progress_is_refused_and_nothing_changes(
    client, unit_officer, application, private_media, data, message
):
    client.force_login(unit_officer)
    post = {"reported_on": "2023-10-10", "text": "已完成两次技术指导服务。", **data}

    response = client.post(url("implementation-progress", application), post)

    assert response.status_code == 200
    assert message in text_of(response)
    application.refresh_from_db()
    assert application.status == S.AWARDED
    assert not ProgressUpdate.objects.exists()
    assert not application.attachments.exclude(kind=AttachmentKind.APPLICATION).exists()
    assert not any(private_media.rglob("*.*"))


def test_a_milestone_of_another_application_cannot_be_chosen(client, unit_officer, application):
    other = factories.complete_application(factories.ApplicationFactory()).milestones.get()
    client.force_login(unit_officer)
    response = client.post(
        url("implementation-progress", application),
        {"reported_on": "2023-10-10", "text": "已完成两次技术指导服务。", "milestone": other.pk},
    )
    assert response.status_code == 200
    assert not ProgressUpdate.objects.exists()


def test_no_progress_after_the_final_report(client, unit_officer, application):
    application.status = S.FINAL_SUBMITTED
    application.save()
    client.force_login(unit_officer)
    target = url("implementation-progress", application)

    response = client.post(target, {"reported_on": "2023-10-10", "text": "补充进展十个字以上。"})

    assert response.status_code == 302
    assert "不能再报告进展" in messages_of(client.get(response.url))[0]
    assert not ProgressUpdate.objects.exists()
    assert client.get(target).status_code == 302


# --- final report -----------------------------------------------------------------------


def test_summary_is_saved_and_an_empty_one_refused(client, unit_officer, in_progress):
    client.force_login(unit_officer)
    target = url("final-report", in_progress)

    refused = client.post(target, {"summary": ""})
    assert "请填写工作总结" in text_of(refused)
    assert not FinalReport.objects.exists()

    response = client.post(target, {"summary": "全面完成了两项技术指导。"}, follow=True)
    assert "工作总结已保存。" in messages_of(response)
    assert FinalReport.objects.get().summary == "全面完成了两项技术指导。"


def test_evidence_is_tied_to_one_planned_output(client, unit_officer, in_progress, private_media):
    output = in_progress.outputs.get()
    client.force_login(unit_officer)

    response = client.post(
        url("final-report-evidence", in_progress),
        {"output": output.pk, "file": pdf("技术指导报告.pdf"), "description": "两次指导的记录"},
        follow=True,
    )

    assert "已上传佐证材料“技术指导报告.pdf”。" in messages_of(response)
    evidence = Attachment.objects.get(kind=AttachmentKind.EVIDENCE)
    assert (evidence.output, evidence.application) == (output, in_progress)
    assert "技术指导报告.pdf" in text_of(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"output": ""}, "请选择这份佐证材料对应的预期成果"),
        ({"file": None}, "请选择要上传的文件"),
        ({"file": SimpleUploadedFile("a.pdf", b"")}, "文件是空的"),
    ],
)
def test_bad_evidence_is_refused(client, unit_officer, in_progress, private_media, data, message):
    output = in_progress.outputs.get()
    post = {"output": output.pk, "file": pdf(), **data}
    client.force_login(unit_officer)

    response = client.post(
        url("final-report-evidence", in_progress),
        {key: value for key, value in post.items() if value is not None},
        follow=True,
    )

    assert any(message in text for text in messages_of(response))
    assert not Attachment.objects.filter(kind=AttachmentKind.EVIDENCE).exists()
    assert not any(private_media.rglob("*.*"))


def test_an_output_of_another_application_is_refused(
    client, unit_officer, in_progress, private_media
):
    other = factories.complete_application(factories.ApplicationFactory()).outputs.get()
    client.force_login(unit_officer)
    client.post(url("final-report-evidence", in_progress), {"output": other.pk, "file": pdf()})
    assert not Attachment.objects.filter(kind=AttachmentKind.EVIDENCE).exists()


def test_submit_is_refused_without_evidence_then_accepted(
    client, unit_officer, in_progress, private_media
):
    indicator = in_progress.outputs.get().indicator
    second = PlannedOutput.objects.create(
        application=in_progress, indicator=indicator, quantity=1, description="培训一次"
    )
    client.force_login(unit_officer)
    page = url("final-report", in_progress)
    submit = url("final-report-submit", in_progress)

    refused = client.post(submit, follow=True)
    assert "请先填写工作总结。" in messages_of(refused)

    client.post(page, {"summary": "全面完成了项目任务。"})
    first = in_progress.outputs.exclude(pk=second.pk).get()
    client.post(url("final-report-evidence", in_progress), {"output": first.pk, "file": pdf()})
    checklist = text_of(client.get(page))
    assert "培训一次" in checklist and "尚无佐证材料" in checklist

    refused = client.post(submit, follow=True)
    (message,) = messages_of(refused)
    assert "以下预期成果尚无佐证材料" in message and "培训一次" in message
    in_progress.refresh_from_db()
    assert in_progress.status == S.IN_PROGRESS
    assert FinalReport.objects.get().submitted_at is None

    client.post(url("final-report-evidence", in_progress), {"output": second.pk, "file": pdf()})
    accepted = client.post(submit, follow=True)

    assert "结题报告已提交，等待学会验收。" in messages_of(accepted)
    in_progress.refresh_from_db()
    assert in_progress.status == S.FINAL_SUBMITTED
    report = FinalReport.objects.get()
    assert (report.submitted_by, report.submitted_at is not None) == (unit_officer, True)
    text = text_of(client.get(page))
    assert 'name="summary"' not in text  # read only now
    assert "全面完成了项目任务。" in text


def test_submit_waits_for_the_fix_after_a_rectify_inspection(
    client, unit_officer, in_progress, private_media
):
    factories.complete_final_report(in_progress)
    in_progress.status = S.INSPECTION
    in_progress.save()
    client.force_login(unit_officer)

    response = client.post(url("final-report-submit", in_progress), follow=True)

    assert "不能执行“提交结题报告”" in messages_of(response)[0]
    in_progress.refresh_from_db()
    assert in_progress.status == S.INSPECTION


def test_evidence_can_be_removed_while_implementing(
    client, unit_officer, in_progress, private_media
):
    output = in_progress.outputs.get()
    client.force_login(unit_officer)
    client.post(url("final-report-evidence", in_progress), {"output": output.pk, "file": pdf()})
    evidence = Attachment.objects.get(kind=AttachmentKind.EVIDENCE)

    response = client.post(url("implementation-attachment-delete", in_progress, evidence.pk))

    assert response.url == url("final-report", in_progress)
    assert not Attachment.objects.filter(kind=AttachmentKind.EVIDENCE).exists()


def test_application_attachments_cannot_be_removed_here(client, unit_officer, in_progress):
    attachment = in_progress.attachments.get(kind=AttachmentKind.APPLICATION)
    client.force_login(unit_officer)
    target = url("implementation-attachment-delete", in_progress, attachment.pk)
    assert client.post(target).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


# --- query counts -----------------------------------------------------------------------


def count_queries(client, target) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(target).status_code == 200
    return len(queries)


def add_history(application, award, n, *, start=0):
    for i in range(start, start + n):
        milestone = Milestone.objects.create(
            application=application, title=f"节点{i}", due_on=datetime.date(2023, 10, 1 + i)
        )
        for done in (False, True):
            ProgressUpdate.objects.create(
                application=application,
                milestone=milestone,
                reported_on=datetime.date(2023, 9, 1 + i),
                text="进展情况说明十个字以上。",
                milestone_done=done,
                author=application.created_by,
            )
        ProgressUpdate.objects.create(
            application=application, reported_on=datetime.date(2023, 9, 1), text="其他进展。"
        )
        factories.InspectionFactory(application=application)
        Payment.objects.create(
            award=award,
            paid_on=datetime.date(2023, 10, 1 + i),
            amount=Decimal("100.00"),
            voucher_number=f"PZ-{application.pk}-{i}",
        )
        Attachment.objects.create(
            application=application,
            kind=AttachmentKind.PROGRESS,
            file="applications/progress.pdf",
            original_name=f"进展{i}.pdf",
            extension="pdf",
            content_type="application/pdf",
            size=10,
            sha256="2" * 64,
        )


@pytest.mark.parametrize("page", ["implementation", "final-report"])
def test_page_queries_do_not_grow_with_the_history(client, unit_officer, in_progress, award, page):
    factories.complete_final_report(in_progress)
    client.force_login(unit_officer)
    add_history(in_progress, award, 1)
    few = count_queries(client, url(page, in_progress))
    add_history(in_progress, award, 4, start=1)
    indicator = in_progress.outputs.first().indicator
    for i in range(3):
        PlannedOutput.objects.create(
            application=in_progress, indicator=indicator, quantity=1, description=f"成果{i}"
        )
    assert count_queries(client, url(page, in_progress)) == few
