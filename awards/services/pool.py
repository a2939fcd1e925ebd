"""The award pool: proposals, confirmations, withdrawals and revocations, never over-allocated.

Every change of what the pool holds goes through `_take_place` or `_free_place`, inside a
transaction that holds the pool row (SELECT ... FOR UPDATE). The committed counters on the
pool are re-checked under that lock and guarded by CHECK constraints in the database.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.enums import ApplicationStatus as S
from projects.models import Application, Call
from projects.selectors import RankingRow, call_ranking
from projects.services import ACTIVE_STATES, application_transition
from society.audit import log_action
from society.errors import DomainError
from society.models import User
from society.rules import is_secretariat

from ..enums import HOLDING_STATES, AwardStatus
from ..models import Award, AwardPool, PublicNotice


def _require_secretariat(user: User) -> None:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以管理奖励。"), code="forbidden")


def pool_for_call(call: Call) -> AwardPool:
    """The call's pool, created from the call's settings the first time it is asked for."""
    pool, _created = AwardPool.objects.get_or_create(
        call=call,
        defaults={
            "award_count": call.award_count,
            "award_amount": call.award_amount,
            "fund_total": call.fund_total,
        },
    )
    return pool


def _locked_pool(call: Call) -> AwardPool:
    pool_for_call(call)
    return AwardPool.objects.select_for_update().get(call=call)


def _take_place(pool: AwardPool, amount: Decimal) -> None:
    """Hold one award and its money in a locked pool, or refuse."""
    if pool.committed_count + 1 > pool.award_count:
        raise DomainError(
            _("奖励名额已满：本批次共%(n)d项，已全部占用。") % {"n": pool.award_count},
            code="pool_count",
        )
    if pool.committed_amount + amount > pool.fund_total:
        raise DomainError(
            _("奖励经费不足：剩余¥%(left)s，本项需¥%(amount)s。")
            % {"left": f"{pool.money_left:,.2f}", "amount": f"{amount:,.2f}"},
            code="pool_fund",
        )
    _shift(pool, 1, amount)


def _free_place(pool: AwardPool, amount: Decimal) -> None:
    _shift(pool, -1, -amount)


def _shift(pool: AwardPool, places: int, amount: Decimal) -> None:
    """Move the counters in SQL (no lost update even without the lock) and re-read them;
    the CHECK constraints refuse any result beyond the count or the fund."""
    AwardPool.objects.filter(pk=pool.pk).update(
        committed_count=F("committed_count") + places,
        committed_amount=F("committed_amount") + amount,
        updated_at=timezone.now(),
    )
    pool.refresh_from_db(fields=["committed_count", "committed_amount", "updated_at"])


def _hold(
    *, application: Application, user: User, status: str, note: str, rank=None, score=None
) -> Award:
    if application.status not in (S.REVIEWED, S.PUBLICIZED):
        raise DomainError(
            _("只有“已评审”或“公示中”的申报可以列入奖励，当前为“%(status)s”。")
            % {"status": application.get_status_display()},
            code="state",
        )
    with transaction.atomic():
        pool = _locked_pool(application.call)
        if pool.awards.filter(application=application, status__in=HOLDING_STATES).exists():
            raise DomainError(_("该申报已列入奖励。"), code="duplicate")
        _take_place(pool, pool.award_amount)
        try:
            with transaction.atomic():
                award = Award.objects.create(
                    pool=pool,
                    application=application,
                    amount=pool.award_amount,
                    status=status,
                    note=note,
                    rank=rank,
                    score=score,
                    confirmed_at=timezone.now() if status == AwardStatus.CONFIRMED else None,
                )
        except IntegrityError as error:  # the one-award-per-application constraint
            raise DomainError(_("该申报已列入奖励。"), code="duplicate") from error
        if status == AwardStatus.CONFIRMED:
            _assign_certificate_number(pool, award)
        log_action(
            f"awards.award.{status}",
            user=user,
            obj=award,
            data={
                "application": application.pk,
                "amount": award.amount,
                "note": note,
                "places_left": pool.places_left,
                "money_left": pool.money_left,
            },
        )
    return award


def award_propose(
    *, application: Application, user: User, note: str = "", rank=None, score=None
) -> Award:
    """拟奖励: hold a place and the money for an application, before the 公示 only."""
    _require_secretariat(user)
    if PublicNotice.objects.filter(call_id=application.call_id).exists():
        raise DomainError(
            _("本批次已发布公示，不能再增加拟奖励项目；如需递补，请确认结果后另行公示。"),
            code="published",
        )
    return _hold(
        application=application,
        user=user,
        status=AwardStatus.PROPOSED,
        note=note,
        rank=rank,
        score=score,
    )


def award_confirm(*, application: Application, user: User, note: str = "") -> Award:
    """确认奖励: confirm the application's proposal, or take a place directly if it had none."""
    _require_secretariat(user)
    with transaction.atomic():
        pool = _locked_pool(application.call)
        award = pool.awards.filter(application=application, status=AwardStatus.PROPOSED).first()
        if award is None:
            return _hold(
                application=application, user=user, status=AwardStatus.CONFIRMED, note=note
            )
        award.status = AwardStatus.CONFIRMED
        award.confirmed_at = timezone.now()
        award.save(update_fields=["status", "confirmed_at", "updated_at"])
        _assign_certificate_number(pool, award)
        log_action("awards.award.confirmed", user=user, obj=award, data={"note": note})
    return award


def _assign_certificate_number(pool: AwardPool, award: Award) -> None:
    """SCTJ-JL-<year>-<nnn>, in order of confirmation; the pool row is locked by the caller."""
    taken = pool.awards.exclude(certificate_number="").count()
    award.certificate_number = f"SCTJ-JL-{pool.call.year}-{taken + 1:03d}"
    award.save(update_fields=["certificate_number", "updated_at"])


def award_release(*, award: Award, user: User, reason: str) -> Award:
    """撤回 a proposal or 撤销 a confirmed award (only while nothing has been paid)."""
    _require_secretariat(user)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤回或撤销的理由。"), code="reason")
    with transaction.atomic():
        pool = _locked_pool(award.pool.call)
        award = Award.objects.select_for_update().get(pk=award.pk)
        if award.status not in HOLDING_STATES:
            raise DomainError(_("该奖励已撤回或撤销。"), code="state")
        if award.paid_amount > 0:
            raise DomainError(_("该奖励已有拨付记录，不能撤销。"), code="paid")
        previous = award.status
        award.status = (
            AwardStatus.WITHDRAWN if previous == AwardStatus.PROPOSED else AwardStatus.REVOKED
        )
        award.note = reason[:300]
        award.save(update_fields=["status", "note", "updated_at"])
        _free_place(pool, award.amount)
        log_action(
            f"awards.award.{award.status}",
            user=user,
            obj=award,
            data={
                "from": previous,
                "reason": reason,
                "places_left": pool.places_left,
                "money_left": pool.money_left,
            },
        )
        application = award.application
        if previous == AwardStatus.CONFIRMED and application.status in ACTIVE_STATES:
            # A revoked award ends the project; a withdrawn proposal leaves it 已评审/公示中.
            application_transition(
                application=application, user=user, action="terminate", reason=reason
            )
    return award


@dataclass
class Suggestion:
    """One ranked application and what the platform suggests doing with it."""

    row: RankingRow
    suggested: bool
    held: Award | None
    tie_at_cut: bool = False

    @property
    def application(self) -> Application:
        return self.row.application


def awards_suggest(call: Call) -> list[Suggestion]:
    """多中选好、好中选优: the ranked applications, the top ones up to the award count and the
    fund marked as suggested, ties at the cut flagged (disagreement flags come with the row)."""
    pool = pool_for_call(call)
    rows, _experts = call_ranking(call)
    held = {award.application_id: award for award in pool.awards.filter(status__in=HOLDING_STATES)}
    candidates = [
        row
        for row in rows
        if row.rank is not None and row.application.status in (S.REVIEWED, S.PUBLICIZED)
    ]
    places, money = pool.award_count, pool.fund_total
    suggestions = []
    for row in candidates:
        fits = places >= 1 and money >= pool.award_amount
        if fits:
            places -= 1
            money -= pool.award_amount
        suggestions.append(Suggestion(row=row, suggested=fits, held=held.get(row.application.pk)))
    in_ranks = {s.row.rank for s in suggestions if s.suggested}
    out_ranks = {s.row.rank for s in suggestions if not s.suggested}
    for suggestion in suggestions:
        suggestion.tie_at_cut = suggestion.row.rank in in_ranks & out_ranks
    return suggestions


def awards_propose_suggested(*, call: Call, user: User) -> dict:
    """Propose every suggested application that holds no award yet; report refusals."""
    _require_secretariat(user)
    done, refused = 0, []
    for suggestion in awards_suggest(call):
        if not suggestion.suggested or suggestion.held is not None:
            continue
        try:
            award_propose(
                application=suggestion.application,
                user=user,
                rank=suggestion.row.rank,
                score=suggestion.row.stats.trimmed_mean,
                note=_("按评审排名建议"),
            )
            done += 1
        except DomainError as error:
            refused.append((suggestion.application, error.message))
    return {"proposed": done, "refused": refused}
