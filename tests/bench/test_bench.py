"""The benchmark's own code (the real benchmark runs by `bash bench/run.sh`, not in CI)."""

import io
import math

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from bench import database, report
from bench.measure import confirm_fields
from bench.members_xlsx import HEADERS, member_number, member_rows, phone, workbook_bytes
from society.models import ExpertiseArea, Member
from society.validators import validate_member_number, validate_phone
from tests import factories

TEMPLATE_DIRS = [*settings.TEMPLATES[0]["DIRS"], settings.BASE_DIR / "bench" / "templates"]
BENCH_TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": TEMPLATE_DIRS}]


def page(key, queries, median_ms, status=200):
    return {"key": key, "label": key, "queries": queries, "median_ms": median_ms, "status": status}


def figures(**pages):
    return {"pages": [page("minimal", 0, 1.0), *(page(k, *v) for k, v in pages.items())]}


# The minimal view


@override_settings(ROOT_URLCONF="bench.urls", TEMPLATES=BENCH_TEMPLATES)
def test_minimal_view_renders_its_template_without_queries(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("bench-minimal"))

    assert response.status_code == 200
    assert "基准页面" in response.text
    assert response.text.count("<li>") == 10


@override_settings(ROOT_URLCONF="bench.urls", TEMPLATES=BENCH_TEMPLATES)
def test_bench_urls_keep_the_platform_pages(client, db):
    assert client.get(reverse("awards:notice-list")).status_code == 200


# The results table


def test_table_marks_each_target_met_or_missed():
    small = figures(home=(5, 8.0), ranking=(7, 50.0), dashboard=(22, 2.0))
    large = figures(home=(5, 2.5), ranking=(7, 900.0), dashboard=(23, 2.0))

    text = report.markdown(header={"Commit": "abc1234"}, small=small, large=large, burst=None)
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()}

    assert "- Commit: abc1234" in text
    assert rows["home"].endswith("| 5 | 5 | 2.5 | 1.0 | 2.5× | met | met |")
    assert rows["ranking"].endswith("| 900.0× | met | **missed** |")
    # 22 queries at scale 1 but 23 at scale 10: the count grows with the data.
    assert rows["dashboard"].endswith("| 2.0× | **missed** | met |")
    assert "burst: not run (--skip-burst)" in text


def test_table_misses_more_than_25_queries_and_failed_pages():
    small = figures(many=(26, 1.0), broken=(3, 1.0, 500))
    large = figures(many=(26, 1.0), broken=(3, 1.0, 500))

    rows = report.page_rows(small["pages"], large["pages"])

    assert [row["queries_ok"] for row in rows] == [False, False]
    assert rows[1]["time_ok"] is False


def test_table_shows_import_report_and_burst_against_their_targets():
    small = {
        **figures(),
        "import": {
            "rows": 10000,
            "file_kb": 900,
            "openpyxl_s": 2.0,
            "dry_run_s": 4.0,
            "confirm_s": 7.0,
            "import_s": 11.0,
        },
        "report": {"seconds": 1.5, "indicators": 29},
    }
    large = {**figures(), "report": {"seconds": 12.0, "indicators": 29}}
    burst = {"requests": 900, "errors": 0, "throughput": 30.0, "p50": 90, "p95": 400, "p99": 800}

    text = report.markdown(header={}, small=small, large=large, burst=burst)

    assert "| whole import | 11.00 | 5.5× | **missed** |" in text
    assert "| 1 | 1.50 | 29 |  |" in text
    assert "| 10 | 12.00 | 29 | **missed** |" in text
    assert "|  | 900 | 0 | 30.0 | 90 | 400 | 800 | met |" in text


def test_each_burst_scenario_gets_its_own_verdict():
    calm = {"scenario": "pauses", "requests": 700, "errors": 0, "throughput": 9.0}
    calm.update(p50=120, p95=300, p99=500, note="50 of 50 submitted")
    rush = {"scenario": "no pause", "requests": 900, "errors": 0, "throughput": 20.0}
    rush.update(p50=2000, p95=3400, p99=4600)

    text = report.markdown(header={}, small=figures(), large=figures(), burst=[calm, rush])

    assert "| pauses | 700 | 0 | 9.0 | 120 | 300 | 500 | met |" in text
    assert "| no pause | 900 | 0 | 20.0 | 2000 | 3400 | 4600 | **missed** |" in text
    assert "pauses: 50 of 50 submitted" in text


def test_table_says_when_the_burst_is_not_available():
    text = report.markdown(header={}, small=figures(), large=figures(), burst="not available")

    assert "burst: not available" in text


def test_each_page_is_compared_with_the_minimal_view_of_its_own_user():
    small = figures(home=(5, 9.0), notices=(2, 2.0))
    large = figures(home=(5, 9.0), notices=(2, 2.0))
    large["pages"].append(page("minimal-fenhui", 2, 3.0))
    large["pages"][1]["baseline"] = "minimal-fenhui"

    home, notices = report.page_rows(small["pages"], large["pages"])
    assert (home["minimal_ms"], home["ratio"], home["time_ok"]) == (3.0, 3.0, True)
    assert (notices["minimal_ms"], notices["ratio"], notices["time_ok"]) == (1.0, 2.0, True)


def test_pages_after_a_commit_are_listed_when_measured():
    small = figures(dashboard=(4, 5.0))
    large = figures(dashboard=(4, 5.0))
    large["pages"][1].update(after_commit_ms=60.0, after_commit_queries=21)

    text = report.markdown(header={}, small=small, large=large, burst=None)

    assert "| dashboard | 21 | 60.0 | 60.0× |" in text


def test_zero_minimal_time_gives_an_infinite_ratio_not_an_error():
    small = figures(home=(1, 1.0))
    large = {"pages": [page("minimal", 0, 0.0), page("home", 1, 1.0)]}

    assert report.page_rows(small["pages"], large["pages"])[0]["ratio"] == math.inf


# The database marker


def test_database_url_replaces_only_the_name():
    url = database.database_url("postgres://postgres@127.0.0.1:5432/postgres", "sctj_bench_1")

    assert url == "postgres://postgres@127.0.0.1:5432/sctj_bench_1"


def test_fingerprint_depends_on_the_scale():
    assert database.fingerprint(1) == database.fingerprint(1)
    assert database.fingerprint(1) != database.fingerprint(10)


# The members file


def test_generated_rows_are_valid_and_unique():
    rows = member_rows(300, units=["甲单位"], branches=["乙分会"], expertise=["丙", "丁"])

    assert len({row[0] for row in rows}) == 300
    assert len({row[HEADERS.index("手机号")] for row in rows}) == 300
    for row in rows:
        validate_member_number(row[0])
        validate_phone(row[HEADERS.index("手机号")])
    assert member_number(7) == "SCTJ-1990-00007"
    assert phone(7) == "16600000007"


@pytest.mark.parametrize("n", [0, 100_000])
def test_generator_refuses_impossible_sizes(n):
    with pytest.raises(ValueError):
        member_rows(n, units=["甲"], branches=["乙"], expertise=["丙"])


def test_workbook_reads_back_with_openpyxl():
    rows = member_rows(5, units=["甲单位"], branches=["乙分会"], expertise=["丙"])

    sheet = load_workbook(io.BytesIO(workbook_bytes(rows)), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert values[0] == HEADERS
    assert [row[0] for row in values[1:]] == [member_number(n) for n in range(1, 6)]


def test_generated_file_imports_through_the_admin_as_the_bench_does(client, staff_user):
    units = [factories.MemberUnitFactory().name for _ in range(2)]
    branches = [factories.BranchFactory().name for _ in range(2)]
    expertise = [ExpertiseArea.objects.create(code=f"e{n}", name=f"领域{n}").name for n in range(3)]
    content = workbook_bytes(member_rows(12, units=units, branches=branches, expertise=expertise))
    client.force_login(staff_user)

    checked = client.post(
        reverse("admin:society_member_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("m.xlsx", content)},
    )
    fields = confirm_fields(checked.text)
    assert Member.objects.count() == 0
    confirmed = client.post(reverse("admin:society_member_process_import"), fields)

    assert confirmed.status_code == 302
    assert Member.objects.count() == 12
    member = Member.objects.get(member_number=member_number(1))
    assert member.branches.count() == 1
    assert member.expertise.count() >= 1


def test_confirm_fields_reads_hidden_inputs_only():
    html = (
        '<input type="hidden" name="csrfmiddlewaretoken" value="x">'
        '<input type="hidden" name="import_file_name" value="a&amp;b.xlsx">'
        '<input type="text" name="other" value="y">'
    )

    assert confirm_fields(html) == {"import_file_name": "a&b.xlsx"}
