"""指标填报 in the portal: who may open what; reporting, evidence and edits through the views."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import Record, RecordEvidence
from kpis.services import evidence_add, record_reject, record_report, record_update
from society.models import AuditEntry
from tests import factories
from tests.conftest import ROLE_FIXTURES
from tests.factories import indicator

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def pdf(name="佐证.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def service_data(**overrides):
    data = {
        "indicator": indicator("I05"),
        "category": "技术指导",
        "title": "为成都某桥梁项目提供技术指导",
        "occurred_on": datetime.date(2023, 9, 1),
    }
    data.update(overrides)
    return data


def form_data(**overrides):
    """What the officer's browser posts for a technical-guidance service."""
    data = {
        "indicator": indicator("I05").pk,
        "category": "技术指导",
        "title": "为成都某桥梁项目提供技术指导",
        "occurred_on": "2023-09-01",
        "description": "现场指导桥梁顶推施工。",
        "link": "https://www.tfkjy.cn/service/1",
        "quantity": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def record(unit_officer):
    record = record_report(user=unit_officer, data=service_data())
    evidence_add(record=record, user=unit_officer, file=pdf())
    return record


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---------------------------------------------------------------------------
# Permissions: every page and every role.

# page -> the status code for each role (None: anonymous, sent to sign in).
OWN_ONLY = {
    None: "login",
    "staff_user": 403,
    "branch_officer": 404,
    "unit_officer": 200,
    "other_unit_officer": 404,
    "expert_user": 403,
    "leader_user": 403,
    "member_user": 403,
}
READERS = {**OWN_ONLY, "staff_user": 200, "leader_user": 200}
OFFICERS = {
    None: "login",
    "staff_user": 403,
    "branch_officer": 200,
    "unit_officer": 200,
    "other_unit_officer": 200,
    "expert_user": 403,
    "leader_user": 403,
    "member_user": 403,
}
DOWNLOAD = {**READERS, "expert_user": 404, "member_user": 404}

PAGES = {
    "list": (lambda record: reverse("kpis:record-list"), OFFICERS),
    "create": (lambda record: reverse("kpis:record-create"), OFFICERS),
    "indicator-fields": (
        lambda record: (
            reverse("kpis:record-indicator-fields") + f"?indicator={indicator('A02').pk}"
        ),
        OFFICERS,
    ),
    "detail": (lambda record: reverse("kpis:record-detail", args=[record.pk]), READERS),
    "edit": (lambda record: reverse("kpis:record-edit", args=[record.pk]), OWN_ONLY),
    "download": (
        lambda record: reverse("kpis:evidence-download", args=[record.evidence.get().pk]),
        DOWNLOAD,
    ),
}


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES, "other_unit_officer"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_for_every_role(client, request, record, page, role):
    url, expected = PAGES[page]
    url = url(record)
    if role is not None:
        client.force_login(request.getfixturevalue(role))

    response = client.get(url)

    if expected[role] == "login":
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected[role]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, "login"),
        ("staff_user", 403),
        ("leader_user", 403),
        ("expert_user", 403),
        ("member_user", 403),
        ("other_unit_officer", 404),
    ],
)
def test_nobody_else_posts_edits_or_evidence(client, request, record, role, expected):
    if role is not None:
        client.force_login(request.getfixturevalue(role))

    edited = client.post(
        reverse("kpis:record-edit", args=[record.pk]),
        form_data(title="改名", version=record.version),
    )
    uploaded = client.post(
        reverse("kpis:evidence-upload", args=[record.pk]), {"evidence": [pdf("另一份.pdf")]}
    )

    for response in (edited, uploaded):
        if expected == "login":
            assert response.status_code == 302 and response.url.startswith(LOGIN)
        else:
            assert response.status_code == expected
    record.refresh_from_db()
    assert record.title == "为成都某桥梁项目提供技术指导"
    assert record.evidence.count() == 1


def test_officer_menu_has_the_record_list(client, unit_officer):
    client.force_login(unit_officer)
    response = client.get(reverse("kpis:record-list"))
    labels = {item.label: item for item in response.context["nav_items"]}
    assert labels["指标填报"].active


def test_evidence_streams_the_file(client, record, leader_user):
    client.force_login(leader_user)
    response = client.get(reverse("kpis:evidence-download", args=[record.evidence.get().pk]))
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


# ---------------------------------------------------------------------------
# The list: own organisation only, filters, badges and review notes.


def test_list_shows_only_own_records_with_status_and_review_note(
    client, unit_officer, other_unit_officer, staff_user
):
    own = record_report(user=unit_officer, data=service_data(title="本单位的服务"))
    record_reject(record=own, user=staff_user, note="佐证材料不清晰")
    record_report(user=other_unit_officer, data=service_data(title="别家单位的服务"))
    client.force_login(unit_officer)

    response = client.get(reverse("kpis:record-list"))

    assert "本单位的服务" in response.text
    assert "别家单位的服务" not in response.text
    assert "未通过" in response.text
    assert "核实意见：佐证材料不清晰" in response.text


def test_list_filters_by_indicator_and_status(client, unit_officer, staff_user):
    record_report(user=unit_officer, data=service_data(title="一项技术指导"))
    rejected = record_report(
        user=unit_officer,
        data=service_data(indicator=indicator("A03"), category="", title="决策咨询报告"),
    )
    record_reject(record=rejected, user=staff_user, note="不符合要求")
    client.force_login(unit_officer)
    url = reverse("kpis:record-list")

    by_indicator = client.get(url, {"indicator": indicator("A03").pk})
    by_status = client.get(url, {"status": "reported"})

    assert [r.title for r in by_indicator.context["records"]] == ["决策咨询报告"]
    assert [r.title for r in by_status.context["records"]] == ["一项技术指导"]


@pytest.mark.parametrize("records", [1, 4])
def test_list_query_count_does_not_grow(client, unit_officer, records, settings):
    def count_queries(n):
        Record.objects.all().delete()
        for i in range(n):
            record = factories.RecordFactory(
                member_unit=unit_officer.member_unit,
                status="reported",
                title=f"服务{i}",
                category="技术指导",
            )
            RecordEvidence.objects.create(
                record=record,
                file="kpis/x.pdf",
                original_name="x.pdf",
                extension="pdf",
                content_type="application/pdf",
                size=3,
                sha256="0" * 64,
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("kpis:record-list"))
        assert response.status_code == 200
        assert len(response.context["records"]) == n
        return len(queries)

    client.force_login(unit_officer)
    assert count_queries(records) == count_queries(records + 5)


# ---------------------------------------------------------------------------
# Reporting with evidence.


def test_form_offers_only_this_years_record_indicators_grouped_by_area(client, unit_officer):
    client.force_login(unit_officer)
    response = client.get(reverse("kpis:record-create"))
    choices = response.context["form"].fields["indicator"].choices
    groups = [label for label, _options in choices[1:]]
    assert groups == ["政治引领力", "创新支撑力", "学术引领力", "学会公信力"]
    offered = {label for _group, options in choices[1:] for _pk, label in options}
    assert str(indicator("I05")) in offered
    assert str(indicator("P02")) not in offered  # computed from the registry
    assert str(indicator("C03")) not in offered


def test_officer_reports_a_service_with_two_evidence_files(client, unit_officer, private_media):
    client.force_login(unit_officer)
    data = form_data(evidence=[pdf("指导记录.pdf"), pdf("现场照片.pdf")])

    response = client.post(reverse("kpis:record-create"), data)

    record = Record.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("kpis:record-detail", args=[record.pk])
    assert record.member_unit == unit_officer.member_unit
    assert (record.status, record.reported_by) == ("reported", unit_officer)
    assert sorted(e.original_name for e in record.evidence.all()) == [
        "指导记录.pdf",
        "现场照片.pdf",
    ]
    assert len(stored_files(private_media)) == 2
    page = client.get(response.url)
    assert "指导记录.pdf" in page.text and "待核实" in page.text


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([pdf("好的.pdf"), pdf("伪装.pdf", b"MZ\x90\x00 not a pdf")], "文件内容与扩展名"),
        ([pdf("病毒.exe")], "不支持的文件类型"),
        ([pdf("空的.pdf", b"")], "文件是空的"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(
    client, unit_officer, private_media, files, message
):
    client.force_login(unit_officer)

    response = client.post(reverse("kpis:record-create"), form_data(evidence=files))

    assert response.status_code == 200
    assert message in response.text
    assert not Record.objects.exists()
    assert not RecordEvidence.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="kpis.").exists()
    assert stored_files(private_media) == []


def test_too_large_evidence_is_refused(client, unit_officer, settings, private_media):
    settings.UPLOAD_MAX_BYTES = 10
    client.force_login(unit_officer)
    response = client.post(reverse("kpis:record-create"), form_data(evidence=[pdf()]))
    assert "文件过大" in response.text
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category": ""}, "请选择类别：科技评价、标准研制"),
        ({"indicator": lambda: indicator("P01").pk, "category": ""}, "排名类指标请填写名次"),
        (
            {
                "indicator": lambda: indicator("A02").pk,
                "category": "",
                "published_on": "2020-05-01",
                "sichuan_author": "on",
            },
            "发表日期须在 2021-01-01 至 2023-08-31 之间",
        ),
    ],
)
def test_the_indicators_rules_are_explained(client, unit_officer, overrides, message):
    overrides = {k: v() if callable(v) else v for k, v in overrides.items()}
    client.force_login(unit_officer)

    response = client.post(reverse("kpis:record-create"), form_data(**overrides))

    assert response.status_code == 200
    assert message in response.text
    assert not Record.objects.exists()


def test_a_paper_reported_twice_is_refused(client, unit_officer, branch_officer):
    paper = form_data(
        indicator=indicator("A02").pk,
        category="",
        title="装配式混凝土结构抗震性能研究",
        published_on="2023-03-01",
        sichuan_author="on",
        authors="李明",
    )
    client.force_login(branch_officer)
    client.post(reverse("kpis:record-create"), paper)
    client.force_login(unit_officer)

    response = client.post(
        reverse("kpis:record-create"), {**paper, "title": "装配式混凝土结构 抗震性能研究"}
    )

    assert "不能重复填报" in response.text
    assert Record.objects.count() == 1


def test_indicator_fields_partial_offers_the_indicators_categories(client, unit_officer):
    client.force_login(unit_officer)
    url = reverse("kpis:record-indicator-fields")

    service = client.get(url, {"indicator": indicator("I05").pk})
    paper = client.get(url, {"indicator": indicator("A02").pk})

    assert '<option value="技术指导">' in service.text
    assert "推荐论文" not in service.text and "排名类指标" not in service.text
    assert "第一或通讯作者在川工作" in paper.text
    assert "技术指导" not in paper.text


# ---------------------------------------------------------------------------
# Evidence on the record's page.


def test_more_evidence_is_uploaded_on_the_record_page(client, record, unit_officer):
    client.force_login(unit_officer)
    response = client.post(
        reverse("kpis:evidence-upload", args=[record.pk]),
        {"evidence": [pdf("补充一.pdf"), pdf("补充二.pdf")]},
    )
    assert response.status_code == 302
    assert record.evidence.count() == 3


def test_a_bad_file_among_uploads_stores_none(client, record, unit_officer, private_media):
    before = stored_files(private_media)
    client.force_login(unit_officer)
    response = client.post(
        reverse("kpis:evidence-upload", args=[record.pk]),
        {"evidence": [pdf("补充.pdf"), pdf("坏的.pdf", b"not a pdf")]},
        follow=True,
    )
    assert any("上传失败" in message for message in page_messages(response))
    assert record.evidence.count() == 1
    assert stored_files(private_media) == before


# ---------------------------------------------------------------------------
# Editing: versioned, refused once verified, a rejected record reported again.


def test_officer_edits_an_unverified_record(client, record, unit_officer):
    client.force_login(unit_officer)
    response = client.post(
        reverse("kpis:record-edit", args=[record.pk]),
        form_data(title="为成都某桥梁项目提供施工技术指导", version=record.version),
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.title == "为成都某桥梁项目提供施工技术指导"
    assert record.version == 2
    assert AuditEntry.objects.filter(action="kpis.record.updated").exists()


def test_stale_edit_is_refused_with_a_chinese_message(client, record, unit_officer):
    read_version = record.version
    record_update(
        record=Record.objects.get(pk=record.pk),
        user=unit_officer,
        changes={"quantity": 2},
        expected_version=read_version,
    )
    client.force_login(unit_officer)

    response = client.post(
        reverse("kpis:record-edit", args=[record.pk]),
        form_data(title="迟到的修改", version=read_version),
    )

    assert response.status_code == 200
    assert "其他人已修改并保存了这条记录" in response.text
    record.refresh_from_db()
    assert (record.title, record.quantity) == ("为成都某桥梁项目提供技术指导", 2)


def test_rejected_record_edited_is_reported_again(client, record, unit_officer, staff_user):
    record_reject(record=record, user=staff_user, note="日期有误，应为9月2日")
    record.refresh_from_db()
    client.force_login(unit_officer)
    page = client.get(reverse("kpis:record-detail", args=[record.pk]))
    assert "日期有误，应为9月2日" in page.text

    response = client.post(
        reverse("kpis:record-edit", args=[record.pk]),
        form_data(occurred_on="2023-09-02", version=record.version),
        follow=True,
    )

    record.refresh_from_db()
    assert (record.status, record.review_note) == ("reported", "")
    assert record.occurred_on == datetime.date(2023, 9, 2)
    assert "已修改并重新提交" in " ".join(page_messages(response))


def test_verified_record_cannot_be_edited(client, record, unit_officer, staff_user):
    from kpis.services import record_verify

    record_verify(record=record, user=staff_user)
    client.force_login(unit_officer)

    page = client.get(reverse("kpis:record-detail", args=[record.pk]))
    response = client.post(
        reverse("kpis:record-edit", args=[record.pk]),
        form_data(title="核实后修改", version=record.version),
        follow=True,
    )

    assert reverse("kpis:record-edit", args=[record.pk]) not in page.text
    assert "记录已核实，不能再修改" in " ".join(page_messages(response))
    record.refresh_from_db()
    assert record.title == "为成都某桥梁项目提供技术指导"
