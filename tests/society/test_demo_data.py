import hashlib
import io
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from society import demo
from society.enums import BranchType, MemberStatus
from society.models import Branch, Expert, ExpertiseArea, Member, MemberUnit, StaffMember, User
from society.validators import validate_credit_code, validate_member_number, validate_phone

SCALE = "0.1"


def run_demo_data(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def fingerprint(units: list[tuple], members: list[tuple]) -> str:
    text = repr(sorted(units)) + repr(sorted(members))
    return hashlib.sha256(text.encode()).hexdigest()


def db_fingerprint() -> str:
    return fingerprint(
        list(MemberUnit.objects.values_list("credit_code", "name")),
        list(Member.objects.values_list("member_number", "name", "phone")),
    )


@pytest.fixture
def demo_db(db):
    output = run_demo_data("--scale", SCALE)
    return output


def test_counts_at_small_scale(demo_db):
    assert Branch.objects.count() == len(demo.BRANCHES) == 19
    assert MemberUnit.objects.count() == 15
    assert Member.objects.count() == 200
    assert Expert.objects.count() == 6
    assert StaffMember.objects.filter(full_time=True).count() == 7
    assert set(User.objects.values_list("username", flat=True)) == {
        account.username for account in demo.DEMO_ACCOUNTS
    }


def test_branches_cover_every_type_and_most_have_a_party_group(demo_db):
    assert set(Branch.objects.values_list("branch_type", flat=True)) == set(BranchType.values)
    with_group = Branch.objects.filter(party_group=True)
    assert 0 < Branch.objects.filter(party_group=False).count() < with_group.count()
    assert not with_group.filter(party_group_on=None).exists()
    for branch in Branch.objects.all():
        branch.full_clean()


def test_every_identifier_is_valid(demo_db):
    for code in MemberUnit.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
    phones = [
        *MemberUnit.objects.values_list("liaison_phone", flat=True),
        *Member.objects.values_list("phone", flat=True),
        *Expert.objects.values_list("phone", flat=True),
        *Branch.objects.values_list("contact_phone", flat=True),
        *StaffMember.objects.values_list("phone", flat=True),
    ]
    for phone in phones:
        validate_phone(phone)
    numbers = list(Member.objects.values_list("member_number", flat=True))
    for number in numbers:
        validate_member_number(number)
    assert len(set(numbers)) == len(numbers)


def test_member_numbers_follow_the_year_of_joining(demo_db):
    for number, joined_on in Member.objects.values_list("member_number", "joined_on"):
        assert number.startswith(f"SCTJ-{joined_on.year}-")
    years = {joined_on.year for joined_on in Member.objects.values_list("joined_on", flat=True)}
    assert min(years) >= 2005
    assert max(years) <= 2023


@pytest.mark.parametrize("model", [MemberUnit, Member, Expert, StaffMember, User])
def test_records_pass_full_clean(demo_db, model):
    # The big tables are written with bulk_create; full_clean here proves the data is valid.
    for obj in model.objects.all():
        obj.full_clean()


def test_members_have_branches_employers_and_some_tianfu_data(demo_db):
    assert not Member.objects.filter(branches=None).exists()
    per_member = Counter(Member.branches.through.objects.values_list("member_id", flat=True))
    assert max(per_member.values()) <= 3  # one or two, plus the demo branch for the demo member
    assert not Member.objects.filter(employer=None, employer_name="").exists()
    registered = Member.objects.exclude(tianfu_registered_on=None)
    assert registered.exists()
    assert not registered.filter(tianfu_account="").exists()
    for member in Member.objects.exclude(studio_opened_on=None):
        assert member.studio_url
        assert member.studio_opened_on >= member.tianfu_registered_on
    assert set(Member.objects.values_list("status", flat=True)) <= set(MemberStatus.values)


def test_experts_cover_the_five_priority_areas(demo_db):
    priority = ExpertiseArea.objects.filter(is_priority=True)
    assert priority.count() == 5
    covered = set(Expert.objects.values_list("expertise__code", flat=True))
    assert set(priority.values_list("code", flat=True)) <= covered
    assert not Expert.objects.filter(expertise=None).exists()
    for expert in Expert.objects.exclude(affiliation=None):
        assert not expert.avoid_units.filter(pk=expert.affiliation_id).exists()


@pytest.mark.parametrize(
    ("username", "role"),
    [(account.username, account.role) for account in demo.DEMO_ACCOUNTS],
)
def test_demo_accounts_log_in_with_their_role(demo_db, client, username, role):
    # Through the login page: django-axes needs the request to authenticate.
    signed_in = client.post(
        reverse("login"), {"username": username, "password": demo.DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302
    user = User.objects.get(username=username)
    assert user.role == role


def test_demo_accounts_are_bound_to_their_records(demo_db):
    admin = User.objects.get(username="admin")
    staff = User.objects.get(username="mishuchu")
    assert admin.is_superuser and admin.is_staff
    assert staff.is_staff and not staff.is_superuser
    assert User.objects.get(username="fenhui").organisation.name == "建筑结构专业委员会"
    assert isinstance(User.objects.get(username="danwei").organisation, MemberUnit)
    assert Expert.objects.get(user__username="zhuanjia")
    member = Member.objects.get(user__username="huiyuan")
    assert member.status == MemberStatus.ACTIVE
    for username in ["lingdao", "zhuanjia", "huiyuan", "mishuchu"]:
        assert User.objects.get(username=username).organisation is None


def test_output_lists_the_demo_accounts(demo_db):
    for account in demo.DEMO_ACCOUNTS:
        assert account.username in demo_db
    assert demo.DEMO_PASSWORD in demo_db


def test_second_run_does_not_duplicate(demo_db):
    before = db_fingerprint(), User.objects.count(), Expert.objects.count()
    output = run_demo_data("--scale", SCALE)
    assert "已有学会登记数据" in output
    assert (db_fingerprint(), User.objects.count(), Expert.objects.count()) == before


def test_reset_rebuilds_the_same_data(demo_db):
    before = db_fingerprint()
    output = run_demo_data("--scale", SCALE, "--reset")
    assert "已清空" in output
    assert db_fingerprint() == before
    assert User.objects.count() == len(demo.DEMO_ACCOUNTS)


def test_scale_must_be_positive(db):
    with pytest.raises(CommandError):
        run_demo_data("--scale", "0")
    assert not Branch.objects.exists()


def test_fresh_database_in_another_process_gets_the_same_data(demo_db, tmp_path):
    """A new process (new hash seed) on a new SQLite file builds exactly the same registry."""
    db_file = tmp_path / "fresh.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{db_file}",
        "PYTHONHASHSEED": "12345",
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    for command in (["migrate", "-v0"], ["demo_data", "--scale", SCALE]):
        subprocess.run([*manage, *command], env=env, check=True, capture_output=True)
    with sqlite3.connect(db_file) as connection:
        units = connection.execute("SELECT credit_code, name FROM society_memberunit").fetchall()
        members = connection.execute(
            "SELECT member_number, name, phone FROM society_member"
        ).fetchall()
    assert fingerprint(units, members) == db_fingerprint()


def test_readme_lists_the_demo_accounts():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert demo.DEMO_PASSWORD in readme
    for account in demo.DEMO_ACCOUNTS:
        assert f"| `{account.username}` |" in readme
    assert "bash scripts/dev.sh" in readme
    assert "bash scripts/test.sh" in readme
