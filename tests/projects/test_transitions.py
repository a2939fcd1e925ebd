"""Every transition, from every state, by every role: the allowed ones happen, the rest
change nothing."""

import pytest

from projects.enums import ApplicationStatus, ReviewStatus
from projects.services import TRANSITIONS, application_transition
from society.errors import DomainError
from society.models import AuditEntry
from tests import factories

ROLES = ["staff", "applicant_officer", "other_officer", "expert", "leader", "member"]
ALLOWED_ROLE = {
    "submit": "applicant_officer",
    "withdraw": "applicant_officer",
    "pass_check": "staff",
    "return": "staff",
    "reject": "staff",
    "complete_review": "staff",
    "terminate": "staff",
}


def make_user(role, application):
    if role == "staff":
        return factories.StaffUserFactory()
    if role == "applicant_officer":
        return factories.UnitOfficerFactory(member_unit=application.member_unit)
    if role == "other_officer":
        return factories.UnitOfficerFactory()
    if role == "expert":
        user = factories.ExpertUserFactory()
        factories.ReviewAssignmentFactory(
            application=application, expert=factories.ExpertFactory(user=user)
        )
        return user
    if role == "leader":
        return factories.LeaderFactory()
    user = factories.UserFactory()
    factories.MemberFactory(user=user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", ApplicationStatus.values)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_transition_table(action, state, role):
    transition = TRANSITIONS[action]
    application = factories.ApplicationFactory(status=state)
    factories.complete_application(application)
    factories.ReviewAssignmentFactory(
        application=application, status=ReviewStatus.SUBMITTED, total=80
    )
    user = make_user(role, application)
    allowed = state in transition.sources and role == ALLOWED_ROLE[action]
    version = application.version
    entries = AuditEntry.objects.count()

    if allowed:
        application_transition(application=application, user=user, action=action, reason="理由")
        application.refresh_from_db()
        assert application.status == transition.target
        assert application.version == version + 1
        entry = AuditEntry.objects.get(action=f"projects.application.{action}")
        assert entry.data == {"from": state, "to": transition.target, "reason": "理由"}
        assert entry.actor == user
    else:
        with pytest.raises(DomainError):
            application_transition(application=application, user=user, action=action, reason="理由")
        application.refresh_from_db()
        assert application.status == state
        assert application.version == version
        assert AuditEntry.objects.count() == entries
