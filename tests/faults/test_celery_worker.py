"""A Celery worker is killed in the middle of a progress report.

Real processes throughout: a private Redis as the broker, a private PostgreSQL database
that the worker and the test both see, and `celery -A config worker`. The first worker
(tests/faults/slow_worker.py) waits before drawing the PDF, so the test can see the report
RUNNING, its snapshot taken, and SIGKILL the whole worker (pool child included) there.
Nothing acknowledged the message (acks_late), so a worker started once the visibility
timeout (5 s here) has passed gets it again and builds the report: one snapshot set, one PDF,
one .xlsx, READY, and the task runs once in that worker.
"""

import re
import sys
import time

import pytest

from .conftest import Process, app_env, manage, wait_until

pytestmark = pytest.mark.faults

VISIBILITY_TIMEOUT = 5

ASK_FOR_A_REPORT = """
from django.utils import timezone
from kpis.reports import programme_year_for, report_create
from kpis.tasks import queue_report_build

# What the report page does: register the report for this minute and queue its build.
now = timezone.now()
report = report_create(
    year=programme_year_for(timezone.localdate(now)), as_of=now.replace(second=0, microsecond=0)
)
print("REPORT", report.pk, "QUEUED", queue_report_build(report))
"""


class Report:
    """The report's row, read straight from the database the worker writes to."""

    def __init__(self, cluster, database: str, pk: int):
        self.cluster, self.database, self.pk = cluster, database, pk

    def _one(self, query: str):
        rows = self.cluster.sql(query, (self.pk,), dbname=self.database)
        return rows[0] if rows else None

    def row(self) -> dict:
        status, error, finished_at, html, pdf, xlsx = self._one(
            "SELECT status, error, finished_at, html, pdf, xlsx"
            " FROM kpis_progressreport WHERE id = %s"
        )
        return dict(status=status, error=error, finished_at=finished_at, files=[html, pdf, xlsx])

    @property
    def status(self) -> str:
        return self.row()["status"]

    def snapshots(self) -> tuple[int, int]:
        """How many snapshot rows, and of how many distinct indicators."""
        return self._one(
            "SELECT count(*), count(DISTINCT indicator_id)"
            " FROM kpis_indicatorsnapshot WHERE report_id = %s"
        )

    def indicators(self) -> int:
        return self._one(
            "SELECT count(*) FROM kpis_indicator"
            " WHERE year = (SELECT year FROM kpis_progressreport WHERE id = %s)"
        )[0]


def worker_command(*, slow: bool) -> list[str]:
    if slow:
        return [sys.executable, "-m", "tests.faults.slow_worker"]
    options = ["--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    return [sys.executable, "-m", "celery", "-A", "config", "worker", *options]


@pytest.fixture
def workers():
    """Start workers; every one still running is stopped after the test."""
    started: list[Process] = []

    def start(*, log, env, slow: bool) -> Process:
        worker = Process(worker_command(slow=slow), log=log, env=env)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def test_a_report_whose_worker_was_killed_is_built_once_by_the_next_worker(
    private_redis, private_postgres, postgres_database, workers, tmp_path
):
    database = postgres_database.rsplit("/", 1)[1]
    media = tmp_path / "media"
    env = app_env(
        DATABASE_URL=postgres_database,
        CELERY_BROKER_URL=private_redis.url,
        CELERY_TASK_ALWAYS_EAGER="False",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        PRIVATE_MEDIA_ROOT=str(media),
    )
    broker = private_redis.client

    output = manage("shell", "-c", ASK_FOR_A_REPORT, env=env)
    pk = int(re.search(r"REPORT (\d+) QUEUED True", output).group(1))
    report = Report(private_postgres, database, pk)
    assert report.status == "pending"
    assert broker.llen("celery") == 1

    slow_env = {**env, "FAULTS_PDF_DELAY": "300"}  # far longer than the test waits
    first = workers(log=tmp_path / "worker-1.log", env=slow_env, slow=True)
    wait_until(
        lambda: report.status == "running" or not first.alive(),
        timeout=60,
        what="the first worker to start the report",
    )
    assert first.alive(), first.tail()
    indicators = report.indicators()
    assert indicators > 0
    assert report.snapshots() == (indicators, indicators)  # committed before the PDF step

    first.kill()  # SIGKILL to the worker and its pool child, mid-PDF
    killed = report.row()
    assert killed["status"] == "running" and killed["finished_at"] is None
    assert killed["files"] == ["", "", ""]
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    assert broker.llen("celery") == 0 and broker.hlen("unacked") == 1  # taken, never acked

    # A worker that starts after the visibility timeout restores the message at once; one
    # that starts earlier finds it at its next sweep (kombu: every 10 x 10 s by default).
    ((_, taken_at),) = broker.zrange("unacked_index", 0, -1, withscores=True)
    wait_until(
        lambda: time.time() > taken_at + VISIBILITY_TIMEOUT + 0.5,
        timeout=VISIBILITY_TIMEOUT + 5,
        what="the visibility timeout to pass",
    )
    second = workers(log=tmp_path / "worker-2.log", env=env, slow=False)
    wait_until(
        lambda: report.status in ("ready", "failed") or not second.alive(),
        timeout=90,
        what="the next worker to finish the report",
    )
    wait_until(
        lambda: broker.hlen("unacked") == 0 and broker.llen("celery") == 0,
        timeout=30,
        what="the redelivered message to be acknowledged",
    )
    second.stop()  # warm shutdown: its log is complete

    done = report.row()
    assert done["status"] == "ready", f"{done['error']}\n{second.tail()}"
    assert done["error"] == "" and done["finished_at"] is not None
    assert report.snapshots() == (indicators, indicators)  # replaced, not added to

    task = "kpis.tasks.build_progress_report"
    task_ids = re.findall(rf"Task {task}\[([0-9a-f-]+)\] received", first.output())
    assert len(task_ids) == 1
    log = second.output()
    assert log.count(f"Task {task}[") == 2, log  # one message: received, succeeded
    assert f"Task {task}[{task_ids[0]}] received" in log  # the killed worker's message
    assert f"Task {task}[{task_ids[0]}] succeeded" in log

    stored = sorted(path.relative_to(media).as_posix() for path in media.rglob("*.*"))
    assert stored == sorted(done["files"])  # one html, one pdf, one xlsx; no leftovers
    html, pdf, xlsx = (media / name for name in done["files"])
    assert html.read_bytes().startswith(b"<!DOCTYPE html")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert xlsx.read_bytes().startswith(b"PK\x03\x04")
