"""The member's own pages: 我的资料, 成长足迹 (and its PDF), 服务评价; 资料完整度 for staff."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kpis.models import SatisfactionResponse
from kpis.services import satisfaction_submit
from projects.models import TeamMember
from society.errors import DomainError
from society.models import AuditEntry, GrowthEntry, Member
from tests import factories
from tests.conftest import ROLE_FIXTURES
from tests.factories import RecordFactory, indicator

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
MEMBER_PAGES = ["me-profile", "me-growth", "me-growth-pdf", "me-services"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- who may open which page ---------------------------------------------------------


@pytest.mark.parametrize("url_name", MEMBER_PAGES)
@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
def test_member_pages_only_for_the_member(client, request, url_name, role):
    url = reverse(url_name)
    if role is None:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?next={url}"
        return
    client.force_login(request.getfixturevalue(role))
    expected = 200 if role == "member_user" else 403
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("url_name", MEMBER_PAGES)
def test_a_member_account_without_a_member_record_is_refused(client, url_name):
    client.force_login(factories.UserFactory(username="orphan"))
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
def test_completeness_only_for_staff(client, request, role):
    url = reverse("member-completeness")
    if role is None:
        assert client.get(url).status_code == 302
        return
    client.force_login(request.getfixturevalue(role))
    expected = 200 if role == "staff_user" else 403
    assert client.get(url).status_code == expected


def test_member_menu(client, member_user):
    client.force_login(member_user)
    nav = client.get(reverse("me-growth")).context["nav_items"]
    items = {str(item.label): item for item in nav}
    assert list(items) == [
        "我的会员信息",
        "我的资料",
        "成长足迹",
        "服务评价",
        "公示公告",
        "信息发布",
    ]
    assert items["成长足迹"].active
    assert not items["我的会员信息"].active


# --- 我的资料 ----------------------------------------------------------------------------


def profile_data(member, **changes):
    data = {
        "phone": member.phone,
        "email": member.email,
        "title": member.title,
        "employer_name": member.employer_name,
        "tianfu_registered_on": member.tianfu_registered_on or "",
        "tianfu_account": member.tianfu_account,
        "studio_opened_on": member.studio_opened_on or "",
        "studio_url": member.studio_url,
        "expertise": [area.pk for area in member.expertise.all()],
        "version": member.version,
    }
    data.update(changes)
    return data


def test_profile_edit_saves_own_record_and_logs(client, member_user):
    member = member_user.member
    client.force_login(member_user)
    response = client.post(
        reverse("me-profile"),
        profile_data(
            member,
            email="zhang@example.cn",
            tianfu_registered_on="2024-03-01",
            tianfu_account="zhang-tf",
            studio_url="https://studio.example.cn/zhang",
        ),
        follow=True,
    )
    assert page_messages(response) == ["已保存"]
    member.refresh_from_db()
    assert member.email == "zhang@example.cn"
    assert member.tianfu_registered_on == datetime.date(2024, 3, 1)
    assert member.studio_url == "https://studio.example.cn/zhang"
    assert member.version == 2
    entry = AuditEntry.objects.get(action="society.member.updated")
    assert entry.actor == member_user
    assert set(entry.data["changes"]) == {
        "email",
        "tianfu_registered_on",
        "tianfu_account",
        "studio_url",
    }


def test_tianfu_nudge_until_registered(client, member_user):
    client.force_login(member_user)
    assert "请在天府科技云完成注册" in client.get(reverse("me-profile")).content.decode()
    Member.objects.filter(pk=member_user.member.pk).update(
        tianfu_registered_on=datetime.date(2024, 1, 1)
    )
    assert "请在天府科技云完成注册" not in client.get(reverse("me-profile")).content.decode()


def test_stale_profile_edit_is_refused(client, member_user):
    member = member_user.member
    client.force_login(member_user)
    first = profile_data(member, email="first@example.cn")
    second = profile_data(member, email="second@example.cn")
    client.post(reverse("me-profile"), first)
    response = client.post(reverse("me-profile"), second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "其他人已修改并保存了这条记录" in page
    assert "first@example.cn" in page  # what was saved meanwhile is shown
    member.refresh_from_db()
    assert member.email == "first@example.cn"
    assert member.version == 2


def test_duplicate_phone_is_refused(client, member_user):
    other = factories.MemberFactory(phone="13800001111")
    member = member_user.member
    client.force_login(member_user)
    response = client.post(reverse("me-profile"), profile_data(member, phone=other.phone))
    assert "该手机号已被其他会员使用" in response.content.decode()
    member.refresh_from_db()
    assert member.phone != other.phone
    assert not AuditEntry.objects.exists()


def test_profile_posts_cannot_change_other_fields(client, member_user):
    member = member_user.member
    client.force_login(member_user)
    client.post(
        reverse("me-profile"),
        profile_data(member, name="改名", grade="fellow", member_number="SCTJ-2099-00001"),
    )
    member.refresh_from_db()
    assert member.name != "改名"
    assert member.grade != "fellow"
    assert member.member_number != "SCTJ-2099-00001"


# --- 成长足迹 ----------------------------------------------------------------------------


def test_growth_page_shows_each_source(client, member_user):
    member = member_user.member
    application = factories.ApplicationFactory(title="城市更新科技服务项目")
    TeamMember.objects.create(application=application, name=member.name, role="骨干", member=member)
    RecordFactory(indicator=indicator("A02"), title="装配式结构论文").participants.add(member)
    RecordFactory(title="桥梁检测技术服务").participants.add(member)
    expert = factories.ExpertFactory(member=member)
    factories.ReviewAssignmentFactory(
        expert=expert,
        status="submitted",
        submitted_at=timezone.now(),
        application__title="隧道施工安全评审项目",
    )
    GrowthEntry.objects.create(
        member=member, occurred_on=datetime.date(2023, 5, 1), title="获评优秀会员"
    )
    client.force_login(member_user)
    response = client.get(reverse("me-growth"))
    page = response.content.decode()
    for text in [
        "加入四川省土木建筑学会",
        member.member_number,
        "城市更新科技服务项目",
        "装配式结构论文",
        "桥梁检测技术服务",
        "隧道施工安全评审项目",
        "获评优秀会员",
        "2023 年",
    ]:
        assert text in page
    assert page.count("growth-own") == 1  # the member's own entry is marked


def test_add_growth_entry_with_evidence(client, member_user, private_media):
    client.force_login(member_user)
    response = client.post(
        reverse("me-growth"),
        {
            "occurred_on": "2024-06-01",
            "title": "参加装配式建筑培训",
            "description": "结业",
            "evidence": SimpleUploadedFile("结业证书.png", PNG, content_type="image/png"),
        },
        follow=True,
    )
    assert page_messages(response) == ["已添加到成长足迹"]
    entry = GrowthEntry.objects.get()
    assert entry.member == member_user.member
    assert entry.evidence_name == "结业证书.png"
    assert "参加装配式建筑培训" in response.content.decode()
    assert [p for p in private_media.rglob("*") if p.is_file()]


def test_growth_entry_with_a_disguised_file_is_refused(client, member_user, private_media):
    client.force_login(member_user)
    response = client.post(
        reverse("me-growth"),
        {
            "occurred_on": "2024-06-01",
            "title": "伪装的文件",
            "evidence": SimpleUploadedFile("证书.pdf", b"MZ not a pdf at all"),
        },
    )
    assert response.status_code == 400
    assert "文件内容与扩展名" in response.content.decode()
    assert not GrowthEntry.objects.exists()
    assert not [p for p in private_media.rglob("*") if p.is_file()]


def test_growth_entry_in_the_future_is_refused(client, member_user):
    client.force_login(member_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("me-growth"), {"occurred_on": tomorrow, "title": "未来的事"})
    assert response.status_code == 400
    assert "日期不能晚于今天" in response.content.decode()
    assert not GrowthEntry.objects.exists()


def test_growth_pdf_holds_the_timeline(client, member_user):
    member = member_user.member
    GrowthEntry.objects.create(
        member=member, occurred_on=datetime.date(2023, 5, 1), title="获评优秀会员"
    )
    client.force_login(member_user)
    response = client.get(reverse("me-growth-pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = "".join(page.extract_text() for page in pages).replace(" ", "").replace("\n", "")
    assert member.member_number in text
    assert "获评优秀会员" in text
    assert "个人成长足迹" in text


def grow_timeline(member, n):
    for i in range(n):
        RecordFactory(title=f"服务{member.pk}-{i}").participants.add(member)
        GrowthEntry.objects.create(
            member=member, occurred_on=datetime.date(2022, 1, 1), title=f"记录{i}"
        )
        application = factories.ApplicationFactory()
        TeamMember.objects.create(application=application, name=member.name, member=member)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_growth_page_query_count_does_not_grow(client, member_user):
    member = member_user.member
    factories.ExpertFactory(member=member)
    client.force_login(member_user)
    grow_timeline(member, 1)
    small = count_queries(client, reverse("me-growth"))
    grow_timeline(member, 6)
    assert count_queries(client, reverse("me-growth")) == small


# --- 服务评价 ----------------------------------------------------------------------------


@pytest.fixture
def service(member_user):
    record = RecordFactory(title="桥梁检测技术服务", occurred_on=timezone.localdate())
    record.participants.add(member_user.member)
    return record


def test_services_page_lists_this_years_services_to_rate(client, member_user, service):
    member = member_user.member
    RecordFactory(title="去年的服务", occurred_on=datetime.date(2023, 9, 1)).participants.add(
        member
    )
    RecordFactory(title="未核实的服务", status="reported", occurred_on=timezone.localdate())
    RecordFactory(title="别人的服务", occurred_on=timezone.localdate())
    client.force_login(member_user)
    page = client.get(reverse("me-services")).content.decode()
    assert "桥梁检测技术服务" in page
    for absent in ["去年的服务", "未核实的服务", "别人的服务"]:
        assert absent not in page


def test_one_answer_per_service(client, member_user, service):
    client.force_login(member_user)
    url = reverse("me-services")
    response = client.post(
        url, {"record": service.pk, "rating": 5, "comment": "很专业"}, follow=True
    )
    assert page_messages(response) == ["感谢您的评价！"]
    answer = SatisfactionResponse.objects.get()
    assert (answer.record, answer.member, answer.rating) == (service, member_user.member, 5)
    assert "目前没有待评价的服务" in response.content.decode()
    again = client.post(url, {"record": service.pk, "rating": 1}, follow=True)
    assert page_messages(again) == ["您已评价过这项服务，每项服务只能评价一次。"]
    assert SatisfactionResponse.objects.get().rating == 5


def test_non_participant_cannot_rate(client, member_user):
    other_service = RecordFactory(occurred_on=timezone.localdate())
    client.force_login(member_user)
    response = client.post(
        reverse("me-services"), {"record": other_service.pk, "rating": 4}, follow=True
    )
    assert page_messages(response) == ["您没有参与这项服务，不能评价。"]
    assert not SatisfactionResponse.objects.exists()


def test_rating_out_of_range_is_refused(client, member_user, service):
    client.force_login(member_user)
    response = client.post(reverse("me-services"), {"record": service.pk, "rating": 9})
    assert response.status_code == 400
    assert not SatisfactionResponse.objects.exists()


@pytest.mark.parametrize("rating", [0, 6])
def test_service_refuses_ratings_outside_one_to_five(member_user, service, rating):
    with pytest.raises(DomainError):
        satisfaction_submit(
            record=service, member=member_user.member, user=member_user, rating=rating
        )
    assert not SatisfactionResponse.objects.exists()


def test_service_refuses_rating_for_someone_else(member_user, service, staff_user):
    with pytest.raises(DomainError):
        satisfaction_submit(record=service, member=member_user.member, user=staff_user, rating=5)


# --- 资料完整度 --------------------------------------------------------------------------


def test_completeness_counts_active_members(client, staff_user):
    factories.MemberFactory(tianfu_registered_on=datetime.date(2024, 1, 1), email="a@example.cn")
    factories.MemberFactory(studio_opened_on=datetime.date(2024, 2, 1))
    factories.MemberFactory()
    factories.MemberFactory(status="lapsed", tianfu_registered_on=datetime.date(2024, 1, 1))
    client.force_login(staff_user)
    response = client.get(reverse("member-completeness"))
    assert response.context["total"] == 3
    rows = {str(row["label"]): (row["count"], row["missing"]) for row in response.context["rows"]}
    assert rows == {
        "已在天府科技云注册": (1, 2),
        "已开设科创工作室": (1, 2),
        "已填写电子邮箱": (1, 2),
    }
    # The link to the members still missing opens the admin list filtered that way.
    url = next(row["missing_url"] for row in response.context["rows"] if row["missing_url"])
    assert client.get(url).status_code == 200
