"""The public sign-up form and the admin's refusal form. They validate only; services act."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import Gender, ProfessionalTitle
from .forms import PlainTextFormMixin
from .models import Branch, ExpertiseArea, MemberUnit


class RegistrationForm(PlainTextFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    phone = forms.CharField(
        label=_("手机号"), max_length=20, help_text=_("11位手机号，用于秘书处与您联系")
    )
    email = forms.EmailField(
        label=_("电子邮箱"), help_text=_("我们将向该邮箱发送确认链接，请确保能够收到")
    )
    employer = forms.ModelChoiceField(
        label=_("所在会员单位"),
        queryset=MemberUnit.objects.order_by("name"),
        required=False,
        empty_label=_("（不是会员单位或不确定）"),
        help_text=_("如您的工作单位是本会会员单位，请选择"),
    )
    employer_name = forms.CharField(
        label=_("工作单位"),
        max_length=150,
        required=False,
        help_text=_("单位全称；已选择会员单位的可不填"),
    )
    title = forms.ChoiceField(
        label=_("职称"), choices=[("", _("（无）")), *ProfessionalTitle.choices], required=False
    )
    expertise = forms.ModelMultipleChoiceField(
        label=_("专业领域"),
        queryset=ExpertiseArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    branches = forms.ModelMultipleChoiceField(
        label=_("意向分支机构"),
        queryset=Branch.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("希望参加活动的专业委员会、工作委员会或地方学会，可多选"),
    )
    consent = forms.BooleanField(label=_("我已阅读并同意上述个人信息处理说明"), required=False)

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("employer") and not cleaned_data.get("employer_name", "").strip():
            self.add_error("employer_name", _("请填写工作单位，或选择所在会员单位。"))
        return cleaned_data

    def values(self) -> dict:
        """The data registration_submit takes."""
        data = dict(self.cleaned_data)
        data.pop("consent")
        employer = data["employer"]
        if employer and not data["employer_name"].strip():
            data["employer_name"] = employer.name
        return data


class RejectRegistrationForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("不予批准的理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("理由会记录在申请中"),
    )


class DuesPaymentForm(PlainTextFormMixin, forms.Form):
    paid_on = forms.DateField(
        label=_("缴费日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    receipt_number = forms.CharField(label=_("票据号"), max_length=50, required=False)
    exempt = forms.BooleanField(label=_("免缴"), required=False, help_text=_("勾选则登记为免缴"))

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("exempt") and not cleaned_data.get("paid_on"):
            self.add_error("paid_on", _("请填写缴费日期。"))
        return cleaned_data
