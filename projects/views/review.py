"""The expert portal: an expert's own review tasks, scoring, and declaring a conflict.

An expert reaches an assignment only through `assignments_for(user)`: another expert's
task, or one they declared a conflict on, does not exist for them (404). Other roles
are refused outright (403); the secretariat works in the admin.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from kpis.enums import Area
from society.errors import DomainError
from society.rules import is_expert

from ..enums import ApplicationStatus, AttachmentKind, ReviewStatus
from ..models import Call, ReviewAssignment
from ..review_forms import ConflictForm, ReviewForm
from ..selectors import assignments_for, review_list_for
from ..services import review_declare_conflict, review_save

OPEN_STATES = (ReviewStatus.ASSIGNED, ReviewStatus.DRAFT)


class ExpertRequiredMixin(LoginRequiredMixin):
    """Signed-in experts only; everybody else signed in gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_expert(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AssignmentMixin(ExpertRequiredMixin):
    """The assignment named in the URL, if it is the signed-in expert's own."""

    permission_required = "projects.review_assignment"

    @cached_property
    def assignment(self) -> ReviewAssignment:
        queryset = assignments_for(self.request.user).select_related("expert")
        assignment = get_object_or_404(queryset, pk=self.kwargs["pk"])
        if not self.request.user.has_perm(self.permission_required, assignment):
            raise PermissionDenied
        return assignment

    def get_context_data(self, **kwargs):
        assignment = self.assignment
        return super().get_context_data(
            assignment=assignment,
            application=assignment.application,
            call=assignment.application.call,
            **kwargs,
        )


# --- the list ---------------------------------------------------------------------


@dataclass
class CallGroup:
    call: Call
    now: object
    assignments: list[ReviewAssignment] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for a in self.assignments if a.status in OPEN_STATES)

    @property
    def not_started(self) -> bool:
        return self.now < self.call.review_open_at

    @property
    def closed(self) -> bool:
        return self.now > self.call.review_close_at


def group_by_call(assignments, now) -> list[CallGroup]:
    groups: dict[int, CallGroup] = {}
    for assignment in assignments:
        call = assignment.application.call
        groups.setdefault(call.pk, CallGroup(call=call, now=now)).assignments.append(assignment)
    return list(groups.values())


class ReviewListView(ExpertRequiredMixin, TemplateView):
    """评审任务: the expert's assignments grouped by call, with each call's deadline."""

    template_name = "projects/review/list.html"

    def get_context_data(self, **kwargs):
        assignments = list(review_list_for(self.request.user))
        # The rows' labels, translated once per page: get_FOO_display rebuilds and hashes
        # every lazy choice label on each call (about 17 us a row for each of the two).
        status_labels = {value: str(label) for value, label in ReviewStatus.choices}
        area_labels = {value: str(label) for value, label in Area.choices}
        for assignment in assignments:
            assignment.status_label = status_labels.get(assignment.status, assignment.status)
            application = assignment.application
            application.area_label = area_labels.get(application.area, application.area)
        return super().get_context_data(
            groups=group_by_call(assignments, timezone.now()),
            open_total=sum(1 for a in assignments if a.status in OPEN_STATES),
            **kwargs,
        )


# --- one assignment: read the application, score it --------------------------------


class ReviewDetailView(AssignmentMixin, FormView):
    template_name = "projects/review/detail.html"
    form_class = ReviewForm

    @cached_property
    def criteria(self):
        return list(self.assignment.application.call.criteria.all())

    @property
    def submitting(self) -> bool:
        return self.request.method == "POST" and self.request.POST.get("action") == "submit"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "criteria": self.criteria,
            "submit": self.submitting,
        }

    def get_initial(self):
        return ReviewForm.initial_for(self.assignment, self.criteria)

    def post(self, request, *args, **kwargs):
        if self.assignment.status == ReviewStatus.SUBMITTED:
            messages.error(request, _("评审已提交并锁定；如需修改，请联系秘书处重新开放。"))
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            review_save(
                assignment=self.assignment,
                user=self.request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                submit=self.submitting,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        if self.submitting:
            messages.success(self.request, _("评审已提交。感谢您的评审！"))
        else:
            messages.success(self.request, _("评审草稿已保存，可在截止前继续修改。"))
        return redirect(self.get_success_url())

    def get_success_url(self):
        return reverse("projects:review-detail", args=[self.assignment.pk])

    def get_context_data(self, **kwargs):
        assignment = self.assignment
        application = assignment.application
        call = application.call
        now = timezone.now()
        locked = assignment.status == ReviewStatus.SUBMITTED
        context = super().get_context_data(
            locked=locked,
            window_open=call.review_is_open(now),
            review_not_started=now < call.review_open_at,
            review_closed=now > call.review_close_at,
            under_review=application.status == ApplicationStatus.UNDER_REVIEW,
            outputs=application.outputs.select_related("indicator"),
            budget=list(application.budget.all()),
            team=application.team.all(),
            milestones=application.milestones.all(),
            attachments=application.attachments.filter(kind=AttachmentKind.APPLICATION),
            **kwargs,
        )
        context["budget_total"] = sum(line.amount for line in context["budget"])
        context["can_edit"] = not locked and context["window_open"] and context["under_review"]
        if locked:
            saved = {score.criterion_id: score.points for score in assignment.scores.all()}
            context["score_table"] = [(c, saved.get(c.pk)) for c in self.criteria]
        return context


class ReviewConflictView(AssignmentMixin, FormView):
    """声明回避: the expert gives a reason, the task is released and the secretariat told."""

    template_name = "projects/review/conflict.html"
    form_class = ConflictForm

    def form_valid(self, form):
        try:
            review_declare_conflict(
                assignment=self.assignment,
                user=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已声明回避“%(title)s”。该评审任务已释放，秘书处将另行安排专家。")
            % {"title": self.assignment.application.title},
        )
        return redirect("projects:review-list")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            locked=self.assignment.status == ReviewStatus.SUBMITTED, **kwargs
        )
