"""Everything that writes the registry and the membership."""

from .membership import (
    MEMBER_PROFILE_FIELDS,
    dues_record_payment,
    growth_entry_add,
    member_update_profile,
    next_member_number,
    registration_approve,
    registration_confirm_email,
    registration_reject,
    registration_submit,
)
from .registry import (
    BRANCH_PROFILE_FIELDS,
    MEMBER_UNIT_PROFILE_FIELDS,
    organisation_update_profile,
    versioned_update,
)

__all__ = [
    "BRANCH_PROFILE_FIELDS",
    "MEMBER_PROFILE_FIELDS",
    "MEMBER_UNIT_PROFILE_FIELDS",
    "dues_record_payment",
    "growth_entry_add",
    "member_update_profile",
    "next_member_number",
    "organisation_update_profile",
    "registration_approve",
    "registration_confirm_email",
    "registration_reject",
    "registration_submit",
    "versioned_update",
]
