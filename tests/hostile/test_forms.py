"""The hostile corpus against every form: no 500, nothing half-stored, nothing executed.

One request per (form, hostile value): the value goes into every field of its kind at once.
A refused post answers with a Chinese message and leaves the affected rows as they were; an
accepted post stores the value as typed (stripped) and every page that shows it escapes it
under a Content-Security-Policy that allows no inline script.
"""

import datetime
from decimal import Decimal, InvalidOperation

import pytest

from tests.hostile import corpus
from tests.hostile.conftest import (
    assert_csp,
    assert_no_raw_markup,
    assert_refused_in_chinese,
    cleaned,
    shows_escaped,
)
from tests.hostile.forms import FORMS

pytestmark = pytest.mark.django_db

REDIRECT = (301, 302, 303)


def fill(data: dict, fields: list[str], value) -> dict:
    return {**data, **dict.fromkeys(fields, value)}


def must_refuse(entry: corpus.Hostile, *, one_line: bool) -> bool:
    return entry.refuse == corpus.ALWAYS or (entry.refuse == corpus.ONE_LINE and one_line)


def check(target, fields: list[str], entry: corpus.Hostile, *, refuse: bool, expected=None):
    before = target.state()

    response = target.send(fill(target.data, fields, entry.value))

    assert response.status_code < 500
    if response.status_code not in REDIRECT:
        assert_csp(response)
        assert_no_raw_markup(response, entry.value)
    if target.method == "get":
        return
    accepted = response.status_code in REDIRECT and target.state() != before
    if refuse or not accepted:
        assert_refused_in_chinese(response, target.client)
        assert target.state() == before
        return
    stored = target.stored()
    for name in fields:
        if name in stored:
            assert stored[name] == (expected(entry.value) if expected else cleaned(entry.value))
    if not entry.is_markup:
        return  # plain text: nothing a page could run; the markup entries check the pages
    shown = []
    for client, url in target.pages():
        page = client.get(url)
        assert page.status_code == 200, url
        assert_csp(page)
        assert_no_raw_markup(page, entry.value)
        shown.append(page)
    if target.pages():
        assert shows_escaped(shown, entry.value), "the stored value is shown on no page"


TEXT_FORMS = [name for name in FORMS if name != "record_evidence"]


def pairs(forms: list[str], entries: list[corpus.Hostile], spread: int = 3) -> list:
    """(form, entry) pairs: the core entries against every form, each other entry against
    `spread` forms in turn (so every entry reaches forms and every form gets extra ones).
    HOSTILE_FULL=1 runs every entry against every form (about three times as long)."""
    if corpus.FULL:
        return [(form, entry) for form in forms for entry in entries]
    chosen = []
    extra = 0
    for entry in entries:
        if entry.core:
            chosen += [(form, entry) for form in forms]
            continue
        for _ in range(spread):
            chosen.append((forms[extra % len(forms)], entry))
            extra += 1
    return chosen


def ids(pair) -> str:
    form, entry = pair
    return f"{form}-{entry.id}"


TEXT_PAIRS = pairs(TEXT_FORMS, corpus.TEXT)


@pytest.mark.parametrize(("form", "entry"), TEXT_PAIRS, ids=[ids(pair) for pair in TEXT_PAIRS])
def test_text(request, staff_client, form, entry):
    target = FORMS[form](request, staff_client)
    fields = [*target.text, *target.areas]
    one_line = bool(target.text)
    check(target, fields, entry, refuse=must_refuse(entry, one_line=one_line))


def _number(value):
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number


NUMBER_FORMS = [
    "member_services",
    "application_edit",
    "implementation_progress",
    "final_report_evidence",
    "record_create",
    "record_edit",
    "record_list_filter",
    "review_score",
]


@pytest.mark.parametrize("entry", corpus.NUMBERS, ids=str)
@pytest.mark.parametrize("form", NUMBER_FORMS)
def test_numbers(request, staff_client, form, entry):
    target = FORMS[form](request, staff_client)
    assert target.numbers
    check(target, target.numbers, entry, refuse=entry.refuse == corpus.ALWAYS, expected=_number)


DATE_FORMS = [
    "member_profile",
    "member_growth",
    "branch_edit",
    "application_edit",
    "implementation_progress",
    "record_create",
    "record_edit",
]


@pytest.mark.parametrize("entry", corpus.DATES, ids=str)
@pytest.mark.parametrize("form", DATE_FORMS)
def test_dates(request, staff_client, form, entry):
    target = FORMS[form](request, staff_client)
    assert target.dates
    check(
        target,
        target.dates,
        entry,
        refuse=entry.refuse == corpus.ALWAYS,
        expected=lambda value: datetime.date.fromisoformat(value[:10]),
    )


@pytest.mark.parametrize("form", list(FORMS))
def test_the_valid_data_is_accepted(request, staff_client, form):
    """The base data of every target is good: refusals above come from the hostile value."""
    target = FORMS[form](request, staff_client)
    before = target.state()
    response = target.send(target.data)
    if target.method == "get":
        assert response.status_code == 200
        return
    if form in ("login", "password_reset"):
        assert response.status_code in (200, *REDIRECT)
        return
    assert response.status_code in REDIRECT, response.content.decode()[:3000]
    assert target.state() != before
