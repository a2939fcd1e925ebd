"""获奖通知书 and 荣誉证书: the Chinese text is in the PDF, and only the awardee and staff
download them."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from awards.documents import _offline_fetcher, award_certificate_pdf, award_letter_pdf
from awards.enums import AwardStatus
from projects.enums import ApplicationStatus, ReviewStatus
from tests import factories

pytestmark = pytest.mark.django_db

UNIT = "四川蜀道建设集团有限公司"
TITLE = "桥梁隧道智能检测科技服务团队建设"
NUMBER = "SCTJ-JL-2023-001"
CONFIRMED_AT = timezone.make_aware(datetime.datetime(2023, 9, 25, 10, 0))


@pytest.fixture
def application(unit_officer):
    unit = unit_officer.member_unit
    unit.name = UNIT
    unit.save()
    return factories.ApplicationFactory(
        member_unit=unit, title=TITLE, status=ApplicationStatus.AWARDED
    )


@pytest.fixture
def award(application):
    return factories.AwardFactory(
        application=application,
        status=AwardStatus.CONFIRMED,
        certificate_number=NUMBER,
        confirmed_at=CONFIRMED_AT,
        amount=Decimal("3000.00"),
    )


def pdf_text(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.split()), reader


def test_award_letter_carries_the_award_in_chinese(award):
    text, reader = pdf_text(award_letter_pdf(award))

    for expected in (
        "获奖通知书",
        UNIT,
        TITLE,
        NUMBER,
        "¥3,000.00",
        award.application.call.title,
        "2023年12月31日",  # the implementation end
        "工作总结",
        "佐证材料",
        "四川省土木建筑学会",
        "2023年9月25日",  # the day the award was confirmed
    ):
        assert expected in text, expected
    box = reader.pages[0].mediabox
    assert box.height > box.width  # A4 portrait
    assert round(float(box.width) / 72 * 25.4) == 210


def test_certificate_is_landscape_with_the_grant(award):
    text, reader = pdf_text(award_certificate_pdf(award))

    for expected in (
        "荣誉证书",
        "授予",
        UNIT,
        TITLE,
        "四川省土木建筑学会创建一流科技社团培育奖励",
        NUMBER,
        "2023年9月25日",
    ):
        assert expected in text, expected
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    assert round(float(box.width) / 72 * 25.4) == 297


def test_a_branch_award_names_the_branch(db):
    branch = factories.BranchFactory(name="四川省土木建筑学会桥梁工程专业委员会")
    application = factories.ApplicationFactory(
        branch=branch, member_unit=None, status=ApplicationStatus.AWARDED
    )
    award = factories.AwardFactory(
        application=application, status=AwardStatus.CONFIRMED, certificate_number=NUMBER
    )
    text, _reader = pdf_text(award_certificate_pdf(award))
    assert branch.name in text


def test_documents_fetch_nothing_from_the_network():
    fetcher = _offline_fetcher()
    for url in ("http://example.com/logo.png", "https://example.com/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)


# --- who may download -------------------------------------------------------------------


@pytest.fixture
def colleague(unit_officer):
    return factories.UnitOfficerFactory(username="colleague", member_unit=unit_officer.member_unit)


@pytest.fixture
def reviewing_expert(expert_user, application):
    """An expert who reviewed the application: may read it, not download its documents."""
    factories.ReviewAssignmentFactory(
        application=application, expert=expert_user.expert, status=ReviewStatus.SUBMITTED
    )
    return expert_user


DOCUMENT_URLS = ["awards:award-letter", "awards:award-certificate"]
MAY_DOWNLOAD = ["staff_user", "unit_officer", "colleague"]
MAY_NOT_DOWNLOAD = [
    "branch_officer",
    "other_unit_officer",
    "reviewing_expert",
    "leader_user",
    "member_user",
]


@pytest.mark.parametrize("name", DOCUMENT_URLS)
@pytest.mark.parametrize("role", MAY_DOWNLOAD)
def test_awardee_officers_and_staff_download_the_documents(client, request, award, role, name):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse(name, args=[award.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert quote(NUMBER) in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("name", DOCUMENT_URLS)
@pytest.mark.parametrize("role", MAY_NOT_DOWNLOAD)
def test_everyone_else_gets_404(client, request, award, role, name):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(name, args=[award.pk])).status_code == 404


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_anonymous_is_sent_to_login(client, award, name):
    url = reverse(name, args=[award.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={quote(url)}"


@pytest.mark.parametrize("status", [AwardStatus.PROPOSED, AwardStatus.REVOKED])
@pytest.mark.parametrize("role", ["staff_user", "unit_officer"])
def test_no_documents_for_an_award_not_confirmed(client, request, award, status, role):
    award.status = status
    award.save()
    client.force_login(request.getfixturevalue(role))
    for name in DOCUMENT_URLS:
        assert client.get(reverse(name, args=[award.pk])).status_code == 404
