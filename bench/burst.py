"""The deadline burst: officers saving and submitting applications on the last day.

    python -m bench.burst --database-url postgres://postgres@127.0.0.1:5432/sctj_bench_10

run() copies the source database (CREATE DATABASE ... TEMPLATE, dropped afterwards, so
the page benchmarks' data never changes and every run starts alike), prepares in the copy
a call whose applications close today with one officer and one complete draft per user,
serves the copy with gunicorn (2 workers, production settings over plain HTTP on
127.0.0.1, see bench/burst_settings.py) and drives it with locust (bench/locustfile.py):
each user signs in once (warm-up, not measured), then until the time is up opens the
edit page, saves the draft with a changed summary and all four tables as the page
renders them, and opens the detail page; at the deadline every user submits at once.

Errors are 5xx, connection errors, any other 4xx, and a save or submission that did not
take effect (the form came back, the detail page does not show the change); afterwards the
copy itself is asked whether every submission is stored.
"""

import argparse
import importlib.util
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "bench.burst_settings"
USERNAME_PREFIX = "burst"
# Bounds of one run, whatever the arguments: users, seconds, iterations per user.
MAX_USERS = 200
MAX_DURATION = 600
MAX_ITERATIONS = 500
# What the measured requests are called (locust names); the login is warm-up.
LOGIN = "login (warm-up)"
# Saved summaries end with this, followed by the save's number and the user.
MARKER = "（截止日第"
NAMES = ("edit page", "save draft", "detail page", "submit", "detail after submit")


# ---------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class Sample:
    name: str
    start: float  # epoch seconds
    ms: float
    ok: bool
    error: str = ""


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between the closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(samples: Iterable[Sample]) -> dict:
    """requests, errors, throughput (req/s) and p50/p95/p99 (ms) of the measured requests.

    The warm-up login is left out of the counts and times; a failed login still counts as
    an error, since that user never took part.
    """
    samples = list(samples)
    measured = [s for s in samples if s.name != LOGIN]
    errors = [s for s in samples if not s.ok]
    times = [s.ms for s in measured]
    if measured:
        began = min(s.start for s in measured)
        ended = max(s.start + s.ms / 1000 for s in measured)
        elapsed = max(ended - began, 1e-9)
    else:
        elapsed = 0.0
    return {
        "requests": len(measured),
        "errors": len(errors),
        "throughput": round(len(measured) / elapsed, 1) if elapsed else 0.0,
        "p50": round(percentile(times, 50), 1),
        "p95": round(percentile(times, 95), 1),
        "p99": round(percentile(times, 99), 1),
        "elapsed": round(elapsed, 1),
        "by_name": {
            name: {
                "requests": len(group),
                "errors": sum(1 for s in group if not s.ok),
                "p50": round(percentile([s.ms for s in group], 50), 1),
                "p95": round(percentile([s.ms for s in group], 95), 1),
            }
            for name in (LOGIN, *NAMES)
            if (group := [s for s in samples if s.name == name])
        },
        "error_kinds": dict(Counter(f"{s.name}: {s.error}" for s in errors).most_common(5)),
    }


def markdown_table(figures: dict) -> str:
    rows = [
        ("Users", figures.get("users", "")),
        ("Requests (measured)", figures["requests"]),
        ("Errors", figures["errors"]),
        ("Throughput", f"{figures['throughput']} req/s"),
        ("p50", f"{figures['p50']} ms"),
        ("p95", f"{figures['p95']} ms (target < 1000 ms)"),
        ("p99", f"{figures['p99']} ms"),
    ]
    lines = ["| Deadline burst | |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    by_name = figures.get("by_name") or {}
    if by_name:
        lines += ["", "| Request | Count | Errors | p50 ms | p95 ms |", "|---|---|---|---|---|"]
        lines += [
            f"| {name} | {row['requests']} | {row['errors']} | {row['p50']} | {row['p95']} |"
            for name, row in by_name.items()
        ]
    return "\n".join(lines) + f"\n\n{figures['note']}\n"


# ---------------------------------------------------------------------------
# What a browser would post


class EditForm(HTMLParser):
    """The fields a browser would post from the page's form without an action (the edit
    form): inputs, checked boxes, textareas and the selected option of each select."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("method", "").lower() == "post" and not a.get("action")
            return
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a and not self._selected:
                self.fields.append((self._select, value))
                self._selected = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # Browsers drop the newline that follows <textarea>.
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if not self._selected and self._first_option is not None:
                self.fields.append((self._select, self._first_option))
            self._select = None


def edit_fields(html: str) -> list[tuple[str, str]]:
    parser = EditForm()
    parser.feed(html)
    return parser.fields


# ---------------------------------------------------------------------------
# The scenario, written into the copy (runs with Django set up)


def prepare_deadline(*, users: int, password: str, now=None) -> list[dict]:
    """An open call closing today and `users` officers, each with a complete draft.

    Every officer is bound to an organisation of their own (branches first, then member
    units, in registry order) and every draft passes the submission check. Returns one
    dict per officer: username, application, and the URLs the load test uses.
    """
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.db.models import Max
    from django.urls import reverse
    from django.utils import timezone

    from kpis.enums import Area
    from kpis.models import Indicator
    from projects.demo.pdf import simple_pdf
    from projects.models import Call
    from projects.services import (
        application_create,
        application_update,
        attachment_add,
        completeness_problems,
    )
    from society.enums import Role
    from society.models import Branch, ExpertiseArea, MemberUnit, User

    if not 1 <= users <= MAX_USERS:
        raise ValueError(f"并发用户数应在 1 到 {MAX_USERS} 之间，收到 {users}。")
    now = now or timezone.now()
    year = Indicator.objects.aggregate(year=Max("year"))["year"]
    indicators = list(Indicator.objects.filter(year=year).order_by("code")[:3])
    field = ExpertiseArea.objects.order_by("order", "id").first()
    if not indicators or field is None:
        raise ValueError("数据库中没有考核指标或专业领域，请先运行 migrate 和 demo_data。")
    branches = list(Branch.objects.order_by("pk")[: users // 5])
    units = list(MemberUnit.objects.order_by("pk")[: users - len(branches)])
    organisations = branches + units
    if len(organisations) < users:
        raise ValueError(
            f"数据库中只有 {len(organisations)} 个分支机构和会员单位，不够 {users} 个用户。"
        )
    if User.objects.filter(username__startswith=USERNAME_PREFIX).exists():
        raise ValueError("数据库中已有压力测试用户，请在源数据库的副本中准备。")

    local_now = timezone.localtime(now)
    close = local_now.replace(hour=23, minute=59, second=0, microsecond=0)
    close = max(close, local_now + datetime.timedelta(hours=2))
    day = datetime.timedelta(days=1)
    end = (local_now + 365 * day).date()
    hashed = make_password(password)  # one hash for all: hashing is deliberately slow
    pdf = simple_pdf([(16, "项目申报书（截止日压力测试）"), (11, "单位盖章")])
    accounts = []
    with transaction.atomic():
        call = Call(
            year=year,
            title=f"{year}年度创建一流科技社团培育奖励申报（截止日压力测试）",
            notice="申报截止日为今天，请各单位在截止时间前提交。",
            applications_open_at=now - 20 * day,
            applications_close_at=close,
            formal_check_close_at=close + 7 * day,
            review_open_at=close + 8 * day,
            review_close_at=close + 22 * day,
            implementation_end=end,
        )
        call.full_clean()
        call.save()
        for index, organisation in enumerate(organisations, start=1):
            is_branch = isinstance(organisation, Branch)
            officer = User(
                username=f"{USERNAME_PREFIX}{index:03d}",
                password=hashed,
                role=Role.OFFICER,
                last_name="测",
                first_name=f"试{index}",
                branch=organisation if is_branch else None,
                member_unit=None if is_branch else organisation,
            )
            officer.full_clean()
            officer.save()
            application = application_create(
                call=call,
                user=officer,
                now=now,
                title=f"{organisation.name}科技服务能力提升项目",
                area=Area.values[index % len(Area.values)],
                field=field,
                summary="组建科技服务团队，开展技术咨询和科普活动。",
                plan="一、组建团队；二、开展技术指导；三、总结推广成果。",
            )
            amount = call.award_amount
            application_update(
                application=application,
                user=officer,
                changes={},
                expected_version=application.version,
                children={
                    "outputs": [
                        {"indicator": i, "quantity": 1, "description": f"完成{i.name}一项"}
                        for i in indicators
                    ],
                    "budget": [
                        {"item": "专家咨询费", "amount": amount - 1000, "note": "按标准测算"},
                        {"item": "资料印刷费", "amount": 1000, "note": ""},
                    ],
                    "team": [
                        {"name": "张工", "title": "高级工程师", "unit": "", "role": "负责人"},
                        {"name": "李工", "title": "工程师", "unit": "", "role": "技术指导"},
                    ],
                    "milestones": [
                        {"title": "组建团队", "due_on": (now + 60 * day).date(), "description": ""},
                        {"title": "完成技术指导", "due_on": end, "description": "总结报告"},
                    ],
                },
            )
            attachment_add(
                application=application,
                user=officer,
                file=ContentFile(pdf, name="申报书.pdf"),
                description="盖章申报书",
            )
            problems = completeness_problems(application)
            if problems:
                raise ValueError(f"压力测试草稿不完整：{'；'.join(problems)}")
            accounts.append(
                {
                    "username": officer.username,
                    "application": application.pk,
                    "edit": reverse("projects:application-edit", args=[application.pk]),
                    "detail": reverse("projects:application-detail", args=[application.pk]),
                    "submit": reverse(
                        "projects:application-transition", args=[application.pk, "submit"]
                    ),
                }
            )
    return accounts


def stored_outcome(*, usernames: Sequence[str]) -> dict:
    """What the copy holds after the burst: submissions with their version, and drafts."""
    from projects.enums import ApplicationStatus
    from projects.models import Application

    applications = Application.objects.filter(created_by__username__in=usernames)
    submitted = applications.filter(status=ApplicationStatus.SUBMITTED)
    return {
        "applications": applications.count(),
        "submitted": submitted.filter(versions__number=1).distinct().count(),
        "drafts": applications.filter(status=ApplicationStatus.DRAFT).count(),
        "saved_summaries": applications.filter(summary__contains=MARKER).count(),
    }


# ---------------------------------------------------------------------------
# Running it


def _postgres(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _copy_database(source_url: str, copy: str, *, wait: float = 30) -> None:
    """CREATE DATABASE copy TEMPLATE source; PostgreSQL refuses while others are connected."""
    import psycopg

    source = urlsplit(source_url).path.lstrip("/")
    deadline = time.monotonic() + wait
    with psycopg.connect(_postgres(_with_name(source_url, "postgres")), autocommit=True) as db:
        while True:
            try:
                db.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
                return
            except psycopg.errors.ObjectInUse as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"无法复制数据库 {source}：仍有其他连接在使用它（{error}）。"
                    ) from error
                time.sleep(1)


def _drop_database(source_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_postgres(_with_name(source_url, "postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _django(env: dict, *args: str, log: Path, timeout: float = 600) -> str:
    """Run `python -m bench.burst <internal command>` or manage.py against the copy."""
    with log.open("a") as err:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=timeout,
        )
    if result.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} 失败：\n{_tail(log)}")
    return result.stdout


def _wait_until_serving(url: str, server: subprocess.Popen, log: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn 启动失败：\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn 在 {timeout:.0f} 秒内没有响应：\n{_tail(log)}")


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _status_counts(access_log: Path) -> Counter:
    """HTTP status classes in gunicorn's access log (format: status first)."""
    counts: Counter = Counter()
    try:
        for line in access_log.read_text(errors="replace").splitlines():
            status = line.split(" ", 1)[0]
            if status.isdigit():
                counts[f"{status[0]}xx"] += 1
    except OSError:
        pass
    return counts


def run(
    database_url: str,
    *,
    users: int = 50,
    duration: int = 30,
    think: float = 0.0,
    threads: int = 1,
    keep: bool = False,
) -> dict:
    """Run the burst on a throw-away copy of database_url and return its figures.

    Keys: requests, errors, throughput (req/s), p50, p95, p99 (ms), note; and users,
    duration, elapsed, by_name, error_kinds, stored (what the copy held afterwards),
    status_counts (gunicorn's access log). `think` seconds pass between one user's
    requests on average (0: none, every user sends its next request as soon as the last
    answered). `threads` > 1 runs gunicorn's gthread workers with that many threads each.
    """
    if not 1 <= users <= MAX_USERS:
        raise ValueError(f"并发用户数应在 1 到 {MAX_USERS} 之间，收到 {users}。")
    if not 1 <= duration <= MAX_DURATION:
        raise ValueError(f"持续时间应在 1 到 {MAX_DURATION} 秒之间，收到 {duration}。")
    if not 0 <= think <= 60:
        raise ValueError(f"思考时间应在 0 到 60 秒之间，收到 {think}。")
    if not 1 <= threads <= 16:
        raise ValueError(f"每个 worker 的线程数应在 1 到 16 之间，收到 {threads}。")
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.path.strip("/"):
        raise ValueError(
            "请给出 PostgreSQL 数据库地址，如 postgres://postgres@127.0.0.1:5432/名称。"
        )

    if importlib.util.find_spec("locust") is None:
        raise RuntimeError("没有安装 locust：请先运行 pip install -e '.[bench]'。")

    copy = f"sctj_burst_{os.getpid()}_{secrets.token_hex(3)}"
    _copy_database(database_url, copy)
    work = Path(tempfile.mkdtemp(prefix="burst-"))
    log = work / "burst.log"
    port = _free_port()
    password = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": _with_name(database_url, copy),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(work / "static"),
        "PRIVATE_MEDIA_ROOT": str(work / "media"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        # The officers' password reaches prepare and locust here, never in a file.
        "BURST_PASSWORD": password,
    }
    env.pop("CELERY_BROKER_URL", None)
    server = None
    try:
        # The copy gets any migration newer than the source, as a deployment would.
        _django(env, "manage.py", "migrate", "--noinput", "-v0", log=log)
        _django(env, "manage.py", "collectstatic", "--noinput", "-v0", log=log)
        accounts = json.loads(
            _django(env, "-m", "bench.burst", "prepare", "--users", str(users), log=log)
        )
        plan = work / "plan.json"
        samples_path = work / "samples.json"
        plan.write_text(
            json.dumps(
                {
                    "accounts": accounts,
                    "duration": duration,
                    "think": think,
                    "max_iterations": MAX_ITERATIONS,
                    "samples": str(samples_path),
                    "login": "/accounts/login/",
                    "marker": MARKER,
                }
            )
        )

        access_log = work / "access.log"
        server_log = work / "gunicorn.log"
        with server_log.open("w") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--workers",
                    "2",
                    "--threads",
                    str(threads),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    "60",
                    "--access-logfile",
                    str(access_log),
                    "--access-logformat",
                    '%(s)s %(L)s "%(r)s"',
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        host = f"http://127.0.0.1:{port}"
        _wait_until_serving(f"{host}/accounts/login/", server, server_log)

        locust_log = work / "locust.log"
        with locust_log.open("w") as out:
            locust = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--only-summary",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(users),
                    "--run-time",
                    f"{duration + 180}s",
                    "--stop-timeout",
                    "30",
                    "--host",
                    host,
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env={**env, "BURST_PLAN": str(plan)},
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=duration + 300,
            )
        _stop(server)
        if not samples_path.exists():
            raise RuntimeError(
                f"locust 没有写出结果（退出码 {locust.returncode}）：\n{_tail(locust_log)}"
            )
        raw = json.loads(samples_path.read_text())
        figures = summarise(Sample(*row) for row in raw["samples"])
        stored = json.loads(
            _django(
                env,
                "-m",
                "bench.burst",
                "outcome",
                *[a["username"] for a in accounts],
                log=log,
            )
        )
        submitted_ok = sum(1 for row in raw["samples"] if row[0] == "submit" and row[3])
        # A submission the client saw succeed but the database does not hold is an error.
        missing = max(0, submitted_ok - stored["submitted"])
        figures["errors"] += missing
        worker = "sync" if threads == 1 else f"gthread × {threads} threads"
        figures.update(
            users=users,
            duration=duration,
            stored=stored,
            status_counts=dict(_status_counts(access_log)),
            note=(
                f"{users} users on gunicorn (2 {worker} workers, production settings, "
                f"plain HTTP on loopback), locust, think time {think:g} s; "
                f"{duration} s of edit page → save draft → detail page per user, then every "
                "user submits at the deadline (submit and the detail page after it are "
                "counted). The login is warm-up: not in requests or times, a failed one "
                f"counts as an error. Stored afterwards: {stored['submitted']} of "
                f"{len(accounts)} submitted with version 1"
                + (f", {missing} submissions the client saw were not stored" if missing else "")
                + "."
                + (
                    " With no think time every user waits only for its last answer, so the "
                    "server is saturated and a request waits about users ÷ throughput "
                    f"({users} ÷ {figures['throughput']} req/s ≈ "
                    f"{users / max(figures['throughput'], 0.1):.1f} s)."
                    if not think
                    else ""
                )
            ),
        )
        return figures
    finally:
        if server is not None:
            _stop(server)
        _drop_database(database_url, copy)
        if keep:
            print(f"burst: files kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------
# Command line


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Internal steps, run by run() in a child process against the copy.
    if argv[:1] == ["prepare"]:
        parser = argparse.ArgumentParser(prog="bench.burst prepare")
        parser.add_argument("--users", type=int, required=True)
        args = parser.parse_args(argv[1:])
        _setup_django()
        accounts = prepare_deadline(users=args.users, password=os.environ["BURST_PASSWORD"])
        print(json.dumps(accounts))
        return 0
    if argv[:1] == ["outcome"]:
        _setup_django()
        print(json.dumps(stored_outcome(usernames=argv[1:])))
        return 0

    parser = argparse.ArgumentParser(
        prog="python -m bench.burst",
        description="截止日并发申报压力测试（gunicorn 2 个 worker + locust）。",
    )
    parser.add_argument("--database-url", required=True, help="源数据库（demo_data 生成）")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=30, help="测量时长（秒）")
    parser.add_argument("--think", type=float, default=0.0, help="每个请求之间的思考时间（秒）")
    parser.add_argument("--threads", type=int, default=1, help="每个 gunicorn worker 的线程数")
    parser.add_argument("--keep", action="store_true", help="保留日志和结果文件")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    args = parser.parse_args(argv)
    try:
        figures = run(
            args.database_url,
            users=args.users,
            duration=args.duration,
            think=args.think,
            threads=args.threads,
            keep=args.keep,
        )
    except ValueError as error:
        parser.error(str(error))
    print(
        json.dumps(figures, ensure_ascii=False, indent=2) if args.json else markdown_table(figures)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
