"""Forms for indicator records, in the portal and in the admin.

A form only validates what a person typed; kpis.services decides whether the record may be
reported (its indicator's rules, the duplicate rule) and says why not.
"""

from itertools import groupby

from django import forms
from django.utils.translation import gettext_lazy as _

from society.forms import DateInput, PlainTextFormMixin
from society.models import Branch, MemberUnit

from .enums import Area, Measure, RecordStatus
from .models import Indicator, Record
from .services import RECORD_FIELDS

EVIDENCE_HELP = _(
    "可一次选择多个文件。PDF、Word（.docx）、Excel（.xlsx）、JPG 或 PNG，单个文件不超过 20 MB。"
)
EVIDENCE_ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; returns a list (empty when none was chosen).

    Empty files get through, so that check_upload refuses them in the same words as every
    other bad file.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [super(MultipleFileField, self).clean(file, initial) for file in files if file]
        if self.required and not cleaned:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return cleaned


def indicator_choices(indicators: list[Indicator], *, with_year: bool = False) -> list:
    """The indicators grouped by capability area (and year, for the admin's every-year list)."""
    areas = dict(Area.choices)

    def group(indicator):
        return (indicator.year, indicator.area) if with_year else indicator.area

    ordered = sorted(
        indicators,
        key=lambda i: (-i.year if with_year else 0, list(areas).index(i.area), i.order, i.code),
    )
    choices = [("", _("请选择考核指标"))]
    for key, items in groupby(ordered, key=group):
        label = f"{key[0]} · {areas[key[1]]}" if with_year else areas[key]
        choices.append((label, [(i.pk, str(i)) for i in items]))
    return choices


def category_choices(indicators: list[Indicator]) -> list:
    """Every category of the indicators, grouped by indicator; only the indicator's own
    categories when there is exactly one."""
    with_categories = [i for i in indicators if i.categories]
    if len(indicators) == 1:
        (indicator,) = indicators
        if not indicator.categories:
            return [("", _("（该指标不分类别）"))]
        return [("", _("请选择类别")), *((c, c) for c in indicator.categories)]
    return [
        ("", _("请选择类别")),
        *((str(i), [(c, c) for c in i.categories]) for i in with_categories),
    ]


class RecordForm(PlainTextFormMixin, forms.ModelForm):
    """What an organisation reports: the indicator's own fields, and evidence files."""

    category = forms.ChoiceField(label=_("类别"), required=False)
    link = forms.URLField(
        label=_("链接"),
        max_length=200,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("例如在天府科技云上发布的页面地址。"),
    )
    evidence = MultipleFileField(label=_("佐证材料"), help_text=EVIDENCE_HELP)

    class Meta:
        model = Record
        fields = RECORD_FIELDS
        widgets = {
            "occurred_on": DateInput,
            "published_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "title": _("服务、成果、论文、活动等的名称。"),
            "occurred_on": _("服务提供、成果发布、活动举办或论文推荐的日期。"),
            "quantity": _("一条记录通常为 1 项；同一批次的多项可合并填写数量。"),
            "value": _("排名类指标填写名次。"),
            "source_note": _("排名类指标注明数据来源，例如省科协通报的名称和日期。"),
            "published_on": _("推荐论文填写发表日期。"),
        }

    # Fields that only some indicators use, shown in their own group on the page.
    RANK_FIELDS = ("value", "source_note")
    PAPER_FIELDS = ("authors", "published_on", "sichuan_author")

    def __init__(
        self,
        *args,
        indicators: list[Indicator],
        with_year: bool = False,
        fields_url: str = "",
        **kwargs,
    ):
        """`indicators`: those that may be chosen (read once by the view). `fields_url`:
        where htmx fetches the category choices and the indicator's own fields."""
        super().__init__(*args, **kwargs)
        self.indicators = {i.pk: i for i in indicators}
        field = self.fields["indicator"]
        field.queryset = Indicator.objects.filter(pk__in=list(self.indicators))
        field.choices = indicator_choices(indicators, with_year=with_year)
        field.help_text = _(
            "按能力领域分组；由平台自动计算的指标（党小组比例、专职人员、宣传覆盖率、好评率）无需填报。"
        )
        if fields_url:
            field.widget.attrs.update(
                {
                    "hx-get": fields_url,
                    "hx-trigger": "change",
                    "hx-target": "#category-field",
                    "hx-swap": "outerHTML",
                }
            )
        chosen = self.chosen_indicator()
        self.fields["category"].choices = category_choices([chosen] if chosen else indicators)

    def chosen_indicator(self) -> Indicator | None:
        """The indicator picked in the submitted data, or the record's own."""
        raw = self.data.get(self.add_prefix("indicator")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("indicator") or self.instance.indicator_id
        try:
            return self.indicators.get(int(getattr(raw, "pk", raw)))
        except (TypeError, ValueError):
            return None

    def shows_rank_fields(self) -> bool:
        indicator = self.chosen_indicator()
        return indicator is None or indicator.measure == Measure.RANK

    def shows_paper_fields(self) -> bool:
        indicator = self.chosen_indicator()
        return indicator is None or bool(indicator.record_rules)

    def rank_fields(self):
        return [self[name] for name in self.RANK_FIELDS]

    def paper_fields(self):
        return [self[name] for name in self.PAPER_FIELDS]

    def main_fields(self):
        hidden = {"indicator", "category", "evidence", *self.RANK_FIELDS, *self.PAPER_FIELDS}
        return [field for field in self.visible_fields() if field.name not in hidden]

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in RECORD_FIELDS}

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in RECORD_FIELDS if name in self.changed_data
        }


class VersionedFormMixin(forms.Form):
    """Edit forms carry the version the editor read (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class RecordEditForm(VersionedFormMixin, RecordForm):
    pass


class StaffRecordForm(RecordForm):
    """Staff add records for the society itself (no organisation) or for one organisation."""

    field_order = ["indicator", "branch", "member_unit"]

    branch = forms.ModelChoiceField(
        label=_("分支机构"),
        queryset=Branch.objects.order_by("name"),
        required=False,
        empty_label=_("（无）"),
    )
    member_unit = forms.ModelChoiceField(
        label=_("会员单位"),
        queryset=MemberUnit.objects.order_by("name"),
        required=False,
        empty_label=_("（无）"),
        help_text=_("学会自身的记录（如排名、里程碑）两项都不选。"),
    )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("branch") and cleaned_data.get("member_unit"):
            self.add_error("member_unit", _("分支机构和会员单位只能选择一个。"))
        return cleaned_data

    def organisation(self) -> dict:
        return {
            "branch_id": getattr(self.cleaned_data.get("branch"), "pk", None),
            "member_unit_id": getattr(self.cleaned_data.get("member_unit"), "pk", None),
        }


class StaffRecordEditForm(VersionedFormMixin, StaffRecordForm):
    """Staff correct a record before verifying it; its organisation stays as reported."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("branch", "member_unit"):
            self.fields[name].disabled = True
            self.fields[name].initial = getattr(self.instance, f"{name}_id")


class RecordFilterForm(PlainTextFormMixin, forms.Form):
    """The officer's record list: by indicator and by status."""

    indicator = forms.ModelChoiceField(
        label=_("考核指标"), queryset=Indicator.objects.none(), required=False
    )
    status = forms.ChoiceField(label=_("核实状态"), required=False)

    def __init__(self, *args, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        field.queryset = Indicator.objects.filter(pk__in=[i.pk for i in indicators])
        field.choices = [("", _("全部指标")), *((i.pk, f"{i.year} {i}") for i in indicators)]
        self.fields["status"].choices = [("", _("全部状态")), *RecordStatus.choices]

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        if self.cleaned_data["indicator"]:
            queryset = queryset.filter(indicator=self.cleaned_data["indicator"])
        if self.cleaned_data["status"]:
            queryset = queryset.filter(status=self.cleaned_data["status"])
        return queryset


class RejectForm(PlainTextFormMixin, forms.Form):
    note = forms.CharField(
        label=_("核实意见"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        help_text=_("不通过时必须填写理由，理由会通知填报人。"),
    )
