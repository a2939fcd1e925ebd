"""A form renderer that writes Django's basic widgets in Python, byte for byte as its templates do.

The application edit page has about 90 widgets, five of them selects of the year's 29
indicators: through the template engine, every option is an {% include %} with its own
context, and the widgets took about half of the page's time. PythonWidgetRenderer builds
the same HTML from the same widget context (so attributes, values, selected options and
escaping come from Django's own get_context) for the templates it knows, and hands every
other template to the template engine as DjangoTemplates does.

It only takes the short cut while the templates the engine would load are the ones it
copies: if an app overrides django/forms/widgets/select.html, say, that template is
rendered instead. tests/projects/test_renderers.py compares both renderings.
"""

from types import SimpleNamespace

from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
OPTION = f"{WIDGETS}select_option.html"
# The sources this module writes out in Python (Django 4.1 to 5.2).
ATTRS = (
    "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
    "{% endfor %}"
)
INPUT = (
    '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}'
    " value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
    '{% include "django/forms/widgets/attrs.html" %}>\n'
)
INCLUDES_INPUT = '{% include "django/forms/widgets/input.html" %}\n'
TEXTAREA = (
    '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
    "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n"
)
SELECT = (
    '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
    "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
    '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
    "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
    "  </optgroup>{% endif %}{% endfor %}\n</select>\n"
)
SELECT_OPTION = (
    "<option value=\"{{ widget.value|stringformat:'s' }}\""
    '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n'
)
# What {{ }} does in a widget template: the renderer's context escapes, with the
# project's localisation and time zone settings.
_CONTEXT = SimpleNamespace(autoescape=True, use_l10n=None, use_tz=None)


def _text(value) -> str:
    """{{ value }}"""
    return render_value_in_context(value, _CONTEXT)


def _formatted(value) -> str:
    """{{ value|stringformat:'s' }} (the filter is is_safe: safe text stays unescaped)."""
    formatted = stringformat(value, "s")
    return _text(mark_safe(formatted) if isinstance(value, SafeData) else formatted)


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is not False:
            shown = "" if value is True else f'="{_formatted(value)}"'
            parts.append(f" {_text(name)}{shown}")
    return "".join(parts)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value != None else ""  # noqa: E711 (as {% if %})
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def _textarea(widget: dict) -> str:
    name, attrs = _text(widget["name"]), _attrs(widget["attrs"])
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{name}"{attrs}>\n{value}</textarea>\n'


def _option(option: dict) -> str:
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>\n"
    )


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None  # a widget with its own option template: the engine renders it
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


class PythonWidgetRenderer(DjangoTemplates):
    """DjangoTemplates, with text-like inputs, textareas and selects written in Python."""

    def __init__(self):
        super().__init__()
        self._known: dict[str, object] = {}

    def _writer(self, template_name: str):
        """The Python writer for this template, or None when the engine must render it."""
        if template_name not in self._known:
            self._known[template_name] = self._find_writer(template_name)
        return self._known[template_name]

    def _find_writer(self, template_name: str):
        if self._source(f"{WIDGETS}attrs.html") != ATTRS:
            return None
        source = self._source(template_name)
        if source == INPUT or (
            source == INCLUDES_INPUT and self._source(f"{WIDGETS}input.html") == INPUT
        ):
            return _input
        if source == TEXTAREA:
            return _textarea
        if source == SELECT and self._source(OPTION) == SELECT_OPTION:
            return _select
        return None

    def _source(self, template_name: str) -> str | None:
        try:
            return self.get_template(template_name).template.source
        except TemplateDoesNotExist:
            return None

    def render(self, template_name, context, request=None):
        writer = self._writer(template_name)
        html = None
        if writer is not None and request is None and set(context) == {"widget"}:
            html = writer(context["widget"])
        if html is None:
            return super().render(template_name, context, request=request)
        return html.strip()  # as BaseRenderer.render
