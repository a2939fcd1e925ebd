import pytest
from django.core.cache import cache

from tests import factories


def pytest_collection_modifyitems(config, items):
    """A test that commits for real (transaction=True) must also put the migrations' data
    back (serialized_rollback=True): the flush after it empties the indicator catalogue and
    the content types for every test that follows on PostgreSQL."""
    for item in items:
        mark = item.get_closest_marker("django_db")
        if mark and mark.kwargs.get("transaction") and not mark.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: django_db(transaction=True) needs serialized_rollback=True"
            )


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


@pytest.fixture
def empty_cache():
    """The cache emptied before and after the test (results cached under a data version)."""
    cache.clear()
    yield
    cache.clear()
