"""Everything that writes the indicator catalogue and the records behind it."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from society.audit import log_action
from society.errors import DomainError
from society.models import User
from society.notifications import notify
from society.rules import is_officer, is_secretariat
from society.services import versioned_update
from society.uploads import checked_upload, save_with_file

from .enums import Basis, Measure, RecordStatus
from .models import Indicator, ProgrammeYear, Record, RecordEvidence, SatisfactionResponse
from .rules import is_record_officer


def catalogue_copy(*, from_year: int, to_year: int) -> int:
    """Start a year's catalogue as a copy of another year's targets (codes it already has are
    kept as they are); returns how many indicators were added."""
    existing = set(Indicator.objects.filter(year=to_year).values_list("code", flat=True))
    copies = []
    for indicator in Indicator.objects.filter(year=from_year):
        if indicator.code not in existing:
            indicator.pk = None
            indicator.year = to_year
            copies.append(indicator)
    Indicator.objects.bulk_create(copies)
    period = ProgrammeYear.objects.filter(year=from_year).first()
    if period and not ProgrammeYear.objects.filter(year=to_year).exists():
        shift = to_year - from_year
        ProgrammeYear.objects.create(
            year=to_year,
            title=period.title.replace(str(from_year), str(to_year)),
            starts_on=_shifted(period.starts_on, shift),
            ends_on=_shifted(period.ends_on, shift),
        )
    return len(copies)


def _shifted(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------------------
# Records: reported by organisations (or the secretariat), verified by the secretariat.

RECORD_FIELDS = (
    "indicator", "category", "title", "occurred_on", "description", "link", "quantity",
    "value", "source_note", "authors", "published_on", "sichuan_author",
)  # fmt: skip


def _normalised_title(title: str) -> str:
    return "".join(title.split()).lower()


def record_problems(record: Record) -> list[str]:
    """What is wrong with a record for its indicator (empty when it can be counted)."""
    indicator = record.indicator
    problems = []
    if indicator.basis != Basis.RECORDS:
        problems.append(_("该指标由平台数据自动计算，无需填报记录"))
    if indicator.categories and record.category not in indicator.categories:
        problems.append(_("请选择类别：%(choices)s") % {"choices": "、".join(indicator.categories)})
    if indicator.measure == Measure.RANK and record.value is None:
        problems.append(_("排名类指标请填写名次"))
    if indicator.measure == Measure.RANK and not record.source_note.strip():
        problems.append(_("排名类指标请注明数据来源"))
    rules = indicator.record_rules or {}
    if rules.get("published_from") or rules.get("published_to"):
        published = record.published_on
        start = rules.get("published_from")
        end = rules.get("published_to")
        if published is None:
            problems.append(_("请填写发表日期"))
        elif (start and published.isoformat() < start) or (end and published.isoformat() > end):
            problems.append(
                _("发表日期须在 %(start)s 至 %(end)s 之间")
                % {"start": start or "—", "end": end or "—"}
            )
    if rules.get("sichuan_author") and not record.sichuan_author:
        problems.append(_("第一作者或通讯作者须在四川工作"))
    return problems


DUPLICATE = _lazy("同一篇（项）已经填报过，不能重复填报。")


def _check_not_counted_twice(record: Record) -> None:
    if not record.unique_key:
        return
    others = Record.objects.filter(indicator=record.indicator, unique_key=record.unique_key)
    if others.exclude(status=RecordStatus.REJECTED).exclude(pk=record.pk).exists():
        raise DomainError(str(DUPLICATE), code="duplicate")


def record_report(*, user: User, data: dict[str, Any]) -> Record:
    """A record reported by an officer for their organisation, or by staff for the society."""
    if not (is_officer(user) or is_secretariat(user)):
        raise DomainError(_("只有机构联络员或秘书处可以填报指标记录。"), code="forbidden")
    record = Record(
        **{name: data[name] for name in RECORD_FIELDS if name in data},
        branch_id=user.branch_id if is_officer(user) else data.get("branch_id"),
        member_unit_id=user.member_unit_id if is_officer(user) else data.get("member_unit_id"),
        reported_by=user,
    )
    problems = record_problems(record)
    if problems:
        raise DomainError("；".join(problems) + "。", code="invalid")
    if record.indicator.record_rules:
        record.unique_key = _normalised_title(record.title)
    _check_not_counted_twice(record)
    with transaction.atomic():
        record.full_clean()
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError as error:
            raise DomainError(
                _("同一篇（项）已经填报过，不能重复填报。"), code="duplicate"
            ) from error
        log_action(
            "kpis.record.reported",
            user=user,
            obj=record,
            data={"indicator": record.indicator.code, "title": record.title},
        )
    return record


def record_update(
    *, record: Record, user: User, changes: dict[str, Any], expected_version: int
) -> Record:
    """The reporter's edits, while the record is not yet verified."""
    if not (is_record_officer(user, record) or is_secretariat(user)):
        raise DomainError(_("您无权修改此记录。"), code="forbidden")
    if record.status == RecordStatus.VERIFIED:
        raise DomainError(_("记录已核实，不能再修改；如有错误请联系秘书处。"), code="state")
    for name, value in changes.items():
        setattr(record, name, value)
    problems = record_problems(record)
    if problems:
        raise DomainError("；".join(problems) + "。", code="invalid")
    changes = {**changes, "status": RecordStatus.REPORTED, "review_note": ""}
    if record.indicator.record_rules:
        changes["unique_key"] = record.unique_key = _normalised_title(record.title)
        _check_not_counted_twice(record)
    try:
        with transaction.atomic():
            return versioned_update(
                instance=record, user=user, changes=changes, expected_version=expected_version
            )
    except IntegrityError as error:
        raise DomainError(str(DUPLICATE), code="duplicate") from error


def evidence_add(*, record: Record, user: User, file) -> RecordEvidence:
    if not (is_record_officer(user, record) or is_secretariat(user)):
        raise DomainError(_("您无权为此记录上传佐证材料。"), code="forbidden")
    if record.status == RecordStatus.VERIFIED and not is_secretariat(user):
        raise DomainError(_("记录已核实，不能再修改佐证材料。"), code="state")
    info = checked_upload(file)
    with transaction.atomic():
        evidence = RecordEvidence(
            record=record,
            original_name=info["name"],
            extension=info["ext"],
            content_type=info["content_type"],
            size=info["size"],
            sha256=info["sha256"],
            uploaded_by=user,
        )
        save_with_file(evidence, "file", file, info["name"])
        log_action("kpis.evidence.added", user=user, obj=record, data={"name": info["name"]})
    return evidence


def record_verify(*, record: Record, user: User, note: str = "") -> Record:
    """核实: counts from now on. Refused when its rules fail or the indicator's cap is reached."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以核实指标记录。"), code="forbidden")
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=record.indicator_id)
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if locked.status == RecordStatus.VERIFIED:
            raise DomainError(_("该记录已核实。"), code="state")
        problems = record_problems(locked)
        if not locked.evidence.exists():
            problems.append(_("没有佐证材料"))
        if problems:
            raise DomainError(_("不能核实：") + "；".join(problems) + "。", code="invalid")
        cap = (indicator.record_rules or {}).get("max_count")
        if cap:
            counted = (
                indicator.records.filter(status=RecordStatus.VERIFIED).aggregate(n=Sum("quantity"))[
                    "n"
                ]
                or 0
            )
            if counted + locked.quantity > cap:
                raise DomainError(
                    _("该指标最多推荐%(cap)d项，已核实%(n)d项。") % {"cap": cap, "n": counted},
                    code="cap",
                )
        locked.status = RecordStatus.VERIFIED
        locked.review_note = (note or "").strip()[:300]
        locked.verified_by = user
        locked.verified_at = timezone.now()
        locked.save(
            update_fields=["status", "review_note", "verified_by", "verified_at", "updated_at"]
        )
        log_action("kpis.record.verified", user=user, obj=locked, data={"note": locked.review_note})
    record.refresh_from_db()
    return record


def record_reject(*, record: Record, user: User, note: str) -> Record:
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以核实指标记录。"), code="forbidden")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写不通过的理由。"), code="reason")
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        previous = locked.status
        locked.status = RecordStatus.REJECTED
        locked.review_note = note[:300]
        locked.verified_by = user
        locked.verified_at = timezone.now()
        locked.save(
            update_fields=["status", "review_note", "verified_by", "verified_at", "updated_at"]
        )
        log_action(
            "kpis.record.rejected", user=user, obj=locked, data={"from": previous, "note": note}
        )
        if locked.reported_by_id and locked.reported_by_id != user.pk:
            notify(
                users=[locked.reported_by],
                title=_("指标记录未通过核实：%(title)s") % {"title": locked.title},
                body=note,
            )
    record.refresh_from_db()
    return record


# ---------------------------------------------------------------------------
# Satisfaction: a member rates a service they took part in, once.


def satisfaction_submit(
    *, record: Record, member, user: User, rating: int, comment: str = ""
) -> SatisfactionResponse:
    """满意度评价 of one verified service by one of its participants; one answer each."""
    if member.user_id != user.pk:
        raise DomainError(_("只能以本人身份评价服务。"), code="forbidden")
    if (
        record.status != RecordStatus.VERIFIED
        or not record.participants.filter(pk=member.pk).exists()
    ):
        raise DomainError(_("您没有参与这项服务，不能评价。"), code="not_participant")
    if rating not in range(1, 6):
        raise DomainError(_("请选择 1 至 5 分。"), code="rating")
    duplicate = _("您已评价过这项服务，每项服务只能评价一次。")
    if SatisfactionResponse.objects.filter(record=record, member=member).exists():
        raise DomainError(duplicate, code="duplicate")
    response = SatisfactionResponse(
        record=record, member=member, rating=rating, comment=(comment or "").strip()[:300]
    )
    response.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            response.save()
            log_action(
                "kpis.satisfaction.submitted", user=user, obj=record, data={"rating": rating}
            )
    except IntegrityError as error:  # a second answer saved at the same moment
        raise DomainError(duplicate, code="duplicate") from error
    return response
