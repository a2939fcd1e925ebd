"""Helpers shared by the application and review services."""

from django.db.models import Q
from django.utils import timezone

from society.enums import Role
from society.models import User

from ..models import (
    Application,
)


def beijing_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def applicant_officers(application: Application):
    if application.branch_id:
        return User.objects.filter(
            role=Role.OFFICER, branch_id=application.branch_id, is_active=True
        )
    return User.objects.filter(
        role=Role.OFFICER, member_unit_id=application.member_unit_id, is_active=True
    )


def secretariat_users():
    return User.objects.filter(
        Q(is_superuser=True) | Q(role=Role.STAFF, is_staff=True), is_active=True
    )
