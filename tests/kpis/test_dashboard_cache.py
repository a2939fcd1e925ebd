"""The dashboard is cached under the database's data version: reused while nothing changed,
recomputed as soon as anything is committed, never stale."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from society import snapshot_cache
from tests.factories import RecordFactory, indicator

DASHBOARD = reverse("kpis:dashboard")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the data version is PostgreSQL's snapshot"
)


pytestmark = pytest.mark.usefixtures("empty_cache")


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
        assert snapshot_cache.data_version() is None
    record.status = "verified"
    record.save(update_fields=["status"])
    assert shown_value(get(client)[0], "I05") == "4项"
