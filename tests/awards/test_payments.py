import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from awards.services import award_confirm, payment_record
from projects.enums import ApplicationStatus
from society.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2023, 10, 8)


@pytest.fixture
def award(staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.REVIEWED)
    return award_confirm(application=application, user=staff_user)


def test_award_is_paid_when_payments_add_up(award, staff_user):
    payment_record(
        award=award, user=staff_user, paid_on=TODAY, amount=Decimal("1000"), voucher_number="PZ-001"
    )
    assert not award.is_paid
    payment_record(
        award=award, user=staff_user, paid_on=TODAY, amount=Decimal("2000"), voucher_number="PZ-002"
    )
    assert award.is_paid
    assert award.paid_amount == Decimal("3000.00")


def test_no_payment_beyond_the_award(award, staff_user):
    payment_record(
        award=award, user=staff_user, paid_on=TODAY, amount=Decimal("2500"), voucher_number="PZ-001"
    )
    with pytest.raises(DomainError, match=r"超过未拨付金额¥500\.00"):
        payment_record(
            award=award,
            user=staff_user,
            paid_on=TODAY,
            amount=Decimal("501"),
            voucher_number="PZ-002",
        )
    assert award.payments.count() == 1


def test_voucher_numbers_are_unique(award, staff_user):
    payment_record(
        award=award, user=staff_user, paid_on=TODAY, amount=Decimal("100"), voucher_number="PZ-001"
    )
    with pytest.raises(DomainError, match="已登记过"):
        payment_record(
            award=award,
            user=staff_user,
            paid_on=TODAY,
            amount=Decimal("100"),
            voucher_number="PZ-001",
        )


def test_proof_is_checked(award, staff_user, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    with pytest.raises(DomainError, match="文件内容与扩展名"):
        payment_record(
            award=award,
            user=staff_user,
            paid_on=TODAY,
            amount=Decimal("100"),
            voucher_number="PZ-001",
            proof=SimpleUploadedFile("p.pdf", b"not a pdf"),
        )
    assert award.payments.count() == 0


def test_only_confirmed_awards_are_paid(staff_user):
    proposed = factories.AwardFactory(status="proposed")
    with pytest.raises(DomainError, match="已确认"):
        payment_record(
            award=proposed,
            user=staff_user,
            paid_on=TODAY,
            amount=Decimal("100"),
            voucher_number="PZ-001",
        )
