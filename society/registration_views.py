"""Public self-registration (sign-up, email confirmation) and the 会员证 download.

The sign-up page needs no login. Every POST counts against a per-client limit in the
cache (on top of the service's hourly cap), and a refused application stores nothing.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from .certificates import certificate_filename, member_certificate_pdf
from .errors import DomainError
from .models import Member
from .ratelimit import client_hash, rate_exceeded
from .registration_forms import RegistrationForm
from .rules import is_secretariat
from .services import registration_confirm_email, registration_submit

# At most this many sign-up POSTs from one client within the window, whatever they hold.
REGISTRATION_POSTS_PER_WINDOW = 5
REGISTRATION_WINDOW_SECONDS = 10 * 60

# Which form field a refusal belongs to (DomainError.code); others show above the form.
ERROR_FIELDS = {"consent": "consent", "phone": "phone"}


class RegisterView(FormView):
    template_name = "society/register/form.html"
    form_class = RegistrationForm

    def post(self, request, *args, **kwargs):
        client = client_hash(request)
        if rate_exceeded(
            "society:registration-posts",
            client,
            limit=REGISTRATION_POSTS_PER_WINDOW,
            window=REGISTRATION_WINDOW_SECONDS,
        ):
            form = self.get_form_class()(initial=request.POST.dict())
            messages.error(request, _("提交过于频繁，请10分钟后再试，或直接联系学会秘书处。"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        self.client = client
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            registration_submit(
                data=form.values(),
                client_hash=self.client,
                consent=form.cleaned_data["consent"],
            )
        except DomainError as error:
            form.add_error(ERROR_FIELDS.get(error.code), error.message)
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        return redirect("register-sent")


class RegisterSentView(TemplateView):
    template_name = "society/register/sent.html"


class RegisterConfirmView(TemplateView):
    """Opening the link in the mail confirms the address; confirming twice does no harm."""

    template_name = "society/register/confirmed.html"

    def get(self, request, *args, **kwargs):
        try:
            registration = registration_confirm_email(token=self.kwargs["token"])
        except DomainError as error:
            context = self.get_context_data(error=error.message)
            return self.render_to_response(context, status=400)
        return self.render_to_response(self.get_context_data(registration=registration))


def certificates_for(user) -> QuerySet[Member]:
    """Members whose 会员证 the user may download: staff any, a member their own."""
    members = Member.objects.all()
    if is_secretariat(user):
        return members
    return members.filter(user=user) if user.is_authenticated else members.none()


class MemberCertificateView(LoginRequiredMixin, View):
    """会员证 as PDF: /me/certificate/ for one's own, /members/<pk>/certificate/ by number."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        members = certificates_for(request.user)
        if "pk" in self.kwargs:
            member = get_object_or_404(members, pk=self.kwargs["pk"])
        else:
            member = get_object_or_404(Member, user=request.user)
        response = HttpResponse(member_certificate_pdf(member), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, certificate_filename(member)
        )
        response["Cache-Control"] = "private, no-store"
        return response
