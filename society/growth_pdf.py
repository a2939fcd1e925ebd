"""个人成长足迹 as PDF (A4), rendered by WeasyPrint in Noto Sans CJK SC, fully offline."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .growth import by_year, growth_record
from .models import Member


def _offline_fetcher():
    """A fetcher that refuses every URL except data: ones."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def growth_pdf(member: Member) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango and fonts

    html = render_to_string(
        "society/me/growth_pdf.html",
        {
            "member": member,
            "years": by_year(growth_record(member)),
            "society_name": settings.SOCIETY_NAME,
            "today": timezone.localdate(),
        },
    )
    return HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf()
