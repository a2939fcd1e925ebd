"""会员证: the member's certificate as PDF (A5 landscape), rendered by WeasyPrint in Noto Sans
CJK SC from our own template; nothing is fetched from the network."""

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Member, MembershipPeriod


def current_period(member: Member, today: datetime.date | None = None) -> MembershipPeriod | None:
    """The period covering today, else the latest one."""
    today = today or timezone.localdate()
    periods = member.periods.order_by("-ends_on")
    covering = periods.filter(starts_on__lte=today, ends_on__gte=today).first()
    return covering or periods.first()


def _offline_fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def member_certificate_pdf(member: Member) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango and fonts

    html = render_to_string(
        "society/register/certificate_pdf.html",
        {
            "member": member,
            "period": current_period(member),
            "society_name": settings.SOCIETY_NAME,
            "date": timezone.localdate(),
        },
    )
    return HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf()


def certificate_filename(member: Member) -> str:
    return f"{_('会员证')}-{member.member_number}.pdf"
