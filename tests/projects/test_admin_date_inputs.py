"""The date fields of the inspection and acceptance forms carry today as an ISO date.

A browser's <input type="date"> only takes YYYY-MM-DD; the Chinese date format (2023/10/15)
left the field empty, so the prefilled 验收日期 was posted blank and refused."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.enums import ApplicationStatus
from tests import factories

pytestmark = pytest.mark.django_db


def date_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="date" name="(\w+)" value="([^"]*)"', html))


@pytest.mark.parametrize(
    ("status", "field"),
    [
        (ApplicationStatus.IN_PROGRESS, "inspected_on"),
        (ApplicationStatus.FINAL_SUBMITTED, "accepted_on"),
    ],
)
def test_panel_prefills_today_as_an_iso_date(client, staff_user, status, field):
    application = factories.ApplicationFactory(status=status)
    client.force_login(staff_user)

    html = client.get(
        reverse("admin:projects_application_change", args=[application.pk])
    ).content.decode()

    assert date_inputs(html)[field] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("status", "name", "field"),
    [
        (ApplicationStatus.IN_PROGRESS, "projects_application_inspection", "inspected_on"),
        (ApplicationStatus.FINAL_SUBMITTED, "projects_application_acceptance", "accepted_on"),
    ],
)
def test_form_page_prefills_today_as_an_iso_date(client, staff_user, status, name, field):
    application = factories.ApplicationFactory(status=status)
    client.force_login(staff_user)

    html = client.get(reverse(f"admin:{name}", args=[application.pk])).content.decode()

    assert date_inputs(html)[field] == timezone.localdate().isoformat()
