"""Expert portal forms. They validate what the expert typed; review_save decides and writes."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from society.forms import PlainTextFormMixin

from .models import Criterion

SCORE_STEP = Decimal("0.5")
# review_save refuses a shorter comment on submit; the form says so beside the field.
COMMENT_MIN_LENGTH = 10


def _points(value: Decimal) -> str:
    """25.00 -> "25", 12.50 -> "12.5"."""
    return f"{value.normalize():f}"


def _literal(message: str) -> str:
    # Django formats validator messages with %-parameters; keep a % in a name literal.
    return message.replace("%", "%%")


class ScoreField(forms.DecimalField):
    """A score: out-of-range numbers are refused before the step check, which Django does
    with floats (1e309 would become infinity there and raise instead of refusing)."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not (self.min_value <= value <= self.max_value):
            raise forms.ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit_value": self.max_value},
            )


class ReviewForm(PlainTextFormMixin, forms.Form):
    """One number per criterion of the call's rubric, the 评审意见 and, to submit, a
    confirmation that the review is final.

    `submit` says which button was pressed: a draft may leave scores and the comment
    empty, a submission may not.
    """

    comment = forms.CharField(
        label=gettext_lazy("评审意见"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("提交时必填，不少于10个字。"),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("我已核对评分和评审意见，确认提交（提交后不能修改）"),
        required=False,
    )

    def __init__(self, *args, criteria: list[Criterion], submit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.submit = submit
        for criterion in self.criteria:
            self.fields[self.field_name(criterion)] = self._score_field(criterion)

    @staticmethod
    def field_name(criterion: Criterion) -> str:
        return f"score_{criterion.pk}"

    @staticmethod
    def _score_field(criterion: Criterion) -> forms.DecimalField:
        bounds = _literal(
            _("“%(name)s”的得分须在0至%(max)s之间")
            % {"name": criterion.name, "max": _points(criterion.max_points)}
        )
        return ScoreField(
            label=criterion.name,
            required=False,
            min_value=Decimal("0"),
            max_value=criterion.max_points,
            step_size=SCORE_STEP,
            max_digits=5,
            decimal_places=2,
            help_text=criterion.description,
            error_messages={
                "invalid": _("请输入数字"),
                "min_value": bounds,
                "max_value": bounds,
                "max_digits": bounds,
                "step_size": _literal(
                    _("“%(name)s”的得分须为%(step)s分的整数倍")
                    % {"name": criterion.name, "step": _points(SCORE_STEP)}
                ),
            },
        )

    @property
    def score_rows(self) -> list[tuple[Criterion, forms.BoundField]]:
        """(criterion, its bound field) in rubric order, for the template."""
        return [(criterion, self[self.field_name(criterion)]) for criterion in self.criteria]

    def clean(self):
        cleaned = super().clean()
        if not self.submit:
            return cleaned
        for criterion in self.criteria:
            name = self.field_name(criterion)
            if name not in self.errors and cleaned.get(name) is None:
                self.add_error(name, _("请为“%(name)s”打分") % {"name": criterion.name})
        if len(cleaned.get("comment") or "") < COMMENT_MIN_LENGTH:
            self.add_error("comment", _("请填写评审意见（不少于10个字）"))
        if not cleaned.get("confirm"):
            self.add_error("confirm", _("提交前请勾选确认：提交后不能修改。"))
        return cleaned

    def scores(self) -> dict[int, Decimal | None]:
        """criterion pk -> points (None when left empty), as review_save takes them."""
        return {c.pk: self.cleaned_data.get(self.field_name(c)) for c in self.criteria}

    @classmethod
    def initial_for(cls, assignment, criteria: list[Criterion]) -> dict:
        """What the expert saved last time."""
        saved = {score.criterion_id: score.points for score in assignment.scores.all()}
        initial = {"comment": assignment.comment}
        for criterion in criteria:
            if criterion.pk in saved:
                initial[cls.field_name(criterion)] = saved[criterion.pk]
        return initial


class ConflictForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("回避理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("例如：本人曾参与该项目的咨询，或与申报单位存在利害关系。"),
        error_messages={"required": gettext_lazy("请说明回避理由。")},
    )
