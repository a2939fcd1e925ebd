"""Public 公示 pages with the objection form, and the award documents for awardees and staff.

The notice pages need no login. They list what the public may know (organisation, project,
amount) and never anything about objections or the people who filed them. Objections are
rate-limited per client in the cache (every POST counts) on top of the service's daily cap.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from projects.selectors import applications_for
from society.errors import DomainError
from society.ratelimit import client_hash, rate_exceeded
from society.rules import is_officer, is_secretariat

from .calendar import is_working_day
from .documents import DOCUMENTS, document_filename, render_pdf
from .enums import HOLDING_STATES, AwardStatus, NoticeStatus
from .forms import ObjectionForm
from .models import Award, PublicNotice
from .services import notice_is_open, objection_file

# At most this many objection POSTs from one client within the window, whatever they hold.
OBJECTION_POSTS_PER_WINDOW = 5
OBJECTION_WINDOW_SECONDS = 10 * 60


def objection_rate_exceeded(client: str) -> bool:
    """Count this POST; True once the client has posted more than the window allows."""
    return rate_exceeded(
        "awards:objection-posts",
        client,
        limit=OBJECTION_POSTS_PER_WINDOW,
        window=OBJECTION_WINDOW_SECONDS,
    )


def notice_awards(notice: PublicNotice) -> list[Award]:
    """The awards the notice lists: those holding a place (proposed or confirmed)."""
    return list(
        Award.objects.filter(pool__call_id=notice.call_id, status__in=HOLDING_STATES)
        .select_related("application__branch", "application__member_unit")
        .order_by(F("rank").asc(nulls_last=True), "pk")
    )


def working_days(start: datetime.date, end: datetime.date) -> int:
    days = (end - start).days + 1
    return sum(is_working_day(start + datetime.timedelta(days=n)) for n in range(days))


class FirstPagePaginator(Paginator):
    """A paginator that reads the first page before counting: when everything fits on it
    (the usual case: a handful of notices a year) the page is one query, not COUNT + page."""

    def page(self, number):
        if (
            str(number) != "1"
            or "count" in self.__dict__
            or not isinstance(self.object_list, QuerySet)
        ):
            return super().page(number)
        limit = self.per_page + self.orphans
        head = list(self.object_list[: limit + 1])
        if not head and not self.allow_empty_first_page:
            return super().page(number)
        if len(head) <= limit:
            self.count = len(head)  # cached_property: set once, never counted
            return self._get_page(head, 1, self)
        self.validate_number(1)  # counts, for the page links
        return self._get_page(head[: self.per_page], 1, self)


# The columns the notice list shows (the notice's body is only on its own page).
NOTICE_LIST_FIELDS = ("title", "status", "starts_on", "ends_on", "published_at")


class NoticeListView(ListView):
    template_name = "awards/notice_list.html"
    context_object_name = "notices"
    paginate_by = 20
    paginator_class = FirstPagePaginator

    def get_queryset(self):
        return PublicNotice.objects.only(*NOTICE_LIST_FIELDS).order_by("-published_at", "-pk")


class NoticeDetailView(TemplateView):
    """The notice and, during its period, the objection form."""

    template_name = "awards/notice_detail.html"

    def get_notice(self) -> PublicNotice:
        return get_object_or_404(PublicNotice.objects.select_related("call"), pk=self.kwargs["pk"])

    def render_page(self, notice, awards, form, status=200):
        is_open = notice_is_open(notice)
        context = self.get_context_data(
            notice=notice,
            awards=awards,
            total=sum(award.amount for award in awards),
            working_days=working_days(notice.starts_on, notice.ends_on),
            is_open=is_open,
            confirmed=notice.status == NoticeStatus.CONFIRMED,
            form=form if is_open else None,
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        notice = self.get_notice()
        awards = notice_awards(notice)
        return self.render_page(notice, awards, ObjectionForm(awards=awards))

    def post(self, request, *args, **kwargs):
        notice = self.get_notice()
        client = client_hash(request)
        awards = notice_awards(notice)
        if objection_rate_exceeded(client):
            messages.error(request, _("提交过于频繁，请10分钟后再试，或直接联系学会秘书处。"))
            form = ObjectionForm(awards=awards, initial=request.POST.dict())
            return self.render_page(notice, awards, form, status=429)
        if not notice_is_open(notice):
            messages.error(
                request,
                _("公示期为 %(start)s 至 %(end)s，现在不能提出异议。")
                % {"start": notice.starts_on, "end": notice.ends_on},
            )
            return redirect(notice_url(notice))
        form = ObjectionForm(request.POST, request.FILES, awards=awards)
        if form.is_valid():
            try:
                objection_file(notice=notice, client_hash=client, **form.values())
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("您的异议已提交。学会秘书处将依规核查处理，并通过您留下的联系方式与您联系。"),
                )
                return redirect(notice_url(notice))
        return self.render_page(notice, awards, form)


def notice_url(notice: PublicNotice) -> str:
    return reverse("awards:notice-detail", args=[notice.pk])


# ---------------------------------------------------------------------------
# Award documents


def documents_for(user) -> QuerySet[Award]:
    """Confirmed awards whose documents the user may download: staff all of them, officers
    those of their organisation's applications, nobody else any."""
    confirmed = Award.objects.filter(status=AwardStatus.CONFIRMED).select_related(
        "application__call", "application__branch", "application__member_unit"
    )
    if is_secretariat(user):
        return confirmed
    if is_officer(user):
        return confirmed.filter(application__in=applications_for(user))
    return confirmed.none()


class AwardDocumentView(LoginRequiredMixin, View):
    """获奖通知书 or 荣誉证书 as PDF; anyone else gets a 404."""

    document = ""  # a key of documents.DOCUMENTS
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        award = get_object_or_404(documents_for(request.user), pk=self.kwargs["pk"])
        document = DOCUMENTS[self.document]
        response = HttpResponse(render_pdf(document, award), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, document_filename(document, award)
        )
        response["Cache-Control"] = "private, no-store"
        return response
