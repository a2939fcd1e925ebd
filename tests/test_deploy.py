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


@pytest.mark.parametrize(
    "placeholder", ["change-me-to-50-random-characters", "insecure-local-only-key-change-me"]
)
def test_production_refuses_a_placeholder_secret(production_env, placeholder):
    result = manage({**production_env, "DJANGO_SECRET_KEY": placeholder}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY 仍是示例值" in result.stderr


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
print("http-hsts", plain.headers.get("Strict-Transport-Security", "-"))
proxied = client.get("/accounts/login/", HTTP_HOST="example.org", HTTP_X_FORWARDED_PROTO="https")
print("proxied", proxied.status_code)
print("proxied-hsts", proxied.headers.get("Strict-Transport-Security", "-"))
for name in ("X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"):
    print(name, proxied.headers.get(name, "-"))
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
    assert lines["http-hsts"] == "-"  # HSTS only over TLS
    # Behind the TLS proxy (X-Forwarded-Proto: https) the page is served with HSTS.
    assert lines["proxied"] == "200"
    assert lines["proxied-hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert lines["X-Content-Type-Options"] == "nosniff"
    assert lines["Referrer-Policy"] == "same-origin"
    assert lines["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_missing_migrations(db):
    out = io.StringIO()
    changes = False
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        changes = True
    assert not changes, f"model changes without a migration:\n{out.getvalue()}"
    assert "No changes detected" in out.getvalue()


def settings_env_vars() -> set[str]:
    """Every variable name read with env(...), env.bool(...), env.db(...) ... in the settings."""
    pattern = re.compile(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"')
    folder = Path(settings.BASE_DIR) / "config" / "settings"
    return {name for path in folder.glob("*.py") for name in pattern.findall(path.read_text())}


def test_env_example_lists_every_setting_read_from_the_environment():
    example = (Path(settings.BASE_DIR) / ".env.example").read_text()
    documented = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    read = settings_env_vars()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"} <= read
    assert read - documented == set()


def test_docker_compose_runs_web_worker_beat_db_and_redis():
    compose = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
    services = compose.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    assert re.findall(r"^  (\w+):$", services, re.MULTILINE) == [
        "web",
        "worker",
        "beat",
        "db",
        "redis",
    ]
    assert "gunicorn config.wsgi:application" in services
    assert "celery -A config worker" in services
    assert "celery -A config beat" in services
    assert "image: postgres:16" in services
    assert "image: redis:7" in services
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim-bookworm" in dockerfile
    for package in ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"]:
        assert package in dockerfile
