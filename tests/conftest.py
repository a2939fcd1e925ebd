import pytest

from tests import factories


@pytest.fixture
def staff_user(db):
    return factories.StaffUserFactory(username="staff")


@pytest.fixture
def branch_officer(db):
    return factories.BranchOfficerFactory(username="branch_officer")


@pytest.fixture
def unit_officer(db):
    return factories.UnitOfficerFactory(username="unit_officer")


@pytest.fixture
def other_unit_officer(db):
    return factories.UnitOfficerFactory(username="other_unit_officer")


@pytest.fixture
def expert_user(db):
    user = factories.ExpertUserFactory(username="expert")
    factories.ExpertFactory(user=user, name="专家甲")
    return user


@pytest.fixture
def leader_user(db):
    return factories.LeaderFactory(username="leader")


@pytest.fixture
def member_user(db):
    user = factories.UserFactory(username="member")
    factories.MemberFactory(user=user)
    return user


ROLE_FIXTURES = [
    "staff_user",
    "branch_officer",
    "unit_officer",
    "expert_user",
    "leader_user",
    "member_user",
]


@pytest.fixture(params=[None, *ROLE_FIXTURES])
def any_role(request):
    """Each role in turn, and None for an anonymous visitor."""
    return None if request.param is None else request.getfixturevalue(request.param)
