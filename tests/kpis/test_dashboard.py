import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.services import pool_for_call
from kpis.models import IndicatorSnapshot, Outreach, ProgressReport, SatisfactionResponse
from kpis.services import catalogue_copy, evidence_add, record_reject, record_report, record_verify
from projects.enums import ApplicationStatus
from tests import factories
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AREAS = ["政治引领力", "创新支撑力", "学术引领力", "学会公信力"]
DASHBOARD = reverse("kpis:dashboard")


def drill_down(code, year=2023):
    return reverse("kpis:dashboard-indicator", args=[indicator(code, year).pk])


def page(client, url=DASHBOARD) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def indicator_row(html: str, code: str) -> str:
    match = re.search(rf'data-code="{code}">(.*?)</li>', html, re.DOTALL)
    assert match, f"no row for {code}"
    return match.group(1)


def shown_value(client, code: str) -> str:
    row = indicator_row(page(client), code)
    return re.search(r'data-testid="value">([^<]*)<', row).group(1)


def chart_data(html: str) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


# --- permissions ----------------------------------------------------------------------

ALLOWED = {"staff_user", "leader_user"}


@pytest.mark.parametrize("view", ["dashboard", "drill-down"])
@pytest.mark.parametrize(
    "role", [None, "staff_user", "leader_user", "branch_officer", "unit_officer", "expert_user",
             "member_user"],
)  # fmt: skip
def test_dashboard_permissions_for_every_role(client, request, view, role):
    url = DASHBOARD if view == "dashboard" else drill_down("I05")
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    if role is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif role in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_menu_and_home_link_to_the_dashboard(client, leader_user):
    client.force_login(leader_user)
    response = client.get(reverse("home"))
    labels = [str(item.label) for item in response.context["nav_items"]]
    assert "指标看板" in labels
    assert f'href="{DASHBOARD}"' in response.content.decode()


# --- the dashboard's numbers -------------------------------------------------------------


def test_every_area_and_indicator_is_shown(client, leader_user):
    client.force_login(leader_user)
    html = page(client)
    for area in AREAS:
        assert area in html
    for code in ["P01", "P05", "I01", "I10", "A02", "A07", "C01", "C07"]:
        row = indicator_row(html, code)
        assert drill_down(code) in row
    assert "≥ 20项" in indicator_row(html, "I05")
    assert "前50名" in indicator_row(html, "P01")


def test_a_verified_record_raises_the_value_by_one_a_rejected_one_does_not(
    client, leader_user, staff_user, unit_officer
):
    RecordFactory.create_batch(2, indicator=indicator("I05"), category="技术指导")
    client.force_login(leader_user)
    assert shown_value(client, "I05") == "2项"

    def reported(title):
        record = record_report(
            user=unit_officer,
            data={
                "indicator": indicator("I05"),
                "category": "科技评价",
                "title": title,
                "occurred_on": datetime.date(2023, 9, 10),
            },
        )
        evidence_add(record=record, user=unit_officer, file=SimpleUploadedFile("佐证.pdf", PDF))
        return record

    accepted, refused = reported("桥梁健康评价"), reported("重复的评价")
    assert shown_value(client, "I05") == "2项"  # reported, not yet counted
    record_verify(record=accepted, user=staff_user)
    assert shown_value(client, "I05") == "3项"
    record_reject(record=refused, user=staff_user, note="与已核实记录重复")
    assert shown_value(client, "I05") == "3项"


@pytest.mark.parametrize(
    ("code", "make", "shown"),
    [
        ("P01", lambda: RecordFactory(indicator=indicator("P01"), value=Decimal(41)), "第41名"),
        ("I08", lambda: None, "未填报"),
        ("C01", lambda: RecordFactory(indicator=indicator("C01")), "已完成"),
        ("C04", lambda: RecordFactory(indicator=indicator("C04"), status="reported"), "未完成"),
        (
            "P02",
            lambda: (
                factories.BranchFactory(party_group=True, party_group_on=datetime.date(2020, 1, 1)),
                factories.BranchFactory(party_group=False),
                factories.BranchFactory(party_group=False),
            ),
            "33.33%",
        ),
        ("C03", lambda: factories.StaffMemberFactory.create_batch(4), "4人"),
    ],
)
def test_values_are_shown_by_kind(client, leader_user, code, make, shown):
    make()
    client.force_login(leader_user)
    assert shown_value(client, code) == shown


def test_coverage_shows_the_missing_categories(client, leader_user):
    RecordFactory(indicator=indicator("P05"), category="学术工作委员会")
    RecordFactory(indicator=indicator("P05"), category="教育工作委员会", status="rejected")
    RecordFactory(indicator=indicator("I01"), category="韧性城市")
    client.force_login(leader_user)
    html = page(client)
    row = indicator_row(html, "P05")
    assert 'data-testid="value">1/2<' in row
    assert "尚未覆盖：教育工作委员会" in row
    assert "学术工作委员会" not in row.split("尚未覆盖")[1]
    assert 'data-testid="value">1/5<' in indicator_row(html, "I01")
    detail = page(client, drill_down("P05"))
    coverage = re.search(r'data-testid="coverage">(.*?)</ul>', detail, re.DOTALL).group(1)
    assert re.search(
        r"学术工作委员会</span>\s*<span class=\"badge text-bg-success\">已覆盖", coverage
    )
    assert re.search(
        r"教育工作委员会</span>\s*<span class=\"badge text-bg-danger\">未覆盖", coverage
    )


def test_status_and_progress_bar(client, leader_user):
    RecordFactory.create_batch(2, indicator=indicator("I06"))  # target ≥ 2: done
    RecordFactory(indicator=indicator("I07"))  # 1 of 5
    client.force_login(leader_user)
    html = page(client)
    done = indicator_row(html, "I06")
    assert 'data-testid="status">已完成<' in done
    assert "progress-bar bg-success dash-w-100" in done
    partial = indicator_row(html, "I07")
    assert "dash-w-20" in partial
    assert 'aria-valuenow="20"' in partial
    assert "style=" not in html.split('id="main"')[1]  # no inline styles


def test_status_counts_add_up_to_the_catalogue(client, leader_user):
    client.force_login(leader_user)
    response = client.get(DASHBOARD)
    counts = response.context["status_counts"]
    assert [c["label"] for c in counts] == ["已完成", "正常", "滞后", "风险"]
    assert sum(c["count"] for c in counts) == response.context["indicator_count"] == 29


# --- years ----------------------------------------------------------------------------


def test_year_filter_among_years_with_indicators(client, leader_user):
    catalogue_copy(from_year=2023, to_year=2024)
    RecordFactory(indicator=indicator("I06"))
    RecordFactory(indicator=indicator("I06", 2024), occurred_on=datetime.date(2024, 3, 1))
    RecordFactory.create_batch(
        2, indicator=indicator("I06", 2024), occurred_on=datetime.date(2024, 3, 1)
    )
    client.force_login(leader_user)
    response = client.get(DASHBOARD)
    assert response.context["year"] == 2024  # the latest programme year
    assert response.context["years"] == [2024, 2023]
    assert shown_value(client, "I06") == "3项"
    html = page(client, f"{DASHBOARD}?year=2023")
    assert 'data-testid="value">1项<' in indicator_row(html, "I06")
    assert drill_down("I06", 2023) in indicator_row(html, "I06")
    assert '<option value="2023" selected>' in html
    assert client.get(f"{DASHBOARD}?year=1999").status_code == 404
    assert client.get(f"{DASHBOARD}?year=abc").status_code == 404


# --- drill-down -------------------------------------------------------------------------


def test_drill_down_lists_only_verified_records_of_the_indicator_and_year(
    client, leader_user, staff_user
):
    catalogue_copy(from_year=2023, to_year=2024)
    counted = RecordFactory(
        indicator=indicator("I05"),
        category="标准研制",
        title="参编《装配式建筑评价标准》",
        link="https://example.org/standard",
        quantity=2,
    )
    evidence_add(record=counted, user=staff_user, file=SimpleUploadedFile("标准文本.pdf", PDF))
    RecordFactory(indicator=indicator("I05"), title="待核实的服务", status="reported")
    RecordFactory(indicator=indicator("I05"), title="未通过的服务", status="rejected")
    RecordFactory(indicator=indicator("I06"), title="另一个指标的成果")
    RecordFactory(
        indicator=indicator("I05", 2024),
        title="下一年度的服务",
        occurred_on=datetime.date(2024, 3, 1),
    )
    client.force_login(leader_user)
    response = client.get(drill_down("I05"))
    assert list(response.context["records"]) == [counted]
    html = response.content.decode()
    assert "参编《装配式建筑评价标准》" in html
    assert 'href="https://example.org/standard"' in html
    assert counted.member_unit.name in html
    assert "标准研制" in html
    assert "标准文本.pdf" in html
    assert 'data-testid="value">2项<' in html
    assert "另有 1 条待核实" in html
    for title in ["待核实的服务", "未通过的服务", "另一个指标的成果", "下一年度的服务"]:
        assert title not in html


def test_drill_down_links_evidence_to_its_download(client, leader_user, staff_user):
    record = RecordFactory(indicator=indicator("C01"), title="章程修订")
    evidence = evidence_add(
        record=record, user=staff_user, file=SimpleUploadedFile("章程.pdf", PDF)
    )
    client.force_login(leader_user)
    html = page(client, drill_down("C01"))
    download = reverse("kpis:evidence-download", args=[evidence.pk])
    assert f'href="{download}"' in html


def test_rank_drill_down_shows_each_snapshot(client, leader_user):
    RecordFactory(
        indicator=indicator("P01"),
        value=Decimal(62),
        source_note="省科协2023年7月通报",
        occurred_on=datetime.date(2023, 7, 1),
    )
    RecordFactory(
        indicator=indicator("P01"), value=Decimal(41), occurred_on=datetime.date(2023, 9, 1)
    )
    client.force_login(leader_user)
    html = page(client, drill_down("P01"))
    assert "第62名" in html and "第41名" in html
    assert "省科协2023年7月通报" in html
    assert 'data-testid="value">第41名<' in html


def test_party_group_drill_down_lists_branches_with_and_without(client, leader_user):
    factories.BranchFactory(
        name="桥梁与隧道工程专业委员会", party_group=True, party_group_on=datetime.date(2021, 7, 1)
    )
    factories.BranchFactory(name="城市更新专业委员会", party_group=False)
    factories.BranchFactory(name="已撤销的委员会", party_group=False, status="withdrawn")
    client.force_login(leader_user)
    html = page(client, drill_down("P02"))
    with_group = re.search(r'data-testid="with-group">(.*?)</ul>', html, re.DOTALL).group(1)
    without = re.search(r'data-testid="without-group">(.*?)</ul>', html, re.DOTALL).group(1)
    assert "桥梁与隧道工程专业委员会" in with_group and "2021-07-01" in with_group
    assert "城市更新专业委员会" in without
    assert "已撤销的委员会" not in html
    assert 'data-testid="value">50%<' in html


def test_staff_drill_down_lists_current_full_time_staff(client, leader_user):
    factories.StaffMemberFactory(name="王秘书长", position="秘书长")
    factories.StaffMemberFactory(name="兼职人员", full_time=False)
    factories.StaffMemberFactory(name="已离岗", left_on=datetime.date(2022, 12, 31))
    client.force_login(leader_user)
    html = page(client, drill_down("C03"))
    staff = re.search(r'data-testid="staff">(.*?)</table>', html, re.DOTALL).group(1)
    assert "王秘书长" in staff and "秘书长" in staff
    assert "兼职人员" not in staff and "已离岗" not in staff


def test_outreach_drill_down_counts_members_reached(client, leader_user):
    members = factories.MemberFactory.create_batch(4)
    for member, channel in [(members[0], "wechat"), (members[0], "phone"), (members[1], "qq")]:
        Outreach.objects.create(
            member=member, contacted_on=datetime.date(2023, 8, 1), channel=channel
        )
    client.force_login(leader_user)
    response = client.get(drill_down("I09"))
    context = response.context
    assert (context["active_members"], context["reached"], context["not_reached"]) == (4, 2, 2)
    assert context["contacts"] == 3
    assert {str(c["label"]): c["count"] for c in context["channels"]}["微信公众号"] == 1
    assert 'data-testid="value">50%<' in response.content.decode()


def test_satisfaction_drill_down_shows_the_ratings(client, leader_user):
    service = RecordFactory(
        indicator=indicator("I05"), category="技术指导", title="隧道施工技术指导"
    )
    unverified = RecordFactory(indicator=indicator("I05"), status="reported", title="未核实的服务")
    members = factories.MemberFactory.create_batch(3)
    for member, rating in zip(members, [5, 4, 2], strict=True):
        SatisfactionResponse.objects.create(record=service, member=member, rating=rating)
    SatisfactionResponse.objects.create(record=unverified, member=members[0], rating=1)
    client.force_login(leader_user)
    response = client.get(drill_down("I10"))
    assert {r["rating"]: r["count"] for r in response.context["ratings"]} == {
        5: 1, 4: 1, 3: 0, 2: 1, 1: 0,
    }  # fmt: skip
    assert (response.context["good"], response.context["total"]) == (2, 3)
    html = response.content.decode()
    assert "隧道施工技术指导" in html and "未核实的服务" not in html
    assert 'data-testid="value">66.67%<' in html


# --- charts -----------------------------------------------------------------------------


def test_chart_data_structure(client, leader_user):
    branch = factories.BranchFactory(name="桥梁与隧道工程专业委员会")
    RecordFactory(indicator=indicator("I05"), branch=branch, member_unit=None, quantity=3)
    RecordFactory(indicator=indicator("I05"), branch=branch, member_unit=None, status="rejected")
    unit_record = RecordFactory(indicator=indicator("I06"))
    call = factories.CallFactory()
    factories.ApplicationFactory.create_batch(2, call=call, status=ApplicationStatus.SUBMITTED)
    factories.ApplicationFactory(call=call, status=ApplicationStatus.UNDER_REVIEW)
    factories.ApplicationFactory(call=factories.CallFactory(year=2022))  # another year
    pool_for_call(call)
    client.force_login(leader_user)
    data = chart_data(page(client))
    assert set(data) == {"labels", "areas", "trend", "contributions", "pipeline", "pool"}
    assert [a["name"] for a in data["areas"]] == AREAS
    assert all(0 <= a["value"] <= 100 for a in data["areas"])
    assert data["contributions"]["branches"] == [
        {"name": "桥梁与隧道工程专业委员会", "value": 3, "records": 1}
    ]
    assert data["contributions"]["units"] == [
        {"name": unit_record.member_unit.name, "value": 1, "records": 1}
    ]
    assert data["pipeline"] == [
        {"name": "已提交", "value": 2},
        {"name": "专家评审中", "value": 1},
    ]
    assert data["pool"]["money"] == [
        {"name": "已占用经费", "value": 0.0},
        {"name": "剩余经费", "value": 100000.0},
    ]
    assert [a["name"] for a in data["pool"]["awards"]] == ["拟奖励", "已确认", "已拨付"]
    assert data["trend"] == {"reports": [], "series": data["trend"]["series"]}


def test_pool_counts_committed_left_and_awards(client, leader_user):
    award = factories.AwardFactory(status="confirmed", paid_amount=Decimal("3000.00"))
    factories.AwardFactory(
        status="proposed",
        application=factories.ApplicationFactory(
            call=award.application.call, status=ApplicationStatus.REVIEWED
        ),
    )
    # AwardFactory writes awards directly; the committed counters move with the services.
    pool = award.pool
    pool.committed_count, pool.committed_amount = 2, Decimal("6000.00")
    pool.save()
    client.force_login(leader_user)
    response = client.get(DASHBOARD)
    summary = response.context["pool"]
    places = (summary["award_count"], summary["committed_count"], summary["places_left"])
    assert places == (30, 2, 28)
    assert summary["money_left"] == Decimal("94000.00")
    assert (summary["proposed"], summary["confirmed"], summary["paid"]) == (1, 1, 1)
    html = response.content.decode()
    assert "¥94,000.00" in html and "¥100,000.00" in html
    assert chart_data(html)["pool"]["awards"][2] == {"name": "已拨付", "value": 1}


def test_trend_from_report_snapshots(client, leader_user):
    client.force_login(leader_user)
    assert 'data-testid="trend-empty"' in page(client)
    for day, progress in [
        (datetime.date(2023, 8, 1), Decimal(20)),
        (datetime.date(2023, 9, 1), Decimal(40)),
    ]:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        report = ProgressReport.objects.create(year=2023, as_of=moment, status="ready")
        for code in ["P01", "I05"]:
            IndicatorSnapshot.objects.create(
                report=report, indicator=indicator(code), value=1, target=1,
                progress=progress if code == "I05" else Decimal(0), status="at_risk",
            )  # fmt: skip
    html = page(client)
    assert 'data-testid="trend-empty"' not in html
    trend = chart_data(html)["trend"]
    assert trend["reports"] == ["2023-08-01 09:00", "2023-09-01 09:00"]
    series = {s["name"]: [point[1] for point in s["data"]] for s in trend["series"]}
    assert series["全部指标"] == [10.0, 20.0]
    assert series["创新支撑力"] == [20.0, 40.0]
    assert series["政治引领力"] == [0.0, 0.0]
    assert series["学会公信力"] == [None, None]


# --- queries ----------------------------------------------------------------------------


def fill(n: int, staff_user) -> None:
    """n records per kind: counted and not, with evidence, from branches and units."""
    for i in range(n):
        branch = factories.BranchFactory(party_group=bool(i % 2), party_group_on=(
            datetime.date(2020, 1, 1) if i % 2 else None))  # fmt: skip
        record = RecordFactory(indicator=indicator("I05"), category="技术指导", branch=branch,
                               member_unit=None)  # fmt: skip
        evidence_add(record=record, user=staff_user, file=SimpleUploadedFile(f"佐证{i}.pdf", PDF))
        RecordFactory(indicator=indicator("P05"), category="学术工作委员会")
        RecordFactory(indicator=indicator("P01"), value=Decimal(40 + i))
        RecordFactory(indicator=indicator("I05"), status="rejected")
        member = factories.MemberFactory()
        Outreach.objects.create(member=member, contacted_on=datetime.date(2023, 8, 1), channel="qq")
        SatisfactionResponse.objects.create(record=record, member=member, rating=5)
        factories.StaffMemberFactory()
        award = factories.AwardFactory()
        factories.ApplicationFactory(call=award.application.call, status="submitted")
        report = ProgressReport.objects.create(
            year=2023, as_of=timezone.now() - datetime.timedelta(days=i), status="ready"
        )
        IndicatorSnapshot.objects.create(
            report=report, indicator=indicator("I05"), value=i, target=20, progress=i,
            status="at_risk",
        )  # fmt: skip


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("code", [None, "I05", "P02", "C03", "I09", "I10"])
def test_query_count_does_not_grow_with_the_data(client, leader_user, staff_user, code):
    client.force_login(leader_user)
    url = DASHBOARD if code is None else drill_down(code)
    fill(1, staff_user)
    small = queries(client, url)
    fill(5, staff_user)
    assert queries(client, url) == small


@pytest.mark.parametrize("role", ["unit_officer", "expert_user"])
def test_the_society_can_grant_the_dashboard_to_an_officer_or_expert(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("kpis:dashboard")).status_code == 403
    assert client.get(reverse("kpis:report-list")).status_code == 403
    user.dashboard_access = True
    user.save()
    response = client.get(reverse("kpis:dashboard"))
    assert response.status_code == 200
    assert "指标看板" in [str(item.label) for item in response.context["nav_items"]]
    assert client.get(reverse("kpis:report-list")).status_code == 200


def test_the_default_year_is_the_latest_with_verified_records(client, leader_user):
    catalogue_copy(from_year=2023, to_year=2027)  # a new year opened, nothing verified yet
    RecordFactory(indicator=indicator("I05"))
    client.force_login(leader_user)
    response = client.get(reverse("kpis:dashboard"))
    assert response.context["year"] == 2023
