"""The member's own pages: profile, growth entries, satisfaction. Forms only validate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DateInput, PlainTextFormMixin
from .models import ExpertiseArea, Member
from .services import MEMBER_PROFILE_FIELDS


class MemberProfileForm(PlainTextFormMixin, forms.ModelForm):
    """What a member may edit on their record, plus the version they read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    expertise = forms.ModelMultipleChoiceField(
        label=_("专业领域"),
        queryset=ExpertiseArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    studio_url = forms.URLField(label=_("科创工作室链接"), required=False, assume_scheme="https")

    class Meta:
        model = Member
        fields = (*MEMBER_PROFILE_FIELDS, "expertise")
        widgets = {"tianfu_registered_on": DateInput, "studio_opened_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.fields["employer_name"].help_text = _("工作单位不是会员单位时填写")

    def validate_unique(self):
        pass  # the service refuses a phone another member uses, with its own message

    def profile_changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (*MEMBER_PROFILE_FIELDS, "expertise")
            if name in self.changed_data
        }


class GrowthEntryForm(PlainTextFormMixin, forms.Form):
    occurred_on = forms.DateField(label=_("日期"), widget=DateInput)
    title = forms.CharField(label=_("事项"), max_length=200)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(
        label=_("证明材料"),
        required=False,
        help_text=_("可选，PDF、JPG 或 PNG 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class SatisfactionForm(PlainTextFormMixin, forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.TypedChoiceField(
        label=_("评分"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见（可选）"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
