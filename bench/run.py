"""The benchmark orchestrator: `bash bench/run.sh [--rebuild] [--skip-burst] ...`.

Builds (or reuses) the scale-1 and scale-10 PostgreSQL databases, measures each in its own
process (bench.measure), runs the deadline burst (bench.burst) against scale 10, prints the
Markdown table and writes it to bench/results.md.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import database, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def measure(url: str, *, runs: int, warmup: int, import_rows: int, with_report: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="sctj-bench-") as folder:
        out = Path(folder) / "result.json"
        command = [
            sys.executable,
            "-m",
            "bench.measure",
            "--runs",
            str(runs),
            "--warmup",
            str(warmup),
            "--import-rows",
            str(import_rows),
            "--out",
            str(out),
        ]
        if with_report:
            command.append("--report")
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        return json.loads(out.read_text(encoding="utf-8"))


def run_burst(url: str, *, users: int, duration: int, think: float) -> dict | str:
    if importlib.util.find_spec("bench.burst") is None:
        return "not available"
    try:
        from . import burst

        figures = burst.run(url, users=users, duration=duration, think=think)
        pause = f"pause 0–{2 * think:g} s between clicks" if think else "no pause (saturation)"
        return {**figures, "scenario": f"{users} users, {pause}, {duration} s"}
    except Exception as error:  # the table still gets printed, with the reason
        traceback.print_exc()
        return f"failed: {error.__class__.__name__}: {error}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="四川省土木建筑学会平台性能基准")
    parser.add_argument("--rebuild", action="store_true", help="rebuild both databases")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--burst-users", type=int, default=50)
    parser.add_argument("--burst-duration", type=int, default=30)
    parser.add_argument(
        "--burst-think",
        default="5,0",
        help="mean pause between a user's clicks, seconds; one burst per value (default 5,0)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results.md")
    args = parser.parse_args(argv)

    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    urls = {
        1: database.database_url(server, os.environ.get("BENCH_DB_1", "sctj_bench_1")),
        10: database.database_url(server, os.environ.get("BENCH_DB_10", "sctj_bench_10")),
    }
    started = time.monotonic()
    builds = {}
    for scale, url in urls.items():
        print(f"==> 数据库 scale {scale}: {url}", flush=True)
        builds[scale] = database.ensure(url, scale, rebuild=args.rebuild)

    print("==> 测量 scale 1", flush=True)
    small = measure(
        urls[1],
        runs=args.runs,
        warmup=args.warmup,
        import_rows=0 if args.skip_import else args.import_rows,
        with_report=not args.skip_report,
    )
    print("==> 测量 scale 10", flush=True)
    large = measure(
        urls[10],
        runs=args.runs,
        warmup=args.warmup,
        import_rows=0,
        with_report=not args.skip_report,
    )
    burst = None
    if not args.skip_burst:
        print("==> 截止日突发负载 (burst)", flush=True)
        burst = []
        for think in (float(value) for value in args.burst_think.split(",")):
            result = run_burst(
                urls[10], users=args.burst_users, duration=args.burst_duration, think=think
            )
            if not isinstance(result, dict):
                print(f"burst: {result}", flush=True)
                burst = result
                break
            burst.append(result)

    header = {
        "Date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "Commit": database.current_commit(),
        "Machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        "Databases": ", ".join(
            f"scale {scale} ({urls[scale].rsplit('/', 1)[-1]}, built at {build.commit})"
            for scale, build in builds.items()
        ),
        "runs": args.runs,
        "warm-up": args.warmup,
        "Bench time (without database builds)": "",
    }
    header["Bench time (without database builds)"] = f"{time.monotonic() - started:.0f} s"
    text = report.markdown(header=header, small=small, large=large, burst=burst)
    print()
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"==> 已写入 {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
