"""拨付: money paid to an awardee, never beyond the award."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from society.audit import log_action
from society.errors import DomainError
from society.models import User
from society.rules import is_secretariat
from society.uploads import checked_upload, save_with_file

from ..enums import AwardStatus
from ..models import Award, Payment

PROOF_TYPES = ("pdf", "jpg", "png")


def payment_record(
    *,
    award: Award,
    user: User,
    paid_on,
    amount: Decimal,
    voucher_number: str,
    proof=None,
    note: str = "",
) -> Payment:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以登记拨付。"), code="forbidden")
    voucher_number = (voucher_number or "").strip()
    if not voucher_number:
        raise DomainError(_("请填写凭证号。"), code="voucher")
    if amount is None or amount <= 0:
        raise DomainError(_("拨付金额须大于0。"), code="amount")
    info = None
    if proof is not None:
        info = checked_upload(proof, allowed=PROOF_TYPES)
    with transaction.atomic():
        locked = Award.objects.select_for_update().get(pk=award.pk)
        if locked.status != AwardStatus.CONFIRMED:
            raise DomainError(_("只有已确认的奖励可以拨付。"), code="state")
        left = locked.amount - locked.paid_amount
        if amount > left:
            raise DomainError(
                _("拨付金额¥%(amount)s超过未拨付金额¥%(left)s。")
                % {"amount": f"{amount:,.2f}", "left": f"{left:,.2f}"},
                code="overpaid",
            )
        if Payment.objects.filter(voucher_number=voucher_number).exists():
            raise DomainError(_("凭证号“%(n)s”已登记过。") % {"n": voucher_number}, code="voucher")
        payment = Payment(
            award=locked,
            paid_on=paid_on,
            amount=amount,
            voucher_number=voucher_number,
            note=note[:200],
            recorded_by=user,
            proof_name=info["name"] if info else "",
        )
        payment.full_clean(exclude=["proof"])
        if info:
            save_with_file(payment, "proof", proof, info["name"])
        else:
            payment.save()
        Award.objects.filter(pk=locked.pk).update(paid_amount=F("paid_amount") + amount)
        locked.refresh_from_db(fields=["paid_amount"])
        log_action(
            "awards.payment.recorded",
            user=user,
            obj=locked,
            data={
                "amount": amount,
                "voucher": voucher_number,
                "paid_on": paid_on,
                "paid_total": locked.paid_amount,
            },
        )
    award.refresh_from_db()
    return payment
