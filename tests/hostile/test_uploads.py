"""Hostile files against every upload a person outside the secretariat can make.

Refused: nothing stored (no row, no file left in the private media root) and a Chinese
message. Accepted (a real PDF under an odd but harmless name): the name is kept as given
and shown escaped; the stored file gets a name of ours.
"""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from django.utils.html import escape

from kpis.models import RecordEvidence
from projects.models import Attachment
from tests.hostile import corpus
from tests.hostile.conftest import assert_csp, assert_no_raw_markup, assert_refused_in_chinese
from tests.hostile.forms import FORMS

pytestmark = pytest.mark.django_db

UPLOAD_FORMS = [
    "attachment_upload",
    "final_report_evidence",
    "implementation_progress",
    "record_create",
    "record_evidence",
    "objection",
    "member_growth",
]
REDIRECT = (301, 302, 303)


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def send_file(target, upload: corpus.Upload):
    file = SimpleUploadedFile(upload.name, upload.data(), content_type="application/pdf")
    return target.send({**target.data, target.file_field: file})


def upload_pairs() -> list:
    """Every hostile content against every upload; each odd name (Django's parser and
    check_upload treat names the same way everywhere) against three uploads in turn."""
    chosen = []
    for index, upload in enumerate(corpus.UPLOADS):
        if upload.core or corpus.FULL:
            chosen += [(form, upload) for form in UPLOAD_FORMS]
        else:
            chosen += [(UPLOAD_FORMS[(index + n) % len(UPLOAD_FORMS)], upload) for n in range(3)]
    return chosen


UPLOAD_PAIRS = upload_pairs()


@pytest.mark.parametrize(
    ("form", "upload"), UPLOAD_PAIRS, ids=[f"{form}-{upload.id}" for form, upload in UPLOAD_PAIRS]
)
def test_upload(request, staff_client, private_media, form, upload):
    target = FORMS[form](request, staff_client)
    target.files = dict  # the hostile file replaces the form's good one
    before = target.state()
    started = time.monotonic()

    response = send_file(target, upload)

    assert time.monotonic() - started < 10, "took too long to refuse"
    assert response.status_code < 500
    if response.status_code not in REDIRECT:
        assert_csp(response)
        assert_no_raw_markup(response, upload.name)
    if not upload.accept:
        assert_refused_in_chinese(response, target.client)
        assert target.state() == before
        assert stored_files(private_media) == []
        return
    assert response.status_code in REDIRECT, response.content.decode()[:2000]
    assert target.state() != before
    (path,) = stored_files(private_media)
    assert upload.name not in str(path)  # stored under a name of ours
    assert path.read_bytes() == upload.data()
    shown = ""
    for client, url in target.pages():
        page = client.get(url)
        assert page.status_code == 200
        assert_csp(page)
        assert_no_raw_markup(page, upload.name)
        shown += page.content.decode()
    if form != "member_growth":  # the growth page links the evidence without its name
        assert escape(cleaned_name(upload.name)) in shown


def cleaned_name(name: str) -> str:
    """The name the view gets: Django's multipart parser cleans what the browser sent."""
    return MultiPartParser.sanitize_file_name(None, name)


def test_accepted_hostile_name_is_kept_and_shown_escaped(staff_client, request):
    target = FORMS["attachment_upload"](request, staff_client)
    name = "<img src=x onerror=alert(1)>.pdf"
    target.files = lambda: {"file": SimpleUploadedFile(name, corpus.PDF)}

    response = target.send(target.data)

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == name
    owner_page = target.client.get(target.pages()[0][1])
    assert escape(name) in owner_page.content.decode()
    download = target.client.get(reverse("projects:attachment-download", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert "\n" not in download["Content-Disposition"]
    assert "\r" not in download["Content-Disposition"]


def test_several_files_at_once_store_none_when_one_is_bad(request, staff_client, private_media):
    """Evidence takes several files: one bad among good ones stores none of them."""
    target = FORMS["record_evidence"](request, staff_client)
    files = [
        SimpleUploadedFile("好的.pdf", corpus.PDF),
        SimpleUploadedFile("炸弹.docx", corpus.zip_bomb("word/document.xml", 3 << 30)),
    ]

    response = target.client.post(target.url, {"evidence": files})

    assert_refused_in_chinese(response, target.client)
    assert not RecordEvidence.objects.exists()
    assert stored_files(private_media) == []
