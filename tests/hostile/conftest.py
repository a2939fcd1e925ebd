import re

import pytest
from django.core.cache import cache
from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.test.utils import ContextList
from django.utils.html import escape

from tests import factories

CJK = re.compile(r"[\u4e00-\u9fff]")
ONE_LINE_BREAKS = ("\r", "\n", "\t")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: every case starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


class LazyStaffClient(Client):
    """The secretariat, to open the admin change pages that show stored values; signs in
    on its first request only (most cases never need it)."""

    def request(self, **request):
        if not getattr(self, "_signed_in", False):
            self._signed_in = True
            user = factories.StaffUserFactory(username="hostile_staff", is_superuser=True)
            self.force_login(user)
        return super().request(**request)


@pytest.fixture
def staff_client(db):
    return LazyStaffClient()


def assert_csp(response) -> None:
    """Every HTML page carries a policy that allows scripts only from the site itself."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], policy
    assert "'unsafe-inline'" not in directives.get("default-src", []), policy


def assert_no_raw_markup(response, value) -> None:
    """The value never appears as markup: with < or > it is not in the page unescaped; with
    quotes only, it is not inside any tag unescaped (where a quote would end an attribute;
    in text a quote is harmless, and the import preview's diff leaves it as it is). And
    javascript: never becomes a link."""
    html = response.content.decode(errors="replace")
    where = response.request["PATH_INFO"]
    if isinstance(value, str) and value.strip():
        raw = value.strip()
        if "<" in raw or ">" in raw:
            assert raw not in html, f"unescaped in {where}"
        elif "'" in raw or '"' in raw:
            for tag in re.findall(r"<[^<>]*>", html):
                assert raw not in tag, f"unescaped inside a tag in {where}: {tag}"
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I)


def shows_escaped(responses, value: str, length: int = 20) -> bool:
    """Some page shows (the start of) the stored value, escaped."""
    start = escape(value.strip()[:length])
    return any(start in r.content.decode(errors="replace") for r in responses)


def form_errors(response) -> list[str]:
    """Every error message of the forms and formsets on the page, and the messages."""
    if response.context is None:
        return []
    found = []
    seen = set()
    contexts = response.context if isinstance(response.context, ContextList) else [response.context]
    values = [value for context in contexts for value in context.flatten().values()]
    for value in values:
        candidates = value if isinstance(value, list | tuple) else [value]
        for candidate in candidates:
            if isinstance(candidate, tuple) and len(candidate) == 3:
                candidate = candidate[2]  # (title, prefix, formset) rows of the edit page
            if id(candidate) in seen:
                continue
            seen.add(id(candidate))
            if isinstance(candidate, BaseFormSet):
                found += [str(m) for m in candidate.non_form_errors()]
                for form in candidate.forms:
                    found += [str(m) for errors in form.errors.values() for m in errors]
            elif isinstance(candidate, BaseForm):
                found += [str(m) for errors in candidate.errors.values() for m in errors]
    messages = response.context.get("messages")
    if messages is not None:
        found += [str(message) for message in messages]
    return found


def assert_refused_in_chinese(response, client) -> None:
    """Refused with a Chinese message: on the page itself, or (for a view that redirects
    back) among the error messages of the page it redirects to."""
    assert response.status_code < 500
    if response.status_code in (301, 302, 303):
        page = client.get(response.url)
        assert page.status_code == 200
        assert_csp(page)
        errors = [str(m) for m in page.context["messages"] if m.level_tag == "error"]
        assert errors, f"redirected to {response.url} without an error message"
    elif response.status_code == 404:  # a changed hidden id: no such object
        errors = [CJK.search(response.content.decode()).group()]
    else:
        errors = form_errors(response)
        assert errors, "refused without a message"
    assert all(CJK.search(message) for message in errors), errors


def cleaned(value: str) -> str:
    """What Django's CharField keeps of what was typed."""
    return value.strip()
