"""Who may see and act on applications and reviews."""

import rules

from society.rules import is_expert, is_officer, is_secretariat

from .enums import EDITABLE_STATES, ReviewStatus


@rules.predicate
def is_applicant_officer(user, application) -> bool:
    if application is None or not is_officer(user):
        return False
    if application.branch_id is not None:
        return user.branch_id == application.branch_id
    return user.member_unit_id == application.member_unit_id


@rules.predicate
def is_editable(user, application) -> bool:
    return application is not None and application.status in EDITABLE_STATES


@rules.predicate
def is_assigned_expert(user, application) -> bool:
    if application is None or not is_expert(user):
        return False
    return (
        application.assignments.filter(expert__user=user)
        .exclude(status=ReviewStatus.CONFLICT)
        .exists()
    )


@rules.predicate
def is_own_assignment(user, assignment) -> bool:
    return (
        assignment is not None
        and is_expert(user)
        and assignment.expert.user_id == user.pk
        and assignment.status != ReviewStatus.CONFLICT
    )


can_view_application = is_secretariat | is_applicant_officer | is_assigned_expert

rules.add_perm("projects.edit_application", is_applicant_officer & is_editable)
rules.add_perm("projects.review_assignment", is_own_assignment)
