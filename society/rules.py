"""Who may do what: django-rules predicates, combined in each model's Meta.rules_permissions."""

import rules

from .enums import Role


@rules.predicate
def is_secretariat(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.role == Role.STAFF and user.is_staff))
    )


@rules.predicate
def is_officer(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.OFFICER)


@rules.predicate
def is_expert(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.EXPERT)


@rules.predicate
def is_leader(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.LEADER)


@rules.predicate
def is_member(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.MEMBER)


@rules.predicate
def is_officer_of(user, organisation) -> bool:
    """An officer bound to this branch or member unit."""
    if organisation is None or not is_officer(user):
        return False
    meta = organisation._meta
    if meta.label == "society.Branch":
        return user.branch_id == organisation.pk
    if meta.label == "society.MemberUnit":
        return user.member_unit_id == organisation.pk
    return False


@rules.predicate
def is_own_member_record(user, member) -> bool:
    return member is not None and user.is_authenticated and member.user_id == user.pk


never = rules.always_deny

SECRETARIAT_ONLY = {
    "view": is_secretariat,
    "add": is_secretariat,
    "change": is_secretariat,
    "delete": is_secretariat,
}
ORGANISATION = {
    "view": is_secretariat | is_officer_of,
    "add": is_secretariat,
    "change": is_secretariat | is_officer_of,
    "delete": is_secretariat,
}

rules.add_perm("society.view_registry_summary", is_secretariat | is_leader)
rules.add_perm("society.view_member_list_of", is_secretariat | is_officer_of)
# The portal's profile form is for the organisation's own officers; staff edit in the admin.
rules.add_perm("society.edit_organisation_profile", is_officer_of)
