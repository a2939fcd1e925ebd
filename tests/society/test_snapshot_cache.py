"""The cache keyed on the database's state (society.snapshot_cache): reused while nothing
changed, recomputed as soon as anything is committed, never stale."""

import pytest
from django.db import connection
from django.utils import translation

from society import snapshot_cache
from tests import factories

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the data version is PostgreSQL's snapshot"
)


pytestmark = pytest.mark.usefixtures("empty_cache")


def test_cached_reuses_the_result_while_the_version_is_unchanged(monkeypatch):
    versions = iter(["v1", "v1", "v2", "v2"])
    monkeypatch.setattr(snapshot_cache, "data_version", lambda: next(versions))
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert snapshot_cache.cached("test", compute, "2023") == {"n": 1}
    assert snapshot_cache.cached("test", compute, "2023") == {"n": 1}  # same version: reused
    assert snapshot_cache.cached("test", compute, "2023") == {"n": 2}  # data changed: recomputed
    assert snapshot_cache.cached("test", compute, "2024") == {"n": 3}  # another year
    assert len(calls) == 3


def test_cached_keeps_each_language_apart(monkeypatch):
    monkeypatch.setattr(snapshot_cache, "data_version", lambda: "v1")
    with translation.override("zh-hans"):
        assert snapshot_cache.cached("test", lambda: "中文") == "中文"
    with translation.override("en"):
        assert snapshot_cache.cached("test", lambda: "English") == "English"
    with translation.override("zh-hans"):
        assert snapshot_cache.cached("test", lambda: "重新计算") == "中文"


def test_cached_computes_when_there_is_no_version(monkeypatch):
    monkeypatch.setattr(snapshot_cache, "data_version", lambda: None)
    results = iter([1, 2])
    assert snapshot_cache.cached("test", lambda: next(results)) == 1
    assert snapshot_cache.cached("test", lambda: next(results)) == 2


def test_a_failing_cache_only_costs_the_computation(monkeypatch):
    monkeypatch.setattr(snapshot_cache, "data_version", lambda: "v1")

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(snapshot_cache.cache, "get", broken)
    assert snapshot_cache.cached("test", lambda: "computed") == "computed"
    monkeypatch.undo()
    monkeypatch.setattr(snapshot_cache, "data_version", lambda: "v1")
    monkeypatch.setattr(snapshot_cache.cache, "set", broken)
    assert snapshot_cache.cached("test", lambda: "computed") == "computed"


@pytest.mark.django_db
def test_no_other_database_than_postgresql_is_cached():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has a data version")
    assert snapshot_cache.data_version() is None


@postgresql_only
@pytest.mark.django_db
def test_a_transaction_that_has_written_is_not_cached():
    factories.BranchFactory()  # this test's transaction has written: its snapshot hides it
    assert snapshot_cache.data_version() is None
