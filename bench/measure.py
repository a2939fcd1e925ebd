"""Measure one benchmark database, in process: pages, import and progress report.

Run by bench.run in a subprocess per database (Django binds to one database per process):

    DATABASE_URL=postgres://.../sctj_bench_10 DJANGO_SETTINGS_MODULE=bench.settings \\
        python -m bench.measure --runs 30 --warmup 3 --report [--import] --out result.json

Times are server times: time.perf_counter() around the Django test client's request, so
the full middleware stack, the view, the templates and the database are inside, but no
network and no WSGI server. Pages and the minimal view are requested in turn, round by
round, so that load from elsewhere on the machine falls on all of them alike.
"""

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from html import unescape
from pathlib import Path

import django

MINIMAL = "minimal"
IMPORTED_PREFIX = "SCTJ-1990-"


@dataclass
class PageResult:
    key: str
    label: str
    url: str
    baseline: str = MINIMAL  # the minimal view requested by the same user
    status: int = 0
    queries: int = 0
    median_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    # The first view after someone saved something: caches keyed on the data miss.
    after_commit_queries: int = 0
    after_commit_ms: float = 0.0
    after_commit_times_ms: list[float] = field(default_factory=list)


def _setup() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


# ---------------------------------------------------------------------------
# Pages


def page_targets() -> list[tuple[str, str, str, str | None]]:
    """(key, label, url, username or None for anonymous) of every page measured."""
    from django.db.models import Count
    from django.urls import reverse

    from projects.models import Application, Call
    from society.models import User

    def user(username: str) -> User:
        return User.objects.get(username=username)

    fenhui = user("fenhui")
    # The demo's finished programme: the call with awards, a ranking and a notice.
    call = Call.objects.filter(year=2023).order_by("pk").first()
    if call is None:
        raise SystemExit("基准数据库中没有 2023 年度申报批次，请加 --rebuild 重建。")
    # The officer's richest application (most outputs, team, budget and versions).
    application = (
        Application.objects.filter(branch=fenhui.branch)
        .annotate(
            weight=Count("outputs", distinct=True)
            + Count("team", distinct=True)
            + Count("budget", distinct=True)
            + Count("versions", distinct=True)
            + Count("attachments", distinct=True)
        )
        .order_by("-weight", "pk")
        .first()
    )
    if application is None:
        raise SystemExit("演示分支机构联络员 fenhui 没有申报，请加 --rebuild 重建。")
    return [
        (MINIMAL, "最小视图 (minimal view)", reverse("bench-minimal"), None),
        ("home-branch", "联络员首页 home (fenhui)", reverse("home"), "fenhui"),
        ("home-unit", "联络员首页 home (danwei)", reverse("home"), "danwei"),
        (
            "application-detail",
            "申报详情 application-detail (fenhui)",
            reverse("projects:application-detail", args=[application.pk]),
            "fenhui",
        ),
        (
            "review-list",
            "评审任务 review-list (zhuanjia)",
            reverse("projects:review-list"),
            "zhuanjia",
        ),
        (
            "ranking",
            "排名 admin ranking (mishuchu)",
            reverse("admin:projects_call_ranking", args=[call.pk]),
            "mishuchu",
        ),
        (
            "pool",
            "奖励池 admin pool (mishuchu)",
            reverse("admin:awards_awardpool_pool", args=[call.pk]),
            "mishuchu",
        ),
        ("dashboard", "领导驾驶舱 dashboard (lingdao)", reverse("kpis:dashboard"), "lingdao"),
        ("notice-list", "公示列表 notice-list (anonymous)", reverse("awards:notice-list"), None),
        (
            "member-changelist",
            "会员列表 admin members (mishuchu)",
            reverse("admin:society_member_changelist"),
            "mishuchu",
        ),
    ]


def measure_pages(*, runs: int, warmup: int, only: list[str] | None = None) -> list[PageResult]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from society.models import User

    clients = {}
    results = []
    targets = [t for t in page_targets() if not only or t[0] == MINIMAL or t[0] in only]
    # Each page is compared with the minimal view requested by the same user, so both pay
    # for the same session and user lookups; anonymous pages with the anonymous one.
    minimal_url = targets[0][2]
    for username in sorted({t[3] for t in targets if t[3]}):
        targets.append((f"{MINIMAL}-{username}", f"最小视图 ({username})", minimal_url, username))
    for key, label, url, username in targets:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        clients[key] = (client, url)
        baseline = f"{MINIMAL}-{username}" if username else MINIMAL
        results.append(PageResult(key=key, label=label, url=url, baseline=baseline))

    by_key = {result.key: result for result in results}
    for _ in range(warmup):
        for key, (client, url) in clients.items():
            by_key[key].status = client.get(url).status_code
    # Queries in the steady state (after the warm-up, as users see them).
    for key, (client, url) in clients.items():
        with CaptureQueriesContext(connection) as queries:
            by_key[key].status = client.get(url).status_code
        by_key[key].queries = len(queries)
    for _ in range(runs):
        for key, (client, url) in clients.items():
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            by_key[key].times_ms.append(elapsed * 1000)
            if response.status_code != 200:
                by_key[key].status = response.status_code
    # The same pages, each right after a committed write elsewhere (the bench's marker row).
    from .database import MARKER

    def commit_a_write() -> None:
        with connection.cursor() as cursor:  # autocommit: committed at once
            cursor.execute(f"UPDATE {MARKER} SET seconds = seconds")

    for run in range(runs):
        for key, (client, url) in clients.items():
            commit_a_write()
            if run == 0:
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                by_key[key].after_commit_queries = len(queries)
                commit_a_write()
            started = time.perf_counter()
            client.get(url)
            by_key[key].after_commit_times_ms.append((time.perf_counter() - started) * 1000)
    for result in results:
        result.median_ms = statistics.median(result.times_ms) if result.times_ms else 0.0
        if result.after_commit_times_ms:
            result.after_commit_ms = statistics.median(result.after_commit_times_ms)
    return results


# ---------------------------------------------------------------------------
# Import: the admin's dry run and confirmation, beside openpyxl reading the same file


HIDDEN_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


def confirm_fields(html: str) -> dict[str, str]:
    """The hidden fields of the import's confirmation form, read from the dry run's page."""
    fields = {}
    for tag in HIDDEN_INPUT.findall(html):
        attributes = {name.lower(): unescape(value) for name, value in ATTRIBUTE.findall(tag)}
        if attributes.get("type", "").lower() == "hidden" and "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def openpyxl_read_seconds(content: bytes) -> tuple[float, int]:
    import io

    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(io.BytesIO(content), read_only=True)
    count = sum(1 for _row in book.active.iter_rows(values_only=True))
    book.close()
    return time.perf_counter() - started, count


def measure_import(*, rows: int) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from society.models import Branch, ExpertiseArea, Member, MemberUnit, User

    from .members_xlsx import member_rows, workbook_bytes

    if Member.objects.filter(member_number__startswith=IMPORTED_PREFIX).exists():
        raise SystemExit(f"数据库中已有 {IMPORTED_PREFIX} 开头的会员编号，请加 --rebuild 重建。")
    data = member_rows(
        rows,
        units=list(MemberUnit.objects.order_by("pk").values_list("name", flat=True)[:200]),
        branches=list(Branch.objects.order_by("pk").values_list("name", flat=True)),
        expertise=list(ExpertiseArea.objects.order_by("pk").values_list("name", flat=True)),
    )
    content = workbook_bytes(data)
    openpyxl_seconds = min(openpyxl_read_seconds(content)[0] for _ in range(3))
    before = Member.objects.count()

    client = Client()
    client.force_login(User.objects.get(username="mishuchu"))
    result = {"rows": rows, "file_kb": round(len(content) / 1024), "openpyxl_s": openpyxl_seconds}
    # Everything the import writes is rolled back at the end, so the bench can run again.
    with transaction.atomic():
        started = time.perf_counter()
        checked = client.post(
            reverse("admin:society_member_import"),
            {
                "format": "0",
                "resource": "0",
                "import_file": SimpleUploadedFile("会员导入.xlsx", content),
            },
        )
        result["dry_run_s"] = time.perf_counter() - started
        html = checked.content.decode()
        fields = confirm_fields(html)
        if checked.status_code != 200 or "import_file_name" not in fields:
            errors = re.findall(r'class="errorlist[^"]*">(.*?)</ul>', html, re.S)[:3]
            raise SystemExit(f"导入预检未通过（{checked.status_code}）：{errors or html[:500]}")
        started = time.perf_counter()
        confirmed = client.post(reverse("admin:society_member_process_import"), fields)
        result["confirm_s"] = time.perf_counter() - started
        imported = Member.objects.filter(member_number__startswith=IMPORTED_PREFIX).count()
        transaction.set_rollback(True)
    if confirmed.status_code != 302 or imported != rows:
        raise SystemExit(f"导入未完成：状态 {confirmed.status_code}，写入 {imported}/{rows} 行。")
    if Member.objects.count() != before:
        raise SystemExit("导入的数据没有回滚。")
    result["import_s"] = result["dry_run_s"] + result["confirm_s"]
    return result


# ---------------------------------------------------------------------------
# Progress report: snapshot + HTML + PDF + .xlsx through the Celery task (eager)


def measure_report() -> dict:
    from django.db import transaction
    from django.utils import timezone

    from kpis.enums import ReportStatus
    from kpis.models import ProgressReport
    from kpis.reports import programme_year_for, report_create
    from kpis.tasks import build_progress_report

    files = []
    with transaction.atomic():
        now = timezone.now()
        started = time.perf_counter()
        report = report_create(year=programme_year_for(now.date()), as_of=now)
        build_progress_report.apply(args=[report.pk], throw=True)
        seconds = time.perf_counter() - started
        report = ProgressReport.objects.get(pk=report.pk)
        files = [getattr(report, kind) for kind in ("html", "pdf", "xlsx")]
        sizes = {kind.field.name: kind.size for kind in files if kind}
        status = report.status
        snapshots = report.snapshots.count()
        transaction.set_rollback(True)
    for stored in files:
        if stored:
            stored.storage.delete(stored.name)
    if status != ReportStatus.READY:
        raise SystemExit(f"进度报告未生成：{status}")
    return {"seconds": seconds, "indicators": snapshots, "bytes": sizes}


# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--pages", nargs="*", help="only these page keys")
    parser.add_argument("--import-rows", type=int, default=0, help="0: no import benchmark")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    _setup()
    from django.db import connection

    result: dict = {"database": connection.settings_dict["NAME"]}
    result["pages"] = [
        asdict(page) for page in measure_pages(runs=args.runs, warmup=args.warmup, only=args.pages)
    ]
    if args.import_rows:
        result["import"] = measure_import(rows=args.import_rows)
    if args.report:
        result["report"] = measure_report()
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
