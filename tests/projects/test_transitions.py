"""Every transition, from every state, by every role: the allowed ones happen, the rest
change nothing."""

import pytest

from projects.enums import ApplicationStatus, ReviewStatus
from projects.services import TRANSITIONS, application_transition
from society.errors import DomainError
from society.models import AuditEntry
from tests import factories

ROLES = ["staff", "applicant_officer", "other_officer", "expert", "leader", "member"]
APPLICANT = {"applicant_officer"}
STAFF = {"staff"}
ALLOWED_ROLES = {
    "submit": APPLICANT,
    "withdraw": APPLICANT,
    "pass_check": STAFF,
    "return": STAFF,
    "reject": STAFF,
    "complete_review": STAFF,
    "publicize": STAFF,
    "award": STAFF,
    "not_award": STAFF,
    "start": APPLICANT | STAFF,
    "rectify": STAFF,
    "rectified": STAFF,
    "submit_final": APPLICANT,
    "return_final": STAFF,
    "accept": STAFF,
    "fail": STAFF,
    "archive": STAFF,
    "terminate": STAFF,
}


def test_every_transition_has_its_roles():
    assert set(ALLOWED_ROLES) == set(TRANSITIONS)


def prepare(action, application):
    """What each step needs besides the state: the records its own service writes."""
    if action == "award":
        factories.AwardFactory(application=application, status="confirmed")
    elif action == "submit_final":
        factories.complete_final_report(application)
    elif action in ("accept", "fail"):
        factories.AcceptanceFactory(
            application=application, result="passed" if action == "accept" else "failed"
        )
    elif action in ("rectify", "rectified"):
        factories.InspectionFactory(
            application=application, result="rectify" if action == "rectify" else "passed"
        )


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
    prepare(action, application)
    user = make_user(role, application)
    allowed = state in transition.sources and role in ALLOWED_ROLES[action]
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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "state", "message"),
    [
        ("award", ApplicationStatus.PUBLICIZED, "没有已确认的奖励"),
        ("submit_final", ApplicationStatus.IN_PROGRESS, "工作总结"),
        ("accept", ApplicationStatus.FINAL_SUBMITTED, "验收得分"),
        ("fail", ApplicationStatus.FINAL_SUBMITTED, "验收得分"),
        ("rectify", ApplicationStatus.IN_PROGRESS, "中期检查"),
        ("rectified", ApplicationStatus.INSPECTION, "中期检查"),
    ],
)
def test_steps_need_their_records(action, state, message, staff_user):
    application = factories.ApplicationFactory(status=state)
    factories.complete_application(application)
    user = (
        factories.UnitOfficerFactory(member_unit=application.member_unit)
        if action == "submit_final"
        else staff_user
    )
    with pytest.raises(DomainError, match=message):
        application_transition(application=application, user=user, action=action, reason="理由")
    application.refresh_from_db()
    assert application.status == state


@pytest.mark.django_db
def test_final_report_needs_evidence_for_every_output():
    application = factories.ApplicationFactory(status=ApplicationStatus.IN_PROGRESS)
    factories.complete_application(application)
    factories.complete_final_report(application, with_evidence=False)
    officer = factories.UnitOfficerFactory(member_unit=application.member_unit)
    with pytest.raises(DomainError, match="尚无佐证材料"):
        application_transition(application=application, user=officer, action="submit_final")


@pytest.mark.django_db
def test_not_awarded_is_refused_while_the_application_holds_an_award(staff_user):
    application = factories.ApplicationFactory(status=ApplicationStatus.PUBLICIZED)
    factories.AwardFactory(application=application, status="proposed")
    with pytest.raises(DomainError, match="已列入奖励"):
        application_transition(application=application, user=staff_user, action="not_award")
