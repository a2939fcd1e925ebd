"""Public forms. A form only validates what a browser can get wrong; objection_file checks
the rest (real name, phone, content, evidence type and size) and stores nothing unless all
of it is right."""

from django import forms
from django.utils.translation import gettext_lazy as _

from society.forms import PlainTextFormMixin

from .models import Award


def award_label(award: Award) -> str:
    application = award.application
    return f"{application.applicant} — {application.title}"


class ObjectionForm(PlainTextFormMixin, forms.Form):
    name = forms.CharField(
        label=_("真实姓名"),
        max_length=50,
        error_messages={"required": _("请填写真实姓名。")},
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        help_text=_("手机号码或带区号的固定电话，仅供学会秘书处核实联系。"),
        error_messages={"required": _("请填写联系电话。")},
    )
    email = forms.EmailField(
        label=_("电子邮箱"),
        required=False,
        error_messages={"invalid": _("请填写有效的电子邮箱，或留空。")},
    )
    employer = forms.CharField(label=_("工作单位"), max_length=150, required=False)
    award = forms.TypedChoiceField(
        label=_("针对项目"), required=False, coerce=int, empty_value=None
    )
    content = forms.CharField(
        label=_("异议内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写明异议的事实和理由（不少于10个字）。"),
        error_messages={"required": _("请写明异议内容。")},
    )
    # Empty files reach check_upload, whose message says what is wrong.
    evidence = forms.FileField(
        label=_("证明材料"),
        allow_empty_file=True,
        help_text=_("PDF、Word（.docx）、JPG 或 PNG，单个文件不超过 20 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.jpg,.jpeg,.png"}),
        error_messages={"required": _("请上传证明材料。")},
    )

    def __init__(self, *args, awards: list[Award], **kwargs):
        """`awards`: the awards listed on the notice, read once by the view."""
        super().__init__(*args, **kwargs)
        self.awards = {award.pk: award for award in awards}
        self.fields["award"].choices = [
            ("", _("（不针对具体项目）")),
            *((award.pk, award_label(award)) for award in awards),
        ]
        self.fields["award"].error_messages["invalid_choice"] = _("所选项目不在本次公示名单中。")

    def clean_award(self) -> Award | None:
        pk = self.cleaned_data.get("award")
        return self.awards.get(pk) if pk is not None else None

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("name", "phone", "email", "employer", "award", "content", "evidence")
        }
