"""The public sign-up page, the confirmation link and the 会员证 download."""

import io
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from society.enums import RegistrationStatus
from society.models import ExpertiseArea, Registration
from society.registration_views import REGISTRATION_POSTS_PER_WINDOW
from society.services import registration_approve
from tests import factories
from tests.conftest import ROLE_FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limit lives in the cache: every test starts with none of it."""
    cache.clear()
    yield
    cache.clear()


def form_data(**overrides):
    fields = {
        "name": "赵建桥",
        "gender": "male",
        "phone": "13912345678",
        "email": "zhao@example.org",
        "employer_name": "四川省建筑设计研究院",
        "title": "engineer",
        "consent": "on",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def post(client, data, address="203.0.113.7"):
    return client.post(reverse("register"), data, REMOTE_ADDR=address)


def confirm_link(message) -> str:
    return re.search(r"http\S+/register/confirm/\S+/", message.body).group(0)


def test_sign_up_page_is_public_and_linked_from_login(client):
    response = client.get(reverse("register"))
    assert response.status_code == 200
    assert "个人信息处理说明" in response.content.decode()
    assert reverse("register") in client.get(reverse("login")).content.decode()


def test_good_path_through_the_views(client, django_capture_on_commit_callbacks):
    area = ExpertiseArea.objects.create(code="bridge", name="桥梁工程")
    branch = factories.BranchFactory()
    unit = factories.MemberUnitFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            form_data(
                employer=unit.pk, employer_name="", expertise=[area.pk], branches=[branch.pk]
            ),
        )
    assert response.status_code == 302
    assert response.url == reverse("register-sent")
    assert "确认邮件" in client.get(response.url).content.decode()

    registration = Registration.objects.get()
    assert registration.employer == unit
    assert registration.employer_name == unit.name
    assert list(registration.expertise.all()) == [area]
    assert list(registration.branches.all()) == [branch]
    assert len(registration.client_hash) == 64
    assert "203.0.113.7" not in registration.client_hash

    assert mail.outbox[0].to == ["zhao@example.org"]
    link = confirm_link(mail.outbox[0])
    path = link[link.index("/register/") :]
    page = client.get(path)
    assert page.status_code == 200
    assert "邮箱已确认" in page.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    # Opening the link again does no harm.
    assert client.get(path).status_code == 200


def test_bad_confirmation_link_is_refused(client):
    response = client.get(reverse("register-confirm", args=["not-a-token"]))
    assert response.status_code == 400
    assert "确认链接无效" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12345"}, "电话号码"),
        ({"consent": None}, "隐私声明"),
        ({"email": "not-an-email"}, "有效的 Email 地址"),
        ({"name": ""}, "这个字段是必填项"),
        ({"employer_name": ""}, "请填写工作单位"),
    ],
)
def test_refusals_show_a_message_and_store_nothing(client, overrides, message):
    response = post(client, form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Registration.objects.exists()
    assert not mail.outbox


def test_duplicate_phone_of_a_member_is_refused(client):
    factories.MemberFactory(phone="13912345678")
    response = post(client, form_data())
    assert "该手机号已是本会会员" in response.content.decode()
    assert not Registration.objects.exists()


def test_duplicate_email_of_an_open_application_is_refused(client):
    assert post(client, form_data()).status_code == 302
    response = post(client, form_data(phone="13900000001"), address="198.51.100.1")
    assert "该电子邮箱已有一份入会申请正在办理" in response.content.decode()
    assert Registration.objects.count() == 1


def test_rate_limit_answers_429_and_stores_nothing(client):
    for _n in range(REGISTRATION_POSTS_PER_WINDOW):
        assert post(client, form_data(phone="123")).status_code == 200
    response = post(client, form_data(phone="13955555555", email="late@example.org"))
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert not Registration.objects.exists()
    # Another client is not affected.
    assert post(client, form_data(), address="198.51.100.2").status_code == 302


# ---------------------------------------------------------------------------
# 会员证


@pytest.fixture
def approved_member(staff_user):
    registration = Registration.objects.create(
        name="钱学林",
        gender="male",
        phone="13811112222",
        email="qian@example.org",
        employer_name="西南交通大学",
        consent_at="2025-01-01T00:00:00+08:00",
        status=RegistrationStatus.PENDING,
    )
    return registration_approve(registration=registration, user=staff_user)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_member_downloads_own_certificate(client, approved_member):
    client.force_login(approved_member.user)
    response = client.get(reverse("member-certificate"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert approved_member.member_number in text
    assert "钱学林" in text
    assert "会员编号" in text
    own = client.get(reverse("member-certificate-of", args=[approved_member.pk]))
    assert own.status_code == 200


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
def test_certificate_of_a_member_by_role(client, request, role, approved_member):
    """Staff get anyone's; every other role (members included) a 404; visitors the login."""
    url = reverse("member-certificate-of", args=[approved_member.pk])
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    if role is None:
        assert response.status_code == 302
        assert reverse("login") in response.url
    elif role == "staff_user":
        assert response.status_code == 200
        assert approved_member.member_number in pdf_text(response.content)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
def test_own_certificate_by_role(client, request, role):
    """/me/certificate/ is for a member with a member record; others have none (404)."""
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("member-certificate"))
    expected = {None: 302, "member_user": 200}.get(role, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("role", [None, *ROLE_FIXTURES])
def test_sign_up_pages_open_to_every_role(client, request, role):
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("register")).status_code == 200
    assert client.get(reverse("register-sent")).status_code == 200


def test_member_home_links_the_certificate(client, approved_member):
    client.force_login(approved_member.user)
    assert reverse("member-certificate") in client.get(reverse("home")).content.decode()
