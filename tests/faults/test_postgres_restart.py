"""PostgreSQL restarts under a running web process.

gunicorn (one worker) keeps its database connection between requests (CONN_MAX_AGE=600).
A fast restart of the cluster ends that connection. With CONN_HEALTH_CHECKS (base settings)
Django notices before the first query of the next request and connects again: the request
succeeds without restarting the web process. The control case runs the same steps with the
health check off (tests/faults/settings_no_health_checks.py): the first request after the
restart fails with a 500, which shows that the check, not luck, makes the difference.

Runs against a private cluster (tests/faults/conftest.py), whatever database the rest of
the suite uses.
"""

import sys

import pytest

from .conftest import Process, app_env, free_port, http_status, wait_until

pytestmark = pytest.mark.faults

PAGES = ["/accounts/login/", "/news/", "/gongshi/"]


def children(pid: int) -> list[int]:
    """The processes `pid` started (gunicorn's master: its workers)."""
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return sorted(int(child) for child in listing.read().split())


def app_connections(cluster, database: str) -> list[int]:
    """Backend pids of the connections the web process holds to its database."""
    rows = cluster.sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
        (database,),
    )
    return sorted(pid for (pid,) in rows)


@pytest.fixture
def web_server(tmp_path, postgres_database):
    """Start gunicorn with the given settings module against the private database."""
    started: list[Process] = []

    def start(settings_module: str) -> tuple[Process, str]:
        port = free_port()
        env = app_env(
            DJANGO_SETTINGS_MODULE=settings_module,
            DATABASE_URL=postgres_database,
            CONN_MAX_AGE="600",
            PRIVATE_MEDIA_ROOT=str(tmp_path / "media"),
        )
        server = Process(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                *("--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "30"),
                *("--access-logfile", "-", "--error-logfile", "-"),
            ],
            env=env,
            log=tmp_path / "gunicorn.log",
        )
        started.append(server)
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            assert server.alive(), f"gunicorn exited:\n{server.tail()}"
            try:
                return http_status(base + PAGES[0], timeout=5) == 200
            except OSError:
                return False

        wait_until(answers, timeout=30, what="gunicorn to serve the login page")
        return server, base

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.mark.parametrize(
    ("settings_module", "after_restart"),
    [
        pytest.param("config.settings.local", [200, 200], id="health-checks-on"),
        pytest.param(
            "tests.faults.settings_no_health_checks", [500, 200], id="health-checks-off-control"
        ),
    ],
)
def test_the_next_request_after_a_database_restart(
    private_postgres, postgres_database, web_server, settings_module, after_restart
):
    database = postgres_database.rsplit("/", 1)[1]
    server, base = web_server(settings_module)
    workers = children(server.pid)
    assert len(workers) == 1

    assert [http_status(base + page) for page in PAGES] == [200, 200, 200]
    held = app_connections(private_postgres, database)
    assert len(held) == 1, "the web worker keeps one connection between requests"
    assert http_status(base + "/news/") == 200
    assert app_connections(private_postgres, database) == held, "the same connection is reused"

    private_postgres.restart()
    assert app_connections(private_postgres, database) == [], "the restart ended it"

    statuses = [http_status(base + "/news/"), http_status(base + "/gongshi/")]
    assert statuses == after_restart, server.tail()
    assert server.alive() and children(server.pid) == workers, "the same web worker served"
    reconnected = app_connections(private_postgres, database)
    assert len(reconnected) == 1 and reconnected != held
