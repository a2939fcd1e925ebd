"""The results table: figures in, Markdown out (no Django, no database)."""

import math

QUERY_LIMIT = 25
PAGE_RATIO_LIMIT = 3.0
IMPORT_RATIO_LIMIT = 5.0
REPORT_SECONDS_LIMIT = 10.0
BURST_P95_LIMIT_MS = 1000.0

MET = "met"
MISSED = "**missed**"


def verdict(ok: bool) -> str:
    return MET if ok else MISSED


def _ms(value: float) -> str:
    return f"{value:.1f}"


def page_rows(small: list[dict], large: list[dict]) -> list[dict]:
    """One row per page: queries at both scales and the scale-10 time against the time of
    the minimal view requested by the same user in the same run."""
    by_key = {page["key"]: page for page in small}
    baselines = {page["key"]: page for page in large if page["key"].startswith("minimal")}
    rows = []
    for page in large:
        if page["key"] in baselines:
            continue
        minimal = baselines.get(page.get("baseline", "minimal"), baselines["minimal"])
        other = by_key.get(page["key"], {})
        ratio = page["median_ms"] / minimal["median_ms"] if minimal["median_ms"] else math.inf
        queries_ok = (
            other.get("queries") == page["queries"]
            and page["queries"] <= QUERY_LIMIT
            and page["status"] == 200
            and other.get("status") == 200
        )
        rows.append(
            {
                "label": page["label"],
                "queries_s1": other.get("queries"),
                "queries_s10": page["queries"],
                "median_ms": page["median_ms"],
                "minimal_ms": minimal["median_ms"],
                "after_commit_ms": page.get("after_commit_ms"),
                "after_commit_queries": page.get("after_commit_queries"),
                "ratio": ratio,
                "status": page["status"],
                "queries_ok": queries_ok,
                "time_ok": ratio <= PAGE_RATIO_LIMIT and page["status"] == 200,
            }
        )
    return rows


def markdown(
    *,
    header: dict,
    small: dict,
    large: dict,
    burst: dict | str | None,
) -> str:
    lines = ["# Benchmark results", ""]
    lines += [f"- {name}: {value}" for name, value in header.items()]
    lines += [
        "",
        "## Pages",
        "",
        f"Server time in process (Django test client, DEBUG off, PostgreSQL), median of "
        f"{header.get('runs', '?')} runs after {header.get('warm-up', '?')} warm-ups, at "
        f"scale 10. Targets: queries equal at both scales and ≤ {QUERY_LIMIT}; median "
        f"≤ {PAGE_RATIO_LIMIT:g}× the minimal view (a ten-item template) requested by the "
        f"same user, so both pay for the same session and user lookups.",
        "",
        "| Page | Queries s1 | Queries s10 | Median ms | Minimal view ms | Ratio "
        "| Queries target | Time target |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    rows = page_rows(small["pages"], large["pages"])
    for row in rows:
        status = "" if row["status"] == 200 else f" (HTTP {row['status']})"
        lines.append(
            f"| {row['label']}{status} | {row['queries_s1']} | {row['queries_s10']} "
            f"| {_ms(row['median_ms'])} | {_ms(row['minimal_ms'])} | {row['ratio']:.1f}× "
            f"| {verdict(row['queries_ok'])} | {verdict(row['time_ok'])} |"
        )
    if any(row.get("after_commit_ms") for row in rows):
        lines += [
            "",
            "The same pages, each requested right after a write was committed (the first "
            "view after someone saved something: the dashboard, ranking and pool caches, "
            "keyed on the database snapshot, miss and compute):",
            "",
            "| Page | Queries | Median ms | Ratio to the minimal view |",
            "|---|---:|---:|---:|",
        ]
        for row in rows:
            after = row.get("after_commit_ms") or 0.0
            ratio = after / row["minimal_ms"] if row["minimal_ms"] else math.inf
            lines.append(
                f"| {row['label']} | {row.get('after_commit_queries')} | {_ms(after)} "
                f"| {ratio:.1f}× |"
            )

    lines += ["", "## Import", ""]
    imported = large.get("import") or small.get("import")
    if imported:
        ratio = imported["import_s"] / imported["openpyxl_s"]
        confirm_ratio = imported["confirm_s"] / imported["openpyxl_s"]
        lines += [
            f"{imported['rows']:,} members ({imported['file_kb']} KB .xlsx) through the admin "
            "import (dry run, then confirmation; rolled back afterwards), against "
            f"openpyxl's read-only read of the same file. Target ≤ {IMPORT_RATIO_LIMIT:g}×.",
            "",
            "| Step | Seconds | Ratio to openpyxl | Target |",
            "|---|---:|---:|---|",
            f"| openpyxl read | {imported['openpyxl_s']:.2f} | 1.0× | |",
            f"| dry run (check) | {imported['dry_run_s']:.2f} "
            f"| {imported['dry_run_s'] / imported['openpyxl_s']:.1f}× | |",
            f"| confirmation (write) | {imported['confirm_s']:.2f} | {confirm_ratio:.1f}× | |",
            f"| whole import | {imported['import_s']:.2f} | {ratio:.1f}× "
            f"| {verdict(ratio <= IMPORT_RATIO_LIMIT)} |",
        ]
    else:
        lines.append("Not measured (--skip-import).")

    lines += ["", "## Progress report", ""]
    reports = [(scale, data.get("report")) for scale, data in (("1", small), ("10", large))]
    if any(report for _scale, report in reports):
        lines += [
            "Snapshot of every indicator + HTML + PDF + .xlsx, through the Celery task "
            f"(eager), rolled back afterwards. Target ≤ {REPORT_SECONDS_LIMIT:g} s at scale 10.",
            "",
            "| Scale | Seconds | Indicators | Target |",
            "|---|---:|---:|---|",
        ]
        for scale, report in reports:
            if report:
                target = verdict(report["seconds"] <= REPORT_SECONDS_LIMIT) if scale == "10" else ""
                lines.append(
                    f"| {scale} | {report['seconds']:.2f} | {report['indicators']} | {target} |"
                )
    else:
        lines.append("Not measured (--skip-report).")

    lines += ["", "## Deadline burst", ""]
    runs = [burst] if isinstance(burst, dict) else burst if isinstance(burst, list) else []
    if runs:
        lines += [
            f"Target: 0 errors and p95 < {BURST_P95_LIMIT_MS:g} ms.",
            "",
            "| Scenario | Requests | Errors | Throughput req/s | p50 ms | p95 ms | p99 ms "
            "| Target |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for run in runs:
            ok = run.get("errors", 1) == 0 and run.get("p95", math.inf) < BURST_P95_LIMIT_MS
            lines.append(
                f"| {run.get('scenario', '')} | {run.get('requests')} | {run.get('errors')} "
                f"| {run.get('throughput')} | {run.get('p50')} | {run.get('p95')} "
                f"| {run.get('p99')} | {verdict(ok)} |"
            )
        for run in runs:
            if run.get("note"):
                lines += ["", f"{run.get('scenario', '')}: {run['note']}".lstrip(": ")]
    else:
        lines.append(f"burst: {burst or 'not run (--skip-burst)'}")
    return "\n".join(lines) + "\n"
