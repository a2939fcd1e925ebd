"""Applicant portal forms. A form only validates; the view hands cleaned data to a service."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kpis.models import Indicator
from society.forms import DateInput, PlainTextFormMixin
from society.models import ExpertiseArea

from .models import Application, BudgetLine, Milestone, PlannedOutput, TeamMember
from .renderers import PythonWidgetRenderer
from .services import APPLICATION_FIELDS, CHILD_MODELS

# The edit page's ~90 widgets, written in Python as Django's templates would write them
# (one instance: its template engine is built once).
RENDERER = PythonWidgetRenderer()

TEXTAREA = {
    "summary": forms.Textarea(attrs={"rows": 4}),
    "plan": forms.Textarea(attrs={"rows": 10}),
}


class CheckedChoicesMixin:
    """Foreign keys the form chose from a ModelChoiceField are not looked up again by the
    model's validation (one query each, per row of a table): the field already found the
    object in its queryset, a subset of what the model's check accepts."""

    checked_choices: tuple[str, ...] = ()

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | set(self.checked_choices)


class ApplicationForm(CheckedChoicesMixin, PlainTextFormMixin, forms.ModelForm):
    """Title, capability area, field, summary and plan: what application_create takes."""

    default_renderer = RENDERER
    # The field was found in its queryset: the model need not look it up again.
    checked_choices = ("field",)

    class Meta:
        model = Application
        fields = APPLICATION_FIELDS
        widgets = TEXTAREA
        help_texts = {
            "summary": _("简要说明项目目标、服务对象和预期效果。"),
            "plan": _("具体方案：实施步骤、措施、分工和保障。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = ExpertiseArea.objects.order_by("order", "id")
        self.fields["field"].empty_label = _("请选择专业领域")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in APPLICATION_FIELDS}


class ApplicationEditForm(ApplicationForm):
    """The main form of the edit page, plus the version the officer read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class ChildForm(PlainTextFormMixin, forms.ModelForm):
    """One row of a child table (formsets leave empty extra rows out and skip their checks)."""

    default_renderer = RENDERER
    child = ""

    def row(self) -> dict:
        _model, fields = CHILD_MODELS[self.child]
        return {name: self.cleaned_data[name] for name in fields if name in self.cleaned_data}


class IndicatorCatalogue:
    """The call year's indicators, read once for every row of the outputs table."""

    def __init__(self, indicators):
        indicators = list(indicators)
        self.by_pk = {indicator.pk: indicator for indicator in indicators}
        self.queryset = Indicator.objects.filter(pk__in=list(self.by_pk))
        self.choices = [("", _("请选择考核指标")), *((i.pk, str(i)) for i in indicators)]


class IndicatorChoiceField(forms.ModelChoiceField):
    """ModelChoiceField that finds the chosen indicator in the catalogue the form was given
    instead of asking the database once per row; same values accepted, same message."""

    catalogue: IndicatorCatalogue | None = None

    def to_python(self, value):
        if self.catalogue is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        key = value.pk if isinstance(value, Indicator) else value
        try:
            # As queryset.get(pk=value) prepares it: "12", " 12 " and 12 are all 12.
            indicator = self.catalogue.by_pk.get(Indicator._meta.pk.get_prep_value(key))
        except (ValueError, TypeError):
            indicator = None
        if indicator is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return indicator


class OutputForm(CheckedChoicesMixin, ChildForm):
    child = "outputs"
    checked_choices = ("indicator",)

    class Meta:
        model = PlannedOutput
        fields = ("indicator", "quantity", "description")
        field_classes = {"indicator": IndicatorChoiceField}

    def __init__(self, *args, indicators: IndicatorCatalogue, **kwargs):
        """`indicators`: the call's year catalogue, read once for every row of the formset."""
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        field.queryset = indicators.queryset
        field.choices = indicators.choices
        field.catalogue = indicators


class BudgetForm(ChildForm):
    child = "budget"

    class Meta:
        model = BudgetLine
        fields = ("item", "amount", "note")
        widgets = {"amount": forms.NumberInput(attrs={"step": "0.01", "min": "0.01"})}


class TeamForm(ChildForm):
    child = "team"

    class Meta:
        model = TeamMember
        fields = ("name", "title", "unit", "role")


class MilestoneForm(ChildForm):
    child = "milestones"

    class Meta:
        model = Milestone
        fields = ("title", "due_on", "description")
        widgets = {"due_on": DateInput}


class ChildFormSet(forms.BaseFormSet):
    """The rows of one child table; deleted and empty extra rows are left out of rows()."""

    def rows(self) -> list[dict]:
        return [
            form.row()
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


def child_formset(form_class, *, extra: int = 2):
    return forms.formset_factory(
        form_class, formset=ChildFormSet, extra=extra, can_delete=True, renderer=RENDERER
    )


CHILD_FORMS = {
    "outputs": child_formset(OutputForm),
    "budget": child_formset(BudgetForm),
    "team": child_formset(TeamForm),
    "milestones": child_formset(MilestoneForm),
}


def child_initial(application: Application) -> dict[str, list[dict]]:
    """The stored rows of each child table as formset initial data (one query per table)."""
    initial = {}
    for name, (model, fields) in CHILD_MODELS.items():
        fields = [f for f in fields if f in CHILD_FORMS[name].form._meta.fields]
        values = [f"{f}_id" if f == "indicator" else f for f in fields]
        rows = model.objects.filter(application=application).order_by(*model._meta.ordering)
        initial[name] = [
            {field: row[value] for field, value in zip(fields, values, strict=True)}
            for row in rows.values(*values)
        ]
    return initial


def budget_total(rows) -> Decimal:
    return sum((row["amount"] for row in rows if row.get("amount") is not None), Decimal("0"))


class AttachmentForm(PlainTextFormMixin, forms.Form):
    # Empty files reach check_upload, whose message says what is wrong in the same words
    # as every other refusal.
    file = forms.FileField(
        label=_("文件"),
        allow_empty_file=True,
        help_text=_("PDF、Word（.docx）、Excel（.xlsx）、JPG 或 PNG，单个文件不超过 20 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"}),
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


class TransitionForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label=_("我确认撤回此申报（撤回后不能恢复）"), required=False)
