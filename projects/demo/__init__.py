"""Demo calls, applications, expert assignments and scores, built on the demo registry.

Three calls tell the story of the award from end to end:

1. the 2023 call of the original notice, finished: about 60 applications per unit of
   scale, most of them reviewed by three to five experts (some disagreeing widely, a
   couple tied), a few not accepted, withdrawn or still waiting for one review; then
   its award pool, 公示 with objections, 30 confirmed awards, payments, and the awarded
   projects' progress, inspections, final reports, acceptance and archive (awards.py);
2. a call under review now (its windows are placed around the day the data is built):
   the demo expert `zhuanjia` has three applications waiting for scores;
3. a call open for applications now: the demo unit has a draft in it, the demo branch
   has none, so its officer can start one.

Everything is drawn from one seeded random stream, in a fixed order, so two runs at the
same scale (and on the same day, for the windows of calls 2 and 3) give the same data.
Rows are written with bulk inserts and no per-row full_clean: the generators produce
valid values (budgets sum to the award, milestones end before the implementation date,
no expert reviews an application they have a conflict with), and
tests/projects/test_demo.py checks that.

    texts.py    what applications are about; what staff and experts wrote
    people.py   applicants and experts in memory, with the conflict rules
    builder.py  drafts, history, reviews and scores, and writing them in bulk
    calls.py    the three calls
    awards.py   the 2023 call from its ranking to accepted, paid and archived projects
    pdf.py      the application form as a small PDF
"""

from django.apps import apps
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from ..models import Application, Attachment, Call
from .builder import CallSummary
from .calls import DemoCalls

SEED = 20230625  # the date of the notice

__all__ = ["SEED", "CallSummary", "build_projects_demo", "clear_projects_demo"]


@transaction.atomic
def build_projects_demo(
    *, branches, units, members, experts, scale: float = 1.0, seed: int = SEED, now=None
) -> list[CallSummary]:
    """The three demo calls with their applications, reviews, history and notifications."""
    builder = DemoCalls(
        seed=seed,
        now=now or timezone.now(),
        branches=branches,
        units=units,
        members=members,
        experts=experts,
    )
    builder.call_2023(scale)
    current = builder.call_in_review(scale)
    builder.call_open(scale, current)
    builder.flush_audit()
    return builder.summaries


@transaction.atomic
def clear_projects_demo() -> None:
    """Remove calls and applications (before the registry they point to), and the award
    records that hang from them (pools, awards, payments, notices, objections).

    The audit log keeps its entries (it is append-only; new rows get new ids). Stored demo
    PDFs are named by their content and shared between runs; they stay too.
    """
    delete_all(apps.get_app_config("awards").get_models())
    Attachment.objects.filter(output__isnull=False).delete()  # evidence protects its output
    Application.objects.all().delete()  # with its outputs, budget, team, reviews and scores
    Call.objects.all().delete()  # with its rubric


def delete_all(models) -> None:
    """Empty these tables, in whatever order their PROTECT references allow."""
    pending = list(models)
    while pending:
        for model in list(pending):
            try:
                with transaction.atomic():
                    model.objects.all().delete()
            except (ProtectedError, RestrictedError):
                continue
            pending.remove(model)
            break
        else:
            pending[0].objects.all().delete()  # raises: something outside protects them
