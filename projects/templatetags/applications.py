"""Template helpers for the application pages: money as ¥3,000.00 and status colours."""

from decimal import Decimal, InvalidOperation

from django import template

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
