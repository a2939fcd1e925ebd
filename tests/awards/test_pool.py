"""The award pool is never over-allocated, whatever sequence of actions and whoever acts at once."""

import threading
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from awards.enums import HOLDING_STATES, AwardStatus
from awards.models import Award, AwardPool
from awards.services import award_confirm, award_propose, award_release, pool_for_call
from projects.enums import ApplicationStatus
from society.errors import DomainError
from tests import factories


def reviewed_applications(call, n):
    return factories.ApplicationFactory.create_batch(
        n, call=call, status=ApplicationStatus.REVIEWED
    )


def assert_pool_consistent(pool):
    pool.refresh_from_db()
    holding = Award.objects.filter(pool=pool, status__in=HOLDING_STATES)
    assert pool.committed_count == holding.count()
    assert pool.committed_amount == sum((a.amount for a in holding), Decimal("0"))
    assert pool.committed_count <= pool.award_count
    assert pool.committed_amount <= pool.fund_total
    assert holding.values("application").distinct().count() == holding.count()


@pytest.mark.django_db
def test_default_pool_leaves_ten_thousand_unallocated():
    call = factories.CallFactory()
    pool = pool_for_call(call)
    assert (pool.award_count, pool.award_amount, pool.fund_total) == (
        30,
        Decimal("3000.00"),
        Decimal("100000.00"),
    )
    assert pool.fund_total - pool.award_count * pool.award_amount == Decimal("10000.00")


@pytest.mark.django_db
def test_thirty_first_proposal_is_refused(staff_user):
    call = factories.CallFactory()
    applications = reviewed_applications(call, 31)
    for application in applications[:30]:
        award_propose(application=application, user=staff_user)
    with pytest.raises(DomainError, match="名额已满"):
        award_propose(application=applications[30], user=staff_user)
    assert_pool_consistent(pool_for_call(call))


@pytest.mark.django_db
def test_fund_limit_binds_before_the_count(staff_user):
    call = factories.CallFactory(award_count=5, fund_total=Decimal("10000"))
    applications = reviewed_applications(call, 4)
    for application in applications[:3]:
        award_propose(application=application, user=staff_user)
    with pytest.raises(DomainError, match="经费不足"):
        award_propose(application=applications[3], user=staff_user)


@pytest.mark.django_db
def test_one_award_per_application(staff_user):
    application = reviewed_applications(factories.CallFactory(), 1)[0]
    award_propose(application=application, user=staff_user)
    with pytest.raises(DomainError, match="已列入奖励"):
        award_propose(application=application, user=staff_user)


@pytest.mark.django_db
def test_withdrawn_proposal_frees_its_place(staff_user):
    call = factories.CallFactory(award_count=1, fund_total=Decimal("3000"))
    first, second = reviewed_applications(call, 2)
    award = award_propose(application=first, user=staff_user)
    with pytest.raises(DomainError):
        award_propose(application=second, user=staff_user)
    award_release(award=award, user=staff_user, reason="异议成立")
    award_propose(application=second, user=staff_user)
    assert_pool_consistent(pool_for_call(call))


@pytest.mark.django_db
def test_only_staff_touch_the_pool(unit_officer):
    application = reviewed_applications(factories.CallFactory(), 1)[0]
    with pytest.raises(DomainError):
        award_propose(application=application, user=unit_officer)


class PoolInvariants(HypothesisTestCase):
    """Random sequences of propose, confirm, withdraw and revoke keep the pool within bounds."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(st.sampled_from(["propose", "confirm", "release"]), st.integers(0, 7)),
            min_size=1,
            max_size=25,
        ),
        st.integers(1, 5),
        st.sampled_from([Decimal("3000"), Decimal("7000"), Decimal("9000"), Decimal("100000")]),
    )
    def test_random_sequences(self, actions, count, fund):
        staff = factories.StaffUserFactory()
        call = factories.CallFactory(award_count=count, fund_total=fund)
        applications = reviewed_applications(call, 8)
        pool = pool_for_call(call)
        for action, index in actions:
            application = applications[index]
            try:
                if action == "propose":
                    award_propose(application=application, user=staff)
                elif action == "confirm":
                    award_confirm(application=application, user=staff)
                else:
                    award = Award.objects.filter(
                        application=application, status__in=HOLDING_STATES
                    ).first()
                    if award:
                        award_release(award=award, user=staff, reason="测试撤回")
            except DomainError:
                pass
            assert_pool_consistent(pool)
        confirmed = Award.objects.filter(pool=pool, status=AwardStatus.CONFIRMED)
        numbers = list(confirmed.values_list("certificate_number", flat=True))
        assert len(numbers) == len(set(numbers))


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="row locks need PostgreSQL: SQLite serialises whole-database writes, so this race "
    "cannot happen there; CI runs it with DATABASE_URL set",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_confirmations_fill_the_pool_exactly():
    staff = factories.StaffUserFactory()
    call = factories.CallFactory()
    applications = reviewed_applications(call, 50)
    pool_for_call(call)
    barrier = threading.Barrier(50)
    outcomes = []

    def confirm(application):
        try:
            barrier.wait()
            award_confirm(application=application, user=staff)
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 30
    refusals = [o for o in outcomes if o != "ok"]
    assert len(refusals) == 20
    assert all("名额已满" in message for message in refusals)
    pool = AwardPool.objects.get(call=call)
    assert (pool.committed_count, pool.committed_amount) == (30, Decimal("90000.00"))
    assert_pool_consistent(pool)


@pytest.mark.django_db
def test_database_refuses_an_over_full_pool_even_without_the_service():
    from django.db import IntegrityError, transaction
    from django.db.models import F

    pool = pool_for_call(factories.CallFactory(award_count=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardPool.objects.filter(pk=pool.pk).update(committed_count=F("award_count") + 1)
