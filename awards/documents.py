"""The award's documents as PDF: 获奖通知书 (A4) and 荣誉证书 (A4 landscape).

WeasyPrint renders our own templates in Noto Sans CJK SC; nothing is fetched from the
network (the society may run the platform on an intranet).
"""

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.exports import SOCIETY_NAME

from .models import Award


@dataclass(frozen=True)
class Document:
    slug: str
    label: str
    template: str


LETTER = Document("letter", _("获奖通知书"), "awards/pdf/letter.html")
CERTIFICATE = Document("certificate", _("荣誉证书"), "awards/pdf/certificate.html")
DOCUMENTS = {document.slug: document for document in (LETTER, CERTIFICATE)}


def document_date(award: Award) -> datetime.date:
    """The day the award was confirmed: the date the documents carry, however often they
    are downloaded."""
    moment = award.confirmed_at or timezone.now()
    return timezone.localdate(moment)


def _offline_fetcher():
    """A fetcher that refuses every URL except data: ones."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def render_pdf(document: Document, award: Award) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango and fonts

    application = award.application
    html = render_to_string(
        document.template,
        {
            "award": award,
            "application": application,
            "call": application.call,
            "organisation": application.applicant,
            "society_name": SOCIETY_NAME,
            "date": document_date(award),
        },
    )
    return HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf()


def award_letter_pdf(award: Award) -> bytes:
    return render_pdf(LETTER, award)


def award_certificate_pdf(award: Award) -> bytes:
    return render_pdf(CERTIFICATE, award)


def document_filename(document: Document, award: Award) -> str:
    return f"{document.label}-{award.certificate_number or award.pk}.pdf"
