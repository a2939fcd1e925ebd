"""Private services for the fault tests: a Redis and a PostgreSQL cluster of their own, on
free ports, stopped and removed afterwards even when a test fails.

The shared PostgreSQL (5432) and Redis (6379) are never touched: the tests break only what
they started themselves. Every wait has a timeout, so a hang fails instead of blocking CI.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

ROOT = Path(settings.BASE_DIR)
T = TypeVar("T")


# ---------------------------------------------------------------------------
# Waiting, ports and processes


def wait_until(condition: Callable[[], T], *, timeout: float, what: str) -> T:
    """The first true value of `condition()`; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A subprocess in a process group of its own, its output in a log file."""

    def __init__(self, args: list[str], *, log: Path, env: dict[str, str] | None = None):
        self.args = args
        self.log = log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL to the whole group (a worker's pool children too): no chance to clean up."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM, then SIGKILL if the group is still there after `timeout` seconds."""
        if self.alive():
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        self.signal_group(signal.SIGKILL)  # whatever of the group is left
        self.popen.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])


def http_status(url: str, *, timeout: float = 20) -> int:
    """The status code of a GET; a refused connection raises URLError."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def app_env(**overrides: str) -> dict[str, str]:
    """The environment of an app process (web, worker, manage.py): this one without the
    settings that the test run or CI chose for itself, plus `overrides`."""
    dropped = ("DJANGO_", "CELERY_", "DATABASE_URL", "CONN_MAX_AGE", "PRIVATE_MEDIA_ROOT")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="False",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> str:
    """Run manage.py in a subprocess; its output, or AssertionError with the output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


# ---------------------------------------------------------------------------
# A private Redis


class PrivateRedis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: Process | None = None
        # No retries: a refused connection answers "down" at once (redis-py retries 3 times
        # with back-off by default, seconds in all).
        self.client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=2, retry=Retry(NoBackoff(), 0)
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.ConnectionError:
            return False

    def start(self) -> None:
        self.process = Process(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            log=self.directory / "redis.log",
        )
        wait_until(self.answers, timeout=15, what=f"the private Redis on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
        assert not self.answers()


@pytest.fixture
def private_redis(tmp_path):
    """A Redis on a free port, keeping nothing on disk; stopped after the test."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.client.close()


# ---------------------------------------------------------------------------
# A private PostgreSQL cluster


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb (Debian's layout)."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


class PrivatePostgres:
    """A cluster in a temporary folder, listening on 127.0.0.1:<free port> and on a socket
    in that folder; run as the `postgres` OS user when the tests run as root (initdb refuses
    root)."""

    TEMPLATE = "sctj_template"

    def __init__(self, bin_dir: Path, directory: Path):
        self.bin_dir = bin_dir
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, not a pipe: a server that pg_ctl starts inherits it and keeps
        # a pipe open for ever.
        log = self.directory / "commands.log"
        with open(log, "ab") as out:
            done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
        assert done.returncode == 0, f"{tool} failed:\n{log.read_text(errors='replace')[-3000:]}"

    def init(self) -> None:
        self._run(
            "initdb",
            *("-D", str(self.data), "-U", "postgres", "-A", "trust"),
            *("-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            *("-D", str(self.data), "-l", str(self.directory / "server.log")),
            *("-o", options, "-w", "-t", "30", "start"),
        )

    def restart(self) -> None:
        """Fast restart: every open connection is ended; pg_ctl keeps the start options."""
        self._run(
            "pg_ctl",
            *("-D", str(self.data), "-l", str(self.directory / "server.log")),
            *("-m", "fast", "-w", "-t", "30", "restart"),
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, query: str, params: tuple = (), *, dbname: str = "postgres") -> list[tuple]:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        ) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str, *, template: str = "template0") -> None:
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def private_postgres():
    """A migrated PostgreSQL cluster of the fault tests' own (about 3 s to set up)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries are not installed (Debian package postgresql)")
    if os.geteuid() == 0:
        try:
            postgres_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root needs the postgres OS user to run initdb")
        if shutil.which("runuser") is None:
            pytest.skip("running as root needs runuser to run initdb as postgres")
    directory = Path(tempfile.mkdtemp(prefix="sctj-faults-pg-"))
    if os.geteuid() == 0:
        os.chown(directory, postgres_user.pw_uid, postgres_user.pw_gid)
    cluster = PrivatePostgres(bin_dir, directory)
    try:
        cluster.init()
        cluster.start()
        cluster.create_database(cluster.TEMPLATE)
        template_env = app_env(DATABASE_URL=cluster.url(cluster.TEMPLATE))
        manage("migrate", "--no-input", "-v", "0", env=template_env)
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_database(private_postgres):
    """A fresh, migrated database in the private cluster (a copy of the template); its URL."""
    name = f"sctj_{uuid.uuid4().hex[:8]}"
    private_postgres.create_database(name, template=PrivatePostgres.TEMPLATE)
    try:
        yield private_postgres.url(name)
    finally:
        private_postgres.drop_database(name)
