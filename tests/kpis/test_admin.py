"""The back office for indicator records: verification, staff records, outreach, satisfaction."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import Outreach, ProgrammeYear, Record, RecordEvidence, SatisfactionResponse
from kpis.services import evidence_add, record_report
from society.models import AuditEntry
from tests import factories
from tests.conftest import ROLE_FIXTURES
from tests.factories import indicator

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHER_ROLES = [None, *(role for role in ROLE_FIXTURES if role != "staff_user")]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


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


def paper_data(**overrides):
    return service_data(
        indicator=indicator("A02"),
        category="",
        published_on=datetime.date(2023, 3, 1),
        sichuan_author=True,
        authors="李明",
        **overrides,
    )


def reported(user, *, evidence=True, **overrides) -> Record:
    record = record_report(user=user, data=service_data(**overrides))
    if evidence:
        evidence_add(record=record, user=user, file=pdf())
    return record


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---------------------------------------------------------------------------
# Every page: 200 for the secretariat; the login page or 403 for everyone else.


def page_urls(unit_officer) -> dict[str, str]:
    record = reported(unit_officer)
    member = factories.MemberFactory()
    outreach = Outreach.objects.create(
        member=member, contacted_on=datetime.date(2023, 8, 1), channel="wechat"
    )
    answer = SatisfactionResponse.objects.create(record=record, member=member, rating=5)
    year = ProgrammeYear.objects.get(year=2023)
    return {
        "record-list": reverse("admin:kpis_record_changelist"),
        "record-add": reverse("admin:kpis_record_add"),
        "record-change": reverse("admin:kpis_record_change", args=[record.pk]),
        "record-edit": reverse("admin:kpis_record_edit", args=[record.pk]),
        "record-import": reverse("admin:kpis_record_import"),
        "record-export": reverse("admin:kpis_record_export"),
        "outreach-list": reverse("admin:kpis_outreach_changelist"),
        "outreach-add": reverse("admin:kpis_outreach_add"),
        "outreach-change": reverse("admin:kpis_outreach_change", args=[outreach.pk]),
        "satisfaction-list": reverse("admin:kpis_satisfactionresponse_changelist"),
        "satisfaction-change": reverse("admin:kpis_satisfactionresponse_change", args=[answer.pk]),
        "year-list": reverse("admin:kpis_programmeyear_changelist"),
        "year-change": reverse("admin:kpis_programmeyear_change", args=[year.pk]),
    }


def test_every_page_opens_for_staff(client, staff_user, unit_officer):
    client.force_login(staff_user)
    for name, url in page_urls(unit_officer).items():
        assert client.get(url).status_code == 200, name


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_nobody_else_opens_the_pages(client, request, unit_officer, role):
    urls = page_urls(unit_officer)
    if role is not None:
        user = request.getfixturevalue(role)
        user.is_staff = True  # even with the staff flag, the back office is the secretariat's
        user.save()
        client.force_login(user)
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code in (302, 403), name
        if response.status_code == 302:
            assert "/login/" in response.url, name


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_nobody_else_verifies(client, request, unit_officer, role):
    record = reported(unit_officer)
    if role is not None:
        user = request.getfixturevalue(role)
        user.is_staff = True
        user.save()
        client.force_login(user)
    response = client.post(reverse("admin:kpis_record_verify", args=[record.pk]))
    assert response.status_code in (302, 403)
    record.refresh_from_db()
    assert record.status == "reported"


# ---------------------------------------------------------------------------
# The list.


def test_changelist_shows_the_columns(client, staff_user, unit_officer):
    reported(unit_officer, title="桥梁顶推技术指导")
    client.force_login(staff_user)

    response = client.get(reverse("admin:kpis_record_changelist"))

    assert "桥梁顶推技术指导" in response.text
    assert "I05" in response.text
    assert unit_officer.member_unit.name in response.text
    assert "待核实" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"organisation": "branch"}, ["分支机构的服务"]),
        ({"organisation": "unit"}, ["单位的服务"]),
        ({"organisation": "society"}, ["学会的排名"]),
        ({"indicator__area": "political"}, ["学会的排名"]),
        (
            {"indicator__year": "2023", "indicator__area": "innovation"},
            ["单位的服务", "分支机构的服务"],
        ),
        ({"indicator__year": "2024"}, []),
        ({"status": "verified"}, []),
        ({"q": "分支机构"}, ["分支机构的服务"]),
    ],
)
def test_changelist_filters(client, staff_user, unit_officer, branch_officer, query, expected):
    reported(unit_officer, title="单位的服务", occurred_on=datetime.date(2023, 9, 2))
    reported(branch_officer, title="分支机构的服务", occurred_on=datetime.date(2023, 9, 1))
    record_report(
        user=staff_user,
        data=service_data(
            indicator=indicator("P01"),
            category="",
            title="学会的排名",
            value=38,
            source_note="省科协通报",
        ),
    )
    client.force_login(staff_user)

    response = client.get(reverse("admin:kpis_record_changelist"), query)

    assert [r.title for r in response.context["cl"].result_list] == expected


@pytest.mark.parametrize("records", [1, 4])
def test_changelist_query_count_does_not_grow(client, staff_user, records):
    def count_queries(n):
        Record.objects.all().delete()
        for i in range(n):
            record = factories.RecordFactory(
                branch=factories.BranchFactory() if i % 2 else None,
                member_unit=None if i % 2 else factories.MemberUnitFactory(),
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
            response = client.get(reverse("admin:kpis_record_changelist"))
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == n
        return len(queries)

    client.force_login(staff_user)
    assert count_queries(records) == count_queries(records + 5)


# ---------------------------------------------------------------------------
# 核实 / 不通过 on the record's page.


def test_change_page_lists_evidence_with_download_links(client, staff_user, unit_officer):
    record = reported(unit_officer)
    client.force_login(staff_user)

    response = client.get(reverse("admin:kpis_record_change", args=[record.pk]))

    link = reverse("kpis:evidence-download", args=[record.evidence.get().pk])
    assert link in response.text
    assert "佐证.pdf" in response.text
    assert 'value="核实"' in response.text
    assert 'name="_save"' not in response.text  # read only: no admin save button
    download = client.get(link)
    assert b"".join(download.streaming_content) == PDF


def test_staff_verify_a_record(client, staff_user, unit_officer):
    record = reported(unit_officer)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:kpis_record_verify", args=[record.pk]), {"note": "材料齐全"}, follow=True
    )

    record.refresh_from_db()
    assert (record.status, record.verified_by, record.review_note) == (
        "verified",
        staff_user,
        "材料齐全",
    )
    assert any("已核实" in message for message in page_messages(response))
    assert AuditEntry.objects.filter(action="kpis.record.verified").exists()
    assert "核实" in response.text and "处理记录" in response.text


def test_missing_evidence_is_refused_with_a_message(client, staff_user, unit_officer):
    record = reported(unit_officer, evidence=False)
    client.force_login(staff_user)

    response = client.post(reverse("admin:kpis_record_verify", args=[record.pk]), follow=True)

    assert any("没有佐证材料" in message for message in page_messages(response))
    record.refresh_from_db()
    assert record.status == "reported"


def test_reject_needs_a_reason(client, staff_user, unit_officer):
    record = reported(unit_officer)
    client.force_login(staff_user)
    url = reverse("admin:kpis_record_reject", args=[record.pk])

    refused = client.post(url, {"note": "  "}, follow=True)
    record.refresh_from_db()
    assert record.status == "reported"
    assert any("请填写不通过的理由" in message for message in page_messages(refused))

    client.post(url, {"note": "佐证材料与服务内容不符"})
    record.refresh_from_db()
    assert (record.status, record.review_note) == ("rejected", "佐证材料与服务内容不符")
    assert unit_officer.notifications.filter(title__contains="未通过").exists()


def test_cap_refusal_is_reported(client, staff_user, unit_officer):
    target = indicator("A02")
    target.record_rules = {**target.record_rules, "max_count": 1}
    target.save()
    first = record_report(user=unit_officer, data=paper_data(title="论文一"))
    second = record_report(user=unit_officer, data=paper_data(title="论文二"))
    for record in (first, second):
        evidence_add(record=record, user=unit_officer, file=pdf())
    client.force_login(staff_user)

    client.post(reverse("admin:kpis_record_verify", args=[first.pk]))
    response = client.post(reverse("admin:kpis_record_verify", args=[second.pk]), follow=True)

    assert any("最多推荐1项" in message for message in page_messages(response))
    second.refresh_from_db()
    assert second.status == "reported"


def test_verify_selected_reports_each_refusal(client, staff_user, unit_officer):
    good = reported(unit_officer, title="有佐证的服务")
    bare = reported(unit_officer, title="没有佐证的服务", evidence=False)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:kpis_record_changelist"),
        {"action": "verify_selected", "_selected_action": [good.pk, bare.pk]},
        follow=True,
    )

    good.refresh_from_db()
    bare.refresh_from_db()
    assert (good.status, bare.status) == ("verified", "reported")
    texts = page_messages(response)
    assert "《没有佐证的服务》：不能核实：没有佐证材料。" in texts
    assert "已核实 1 条记录。" in texts


# ---------------------------------------------------------------------------
# Staff's own records and rank snapshots; corrections; evidence.


def test_staff_add_a_rank_snapshot_for_the_society(client, staff_user):
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:kpis_record_add"),
        {
            "indicator": indicator("P01").pk,
            "title": "2023年三季度天府科技云注册人数排名",
            "occurred_on": "2023-09-30",
            "quantity": "1",
            "value": "38",
            "source_note": "省科协2023年三季度通报",
            "evidence": [pdf("通报.pdf")],
        },
    )

    record = Record.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:kpis_record_change", args=[record.pk])
    assert record.organisation is None
    assert (record.value, record.reported_by, record.status) == (38, staff_user, "reported")
    assert record.evidence.count() == 1
    assert AuditEntry.objects.filter(action="kpis.record.reported", actor=staff_user).exists()


def test_staff_add_for_an_organisation(client, staff_user):
    branch = factories.BranchFactory(name="学术工作委员会")
    client.force_login(staff_user)

    client.post(
        reverse("admin:kpis_record_add"),
        {
            "indicator": indicator("P05").pk,
            "category": "学术工作委员会",
            "title": "科研诚信宣讲",
            "occurred_on": "2023-10-10",
            "quantity": "1",
            "branch": branch.pk,
        },
    )

    assert Record.objects.get().branch == branch


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value": "", "source_note": ""}, "排名类指标请填写名次"),
        ({"branch": "both"}, "分支机构和会员单位只能选择一个"),
    ],
)
def test_staff_add_refusals_keep_the_form(client, staff_user, overrides, message):
    client.force_login(staff_user)
    data = {
        "indicator": indicator("P01").pk,
        "title": "排名",
        "occurred_on": "2023-09-30",
        "quantity": "1",
        "value": "38",
        "source_note": "通报",
    }
    if overrides.pop("branch", None):
        data["branch"] = factories.BranchFactory().pk
        data["member_unit"] = factories.MemberUnitFactory().pk
    data.update(overrides)

    response = client.post(reverse("admin:kpis_record_add"), data)

    assert response.status_code == 200
    assert message in response.text
    assert not Record.objects.exists()


def test_staff_correct_a_record_before_verifying(client, staff_user, unit_officer):
    record = reported(unit_officer)
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:kpis_record_edit", args=[record.pk]),
        {
            "indicator": record.indicator_id,
            "category": "技术指导",
            "title": "为成都某桥梁项目提供技术指导（顶推）",
            "occurred_on": "2023-09-01",
            "quantity": "2",
            "version": record.version,
        },
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.title, record.quantity, record.member_unit) == (
        "为成都某桥梁项目提供技术指导（顶推）",
        2,
        unit_officer.member_unit,
    )


def test_staff_upload_evidence_on_the_record_page(client, staff_user):
    record = record_report(
        user=staff_user,
        data=service_data(indicator=indicator("C01"), category="", title="章程修订"),
    )
    client.force_login(staff_user)

    client.post(
        reverse("admin:kpis_record_evidence", args=[record.pk]), {"evidence": [pdf("章程.pdf")]}
    )
    bad = client.post(
        reverse("admin:kpis_record_evidence", args=[record.pk]),
        {"evidence": [pdf("假的.pdf", b"nope")]},
        follow=True,
    )

    assert [e.original_name for e in record.evidence.all()] == ["章程.pdf"]
    assert any("上传失败" in message for message in page_messages(bad))


# ---------------------------------------------------------------------------
# Outreach, satisfaction, programme years: saved by the admin, audited.


def test_staff_add_outreach_and_it_is_audited(client, staff_user):
    member = factories.MemberFactory()
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:kpis_outreach_add"),
        {"member": member.pk, "contacted_on": "2023-08-01", "channel": "phone", "note": "电话回访"},
    )

    assert response.status_code == 302
    outreach = Outreach.objects.get()
    assert outreach.staff == staff_user
    assert AuditEntry.objects.filter(action="kpis.outreach.created", actor=staff_user).exists()


def test_programme_year_edit_is_audited(client, staff_user):
    year = ProgrammeYear.objects.get(year=2023)
    client.force_login(staff_user)

    client.post(
        reverse("admin:kpis_programmeyear_change", args=[year.pk]),
        {
            "year": 2023,
            "title": "2023年度创建一流科技社团",
            "starts_on": "2023-06-25",
            "ends_on": "2024-01-31",
        },
    )

    year.refresh_from_db()
    assert year.ends_on == datetime.date(2024, 1, 31)
    entry = AuditEntry.objects.get(action="kpis.programmeyear.updated")
    assert entry.data["changes"]["ends_on"] == ["2023-12-31", "2024-01-31"]


def test_satisfaction_list_filters_by_rating(client, staff_user):
    record = factories.RecordFactory()
    SatisfactionResponse.objects.create(record=record, member=factories.MemberFactory(), rating=5)
    SatisfactionResponse.objects.create(record=record, member=factories.MemberFactory(), rating=2)
    client.force_login(staff_user)

    response = client.get(reverse("admin:kpis_satisfactionresponse_changelist"), {"rating": 2})

    assert [a.rating for a in response.context["cl"].result_list] == [2]
