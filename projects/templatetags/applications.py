"""Template helpers for the application pages: money as ¥3,000.00 and status colours."""

import html
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe

from projects.enums import ApplicationStatus as S

register = template.Library()

STATUS_COLOURS = {
    S.DRAFT: "secondary",
    S.SUBMITTED: "primary",
    S.RETURNED: "warning",
    S.NOT_ACCEPTED: "danger",
    S.UNDER_REVIEW: "info",
    S.REVIEWED: "info",
    S.PUBLICIZED: "info",
    S.AWARDED: "success",
    S.NOT_AWARDED: "dark",
    S.IN_PROGRESS: "success",
    S.INSPECTION: "success",
    S.FINAL_SUBMITTED: "success",
    S.ACCEPTED: "success",
    S.FAILED: "danger",
    S.ARCHIVED: "dark",
    S.WITHDRAWN: "light",
    S.TERMINATED: "danger",
}


@register.filter
def money(value):
    """¥3,000.00 whatever the language (Chinese formats drop the thousands separator)."""
    if value is None or value == "":
        return "—"
    try:
        return f"¥{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return value


@register.filter
def status_colour(status) -> str:
    """The Bootstrap colour of an application status badge (text-bg-<colour>)."""
    return STATUS_COLOURS.get(status, "secondary")


@register.simple_tag
def score_cells(cells) -> str:
    """One <td> per expert cell of a ranking row, as
    `{% for cell in cells %}<td>{{ cell.label }}</td>{% endfor %}` renders them, in one
    step: a ranking at scale 10 has some 300,000 cells."""
    return mark_safe("".join(f"<td>{html.escape(str(cell.label))}</td>" for cell in cells))
