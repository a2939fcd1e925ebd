"""The browser portal: home page per role and the officer's organisation pages.

Views are small: a queryset scoped by the user (so another organisation's pages are a
404, never fetched and then refused), a django-rules permission on the object, a form
that validates and a service that writes.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, RedirectView, TemplateView, UpdateView

from projects.selectors import open_review_count

from . import selectors
from .errors import StaleEditError
from .forms import PROFILE_FORMS, LoginForm, MemberSearchForm
from .models import Branch
from .rules import is_expert, is_leader, is_member, is_officer, is_secretariat
from .services import organisation_update_profile
from .templatetags.portal import organisation_url, own_organisation_url


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("您已安全退出。"))
        return response


class HomeView(LoginRequiredMixin, TemplateView):
    """One home page, its content chosen by the user's role."""

    template_name = "society/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if is_secretariat(user):
            context.update(home="staff", summary=selectors.registry_summary())
        elif is_officer(user):
            organisation = user.organisation
            context.update(
                home="officer",
                organisation=organisation,
                is_branch=isinstance(organisation, Branch),
                member_count=selectors.organisation_member_count(organisation),
            )
        elif is_expert(user):
            context.update(
                home="expert",
                expert=selectors.expert_profile_for(user),
                open_reviews=open_review_count(user),
            )
        elif is_leader(user):
            context.update(home="leader", summary=selectors.registry_summary())
        elif is_member(user):
            context.update(home="member", member=selectors.member_record_for(user))
        else:
            context.update(home="none")
        return context


class OwnOrganisationView(LoginRequiredMixin, RedirectView):
    """/org/ takes an officer to their own organisation's page."""

    def get_redirect_url(self, *args, **kwargs):
        url = own_organisation_url(self.request.user)
        if url is None:
            raise PermissionDenied
        return url


class OrganisationMixin(LoginRequiredMixin):
    """Fetches the branch or member unit named in the URL, within the user's scope.

    `organisation_model` is set per URL (Branch or MemberUnit). Outside the user's scope
    the organisation does not exist for them (404); inside it, `permission_required`
    (a django-rules permission checked against the object) may still refuse (403).
    """

    organisation_model = None
    permission_required = "society.view_{model_name}"

    def get_organisation(self):
        if not hasattr(self, "_organisation"):
            queryset = selectors.organisations_visible_to(
                self.request.user, self.organisation_model
            )
            organisation = get_object_or_404(queryset, pk=self.kwargs["pk"])
            permission = self.permission_required.format(
                model_name=self.organisation_model._meta.model_name
            )
            if not self.request.user.has_perm(permission, organisation):
                raise PermissionDenied
            self._organisation = organisation
        return self._organisation

    def get_object(self, queryset=None):
        return self.get_organisation()

    def get_context_data(self, **kwargs):
        organisation = self.get_organisation()
        return super().get_context_data(
            organisation=organisation,
            is_branch=isinstance(organisation, Branch),
            can_edit=self.request.user.has_perm(
                "society.edit_organisation_profile", organisation
            ),
            show_full_phone=is_secretariat(self.request.user),
            **kwargs,
        )


class OrganisationDetailView(OrganisationMixin, DetailView):
    template_name = "society/organisation_detail.html"
    context_object_name = "organisation"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            member_count=selectors.organisation_member_count(self.object), **kwargs
        )


class OrganisationEditView(OrganisationMixin, UpdateView):
    permission_required = "society.edit_organisation_profile"
    template_name = "society/organisation_form.html"
    context_object_name = "organisation"

    def get_form_class(self):
        return PROFILE_FORMS[self.organisation_model]

    def form_valid(self, form):
        if not form.has_profile_changes():
            messages.info(self.request, _("没有需要保存的修改。"))
            return redirect(self.get_success_url())
        # The form has set its values on self.object; the service compares against the
        # record as stored, so it gets a fresh copy.
        stored = type(self.object).objects.get(pk=self.object.pk)
        try:
            organisation_update_profile(
                organisation=stored,
                user=self.request.user,
                changes=form.profile_changes(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleEditError as error:
            form.add_error(None, error.message)
            current = type(self.object).objects.get(pk=self.object.pk)
            return self.form_invalid(form, saved_by_others=saved_values(form, current))
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存"))
        return redirect(self.get_success_url())

    def form_invalid(self, form, **context):
        return self.render_to_response(self.get_context_data(form=form, **context))

    def get_success_url(self):
        return organisation_url(self.object)


def saved_values(form, organisation) -> list[tuple[str, object]]:
    """(label, value) of each profile field as currently stored, to show after a conflict."""
    return [(form.fields[name].label, getattr(organisation, name)) for name in form.profile_fields]


class OrganisationMembersView(OrganisationMixin, ListView):
    """The organisation's individual members, 30 a page, searchable by name or number."""

    permission_required = "society.view_member_list_of"
    template_name = "society/organisation_members.html"
    context_object_name = "members"
    paginate_by = 30

    def get_queryset(self):
        self.search_form = MemberSearchForm(self.request.GET)
        self.search = self.search_form.cleaned_data["q"] if self.search_form.is_valid() else ""
        return selectors.organisation_members(self.get_organisation(), search=self.search)

    def get_template_names(self):
        # htmx asks for the table alone when the search box changes.
        if self.request.headers.get("HX-Target") == "member-table":
            return ["society/_member_table.html"]
        return [self.template_name]

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["HX-Target"])
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            search_form=self.search_form,
            query=urlencode({"q": self.search}) if self.search else "",
            **kwargs,
        )
