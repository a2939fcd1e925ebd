import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from society.audit import log_action
from society.enums import Role, UnitGrade
from society.models import (
    AuditEntry,
    Branch,
    Expert,
    ExpertiseArea,
    Member,
    MemberUnit,
    StaffMember,
    User,
)
from tests import factories
from tests.conftest import ROLE_FIXTURES

ADMIN_MODELS = [ExpertiseArea, Branch, MemberUnit, Member, Expert, StaffMember, User, AuditEntry]
PAGES = ["changelist", "add", "change"]
OTHER_ROLES = [None, *(role for role in ROLE_FIXTURES if role != "staff_user")]


def create_objects(model, count: int) -> list:
    """`count` saved objects of `model`, with the relations their admin lists show."""
    if model is ExpertiseArea:
        start = ExpertiseArea.objects.count()
        return [
            ExpertiseArea.objects.create(code=f"area-{start + i}", name=f"测试领域{start + i}")
            for i in range(count)
        ]
    if model is Branch:
        branches = factories.BranchFactory.create_batch(count)
        for branch in branches:
            factories.MemberFactory(branches=[branch])
        return branches
    if model is MemberUnit:
        units = factories.MemberUnitFactory.create_batch(count)
        for unit in units:
            factories.MemberFactory(employer=unit)
        return units
    if model is Member:
        branch = factories.BranchFactory()
        return [factories.MemberFactory(branches=[branch]) for _ in range(count)]
    if model is Expert:
        return factories.ExpertFactory.create_batch(count)
    if model is StaffMember:
        return factories.StaffMemberFactory.create_batch(count)
    if model is User:
        half = count // 2
        return [
            *factories.BranchOfficerFactory.create_batch(half),
            *factories.UnitOfficerFactory.create_batch(count - half),
        ]
    if model is AuditEntry:
        unit = factories.MemberUnitFactory()
        return [
            log_action("society.memberunit.updated", obj=unit, data={"changes": {}})
            for _ in range(count)
        ]
    raise AssertionError(model)


def admin_url(model, page: str, obj=None) -> str:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"
    return reverse(name, args=[obj.pk] if page == "change" else [])


def form_data(response) -> dict:
    """What the browser would post back from an admin change form, unchanged."""
    form = response.context["adminform"].form
    data = {"_save": "保存"}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        else:
            data[name] = str(value)
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management[name].html_name] = str(management[name].value())
    return data


# Who may open the admin.


# The audit log cannot be added to by hand (see test_audit_log_is_read_only_in_the_admin).
STAFF_PAGES = [
    pytest.param(model, page, id=f"{model.__name__}-{page}")
    for model in ADMIN_MODELS
    for page in PAGES
    if not (model is AuditEntry and page == "add")
]


@pytest.mark.parametrize(("model", "page"), STAFF_PAGES)
def test_secretariat_opens_every_admin_page(client, staff_user, model, page):
    obj = create_objects(model, 1)[0]
    client.force_login(staff_user)

    response = client.get(admin_url(model, page, obj))

    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_kept_out_of_the_admin(client, db, request, role, model, page):
    obj = create_objects(model, 1)[0]
    if role is not None:
        client.force_login(request.getfixturevalue(role))

    response = client.get(admin_url(model, page, obj))

    if response.status_code == 302:
        assert response.url.startswith(reverse("admin:login"))
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_staff_flag_without_secretariat_role_gets_403(client, db, model):
    user = factories.UserFactory(role=Role.MEMBER, is_staff=True)
    client.force_login(user)

    assert client.get(admin_url(model, "changelist")).status_code == 403


def test_admin_index_lists_every_society_model_for_the_secretariat(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    for model in ADMIN_MODELS:
        assert admin_url(model, "changelist") in response.text
        assert str(model._meta.verbose_name_plural) in response.text


def test_admin_index_shows_no_registry_to_a_staff_flag_without_role(client, db):
    client.force_login(factories.UserFactory(role=Role.MEMBER, is_staff=True))

    response = client.get(reverse("admin:index"))

    assert admin_url(MemberUnit, "changelist") not in response.text


@pytest.mark.parametrize("model", [Branch, MemberUnit, Member, Expert], ids=lambda m: m.__name__)
def test_changelist_offers_import_and_export_to_the_secretariat(client, staff_user, model):
    client.force_login(staff_user)

    response = client.get(admin_url(model, "changelist"))

    assert admin_url(model, "import") in response.text
    assert admin_url(model, "export") in response.text
    assert client.get(admin_url(model, "import")).status_code == 200
    assert client.get(admin_url(model, "export")).status_code == 200


@pytest.mark.parametrize("model", [Branch, MemberUnit, Member, Expert], ids=lambda m: m.__name__)
def test_import_and_export_refused_without_secretariat_role(client, db, model):
    client.force_login(factories.UserFactory(role=Role.LEADER, is_staff=True))

    assert client.get(admin_url(model, "import")).status_code == 403
    assert client.get(admin_url(model, "export")).status_code == 403


# Query counts: a changelist costs the same whatever the amount of data.


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_data(client, staff_user, model):
    client.force_login(staff_user)
    url = admin_url(model, "changelist")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    create_objects(model, 2)
    small = count_queries()
    create_objects(model, 10)
    large = count_queries()

    assert small == large


# The audit trail.


def test_admin_edit_is_audited_and_shown_on_the_change_page(client, staff_user):
    unit = factories.MemberUnitFactory(liaison_phone="13900000000")
    client.force_login(staff_user)
    url = admin_url(MemberUnit, "change", unit)
    data = form_data(client.get(url))
    data.update(liaison_phone="13811112222", grade=UnitGrade.COUNCIL)

    response = client.post(url, data)

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.liaison_phone == "13811112222"
    assert unit.version == 2
    entry = AuditEntry.objects.get(action="society.memberunit.updated")
    assert entry.actor == staff_user
    assert entry.object_id == str(unit.pk)
    assert entry.data["changes"] == {
        "grade": ["member", "council"],
        "liaison_phone": ["13900000000", "13811112222"],
    }
    page = client.get(url).text
    assert "操作记录" in page
    assert "13900000000 → 13811112222" in page
    assert "会员单位 → 理事单位" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "成都建工\x1b集团", "控制字符"),
        ("name", "成都建工\n集团", "只能填写一行"),
        ("address", "成都市\u202e区", "控制字符"),
    ],
)
def test_admin_forms_refuse_control_characters_and_change_nothing(
    client, staff_user, field, value, message
):
    unit = factories.MemberUnitFactory(name="成都建工集团", address="成都市")
    client.force_login(staff_user)
    url = admin_url(MemberUnit, "change", unit)
    data = form_data(client.get(url))
    data[field] = value

    response = client.post(url, data)

    assert response.status_code == 200
    assert message in response.text
    unit.refresh_from_db()
    assert (unit.name, unit.address, unit.version) == ("成都建工集团", "成都市", 1)


def test_many_to_many_changes_are_audited(client, staff_user):
    old_branch = factories.BranchFactory(name="建筑结构专业委员会")
    new_branch = factories.BranchFactory(name="桥梁与隧道工程专业委员会")
    member = factories.MemberFactory(branches=[old_branch])
    client.force_login(staff_user)
    url = admin_url(Member, "change", member)
    data = form_data(client.get(url))
    data["branches"] = [str(new_branch.pk)]

    assert client.post(url, data).status_code == 302

    entry = AuditEntry.objects.get(action="society.member.updated")
    assert entry.data["changes"] == {
        "branches": [["建筑结构专业委员会"], ["桥梁与隧道工程专业委员会"]]
    }


def test_saving_unchanged_form_writes_no_entry(client, staff_user):
    branch = factories.BranchFactory()
    client.force_login(staff_user)
    url = admin_url(Branch, "change", branch)

    assert client.post(url, form_data(client.get(url))).status_code == 302

    assert not AuditEntry.objects.filter(action="society.branch.updated").exists()


def test_admin_create_and_delete_are_audited(client, staff_user):
    client.force_login(staff_user)
    assert "操作记录" not in client.get(admin_url(StaffMember, "add")).text
    data = {
        "name": "王芳",
        "position": "会员部主任",
        "full_time": "on",
        "started_on": "2023-03-01",
        "_save": "保存",
    }

    assert client.post(admin_url(StaffMember, "add"), data).status_code == 302

    staff_member = StaffMember.objects.get(name="王芳")
    created = AuditEntry.objects.get(action="society.staffmember.created")
    assert created.data["changes"]["position"] == [None, "会员部主任"]
    assert created.object_id == str(staff_member.pk)

    url = reverse("admin:society_staffmember_delete", args=[staff_member.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302

    assert not StaffMember.objects.exists()
    deleted = AuditEntry.objects.get(action="society.staffmember.deleted")
    assert deleted.data["changes"]["name"] == ["王芳", None]
    assert deleted.actor == staff_user


def test_bulk_delete_action_is_audited_per_object(client, staff_user):
    staff_members = factories.StaffMemberFactory.create_batch(2)
    client.force_login(staff_user)
    data = {
        "action": "delete_selected",
        "_selected_action": [str(s.pk) for s in staff_members],
        "post": "yes",
    }

    assert client.post(admin_url(StaffMember, "changelist"), data).status_code == 302

    assert AuditEntry.objects.filter(action="society.staffmember.deleted").count() == 2


@pytest.mark.parametrize("model", [Branch, MemberUnit], ids=lambda m: m.__name__)
def test_stale_version_is_refused_and_nothing_changes(client, staff_user, model):
    obj = create_objects(model, 1)[0]
    client.force_login(staff_user)
    url = admin_url(model, "change", obj)
    data = form_data(client.get(url))
    # Someone else saves first.
    model.objects.filter(pk=obj.pk).update(version=obj.version + 1, email="other@example.com")
    data["email"] = "mine@example.com"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "其他人已修改" in response.text
    obj.refresh_from_db()
    assert obj.email == "other@example.com"
    assert obj.version == 2
    assert not AuditEntry.objects.exists()


def test_audit_log_is_read_only_in_the_admin(client, staff_user):
    entry = create_objects(AuditEntry, 1)[0]
    client.force_login(staff_user)

    assert client.get(admin_url(AuditEntry, "add")).status_code == 403
    change_page = client.get(admin_url(AuditEntry, "change", entry))
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.text
    delete_url = reverse("admin:society_auditentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_log_filters_by_object_type_and_verb(client, staff_user):
    unit = factories.MemberUnitFactory(name="四川华西集团有限公司")
    member = factories.MemberFactory(name="李四")
    log_action("society.memberunit.updated", obj=unit)
    log_action("society.member.deleted", obj=member)
    client.force_login(staff_user)
    url = admin_url(AuditEntry, "changelist")

    by_type = client.get(url, {"action_prefix": "society.memberunit"})
    by_verb = client.get(url, {"verb": "deleted"})
    searched = client.get(url, {"q": "华西"})

    assert [e.action for e in by_type.context["cl"].result_list] == ["society.memberunit.updated"]
    assert [e.object_repr for e in by_verb.context["cl"].result_list] == [str(member)]
    assert [e.object_repr for e in searched.context["cl"].result_list] == [str(unit)]
    assert "会员单位（society.memberunit）" in by_type.text


# The user admin: no way to more power than the secretariat has.


def test_secretariat_cannot_make_anyone_a_superuser(client, staff_user):
    user = factories.UserFactory(username="zhangsan")
    client.force_login(staff_user)
    url = admin_url(User, "change", user)
    page = client.get(url)
    assert 'name="is_superuser"' not in page.text
    assert 'name="user_permissions"' not in page.text
    assert 'name="groups"' not in page.text
    data = form_data(page)
    data.update(is_superuser="on", user_permissions=["1"], groups=[], phone="13812345678")

    assert client.post(url, data).status_code == 302

    user.refresh_from_db()
    assert not user.is_superuser
    assert user.phone == "13812345678"
    assert not user.user_permissions.exists()


def test_secretariat_cannot_edit_a_superuser(client, staff_user):
    admin_user = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(staff_user)
    url = admin_url(User, "change", admin_user)
    data = {"username": "root", "role": Role.STAFF}

    response = client.post(url, data)

    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active
    password_url = reverse("admin:auth_user_password_change", args=[admin_user.pk])
    assert client.get(password_url).status_code == 403


def test_superuser_sees_the_superuser_fields(client, db):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)

    page = client.get(admin_url(User, "change", root))

    assert 'name="is_superuser"' in page.text


def test_secretariat_creates_an_officer_account(client, staff_user):
    branch = factories.BranchFactory()
    client.force_login(staff_user)
    data = {
        "username": "officer1",
        "usable_password": "true",
        "password1": factories.PASSWORD,
        "password2": factories.PASSWORD,
        "last_name": "赵",
        "first_name": "敏",
        "role": Role.OFFICER,
        "branch": str(branch.pk),
        "phone": "13812345678",
        "_save": "保存",
    }

    response = client.post(admin_url(User, "add"), data)

    assert response.status_code == 302
    officer = User.objects.get(username="officer1")
    assert officer.branch == branch
    assert officer.check_password(factories.PASSWORD)
    entry = AuditEntry.objects.get(action="society.user.created")
    assert entry.data["changes"]["branch"] == [None, branch.name]
    assert "password" not in entry.data["changes"]


def test_officer_without_organisation_is_refused(client, staff_user):
    client.force_login(staff_user)
    user = factories.UserFactory(username="lisi")
    url = admin_url(User, "change", user)
    data = form_data(client.get(url))
    data["role"] = Role.OFFICER

    response = client.post(url, data)

    assert response.status_code == 200
    assert "机构联络员必须且只能绑定一个分支机构或会员单位" in response.text
    user.refresh_from_db()
    assert user.role == Role.MEMBER


def test_password_change_in_admin_is_audited(client, staff_user):
    user = factories.UserFactory(username="wangwu")
    client.force_login(staff_user)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    new_password = "Another-pass-2024"

    response = client.post(url, {"password1": new_password, "password2": new_password})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    entry = AuditEntry.objects.get(action="society.user.password_changed")
    assert entry.object_id == str(user.pk)
    assert new_password not in str(entry.data)


def test_member_changelist_selection_boxes_match_djangos_widget(client, staff_user):
    """MemberAdmin writes the rows' selection boxes out instead of rendering a widget
    template per row; the HTML must stay exactly what Django's own column gives."""
    from django.contrib import admin
    from django.contrib.admin import ModelAdmin

    members = factories.MemberFactory.create_batch(3)
    model_admin = admin.site._registry[Member]
    client.force_login(staff_user)
    response = client.get(reverse("admin:society_member_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    for member in members:
        expected = ModelAdmin.action_checkbox(model_admin, member)
        assert model_admin.action_checkbox(member) == expected
        assert expected in html
