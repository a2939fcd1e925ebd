"""PythonWidgetRenderer writes the same HTML as Django's widget templates."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from projects.forms import OutputForm
from projects.renderers import PythonWidgetRenderer
from tests import factories

TEMPLATES = DjangoTemplates()
PYTHON = PythonWidgetRenderer()
CHOICES = [
    ("", gettext_lazy("请选择专业领域")),
    (1, "建筑 & 结构 <抗震>"),
    ("2", 'say "hi"'),
    (gettext_lazy("分组"), [(3, "岩土"), (4, "市政")]),
]
TRICKY = "<b>\"引号\" & 'single'</b>\n第二行"

WIDGETS = [
    (forms.TextInput(), "标题"),
    (forms.TextInput(attrs={"class": "form-control", "maxlength": 200}), TRICKY),
    (forms.TextInput(), None),
    (forms.TextInput(), ""),
    (forms.TextInput(), 0),
    (forms.TextInput(), mark_safe("<i>safe</i>")),
    (forms.TextInput(attrs={"required": True, "disabled": False}), "x"),
    (forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}), Decimal("1234.50")),
    (forms.NumberInput(), 3),
    (forms.HiddenInput(), 7),
    (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), datetime.date(2026, 11, 30)),
    (forms.EmailInput(), "a@b.cn"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.Textarea(attrs={"rows": 4}), TRICKY),
    (forms.Textarea(), ""),
    (forms.Textarea(), None),
    (forms.Select(choices=CHOICES), 1),
    (forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True}), "2"),
    (forms.Select(choices=CHOICES), None),
    (forms.Select(choices=CHOICES), 4),
    (forms.SelectMultiple(choices=CHOICES), [1, 3]),
    (forms.NullBooleanSelect(), True),
    # Widgets with templates of their own: the template engine renders them.
    (forms.RadioSelect(choices=CHOICES), 1),
    (forms.CheckboxSelectMultiple(choices=CHOICES), [1]),
    (forms.ClearableFileInput(), None),
    (forms.SelectDateWidget(), datetime.date(2026, 1, 2)),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda w: type(w).__name__)
def test_each_widget_renders_as_the_template_does(widget, value):
    attrs = {"id": "id_field", "aria-describedby": "id_field_help"}
    expected = widget.render("field", value, attrs=attrs, renderer=TEMPLATES)
    assert widget.render("field", value, attrs=attrs, renderer=PYTHON) == expected


def test_an_overridden_widget_template_is_rendered_by_the_engine(tmp_path):
    """An app that overrides a widget template gets its template, not the Python copy."""
    override = tmp_path / "django" / "forms" / "widgets" / "select.html"
    override.parent.mkdir(parents=True)
    override.write_text('<select class="own" name="{{ widget.name }}"></select>')

    class Overridden(PythonWidgetRenderer):
        @cached_property
        def engine(self):
            forms_templates = Path(forms.__file__).parent / "templates"
            options = {"APP_DIRS": True, "NAME": "overridden", "OPTIONS": {}}
            return self.backend({**options, "DIRS": [tmp_path, forms_templates]})

    renderer = Overridden()
    widget = forms.Select(choices=CHOICES)
    assert widget.render("f", 1, renderer=renderer) == '<select class="own" name="f"></select>'
    assert renderer._writer("django/forms/widgets/select.html") is None
    assert renderer._writer("django/forms/widgets/text.html") is not None


def _page(response) -> str:
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.fixture
def through_templates(monkeypatch):
    """Switch every PythonWidgetRenderer to the template engine, as Django renders."""

    def use(templates: bool):
        if templates:
            monkeypatch.setattr(PythonWidgetRenderer, "_writer", lambda self, name: None)
        else:
            monkeypatch.undo()

    return use


def test_the_edit_page_is_the_same_page(client, unit_officer, through_templates):
    application = factories.ApplicationFactory(member_unit=unit_officer.member_unit)
    factories.complete_application(application)
    url = reverse("projects:application-edit", args=[application.pk])
    client.force_login(unit_officer)
    fast = client.get(url)
    assert OutputForm.default_renderer is fast.context["formsets"][0][2].forms[0].renderer
    through_templates(True)
    slow = client.get(url)
    assert _page(fast) == _page(slow)
    assert "selected>" in _page(fast)  # the stored indicator is chosen

    # A refused save: the same errors, the same typed values.
    data = {"title": TRICKY, "summary": "", "version": "x", "outputs-TOTAL_FORMS": "1"}
    data |= {"outputs-INITIAL_FORMS": "0", "outputs-0-quantity": "0"}
    slow = client.post(url, data)
    through_templates(False)
    fast = client.post(url, data)
    assert fast.status_code == slow.status_code == 200
    assert _page(fast) == _page(slow)
    assert "&lt;b&gt;&quot;引号&quot;" in _page(fast)
