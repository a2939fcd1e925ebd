"""The member's own pages: 我的资料, 成长足迹 (with its PDF), 服务评价; and, for the
secretariat, how complete the members' profiles are.

There are no ids in the members' URLs: every page works on request.user's own Member, so
nobody can reach another member's data; users without a member record get 403.
"""

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kpis.enums import RecordStatus
from kpis.models import Record, SatisfactionResponse
from kpis.services import satisfaction_submit

from .enums import MemberStatus
from .errors import DomainError, StaleEditError
from .growth import by_year, growth_record
from .growth_pdf import growth_pdf
from .member_forms import GrowthEntryForm, MemberProfileForm, SatisfactionForm
from .models import Member
from .rules import is_member, is_secretariat
from .services import growth_entry_add, member_update_profile

SERVICE_INDICATOR = "I05"  # 提供科技服务: the services members are asked to rate


class OwnMemberMixin(LoginRequiredMixin):
    """The signed-in member's own record; 403 for everyone else."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            member = Member.objects.filter(user=request.user).first()
            if member is None or not is_member(request.user):
                raise PermissionDenied
            self.member = member
        return super().dispatch(request, *args, **kwargs)


class ProfileView(OwnMemberMixin, TemplateView):
    template_name = "society/me/profile.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(MemberProfileForm(instance=self.member))

    def post(self, request, *args, **kwargs):
        form = MemberProfileForm(request.POST, instance=self.member)
        if not form.is_valid():
            return self.render_page(form)
        changes = form.profile_changes()
        if not changes:
            messages.info(request, _("没有需要保存的修改。"))
            return redirect("me-profile")
        # The form has set its values on self.member; the service gets the stored record.
        stored = Member.objects.get(pk=self.member.pk)
        try:
            member_update_profile(
                member=stored,
                user=request.user,
                changes=changes,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEditError as error:
            form.add_error(None, error.message)
            current = Member.objects.get(pk=self.member.pk)
            saved = [
                (form.fields[name].label, getattr(current, name))
                for name in form.Meta.fields
                if name != "expertise"
            ]
            return self.render_page(form, saved_by_others=saved)
        except DomainError as error:
            form.add_error("phone" if error.code == "duplicate" else None, error.message)
            return self.render_page(form)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.render_page(form)
        messages.success(request, _("已保存"))
        return redirect("me-profile")

    def render_page(self, form, **context):
        stored = Member.objects.select_related("employer").get(pk=self.member.pk)
        return self.render_to_response(self.get_context_data(form=form, member=stored, **context))


class GrowthView(OwnMemberMixin, TemplateView):
    """个人成长足迹: the timeline by year, and a form to add an entry with evidence."""

    template_name = "society/me/growth.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(GrowthEntryForm())

    def post(self, request, *args, **kwargs):
        form = GrowthEntryForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                growth_entry_add(
                    member=self.member,
                    user=request.user,
                    occurred_on=form.cleaned_data["occurred_on"],
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    evidence=form.cleaned_data["evidence"],
                )
            except DomainError as error:
                field = {"upload": "evidence", "date": "occurred_on", "title": "title"}
                form.add_error(field.get(error.code), error.message)
            else:
                messages.success(request, _("已添加到成长足迹"))
                return redirect("me-growth")
        return self.render_page(form, status=400)

    def render_page(self, form, status=200):
        years = by_year(growth_record(self.member))
        context = self.get_context_data(form=form, member=self.member, years=years)
        return self.render_to_response(context, status=status)


class GrowthPdfView(OwnMemberMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        content = growth_pdf(self.member)
        response = HttpResponse(content, content_type="application/pdf")
        filename = _("成长足迹-%(number)s.pdf") % {"number": self.member.member_number}
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        response["Cache-Control"] = "private, no-store"
        return response


def services_to_rate(member: Member):
    """Verified services of the past twelve months the member took part in and has not rated
    yet (a service late last year is still worth asking about in January)."""
    return (
        Record.objects.filter(
            indicator__code=SERVICE_INDICATOR,
            status=RecordStatus.VERIFIED,
            participants=member,
            occurred_on__gte=timezone.localdate() - datetime.timedelta(days=365),
        )
        .exclude(responses__member=member)
        .select_related("branch", "member_unit")
        .order_by("-occurred_on", "-id")
    )


class ServicesView(OwnMemberMixin, TemplateView):
    """服务评价: one short form per service still waiting for the member's answer."""

    template_name = "society/me/services.html"

    def get_context_data(self, failed_form=None, **kwargs):
        rows = []
        for record in services_to_rate(self.member):
            if failed_form is not None and failed_form.data.get("record") == str(record.pk):
                form = failed_form
            else:
                form = SatisfactionForm(initial={"record": record.pk}, auto_id=f"id_%s_{record.pk}")
            rows.append((record, form))
        answered = (
            SatisfactionResponse.objects.filter(member=self.member)
            .select_related("record")
            .order_by("-created_at")[:20]
        )
        return super().get_context_data(rows=rows, answered=answered, **kwargs)

    def post(self, request, *args, **kwargs):
        # The id suffix is the record's number; anything else in it is dropped (a "%" would
        # break Django's auto_id formatting).
        suffix = "".join(char for char in request.POST.get("record", "") if char.isdigit())
        form = SatisfactionForm(request.POST, auto_id=f"id_%s_{suffix}")
        if not form.is_valid():
            if "record" in form.errors:  # a changed hidden field: no row to show it beside
                messages.error(request, _("没有找到要评价的服务，请刷新页面后重试。"))
            return self.render_to_response(self.get_context_data(failed_form=form), status=400)
        record = Record.objects.filter(pk=form.cleaned_data["record"]).first()
        if record is None:
            raise Http404
        try:
            satisfaction_submit(
                record=record,
                member=self.member,
                user=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("感谢您的评价！"))
        return redirect("me-services")


class CompletenessView(LoginRequiredMixin, TemplateView):
    """资料完整度: how many active members have registered on 天府科技云, opened a 科创工作室
    and given an e-mail address (secretariat only)."""

    template_name = "society/me/completeness.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_secretariat(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        counts = Member.objects.filter(status=MemberStatus.ACTIVE).aggregate(
            total=Count("pk"),
            tianfu=Count("pk", filter=Q(tianfu_registered_on__isnull=False)),
            studio=Count("pk", filter=Q(studio_opened_on__isnull=False)),
            email=Count("pk", filter=~Q(email="")),
        )
        total = counts["total"]
        changelist = reverse("admin:society_member_changelist")
        rows = [
            (
                _("已在天府科技云注册"),
                counts["tianfu"],
                f"{changelist}?status__exact=active&tianfu_registered_on__isempty=1",
            ),
            (
                _("已开设科创工作室"),
                counts["studio"],
                f"{changelist}?status__exact=active&studio_opened_on__isempty=1",
            ),
            (_("已填写电子邮箱"), counts["email"], None),
        ]
        return super().get_context_data(
            total=total,
            rows=[
                {
                    "label": label,
                    "count": count,
                    "missing": total - count,
                    "percent": round(count * 100 / total) if total else 0,
                    "missing_url": url,
                }
                for label, count, url in rows
            ],
            **kwargs,
        )
