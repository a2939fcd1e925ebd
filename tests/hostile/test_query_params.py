"""Hostile query strings on every portal page that reads one (search, filters, years,
versions, pages) and hostile `next` targets on the login page: no 500, nothing reflected
unescaped, no redirect off the site."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD
from tests.hostile import corpus
from tests.hostile.conftest import assert_csp, assert_no_raw_markup

pytestmark = pytest.mark.django_db

# What a query string can carry that matters here: markup (reflected in the search boxes),
# broken bytes and controls (PostgreSQL refuses NUL), size, and anything but a number where
# a number (year, id, version, page) is read.
QUERY_TEXT = {
    "oversized_100k", "nul", "invalid_utf8", "bidi_override", "script_tag", "img_onerror",
    "attr_single_quote", "sql_or", "format_string", "crlf_header", "like_wildcards",
}  # fmt: skip
VALUES = [*(e for e in corpus.TEXT if e.id in QUERY_TEXT), *corpus.NUMBERS]


def pages(request) -> list[tuple[Client, str, list[str]]]:
    """(client, url, query parameters it reads)."""
    officer = request.getfixturevalue("unit_officer")
    leader = request.getfixturevalue("leader_user")
    application = factories.ApplicationFactory(member_unit=officer.member_unit)
    officer_client, leader_client = Client(), Client()
    officer_client.force_login(officer)
    leader_client.force_login(leader)
    unit = officer.member_unit.pk
    return [
        (Client(), reverse("article-list"), ["q", "kind", "page"]),
        (Client(), reverse("awards:notice-list"), ["page"]),
        (officer_client, reverse("kpis:record-list"), ["indicator", "status", "page"]),
        (officer_client, reverse("kpis:record-create"), ["indicator"]),
        (officer_client, reverse("kpis:record-indicator-fields"), ["year", "indicator"]),
        (officer_client, reverse("org_memberunit_members", args=[unit]), ["q", "page"]),
        (officer_client, reverse("projects:application-list"), ["page"]),
        (
            officer_client,
            reverse("projects:application-versions", args=[application.pk]),
            ["a", "b"],
        ),
        (leader_client, reverse("kpis:dashboard"), ["year"]),
        (leader_client, reverse("kpis:report-list"), ["year", "page"]),
        (leader_client, reverse("kpis:dossier"), ["year"]),
    ]


@pytest.mark.parametrize("entry", VALUES, ids=str)
def test_hostile_query_values(request, entry):
    for client, url, params in pages(request):
        response = client.get(url, dict.fromkeys(params, entry.value))

        assert response.status_code < 500, url
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert_csp(response)
            assert_no_raw_markup(response, entry.value)


NEXT_TARGETS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    "/%2F%2Fevil.example",
    " //evil.example",
    "\t//evil.example",
]


@pytest.mark.parametrize("target", NEXT_TARGETS)
def test_login_never_redirects_off_the_site(client, member_user, target):
    response = client.post(
        reverse("login"), {"username": "member", "password": PASSWORD, "next": target}
    )

    assert response.status_code == 302
    location = response["Location"]
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("", ""), location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
