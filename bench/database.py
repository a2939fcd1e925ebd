"""The benchmark databases: PostgreSQL, migrated and filled by `demo_data --scale N`.

Each database carries a marker table, bench_build, holding the scale, the commit it was
built at and a fingerprint of what shapes the data (migrations and the demo generators).
A database whose marker is missing or differs is rebuilt; otherwise it is reused (and
migrated, for apps added since).
"""

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
# What decides the content of a demo database.
DATA_SOURCES = (
    "*/migrations/*.py",
    "society/demo*.py",
    "society/management/commands/demo_data.py",
    "projects/demo/**/*.py",
    "projects/notice_2023.txt",
    "kpis/demo.py",
)
MARKER = "bench_build"


@dataclass(frozen=True)
class Build:
    scale: float
    fingerprint: str
    commit: str
    seconds: float


def fingerprint(scale: float) -> str:
    digest = hashlib.sha256(f"scale={scale}".encode())
    for pattern in DATA_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def current_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def database_url(base_url: str, name: str) -> str:
    """base_url with its database name replaced."""
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server_url(url: str) -> str:
    return database_url(url, "postgres")


def _connect(url: str, **kwargs):
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), **kwargs)


def read_marker(url: str) -> Build | None:
    """The marker of the database at url, or None when it is missing or has none."""
    try:
        with _connect(url, connect_timeout=5) as connection:
            row = connection.execute(
                f"SELECT scale, fingerprint, commit, seconds FROM {MARKER} LIMIT 1"
            ).fetchone()
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):
            return None
        raise
    except psycopg.errors.UndefinedTable:
        return None
    return Build(*row) if row else None


def is_current(url: str, scale: float) -> bool:
    marker = read_marker(url)
    return marker is not None and marker.fingerprint == fingerprint(scale)


def manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def build(url: str, scale: float) -> Build:
    """Drop and recreate the database, migrate it, fill it, and mark it."""
    name = urlsplit(url).path.lstrip("/")
    started = time.monotonic()
    with _connect(_server_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    manage(url, "migrate", "--verbosity", "0")
    manage(url, "demo_data", "--scale", f"{scale:g}")
    result = Build(scale, fingerprint(scale), current_commit(), time.monotonic() - started)
    with _connect(url, autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE {MARKER} (scale float, fingerprint text, commit text, "
            "seconds float, built_at timestamptz DEFAULT now())"
        )
        connection.execute(
            f"INSERT INTO {MARKER} (scale, fingerprint, commit, seconds) VALUES (%s, %s, %s, %s)",
            (result.scale, result.fingerprint, result.commit, result.seconds),
        )
    return result


def analyse(url: str) -> None:
    """Planner statistics, as autovacuum keeps them on a production server (it may be off
    on a test machine): without them PostgreSQL plans the bench's queries blind."""
    with _connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def ensure(url: str, scale: float, *, rebuild: bool = False) -> Build:
    """The database at url, built at this scale and analysed; rebuilt when asked, missing
    or stale."""
    if not rebuild and is_current(url, scale):
        # Apps added since the build (e.g. a new third-party app) bring their own tables.
        manage(url, "migrate", "--verbosity", "0")
        result = read_marker(url)
    else:
        result = build(url, scale)
    analyse(url)
    return result
