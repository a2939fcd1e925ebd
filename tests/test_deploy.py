"""Production settings: Django's deployment checks, migrations, security headers, static files."""

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    """Environment for manage.py under config.settings.production, with a real secret."""
    folder = tmp_path_factory.mktemp("production")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
    )
    return env


def manage(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MANAGE, *args], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_check_deploy_reports_nothing(production_env):
    result = manage(production_env, "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output
    assert "?:" not in output


def test_check_deploy_notices_a_weak_secret(production_env):
    # The check above can fail: a short secret is reported.
    result = manage({**production_env, "DJANGO_SECRET_KEY": "too-short"}, "check", "--deploy")
    assert "security.W009" in result.stdout + result.stderr


def test_production_needs_a_secret(production_env):
    env = {k: v for k, v in production_env.items() if k != "DJANGO_SECRET_KEY"}
    result = manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


SHOW_LOGIN_PAGE = """
from django.test import Client
client = Client()
page = client.get("/accounts/login/", secure=True, HTTP_HOST="example.org")
print("status", page.status_code)
for name in ("Content-Security-Policy", "Strict-Transport-Security", "X-Frame-Options"):
    print(name, page.headers.get(name, "-"))
css = __import__("re").search(r'href="(/static/[^"]+\\.css)"', page.content.decode()).group(1)
print("css", css, client.get(css, secure=True, HTTP_HOST="example.org").status_code)
plain = client.get("/accounts/login/", HTTP_HOST="example.org")
print("http", plain.status_code, plain.headers.get("Location"))
"""


def test_production_serves_the_login_page_securely(production_env):
    collected = manage(production_env, "collectstatic", "--noinput", "-v0")
    assert collected.returncode == 0, collected.stderr
    result = manage(production_env, "shell", "-c", SHOW_LOGIN_PAGE)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["status"] == "200"
    assert "default-src 'self'" in lines["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in lines["Content-Security-Policy"]
    assert "max-age=31536000" in lines["Strict-Transport-Security"]
    assert lines["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"/static/\S+\.[0-9a-f]{12}\.css 200", lines["css"])  # whitenoise
    assert lines["http"] == "301 https://example.org/accounts/login/"


def test_no_missing_migrations(db):
    out = io.StringIO()
    changes = False
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        changes = True
    assert not changes, f"model changes without a migration:\n{out.getvalue()}"
    assert "No changes detected" in out.getvalue()
