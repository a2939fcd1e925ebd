"""Forms of the awardee's implementation pages. A form validates; the view calls a service."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from society.forms import DateInput, PlainTextFormMixin
from society.uploads import check_upload

from .models import Milestone, PlannedOutput

UPLOAD_HELP = _("PDF、Word（.docx）、Excel（.xlsx）、JPG 或 PNG，单个文件不超过 20 MB。")
UPLOAD_ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (none when not required); each is checked like every upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": UPLOAD_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        single_clean = super().clean
        cleaned = [single_clean(file, initial) for file in files]
        for file in cleaned:
            try:
                check_upload(file)
            except ValidationError as error:
                raise ValidationError(
                    _("“%(name)s”：%(error)s") % {"name": file.name, "error": error.messages[0]}
                ) from error
        return cleaned


class ProgressForm(PlainTextFormMixin, forms.Form):
    reported_on = forms.DateField(label=_("报告日期"), widget=DateInput)
    milestone = forms.TypedChoiceField(
        label=_("对应进度节点"), required=False, coerce=int, empty_value=None
    )
    milestone_done = forms.BooleanField(label=_("该节点已完成"), required=False)
    text = forms.CharField(
        label=_("进展情况"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("写明完成的工作、取得的成果和下一步安排（不少于10个字）。"),
        error_messages={"required": _("请写明进展情况。")},
    )
    files = MultipleFileField(
        label=_("进展材料"),
        required=False,
        allow_empty_file=True,
        help_text=_("可选，可一次选择多个文件。") + UPLOAD_HELP,
    )

    def __init__(self, *args, milestones: list[Milestone], **kwargs):
        super().__init__(*args, **kwargs)
        self.milestones = {milestone.pk: milestone for milestone in milestones}
        self.fields["reported_on"].initial = timezone.localdate()
        self.fields["milestone"].choices = [
            ("", _("（不对应具体节点）")),
            *((m.pk, f"{m.due_on:%Y-%m-%d} {m.title}") for m in milestones),
        ]

    def clean_milestone(self) -> Milestone | None:
        pk = self.cleaned_data.get("milestone")
        return self.milestones.get(pk) if pk is not None else None


class FinalReportForm(PlainTextFormMixin, forms.Form):
    summary = forms.CharField(
        label=_("工作总结"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("对照申报书的具体方案和预期成果，总结完成的工作、取得的成效和经费使用情况。"),
        error_messages={"required": _("请填写工作总结。")},
    )


class EvidenceForm(PlainTextFormMixin, forms.Form):
    output = forms.TypedChoiceField(
        label=_("对应预期成果"),
        coerce=int,
        error_messages={"required": _("请选择这份佐证材料对应的预期成果。")},
    )
    file = forms.FileField(
        label=_("佐证材料"),
        allow_empty_file=True,
        help_text=UPLOAD_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
        error_messages={"required": _("请选择要上传的文件。")},
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, outputs: list[PlannedOutput], **kwargs):
        super().__init__(*args, **kwargs)
        self.outputs = {output.pk: output for output in outputs}
        self.fields["output"].choices = [
            ("", _("请选择预期成果")),
            *((o.pk, f"{o.indicator.name} × {o.quantity}：{o.description}") for o in outputs),
        ]

    def clean_output(self) -> PlannedOutput:
        return self.outputs[self.cleaned_data["output"]]
