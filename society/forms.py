"""Portal forms. A form only validates; the view hands cleaned data to a service."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import Branch, MemberUnit
from .services import BRANCH_PROFILE_FIELDS, MEMBER_UNIT_PROFILE_FIELDS
from .validators import PlainTextValidator


class PlainTextFormMixin:
    """Every text field of the form refuses invisible control characters, broken encodings
    and direction overrides (society.validators.PlainTextValidator); one-line fields also
    refuse line breaks. Put it first among the bases of every form people type into."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                multiline = isinstance(field.widget, forms.Textarea)
                field.validators.append(PlainTextValidator(multiline=multiline))


class LoginForm(PlainTextFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入（注意区分大小写）。"),
        "inactive": _("该账号已停用，请联系学会秘书处。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets max_length after the field is built, so nothing checks it:
        # a 100,000-character name would reach authenticate() and the failed-login record
        # (axes, varchar 255), which PostgreSQL refuses with an error page.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganisationProfileForm(PlainTextFormMixin, forms.ModelForm):
    """The fields an officer may edit, plus the version they read (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    @property
    def profile_fields(self) -> tuple[str, ...]:
        return tuple(self._meta.fields)

    def profile_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.profile_fields}

    def has_profile_changes(self) -> bool:
        return any(name in self.changed_data for name in self.profile_fields)


class BranchProfileForm(OrganisationProfileForm):
    class Meta:
        model = Branch
        fields = BRANCH_PROFILE_FIELDS
        widgets = {
            "established_on": DateInput,
            "party_group_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 5}),
        }


class MemberUnitProfileForm(OrganisationProfileForm):
    class Meta:
        model = MemberUnit
        fields = MEMBER_UNIT_PROFILE_FIELDS


PROFILE_FORMS = {Branch: BranchProfileForm, MemberUnit: MemberUnitProfileForm}


class MemberSearchForm(PlainTextFormMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("姓名或会员编号"), "type": "search"}),
    )
