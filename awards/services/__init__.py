"""Everything that writes awards: the pool, the 公示 and its objections, payments."""

from .notice import (
    notice_confirm,
    notice_is_open,
    notice_publish,
    objection_file,
    objection_resolve,
)
from .payments import payment_record
from .pool import (
    Suggestion,
    award_confirm,
    award_propose,
    award_release,
    awards_propose_suggested,
    awards_suggest,
    pool_for_call,
)

__all__ = [
    "Suggestion",
    "award_confirm",
    "award_propose",
    "award_release",
    "awards_propose_suggested",
    "awards_suggest",
    "notice_confirm",
    "notice_is_open",
    "notice_publish",
    "objection_file",
    "objection_resolve",
    "payment_record",
    "pool_for_call",
]
