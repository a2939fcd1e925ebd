"""The dashboard is cached under the database's data version: reused while nothing changed,
recomputed as soon as anything is committed, never stale."""

import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kpis import dashboard
from tests import factories
from tests.factories import RecordFactory, indicator

DASHBOARD = reverse("kpis:dashboard")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the data version is PostgreSQL's snapshot"
)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_cached_reuses_the_result_while_the_version_is_unchanged(monkeypatch):
    versions = iter(["v1", "v1", "v2", "v2"])
    monkeypatch.setattr(dashboard, "data_version", lambda: next(versions))
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert dashboard.cached("test", compute, "2023") == {"n": 1}
    assert dashboard.cached("test", compute, "2023") == {"n": 1}  # same version: reused
    assert dashboard.cached("test", compute, "2023") == {"n": 2}  # data changed: recomputed
    assert dashboard.cached("test", compute, "2024") == {"n": 3}  # another year
    assert len(calls) == 3


def test_cached_keeps_each_language_apart(monkeypatch):
    monkeypatch.setattr(dashboard, "data_version", lambda: "v1")
    with translation.override("zh-hans"):
        assert dashboard.cached("test", lambda: "中文") == "中文"
    with translation.override("en"):
        assert dashboard.cached("test", lambda: "English") == "English"
    with translation.override("zh-hans"):
        assert dashboard.cached("test", lambda: "重新计算") == "中文"


def test_cached_computes_when_there_is_no_version(monkeypatch):
    monkeypatch.setattr(dashboard, "data_version", lambda: None)
    results = iter([1, 2])
    assert dashboard.cached("test", lambda: next(results)) == 1
    assert dashboard.cached("test", lambda: next(results)) == 2


def test_a_failing_cache_only_costs_the_computation(monkeypatch):
    monkeypatch.setattr(dashboard, "data_version", lambda: "v1")

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(dashboard.cache, "get", broken)
    assert dashboard.cached("test", lambda: "computed") == "computed"
    monkeypatch.undo()
    monkeypatch.setattr(dashboard, "data_version", lambda: "v1")
    monkeypatch.setattr(dashboard.cache, "set", broken)
    assert dashboard.cached("test", lambda: "computed") == "computed"


@pytest.mark.django_db
def test_no_other_database_than_postgresql_is_cached():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has a data version")
    assert dashboard.data_version() is None


@postgresql_only
@pytest.mark.django_db
def test_a_transaction_that_has_written_is_not_cached():
    factories.BranchFactory()  # this test's transaction has written: its snapshot hides it
    assert dashboard.data_version() is None


def shown_value(html: str, code: str) -> str:
    row = re.search(rf'data-code="{code}">(.*?)</li>', html, re.DOTALL).group(1)
    return re.search(r'data-testid="value">([^<]*)<', row).group(1)


def get(client) -> tuple[str, int]:
    """The page's content (the part cached; the menu carries a fresh CSRF token) and the
    number of queries."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    content = response.context["content"]
    assert content in response.content.decode()
    return content, len(captured)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_dashboard_is_reused_until_a_change_is_committed(client, leader_user, staff_user):
    RecordFactory.create_batch(2, indicator=indicator("I05"), category="技术指导")
    client.force_login(leader_user)
    first, computed = get(client)
    assert shown_value(first, "I05") == "2项"
    again, reused = get(client)
    assert again == first
    assert reused < computed  # the figures came from the cache

    # Any committed change shows on the next request.
    RecordFactory(indicator=indicator("I05"), category="技术指导")
    changed, recomputed = get(client)
    assert shown_value(changed, "I05") == "3项"
    assert recomputed == computed

    # A change still being written is not visible, and not cached as if it were.
    with transaction.atomic():
        record = RecordFactory(indicator=indicator("I05"), category="技术指导", status="reported")
        assert dashboard.data_version() is None
    record.status = "verified"
    record.save(update_fields=["status"])
    assert shown_value(get(client)[0], "I05") == "4项"
