"""Template helpers for the application pages: money as ¥3,000.00, status colours and the
experts' scores of a ranking row."""

import html
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from projects.enums import ApplicationStatus as S
from projects.selectors import TRIM_FROM

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
def expert_scores(line) -> str:
    """The 专家评分 cell of a ranking row: each assigned expert with the weighted total or
    未提交, as "专家甲 86.00 · 专家乙 未提交". From TRIM_FROM scores on, the highest and the
    lowest (one each), which the trimmed mean leaves out, are marked and titled."""
    if not line.cells:
        return "—"
    dropped = set()
    submitted = [cell for cell in line.cells if cell.total is not None]
    if len(submitted) >= TRIM_FROM:
        dropped = {
            id(min(submitted, key=lambda cell: cell.total)),
            id(max(reversed(submitted), key=lambda cell: cell.total)),
        }
    dropped_title = html.escape(_("去极值平均分不计此分"))
    parts = []
    for cell in line.cells:
        name = html.escape(str(cell.expert.name))
        label = html.escape(str(cell.label))
        if id(cell) in dropped:
            parts.append(
                f'<span class="score dropped" title="{dropped_title}">{name} <s>{label}</s></span>'
            )
        elif cell.total is None:
            parts.append(f'<span class="score pending">{name} <em>{label}</em></span>')
        else:
            parts.append(f'<span class="score">{name} <b>{label}</b></span>')
    return mark_safe(" · ".join(parts))
