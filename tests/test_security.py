"""Security settings in every environment: login throttling (django-axes), session expiry,
response headers, and secrets kept out of the repository."""

import datetime
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from society.login_throttle import LOCKED_OUT, client_ip
from society.models import AuditEntry
from tests import factories

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
HOME = reverse("home")
LOCKED_TEXT = "登录已暂时锁定"


def attempt(client, username, password, *, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def fail(client, username, times, **extra):
    return [attempt(client, username, "wrong-password", **extra) for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Login throttling -------------------------------------------------------------------


def test_five_wrong_passwords_lock_out_even_the_right_one(client, unit_officer):
    first = fail(client, "unit_officer", 4)
    assert [r.status_code for r in first] == [200] * 4
    assert "用户名或密码不正确" in first[-1].content.decode()

    fifth = attempt(client, "unit_officer", "wrong-password")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert LOCKED_TEXT in page
    assert "连续 5 次密码错误" in page
    assert "请 15 分钟后再试" in page

    sixth = attempt(client, "unit_officer", factories.PASSWORD)
    assert sixth.status_code == 429
    assert LOCKED_TEXT in sixth.content.decode()
    assert not signed_in(client)
    assert client.get(HOME).status_code == 302  # still anonymous


def test_a_lockout_is_audited_once(client, unit_officer):
    fail(client, "unit_officer", 5, REMOTE_ADDR="10.1.2.3")
    attempt(client, "unit_officer", factories.PASSWORD, REMOTE_ADDR="10.1.2.3")
    fail(client, "unit_officer", 2, REMOTE_ADDR="10.1.2.3")

    entries = AuditEntry.objects.filter(action=LOCKED_OUT)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.data == {"username": "unit_officer", "ip_address": "10.1.2.3"}
    assert entry.object_id == str(unit_officer.pk)


def test_a_lockout_of_an_unknown_name_is_audited_without_an_object(client, db):
    fail(client, "nobody-by-this-name", 5)
    entry = AuditEntry.objects.get(action=LOCKED_OUT)
    assert entry.data["username"] == "nobody-by-this-name"
    assert entry.object_id == ""


def test_other_users_and_other_addresses_are_not_affected(client, unit_officer, branch_officer):
    fail(client, "unit_officer", 5)
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 429

    # Another user from the same address signs in.
    assert attempt(client, "branch_officer", factories.PASSWORD).status_code == 302
    assert signed_in(client)
    client.logout()
    # The same user from another address signs in.
    response = attempt(client, "unit_officer", factories.PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_success_clears_the_count(client, unit_officer):
    fail(client, "unit_officer", 4)
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 302
    client.logout()
    # Four more failures: eight in all, but only four since the success.
    assert [r.status_code for r in fail(client, "unit_officer", 4)] == [200] * 4
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client, staff_user):
    responses = fail(client, "staff", 5, url=ADMIN_LOGIN)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    locked = attempt(client, "staff", factories.PASSWORD, url=ADMIN_LOGIN)
    assert locked.status_code == 429
    assert LOCKED_TEXT in locked.content.decode()
    assert not signed_in(client)
    # The lock is per user and address, whichever login page counted the failures.
    assert attempt(client, "staff", factories.PASSWORD).status_code == 429


def test_the_lock_ends_after_the_cool_off(client, unit_officer):
    fail(client, "unit_officer", 5)
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 302


def test_axes_reset_username_unlocks_at_once(client, unit_officer):
    fail(client, "unit_officer", 5)
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 429
    call_command("axes_reset_username", "unit_officer")
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 302


def test_the_limit_and_cool_off_come_from_settings(client, unit_officer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    responses = fail(client, "unit_officer", 2)
    assert [r.status_code for r in responses] == [200, 429]
    assert "请 30 分钟后再试" in responses[-1].content.decode()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.1"),
        (0, "203.0.113.7", "192.0.2.1"),  # no proxy trusted: the header is ignored
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.66, 203.0.113.7", "203.0.113.7"),  # forged entry on the left
        (2, "198.51.100.66, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        (2, "203.0.113.7", "192.0.2.1"),  # fewer hops than proxies: not trusted
        (1, " , ", "192.0.2.1"),
    ],
)
def test_client_address_comes_from_x_forwarded_for_only_behind_trusted_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_public_form_limits_count_each_client_behind_the_proxy(settings):
    from society.ratelimit import client_hash

    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()
    one, other = (
        factory.post("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=address)
        for address in ("203.0.113.7", "203.0.113.8")
    )
    assert client_hash(one) != client_hash(other)


def test_a_forged_forwarded_header_does_not_escape_the_lock(client, unit_officer):
    for n in range(5):
        attempt(client, "unit_officer", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = attempt(
        client, "unit_officer", factories.PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert response.status_code == 429


def test_behind_a_proxy_each_client_is_counted_apart(client, unit_officer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    fail(client, "unit_officer", 5, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    # The locked client cannot get out by prepending a forged address ...
    forged = attempt(
        client,
        "unit_officer",
        factories.PASSWORD,
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
        **proxy,
    )
    assert forged.status_code == 429
    # ... while another client behind the same proxy signs in.
    other = attempt(
        client, "unit_officer", factories.PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy
    )
    assert other.status_code == 302


# --- Sessions ---------------------------------------------------------------------------


def test_a_session_lasts_eight_hours_and_ends_with_the_browser(client, unit_officer):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    response = attempt(client, "unit_officer", factories.PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["expires"] == ""
    session = Session.objects.get(session_key=cookie.value)
    left = (session.expire_date - timezone.now()).total_seconds()
    assert 8 * 3600 - 60 < left <= 8 * 3600


def test_a_persistent_cookie_when_browser_close_is_turned_off(client, unit_officer, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    response = attempt(client, "unit_officer", factories.PASSWORD)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 3600


def test_an_expired_session_is_signed_out(client, unit_officer):
    assert attempt(client, "unit_officer", factories.PASSWORD).status_code == 302
    assert client.get(HOME).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# --- Headers in every environment (production's HSTS: tests/test_deploy.py) -------------


def header_pages(client, staff_user):
    """A public page, a signed-in page, an admin page, a 404 and the lockout page."""
    yield "login", client.get(LOGIN)
    fail(client, "nobody", 5)
    yield "lockout", attempt(client, "nobody", "x")
    client.force_login(staff_user)
    yield "home", client.get(HOME)
    yield "admin", client.get(reverse("admin:index"))
    yield "404", client.get("/no-such-page/")


def test_security_headers_on_every_kind_of_page(client, staff_user):
    seen = []
    for name, response in header_pages(client, staff_user):
        seen.append((name, response.status_code))
        headers = response.headers
        csp = dict(
            (part.split()[0], part.split()[1:])
            for part in headers["Content-Security-Policy"].split(";")
            if part.strip()
        )
        assert csp["default-src"] == ["'self'"], name
        assert csp["script-src"] == ["'self'"], name  # no 'unsafe-inline', no other host
        assert csp["object-src"] == ["'none'"], name
        assert csp["frame-ancestors"] == ["'none'"], name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
        assert headers["X-Frame-Options"] == "DENY", name
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "Strict-Transport-Security" not in headers, name  # only production over TLS
    assert seen == [("login", 200), ("lockout", 429), ("home", 200), ("admin", 200), ("404", 404)]


def test_pages_carry_no_inline_script(client, staff_user):
    """With script-src 'self', an inline <script> would not run: the pages have none."""
    for name, response in header_pages(client, staff_user):
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (name, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), name  # no onclick= etc.


# --- Secrets ----------------------------------------------------------------------------

BASE = Path(settings.BASE_DIR)
SKIP_DIRS = {".git", ".venv", "node_modules", "staticfiles", "private_media", "__pycache__"}
TEXT_SUFFIXES = {".py", ".sh", ".yml", ".yaml", ".toml", ".md", ".txt", ".html", ".cfg", ".ini"}


def repository_text_files(root: Path):
    for path in root.rglob("*"):
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in path.parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name.startswith(".env")):
            yield path


KEY_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "Django secret": re.compile(r"django-insecure-[\w!@#$%^&*(=+)-]{30,}"),
    "secret assignment": re.compile(r"DJANGO_SECRET_KEY=(?!change-me)[\w-]{20,}"),
}


def key_material(root: Path) -> list[tuple[str, str]]:
    """(file, kind) for every text file under root that looks like it holds a secret."""
    found = []
    for path in repository_text_files(root):
        text = path.read_text(errors="ignore")
        relative = str(path.relative_to(root))
        found += [(relative, kind) for kind, rx in KEY_PATTERNS.items() if rx.search(text)]
    return found


def test_env_file_is_not_committed():
    ignored = (BASE / ".gitignore").read_text().split()
    assert ".env" in ignored


SECRET_NAME = re.compile(r"(SECRET|SECRET_KEY|PASSWORD|TOKEN|API_KEY)$")


def literal_secrets(source: str) -> list[str]:
    """Settings lines that assign a string literal to a secret-looking name. Literals that
    are environment variable names and the local-only placeholder ('insecure-...') pass."""
    found = []
    for line in source.splitlines():
        assignment = re.match(r"\s*([A-Z_]+)\s*=\s*(.+)", line)
        if assignment and SECRET_NAME.search(assignment.group(1)):
            for literal in re.findall(r'"([^"]*)"', assignment.group(2)):
                if not (re.fullmatch(r"[A-Z_]+", literal) or literal.startswith("insecure-")):
                    found.append(line)
    return found


def test_settings_hold_no_literal_secret():
    folder = BASE / "config" / "settings"
    production = (folder / "production.py").read_text()
    assert re.search(r'^SECRET_KEY = env\("DJANGO_SECRET_KEY"\)$', production, re.MULTILINE)
    assert {path.name: literal_secrets(path.read_text()) for path in folder.glob("*.py")} == {
        path.name: [] for path in folder.glob("*.py")
    }
    # The check can fail.
    assert literal_secrets('SECRET_KEY = "k8#Jd0"\nEMAIL_HOST_PASSWORD = env("X", default="pw")')
    assert literal_secrets('DJANGO_SECRET_KEY = env("DJANGO_SECRET_KEY", default="s3cr3t")')


def test_repository_holds_no_key_material():
    # The local .env (git-ignored) may hold a real secret; it is never committed.
    assert [hit for hit in key_material(BASE) if hit[0] != ".env"] == []


def test_the_secret_scan_can_fail(tmp_path):
    (tmp_path / "deploy.sh").write_text("export DJANGO_SECRET_KEY=" + "Ab3" * 20 + "\n")
    (tmp_path / "key.txt").write_text("-----BEGIN RSA " + "PRIVATE KEY-----\n")
    (tmp_path / ".env.example").write_text("DJANGO_SECRET_KEY=change-me-to-50-random\n")
    assert sorted(key_material(tmp_path)) == [
        ("deploy.sh", "secret assignment"),
        ("key.txt", "private key"),
    ]
