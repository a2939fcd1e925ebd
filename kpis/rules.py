"""Who may see and report indicator records."""

import rules

from society.rules import is_leader, is_officer, is_secretariat


@rules.predicate
def is_record_officer(user, record) -> bool:
    """An officer of the organisation that reported the record."""
    if record is None or not is_officer(user):
        return False
    if record.branch_id is not None:
        return user.branch_id == record.branch_id
    return record.member_unit_id is not None and user.member_unit_id == record.member_unit_id


@rules.predicate
def has_dashboard_access(user) -> bool:
    """Granted by the secretariat to an officer or expert (User.dashboard_access)."""
    return bool(user.is_authenticated and user.dashboard_access)


can_view_dashboard = is_secretariat | is_leader | has_dashboard_access

rules.add_perm("kpis.view_dashboard", can_view_dashboard)
rules.add_perm("kpis.report_record", is_officer | is_secretariat)
