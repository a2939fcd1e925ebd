import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from society.models import AuditEntry, Branch, MemberUnit
from society.selectors import organisation_member_count
from society.templatetags.portal import organisation_url
from tests import factories

LOGIN = reverse("login")
PAGES = ["detail", "edit", "members"]
OTHER_ROLES = ["other_unit_officer", "expert_user", "leader_user", "member_user"]


def status_for(client, user, url, method="get"):
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url).status_code


# --- who may open which page ---------------------------------------------------------


@pytest.mark.parametrize("url_name", ["home", "password_change"])
def test_pages_for_every_signed_in_role(client, any_role, url_name):
    url = reverse(url_name)
    if any_role is None:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?next={url}"
    else:
        assert status_for(client, any_role, url) == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "owner_fixture, owner_attr", [("unit_officer", "member_unit"), ("branch_officer", "branch")]
)
def test_own_officer_may_open_every_organisation_page(
    client, request, page, owner_fixture, owner_attr
):
    officer = request.getfixturevalue(owner_fixture)
    url = organisation_url(getattr(officer, owner_attr), page)
    assert status_for(client, officer, url) == 200


@pytest.mark.parametrize("page, expected", [("detail", 200), ("members", 200), ("edit", 403)])
def test_staff_views_organisations_but_edits_them_in_the_admin(
    client, staff_user, unit_officer, branch_officer, page, expected
):
    for organisation in (unit_officer.member_unit, branch_officer.branch):
        assert status_for(client, staff_user, organisation_url(organisation, page)) == expected


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", [*OTHER_ROLES, "branch_officer"])
def test_other_users_get_404_on_a_member_unit(client, request, unit_officer, page, role):
    url = organisation_url(unit_officer.member_unit, page)
    assert status_for(client, request.getfixturevalue(role), url) == 404


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", [*OTHER_ROLES, "unit_officer"])
def test_other_users_get_404_on_a_branch(client, request, branch_officer, page, role):
    url = organisation_url(branch_officer.branch, page)
    assert status_for(client, request.getfixturevalue(role), url) == 404


@pytest.mark.django_db
def test_officer_of_another_branch_gets_404(client, branch_officer):
    other = factories.BranchOfficerFactory()
    for page in PAGES:
        assert status_for(client, other, organisation_url(branch_officer.branch, page)) == 404


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, unit_officer, branch_officer, page):
    for organisation in (unit_officer.member_unit, branch_officer.branch):
        url = organisation_url(organisation, page)
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?next={url}"


def test_nonexistent_organisation_is_404_even_for_staff(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("org_branch_detail", kwargs={"pk": 999999})).status_code == 404


def test_other_officer_cannot_post_an_edit(client, unit_officer, other_unit_officer):
    unit = unit_officer.member_unit
    client.force_login(other_unit_officer)
    response = client.post(
        organisation_url(unit, "edit"), {**unit_form_data(unit), "address": "被篡改"}
    )
    assert response.status_code == 404
    unit.refresh_from_db()
    assert unit.address == ""
    assert not AuditEntry.objects.exists()


def test_staff_cannot_post_a_portal_edit(client, staff_user, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(staff_user)
    response = client.post(
        organisation_url(unit, "edit"), {**unit_form_data(unit), "address": "秘书处改"}
    )
    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.address == ""


@pytest.mark.parametrize(
    "fixture, model", [("branch_officer", Branch), ("unit_officer", MemberUnit)]
)
def test_org_redirects_officer_to_own_organisation(client, request, fixture, model):
    officer = request.getfixturevalue(fixture)
    client.force_login(officer)
    response = client.get(reverse("own_organisation"))
    assert response.status_code == 302
    assert response.url == organisation_url(officer.organisation)
    assert isinstance(officer.organisation, model)


@pytest.mark.parametrize("role", ["staff_user", "expert_user", "leader_user", "member_user"])
def test_org_is_forbidden_for_non_officers(client, request, role):
    assert status_for(client, request.getfixturevalue(role), reverse("own_organisation")) == 403


def test_org_sends_anonymous_to_login(client, db):
    response = client.get(reverse("own_organisation"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# --- home pages ------------------------------------------------------------------------


def test_staff_home_links_to_admin_and_counts(client, staff_user):
    factories.BranchFactory(party_group=True, party_group_on="2022-07-01")
    factories.BranchFactory()
    client.force_login(staff_user)
    page = client.get(reverse("home")).content.decode()
    assert 'href="/admin/"' in page
    assert "秘书处工作台" in page
    assert "50%" in page  # one of the two branches has a 党小组


def test_leader_home_is_a_read_only_summary(client, leader_user):
    factories.MemberUnitFactory(grade="council")
    factories.MemberFactory.create_batch(3)
    client.force_login(leader_user)
    response = client.get(reverse("home"))
    summary = response.context["summary"]
    assert summary.active_members == 3
    assert {row.label: row.count for row in summary.units_by_grade}["理事单位"] == 1
    page = response.content.decode()
    assert "学会概况" in page
    assert "/admin/" not in page
    assert '<form method="post" class="card"' not in page


def test_officer_home_shows_their_organisation(client, unit_officer):
    factories.MemberFactory.create_batch(2, employer=unit_officer.member_unit)
    client.force_login(unit_officer)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert unit_officer.member_unit.name in page
    assert organisation_url(unit_officer.member_unit, "edit") in page
    assert response.context["member_count"] == 2


def test_branch_officer_home_counts_the_branchs_members_once(client, branch_officer):
    branch = branch_officer.branch
    other = factories.BranchFactory()
    factories.MemberFactory.create_batch(2, branches=[branch])
    factories.MemberFactory(branches=[branch, other])  # in two branches: counted once here
    factories.MemberFactory(branches=[other])
    client.force_login(branch_officer)
    response = client.get(reverse("home"))
    assert response.context["member_count"] == 3
    assert organisation_member_count(other) == 2


def test_expert_home_shows_real_profile(client, expert_user):
    client.force_login(expert_user)
    page = client.get(reverse("home")).content.decode()
    expert = expert_user.expert
    assert expert.name in page
    assert expert.affiliation.name in page
    for area in expert.expertise.all():
        assert area.name in page
    assert "暂无评审任务" in page
    assert expert.phone not in page


def test_member_home_shows_own_record_with_masked_phone(client, member_user):
    member = member_user.member
    member.branches.set([factories.BranchFactory(name="桥梁与隧道工程专业委员会")])
    client.force_login(member_user)
    page = client.get(reverse("home")).content.decode()
    assert member.member_number in page
    assert member.get_grade_display() in page
    assert member.employer.name in page
    assert "桥梁与隧道工程专业委员会" in page
    assert member.phone not in page
    assert f"{member.phone[:3]}****{member.phone[-4:]}" in page


@pytest.mark.parametrize(
    "role, labels, absent",
    [
        (
            "staff_user",
            ["首页", "指标看板", "进展报告", "资料完整度", "管理后台", "公示公告", "信息发布"],
            ["本机构"],
        ),
        (
            "unit_officer",
            ["本机构", "机构会员", "申报项目", "申报通知", "指标填报", "公示公告", "信息发布"],
            ["管理后台"],
        ),
        (
            "expert_user",
            ["首页", "评审任务", "公示公告", "信息发布"],
            ["管理后台", "本机构", "指标看板"],
        ),
        (
            "leader_user",
            ["首页", "指标看板", "进展报告", "公示公告", "信息发布"],
            ["管理后台", "本机构"],
        ),
        (
            "member_user",
            ["我的会员信息", "我的资料", "成长足迹", "服务评价", "公示公告", "信息发布"],
            ["管理后台", "本机构"],
        ),
    ],
)
def test_navigation_per_role(client, request, role, labels, absent):
    client.force_login(request.getfixturevalue(role))
    nav = [item.label for item in client.get(reverse("home")).context["nav_items"]]
    assert [str(label) for label in nav] == labels
    for label in absent:
        assert label not in nav


def test_officer_navigation_points_at_own_organisation(client, branch_officer):
    client.force_login(branch_officer)
    response = client.get(organisation_url(branch_officer.branch, "members"))
    items = {str(item.label): item for item in response.context["nav_items"]}
    assert items["本机构"].url == organisation_url(branch_officer.branch)
    assert items["机构会员"].active
    assert not items["本机构"].active


# --- the profile form ------------------------------------------------------------------


def unit_form_data(unit, **changes):
    data = {
        "liaison_name": unit.liaison_name,
        "liaison_phone": unit.liaison_phone,
        "email": unit.email,
        "address": unit.address,
        "version": unit.version,
    }
    data.update(changes)
    return data


def branch_form_data(branch, **changes):
    data = {
        "leader": branch.leader,
        "contact_person": branch.contact_person,
        "contact_phone": branch.contact_phone,
        "email": branch.email,
        "established_on": "",
        "description": branch.description,
        "version": branch.version,
    }
    data.update(changes)
    return data


def test_edit_form_shows_only_profile_fields_and_version(client, unit_officer):
    client.force_login(unit_officer)
    form = client.get(organisation_url(unit_officer.member_unit, "edit")).context["form"]
    assert list(form.fields) == ["liaison_name", "liaison_phone", "email", "address", "version"]
    assert form["version"].value() == 1


def test_good_edit_saves_logs_and_redirects(client, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(unit_officer)
    response = client.post(
        organisation_url(unit, "edit"),
        unit_form_data(unit, address="成都市武侯区人民南路四段 1 号", liaison_phone="028-86001234"),
    )
    assert response.status_code == 302
    assert response.url == organisation_url(unit)
    unit.refresh_from_db()
    assert unit.address == "成都市武侯区人民南路四段 1 号"
    assert unit.liaison_phone == "028-86001234"
    assert unit.version == 2
    entry = AuditEntry.objects.get()
    assert entry.action == "society.memberunit.updated"
    assert entry.actor == unit_officer
    assert entry.data["changes"] == {
        "address": ["", "成都市武侯区人民南路四段 1 号"],
        "liaison_phone": ["13900000000", "028-86001234"],
    }
    page = client.get(response.url).content.decode()
    assert "已保存" in page
    assert "成都市武侯区人民南路四段 1 号" in page


def test_branch_edit_checks_party_group_date(client, branch_officer):
    branch = branch_officer.branch
    client.force_login(branch_officer)
    url = organisation_url(branch, "edit")
    response = client.post(url, branch_form_data(branch, party_group="on"))
    assert response.status_code == 200
    assert "已建立党小组时请填写成立日期" in response.content.decode()
    response = client.post(
        url, branch_form_data(branch, party_group="on", party_group_on="2023-07-01")
    )
    assert response.status_code == 302
    branch.refresh_from_db()
    assert branch.party_group
    assert str(branch.party_group_on) == "2023-07-01"


def test_invalid_phone_shows_chinese_error_and_changes_nothing(client, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(unit_officer)
    response = client.post(
        organisation_url(unit, "edit"),
        unit_form_data(unit, liaison_phone="12345", address="新地址"),
    )
    assert response.status_code == 200
    assert "请输入有效的电话号码" in response.content.decode()
    unit.refresh_from_db()
    assert unit.liaison_phone == "13900000000"
    assert unit.address == ""
    assert unit.version == 1
    assert not AuditEntry.objects.exists()


def test_stale_edit_is_refused_and_first_save_kept(client, unit_officer):
    unit = unit_officer.member_unit
    colleague = factories.UnitOfficerFactory(member_unit=unit)
    url = organisation_url(unit, "edit")
    stale_version = unit.version

    client.force_login(colleague)
    assert client.post(url, unit_form_data(unit, address="同事先保存的地址")).status_code == 302

    client.force_login(unit_officer)
    response = client.post(url, unit_form_data(unit, address="我的地址", version=stale_version))
    assert response.status_code == 200
    page = response.content.decode()
    assert "其他人已修改并保存了这条记录" in page
    assert "同事先保存的地址" in page  # shown as what the other person saved
    unit.refresh_from_db()
    assert unit.address == "同事先保存的地址"
    assert unit.version == 2
    assert AuditEntry.objects.count() == 1


def test_posting_nothing_new_writes_nothing(client, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(unit_officer)
    response = client.post(organisation_url(unit, "edit"), unit_form_data(unit))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.version == 1
    assert not AuditEntry.objects.exists()


def test_fields_outside_the_profile_are_ignored(client, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(unit_officer)
    client.post(
        organisation_url(unit, "edit"),
        unit_form_data(unit, name="改名", grade="vice_president", address="新地址"),
    )
    unit.refresh_from_db()
    assert unit.address == "新地址"
    assert unit.name != "改名"
    assert unit.grade == "member"


# --- members list ----------------------------------------------------------------------


def test_unit_members_list_masks_phones_for_officer(client, unit_officer):
    member = factories.MemberFactory(employer=unit_officer.member_unit, phone="13812345678")
    outsider = factories.MemberFactory(name="别家会员")
    client.force_login(unit_officer)
    page = client.get(organisation_url(unit_officer.member_unit, "members")).content.decode()
    assert member.name in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert outsider.name not in page


def test_staff_sees_full_phones(client, staff_user, unit_officer):
    factories.MemberFactory(employer=unit_officer.member_unit, phone="13812345678")
    client.force_login(staff_user)
    page = client.get(organisation_url(unit_officer.member_unit, "members")).content.decode()
    assert "13812345678" in page


def test_branch_members_come_from_the_branches_relation(client, branch_officer):
    inside = factories.MemberFactory(name="本会会员", branches=[branch_officer.branch])
    factories.MemberFactory(name="他会会员", branches=[factories.BranchFactory()])
    client.force_login(branch_officer)
    response = client.get(organisation_url(branch_officer.branch, "members"))
    assert list(response.context["members"]) == [inside]
    assert inside.employer.name in response.content.decode()


def test_members_search_and_pagination(client, unit_officer):
    unit = unit_officer.member_unit
    factories.MemberFactory.create_batch(31, employer=unit)
    factories.MemberFactory(employer=unit, name="诸葛亮")
    client.force_login(unit_officer)
    url = organisation_url(unit, "members")
    first = client.get(url)
    assert len(first.context["members"]) == 30
    assert first.context["paginator"].count == 32
    assert len(client.get(url, {"page": 2}).context["members"]) == 2
    found = client.get(url, {"q": "诸葛"})
    assert [m.name for m in found.context["members"]] == ["诸葛亮"]
    assert "q=%E8%AF%B8%E8%91%9B" in found.context["query"]


def test_htmx_search_returns_only_the_table(client, unit_officer):
    factories.MemberFactory(employer=unit_officer.member_unit, name="诸葛亮")
    client.force_login(unit_officer)
    response = client.get(
        organisation_url(unit_officer.member_unit, "members"),
        {"q": "诸葛"},
        headers={"HX-Request": "true", "HX-Target": "member-table"},
    )
    page = response.content.decode()
    assert "诸葛亮" in page
    assert "<html" not in page
    assert "HX-Target" in response["Vary"]


# --- query counts ----------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def grow_registry(unit, branch, n):
    for _ in range(n):
        factories.MemberFactory(employer=unit, branches=[branch])
        factories.BranchFactory(party_group=True, party_group_on="2022-01-01")
        factories.ExpertFactory()


@pytest.mark.parametrize(
    "fixture, owner_attr", [("unit_officer", "member_unit"), ("branch_officer", "branch")]
)
def test_members_list_query_count_does_not_grow(client, request, fixture, owner_attr):
    officer = request.getfixturevalue(fixture)
    organisation = getattr(officer, owner_attr)
    unit = organisation if owner_attr == "member_unit" else factories.MemberUnitFactory()
    branch = organisation if owner_attr == "branch" else factories.BranchFactory()
    client.force_login(officer)
    url = organisation_url(organisation, "members")
    grow_registry(unit, branch, 1)
    small = count_queries(client, url)
    grow_registry(unit, branch, 40)
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    "role", ["staff_user", "unit_officer", "expert_user", "leader_user", "member_user"]
)
def test_home_query_count_does_not_grow(client, request, role):
    user = request.getfixturevalue(role)
    unit = user.member_unit if user.member_unit_id else factories.MemberUnitFactory()
    branch = factories.BranchFactory()
    client.force_login(user)
    url = reverse("home")
    grow_registry(unit, branch, 1)
    small = count_queries(client, url)
    grow_registry(unit, branch, 15)
    assert count_queries(client, url) == small


def test_detail_query_count_does_not_grow(client, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(unit_officer)
    url = organisation_url(unit, "detail")
    grow_registry(unit, factories.BranchFactory(), 1)
    small = count_queries(client, url)
    grow_registry(unit, factories.BranchFactory(), 15)
    assert count_queries(client, url) == small


# --- language --------------------------------------------------------------------------


def test_chinese_by_default_even_for_an_english_browser(client, unit_officer):
    client.force_login(unit_officer)
    page = client.get(reverse("home"), headers={"accept-language": "en-US,en;q=0.9"})
    text = page.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "本机构" in text


def test_language_switch_shows_english_navigation(client, unit_officer):
    client.force_login(unit_officer)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "My organisation" in page
    assert "Members" in page
    assert "本机构" not in page
    assert "Sichuan Civil Engineering and Architecture Society" in page
    back = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True)
    assert "本机构" in back.content.decode()


def test_english_edit_form_and_errors(client, unit_officer):
    unit = unit_officer.member_unit
    client.force_login(unit_officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(organisation_url(unit, "edit"), unit_form_data(unit, liaison_phone="1"))
    page = response.content.decode()
    assert "Liaison phone" in page
    assert "Enter a valid phone number" in page


# --- accounts --------------------------------------------------------------------------


def test_login_page_is_chinese(client, db):
    page = client.get(LOGIN).content.decode()
    assert "用户名" in page
    assert "密码" in page
    assert "忘记密码" in page


def test_wrong_password_gives_chinese_error(client, unit_officer):
    response = client.post(LOGIN, {"username": "unit_officer", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_then_home(client, unit_officer):
    response = client.post(
        LOGIN, {"username": "unit_officer", "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert unit_officer.member_unit.name in response.content.decode()


def test_logout_is_a_post(client, unit_officer):
    client.force_login(unit_officer)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "您已安全退出" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_password_change(client, unit_officer):
    client.force_login(unit_officer)
    assert "修改密码" in client.get(reverse("password_change")).content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "Shudao-2024-qiao",
            "new_password2": "Shudao-2024-qiao",
        },
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    unit_officer.refresh_from_db()
    assert unit_officer.check_password("Shudao-2024-qiao")


def test_password_reset_flow_in_chinese(client, unit_officer):
    unit_officer.email = "liaison@example.cn"
    unit_officer.save()
    response = client.post(reverse("password_reset"), {"email": "liaison@example.cn"}, follow=True)
    assert "邮件已发送" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "四川省土木建筑学会：重设密码"
    assert "请打开下面的链接设置新密码" in message.body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Shudao-2024-qiao", "new_password2": "Shudao-2024-qiao"},
        follow=True,
    )
    assert "密码已重设" in done.content.decode()
    unit_officer.refresh_from_db()
    assert unit_officer.check_password("Shudao-2024-qiao")


def test_404_page_is_chinese(client, unit_officer):
    client.force_login(unit_officer)
    response = client.get(organisation_url(factories.MemberUnitFactory()))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_anonymous_visitors_see_the_public_notices_in_the_menu(client, db):
    nav = client.get(reverse("awards:notice-list")).context["nav_items"]
    assert [(str(item.label), item.active) for item in nav] == [
        ("公示公告", True),
        ("信息发布", False),
    ]
