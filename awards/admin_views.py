"""The secretariat's pages for a call's awards: the pool, the proposal, the 公示, objections,
payments and the spreadsheets.

As in projects.admin_views, every view is registered by its ModelAdmin's get_urls inside
admin_site.admin_view (visitors who are not signed in as staff go to the login page) and
refuses everyone but the secretariat with 403. Each write validates a form and calls one
service of awards.services; a refusal is shown as an admin message and changes nothing.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, Sum
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.admin_views import admin_context, change_url, download, require_secretariat
from projects.models import Call
from society import snapshot_cache
from society.errors import DomainError
from society.forms import DateInput
from society.models import AuditEntry
from society.storage import stream_private

from .calendar import working_period
from .enums import HOLDING_STATES, AwardStatus, ObjectionStatus
from .exports import XLSX_TYPE, export_filename, ledger_xlsx, money, payments_xlsx
from .models import Award, AwardPool, Objection, Payment, PublicNotice
from .services import (
    award_propose,
    award_release,
    awards_propose_suggested,
    awards_suggest,
    notice_confirm,
    notice_publish,
    objection_resolve,
    payment_record,
    pool_for_call,
)

# ---------------------------------------------------------------------------
# Shared pieces


def _call(call_id) -> Call:
    return get_object_or_404(Call, pk=call_id)


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


def pool_url(call_or_pool, name: str = "pool") -> str:
    call_id = call_or_pool.call_id if isinstance(call_or_pool, AwardPool) else call_or_pool.pk
    return reverse(f"admin:awards_awardpool_{name}", args=[call_id])


def _form_problems(form) -> str:
    return "；".join(message for errors in form.errors.values() for message in errors)


# ---------------------------------------------------------------------------
# The pool page


@dataclass
class PoolFigures:
    proposed: int
    confirmed: int
    paid: int
    paid_total: object
    unallocated: object  # fund − count × amount: what the pool never hands out


def pool_figures(pool: AwardPool, awards: list[Award] | None = None) -> PoolFigures:
    """The pool's figures; from `awards` (all of the pool's awards, already read) when
    given, else in one query."""
    if awards is not None:
        confirmed = [a for a in awards if a.status == AwardStatus.CONFIRMED]
        counts = {
            "proposed": sum(1 for a in awards if a.status == AwardStatus.PROPOSED),
            "confirmed": len(confirmed),
            "paid": sum(1 for a in confirmed if a.paid_amount == a.amount),
            "paid_total": sum(a.paid_amount for a in awards) if awards else None,
        }
    else:
        counts = pool.awards.aggregate(
            proposed=Count("pk", filter=Q(status=AwardStatus.PROPOSED)),
            confirmed=Count("pk", filter=Q(status=AwardStatus.CONFIRMED)),
            paid=Count("pk", filter=Q(status=AwardStatus.CONFIRMED, paid_amount=F("amount"))),
            paid_total=Sum("paid_amount"),
        )
    return PoolFigures(
        proposed=counts["proposed"],
        confirmed=counts["confirmed"],
        paid=counts["paid"],
        paid_total=counts["paid_total"] or 0,
        unallocated=pool.fund_total - pool.award_count * pool.award_amount,
    )


HISTORY_LABELS = {
    "awards.award.proposed": gettext_lazy("拟奖励"),
    "awards.award.confirmed": gettext_lazy("确认奖励"),
    "awards.award.withdrawn": gettext_lazy("撤回拟奖励"),
    "awards.award.revoked": gettext_lazy("撤销奖励"),
    "awards.payment.recorded": gettext_lazy("登记拨付"),
    "awards.notice.published": gettext_lazy("发布公示"),
    "awards.objection.filed": gettext_lazy("收到异议"),
    "awards.objection.resolved": gettext_lazy("处理异议"),
    "awards.notice.confirmed": gettext_lazy("确认公示结果"),
}


def _history_detail(entry: AuditEntry) -> str:
    data = entry.data or {}
    if entry.action == "awards.payment.recorded":
        return _("凭证号 %(voucher)s，%(amount)s，%(day)s") % {
            "voucher": data.get("voucher", ""),
            "amount": money(_decimal(data.get("amount"))),
            "day": data.get("paid_on", ""),
        }
    if entry.action == "awards.notice.confirmed":
        return _("获奖 %(awarded)s 项，未获奖 %(not_awarded)s 项") % {
            "awarded": data.get("awarded", 0),
            "not_awarded": data.get("not_awarded", 0),
        }
    if entry.action == "awards.notice.published":
        return _("公示期 %(start)s 至 %(end)s") % {
            "start": data.get("starts_on", ""),
            "end": data.get("ends_on", ""),
        }
    return data.get("reason") or data.get("decision") or data.get("note") or ""


def _decimal(value):
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def history_rows(entries) -> list[dict]:
    """Audit entries as the history tables show them: who, when, what, reason."""
    return [
        {
            "entry": entry,
            "label": HISTORY_LABELS.get(entry.action, entry.action),
            "detail": _history_detail(entry),
        }
        for entry in entries
    ]


def pool_history(pool: AwardPool, awards: list[Award], notice: PublicNotice | None) -> list[dict]:
    """Audit entries of the pool's awards and of its notice, newest first."""
    award_type = ContentType.objects.get_for_model(Award)
    condition = Q(content_type=award_type, object_id__in=[str(award.pk) for award in awards])
    if notice is not None:
        notice_type = ContentType.objects.get_for_model(PublicNotice)
        condition |= Q(content_type=notice_type, object_id=str(notice.pk))
    return history_rows(AuditEntry.objects.filter(condition).order_by("-created_at", "-id"))


def _notice(call: Call) -> PublicNotice | None:
    return PublicNotice.objects.filter(call=call).first()


def pool_content(call: Call) -> str:
    """The pool page's content: figures, awards and history. It depends on the data only (no
    user, no form), so that it is rendered once and reused until the data changes."""
    pool = pool_for_call(call)
    awards = list(
        pool.awards.select_related(
            "application__call", "application__branch", "application__member_unit"
        ).order_by("rank", "pk")
    )
    notice = _notice(call)
    data = {
        "call": call,
        "pool": pool,
        "figures": pool_figures(pool, awards),
        "awards": awards,
        "notice": notice,
        "history": pool_history(pool, awards, notice),
        "holding_states": list(HOLDING_STATES),
    }
    content = render_to_string("admin/awards/awardpool/_pool_content.html", data)
    return mark_safe(content.strip())  # the template's own output, escaped there


def pool_view(model_admin, request, call_id):
    require_secretariat(request)
    call = _call(call_id)
    context = admin_context(
        model_admin,
        request,
        title=_("%(call)s 奖励池") % {"call": call.title},
        # Reused until any data changes (some 25 ms at scale 10, most of it rendering).
        content=snapshot_cache.cached("awards.pool_content", lambda: pool_content(call), call.pk),
    )
    return TemplateResponse(request, "admin/awards/awardpool/pool.html", context)


# ---------------------------------------------------------------------------
# The proposal page


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        error_messages={"required": gettext_lazy("请填写撤回或撤销的理由。")},
        help_text=gettext_lazy("理由记入奖励池的操作记录。"),
    )


def proposal_view(model_admin, request, call_id):
    require_secretariat(request)
    call = _call(call_id)
    pool = pool_for_call(call)
    suggestions = awards_suggest(call)
    context = admin_context(
        model_admin,
        request,
        title=_("%(call)s 拟奖励名单") % {"call": call.title},
        call=call,
        pool=pool,
        suggestions=suggestions,
        suggested_count=sum(1 for s in suggestions if s.suggested),
        notice=_notice(call),
    )
    return TemplateResponse(request, "admin/awards/awardpool/proposal.html", context)


def propose_suggested_view(model_admin, request, call_id):
    require_secretariat(request)
    if refused := _post_only(request):
        return refused
    call = _call(call_id)
    try:
        result = awards_propose_suggested(call=call, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if result["proposed"]:
            messages.success(request, _("已按排名列入拟奖励%(n)d项。") % {"n": result["proposed"]})
        elif not result["refused"]:
            messages.info(request, _("建议名单中的申报均已列入拟奖励，没有新增。"))
        for application, message in result["refused"]:
            messages.error(request, f"{application.reference}《{application.title}》：{message}")
    return HttpResponseRedirect(pool_url(call, "proposal"))


def propose_view(model_admin, request, call_id, application_id):
    """One application into the proposal; a reason is required when it is not suggested."""
    require_secretariat(request)
    if refused := _post_only(request):
        return refused
    call = _call(call_id)
    back = HttpResponseRedirect(pool_url(call, "proposal"))
    suggestion = next(
        (s for s in awards_suggest(call) if s.application.pk == int(application_id)), None
    )
    if suggestion is None:
        messages.error(request, _("该申报不在本批次的评审排名中，或当前状态不能列入奖励。"))
        return back
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problems(form))
        return back
    note = form.cleaned_data["note"].strip()
    if not suggestion.suggested and not note:
        messages.error(
            request,
            _("%(ref)s不在按排名建议的名单内，列入拟奖励须填写理由。")
            % {"ref": suggestion.application.reference},
        )
        return back
    try:
        award_propose(
            application=suggestion.application,
            user=request.user,
            note=note or _("按评审排名建议"),
            rank=suggestion.row.rank,
            score=suggestion.row.stats.trimmed_mean,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已将%(ref)s《%(title)s》列入拟奖励。")
            % {"ref": suggestion.application.reference, "title": suggestion.application.title},
        )
    return back


def release_view(model_admin, request, object_id):
    """撤回 a proposal or 撤销 a confirmed award, with a reason."""
    require_secretariat(request)
    award = get_object_or_404(
        Award.objects.select_related("pool__call", "application__call"), pk=object_id
    )
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        back = request.POST.get("next") == "proposal"
        target = pool_url(award.pool, "proposal" if back else "pool")
        if not form.is_valid():
            if back:
                messages.error(request, _form_problems(form))
                return HttpResponseRedirect(target)
        else:
            try:
                award_release(award=award, user=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                messages.error(request, error.message)
            else:
                award.refresh_from_db()
                messages.success(
                    request,
                    _("%(ref)s《%(title)s》：%(status)s。")
                    % {
                        "ref": award.application.reference,
                        "title": award.application.title,
                        "status": award.get_status_display(),
                    },
                )
            return HttpResponseRedirect(target)
    context = admin_context(
        model_admin,
        request,
        title=_("撤回或撤销奖励"),
        original=award,
        award=award,
        form=form,
    )
    return TemplateResponse(request, "admin/awards/award/release.html", context)


# ---------------------------------------------------------------------------
# 公示: publish, confirm; objections: resolve, evidence


class NoticeForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
        help_text=gettext_lazy("留空则使用“<批次名称>拟奖励项目公示”。"),
    )
    body = forms.CharField(
        label=gettext_lazy("公示说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "vLargeTextField"}),
        help_text=gettext_lazy(
            "留空则使用默认说明（公示期内可实名提出异议，并附联系方式和证明材料）。"
        ),
    )


def publish_view(model_admin, request, call_id):
    require_secretariat(request)
    call = _call(call_id)
    notice = _notice(call)
    if notice is not None:
        messages.info(request, _("本批次已发布公示。"))
        return HttpResponseRedirect(change_url(notice))
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = notice_publish(
                call=call,
                user=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("已发布公示，公示期 %(start)s 至 %(end)s。")
                % {"start": notice.starts_on, "end": notice.ends_on},
            )
            return HttpResponseRedirect(change_url(notice))
    starts_on, ends_on = working_period(timezone.localdate(), call.notice_working_days)
    proposed = list(
        Award.objects.filter(pool__call=call, status=AwardStatus.PROPOSED)
        .select_related("application__call", "application__branch", "application__member_unit")
        .order_by("rank", "pk")
    )
    context = admin_context(
        model_admin,
        request,
        title=_("发布公示：%(call)s") % {"call": call.title},
        call=call,
        form=form,
        starts_on=starts_on,
        ends_on=ends_on,
        proposed=proposed,
    )
    return TemplateResponse(request, "admin/awards/awardpool/publish.html", context)


def notice_confirm_view(model_admin, request, object_id):
    require_secretariat(request)
    if refused := _post_only(request):
        return refused
    notice = get_object_or_404(PublicNotice.objects.select_related("call"), pk=object_id)
    try:
        result = notice_confirm(notice=notice, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已确认公示结果：获奖%(awarded)d项，未获奖%(not_awarded)d项，已通知各申报单位。")
            % result,
        )
    return HttpResponseRedirect(change_url(notice))


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("处理结论"),
        choices=[
            (ObjectionStatus.UPHELD, ObjectionStatus.UPHELD.label),
            (ObjectionStatus.DISMISSED, ObjectionStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择异议成立或不成立。")},
    )
    decision = forms.CharField(
        label=gettext_lazy("处理意见"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
        error_messages={"required": gettext_lazy("请填写处理意见。")},
    )


def objection_resolve_view(model_admin, request, object_id):
    require_secretariat(request)
    if refused := _post_only(request):
        return refused
    objection = get_object_or_404(Objection, pk=object_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problems(form))
    else:
        try:
            objection_resolve(
                objection=objection,
                user=request.user,
                upheld=form.cleaned_data["outcome"] == ObjectionStatus.UPHELD,
                decision=form.cleaned_data["decision"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("异议已处理：%(status)s。") % {"status": objection.get_status_display()}
            )
    return HttpResponseRedirect(change_url(objection))


def objection_evidence_view(model_admin, request, object_id):
    require_secretariat(request)
    objection = get_object_or_404(Objection, pk=object_id)
    return stream_private(objection.evidence, objection.evidence_name)


# ---------------------------------------------------------------------------
# 拨付


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("拨付日期"), widget=DateInput())
    amount = forms.DecimalField(
        label=gettext_lazy("拨付金额（元）"), max_digits=12, decimal_places=2
    )
    voucher_number = forms.CharField(label=gettext_lazy("凭证号"), max_length=50)
    proof = forms.FileField(
        label=gettext_lazy("凭证扫描件"),
        help_text=gettext_lazy("PDF、JPG 或 PNG。"),
        error_messages={"required": gettext_lazy("请上传凭证扫描件。")},
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


def payments_view(model_admin, request, call_id):
    require_secretariat(request)
    call = _call(call_id)
    pool = pool_for_call(call)
    awards = list(
        pool.awards.filter(status=AwardStatus.CONFIRMED)
        .select_related("application__call", "application__branch", "application__member_unit")
        .prefetch_related("payments")
        .order_by("certificate_number", "pk")
    )
    context = admin_context(
        model_admin,
        request,
        title=_("%(call)s 奖励经费拨付") % {"call": call.title},
        call=call,
        pool=pool,
        awards=awards,
        figures=pool_figures(pool),
    )
    return TemplateResponse(request, "admin/awards/awardpool/payments.html", context)


def payment_add_view(model_admin, request, object_id):
    require_secretariat(request)
    award = get_object_or_404(
        Award.objects.select_related(
            "pool__call", "application__call", "application__branch", "application__member_unit"
        ),
        pk=object_id,
    )
    form = PaymentForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "amount": award.amount - award.paid_amount,
            "paid_on": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = payment_record(
                award=award,
                user=request.user,
                paid_on=data["paid_on"],
                amount=data["amount"],
                voucher_number=data["voucher_number"],
                proof=data["proof"],
                note=data["note"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            award.refresh_from_db()
            messages.success(
                request,
                _("已登记拨付%(amount)s（凭证号 %(voucher)s），累计已拨付%(paid)s。")
                % {
                    "amount": money(payment.amount),
                    "voucher": payment.voucher_number,
                    "paid": money(award.paid_amount),
                },
            )
            return HttpResponseRedirect(pool_url(award.pool, "payments"))
    context = admin_context(
        model_admin,
        request,
        title=_("登记拨付"),
        original=award,
        award=award,
        form=form,
        left=award.amount - award.paid_amount,
        payments=list(award.payments.all()),
    )
    return TemplateResponse(request, "admin/awards/award/payment_add.html", context)


def payment_proof_view(model_admin, request, object_id):
    require_secretariat(request)
    payment = get_object_or_404(Payment, pk=object_id)
    return stream_private(payment.proof, payment.proof_name)


# ---------------------------------------------------------------------------
# Spreadsheets


def payments_xlsx_view(model_admin, request, call_id):
    require_secretariat(request)
    pool = pool_for_call(_call(call_id))
    return download(
        payments_xlsx(pool),
        filename=export_filename(pool, _("拨付清单")),
        content_type=XLSX_TYPE,
    )


def ledger_xlsx_view(model_admin, request, call_id):
    require_secretariat(request)
    pool = pool_for_call(_call(call_id))
    return download(
        ledger_xlsx(pool), filename=export_filename(pool, _("台账")), content_type=XLSX_TYPE
    )
