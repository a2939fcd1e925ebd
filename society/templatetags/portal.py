"""Template helpers for the portal: Bootstrap widgets, masked phones, organisation URLs."""

import datetime

from django import forms, template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from society.models import Branch, MemberUnit
from society.validators import mask_phone as _mask_phone

register = template.Library()

ORGANISATION_URL_PAGES = ("detail", "edit", "members")


def organisation_url(organisation: Branch | MemberUnit, page: str = "detail") -> str:
    """/org/branches/<pk>/..., /org/units/<pk>/... for a page in ORGANISATION_URL_PAGES."""
    return organisation_url_for(type(organisation), organisation.pk, page)


def organisation_url_for(model: type[Branch | MemberUnit], pk: int, page: str = "detail") -> str:
    if page not in ORGANISATION_URL_PAGES:
        raise ValueError(f"unknown organisation page {page!r}")
    return reverse(f"org_{model._meta.model_name}_{page}", kwargs={"pk": pk})


def own_organisation_url(user, page: str = "detail") -> str | None:
    """The officer's own organisation page, without fetching the organisation."""
    if getattr(user, "branch_id", None):
        return organisation_url_for(Branch, user.branch_id, page)
    if getattr(user, "member_unit_id", None):
        return organisation_url_for(MemberUnit, user.member_unit_id, page)
    return None


@register.simple_tag
def org_url(organisation, page="detail"):
    return organisation_url(organisation, page)


@register.filter
def mask_phone(value):
    return _mask_phone(value or "")


def _widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def bootstrap(bound_field):
    """Render a form field's widget with Bootstrap's classes (and is-invalid on errors)."""
    css = [_widget_class(bound_field.field.widget)]
    if bound_field.errors:
        css.append("is-invalid")
    existing = bound_field.field.widget.attrs.get("class")
    if existing:
        css.insert(0, existing)
    attrs = {"class": " ".join(css)}
    if bound_field.errors:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_errors"
    elif bound_field.help_text:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_help"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def display(value):
    """A stored field value for people: 是/否, a localised date, or a dash when empty."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.date):
        return date_format(value)
    return value


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)
