"""The deadline burst's parts that need no server: the scenario, the form a browser posts
back, and the figures. The load itself (bench/burst.py run()) is a separate command."""

import datetime
import math

import pytest
from django.urls import reverse
from django.utils import timezone

from bench.burst import (
    LOGIN,
    MARKER,
    Sample,
    edit_fields,
    markdown_table,
    percentile,
    prepare_deadline,
    run,
    stored_outcome,
    summarise,
)
from projects.enums import ApplicationStatus
from projects.models import Application, Call
from projects.services import application_transition, completeness_problems
from society.models import AuditEntry, User
from tests import factories


@pytest.fixture
def organisations(db):
    factories.BranchFactory.create_batch(10)
    factories.MemberUnitFactory.create_batch(40)


def test_prepare_deadline_gives_each_officer_a_submittable_draft(organisations):
    now = timezone.now()
    accounts = prepare_deadline(users=50, password="Burst-pass-2026", now=now)

    assert len(accounts) == 50
    (call,) = Call.objects.all()
    assert call.is_open(now)
    assert timezone.localtime(call.applications_close_at).date() >= timezone.localdate(now)
    officers = User.objects.filter(username__in=[a["username"] for a in accounts])
    assert officers.count() == 50
    assert all(o.check_password("Burst-pass-2026") for o in officers[:2])
    organisations = {(o.branch_id, o.member_unit_id) for o in officers}
    assert len(organisations) == 50  # one organisation each
    assert sum(1 for o in officers if o.branch_id) == 10
    for account in accounts:
        application = Application.objects.get(pk=account["application"])
        assert application.status == ApplicationStatus.DRAFT
        assert application.created_by.username == account["username"]
        assert completeness_problems(application) == []
        assert account["edit"] == reverse("projects:application-edit", args=[application.pk])
    # Each of them can be submitted now, as the burst does at the deadline.
    for account in accounts:
        application = Application.objects.get(pk=account["application"])
        application_transition(
            application=application, user=application.created_by, action="submit"
        )
    outcome = stored_outcome(usernames=[a["username"] for a in accounts])
    assert outcome == {"applications": 50, "submitted": 50, "drafts": 0, "saved_summaries": 0}


def test_prepare_deadline_refuses_without_enough_organisations(db):
    factories.MemberUnitFactory.create_batch(3)

    with pytest.raises(ValueError, match="不够 5 个用户"):
        prepare_deadline(users=5, password="Burst-pass-2026")

    assert not Call.objects.exists()
    assert not User.objects.filter(username__startswith="burst").exists()


@pytest.mark.parametrize("users", [0, -1, 201])
def test_prepare_deadline_refuses_a_bad_user_count(db, users):
    with pytest.raises(ValueError, match="并发用户数应在 1 到 200 之间"):
        prepare_deadline(users=users, password="Burst-pass-2026")
    assert not Call.objects.exists()


def test_edit_form_posted_back_as_the_load_test_does_saves_the_draft(client, organisations):
    (account,) = prepare_deadline(users=1, password="Burst-pass-2026")
    client.force_login(User.objects.get(username=account["username"]))
    application = Application.objects.get(pk=account["application"])
    version = application.version

    page = client.get(account["edit"])
    fields = edit_fields(page.content.decode())
    names = [name for name, _value in fields]
    # The main form, the version read, and every row of the four tables as rendered.
    assert {"csrfmiddlewaretoken", "title", "area", "field", "summary", "version"} <= set(names)
    for table in ("outputs", "budget", "team", "milestones"):
        assert f"{table}-TOTAL_FORMS" in names
        assert f"{table}-0-DELETE" not in names  # unchecked boxes are not sent
    assert dict(fields)["outputs-0-indicator"] != ""
    marker = f"{MARKER}1次保存，{account['username']}）"
    data = {name: value for name, value in fields}
    data["summary"] += marker
    data["next"] = "edit"
    audit_before = AuditEntry.objects.count()

    response = client.post(account["edit"], data)

    assert response.status_code == 302
    assert response["Location"] == account["edit"]
    application.refresh_from_db()
    assert application.summary.endswith(marker)
    assert application.version == version + 1
    # Only the summary changed: the tables posted back as rendered are not rewritten.
    actions = list(
        AuditEntry.objects.order_by("id")[audit_before:].values_list("action", flat=True)
    )
    assert actions == ["projects.application.updated"]
    assert completeness_problems(application) == []
    assert marker in client.get(account["detail"]).content.decode()


def test_edit_fields_reads_inputs_textareas_selects_and_checked_boxes():
    html = """
    <form method="post" action="/accounts/logout/">
      <input name="csrfmiddlewaretoken" value="x"></form>
    <form method="post" novalidate>
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <input type="text" name="title" value="A &amp; B">
      <textarea name="summary">
第一行
第二行</textarea>
      <select name="area"><option value="">--</option><option value="b" selected>B</option></select>
      <select name="field"><option value="1">一</option><option value="2">二</option></select>
      <input type="checkbox" name="keep" checked>
      <input type="checkbox" name="x-DELETE">
      <button type="submit" name="next" value="edit">保存</button>
    </form>"""
    assert edit_fields(html) == [
        ("csrfmiddlewaretoken", "tok"),
        ("title", "A & B"),
        ("summary", "第一行\n第二行"),
        ("area", "b"),
        ("field", "1"),
        ("keep", "on"),
    ]


def test_percentile_interpolates_between_ranks():
    values = [50, 10, 40, 20, 30]
    assert percentile(values, 0) == 10
    assert percentile(values, 50) == 30
    assert percentile(values, 100) == 50
    assert percentile(values, 95) == pytest.approx(48)
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert math.isnan(percentile([], 50))


def test_summary_leaves_out_the_warm_up_but_counts_its_errors():
    t = datetime.datetime(2026, 6, 30, 16, tzinfo=datetime.UTC).timestamp()
    samples = [
        Sample(LOGIN, t - 5, 900.0, True),
        Sample(LOGIN, t - 5, 950.0, False, "登录失败：HTTP 500"),
        *(Sample("edit page", t + i, 100.0 * (i + 1), True) for i in range(10)),
        Sample("save draft", t + 9, 1000.0, False, "HTTP 502"),
    ]
    figures = summarise(samples)

    assert figures["requests"] == 11
    assert figures["errors"] == 2
    assert figures["elapsed"] == 10.0  # first measured start to last measured end
    assert figures["throughput"] == 1.1
    assert figures["p50"] == 600.0
    assert figures["p99"] == pytest.approx(1000.0)
    assert figures["by_name"][LOGIN] == {"requests": 2, "errors": 1, "p50": 925.0, "p95": 947.5}
    assert figures["error_kinds"] == {
        "login (warm-up): 登录失败：HTTP 500": 1,
        "save draft: HTTP 502": 1,
    }
    table = markdown_table({**figures, "users": 2, "note": "说明"})
    assert "| Errors | 2 |" in table
    assert "| p95 | " in table


@pytest.mark.parametrize(
    ("url", "kwargs", "message"),
    [
        ("sqlite:///db.sqlite3", {}, "请给出 PostgreSQL 数据库地址"),
        ("postgres://postgres@127.0.0.1:5432/", {}, "请给出 PostgreSQL 数据库地址"),
        ("postgres://postgres@127.0.0.1:5432/x", {"users": 0}, "并发用户数应在"),
        ("postgres://postgres@127.0.0.1:5432/x", {"duration": 0}, "持续时间应在"),
        ("postgres://postgres@127.0.0.1:5432/x", {"think": -1}, "思考时间应在"),
    ],
)
def test_run_refuses_bad_arguments_before_touching_anything(url, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(url, **kwargs)
