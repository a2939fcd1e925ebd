"""Everything that writes applications and reviews. Views call these; nothing else writes."""

from .applications import (
    APPLICATION_FIELDS,
    CHILD_MODELS,
    application_create,
    application_snapshot,
    application_update,
    attachment_add,
    attachment_delete,
    call_copy,
    completeness_problems,
)
from .common import applicant_officers, beijing_time, secretariat_users
from .implementation import (
    acceptance_record,
    final_report_save,
    final_report_submit,
    inspection_record,
    progress_post,
)
from .lifecycle import ACTIVE_STATES, GUARDS, TRANSITIONS, Transition, application_transition
from .reviews import (
    assignment_create,
    assignment_refusal,
    assignments_auto,
    conflict_reason,
    review_declare_conflict,
    review_reopen,
    review_save,
)

__all__ = [
    "ACTIVE_STATES",
    "APPLICATION_FIELDS",
    "CHILD_MODELS",
    "GUARDS",
    "TRANSITIONS",
    "Transition",
    "acceptance_record",
    "applicant_officers",
    "application_create",
    "application_snapshot",
    "application_transition",
    "application_update",
    "assignment_create",
    "assignment_refusal",
    "assignments_auto",
    "attachment_add",
    "attachment_delete",
    "beijing_time",
    "call_copy",
    "completeness_problems",
    "conflict_reason",
    "final_report_save",
    "final_report_submit",
    "inspection_record",
    "progress_post",
    "review_declare_conflict",
    "review_reopen",
    "review_save",
    "secretariat_users",
]
