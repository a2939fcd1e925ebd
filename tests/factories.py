import datetime

import factory
from factory.django import DjangoModelFactory

from society.enums import BranchType, Gender, Role, UnitType
from society.models import Branch, Expert, ExpertiseArea, Member, MemberUnit, StaffMember, User
from society.validators import credit_code_check_char

PASSWORD = "Test-pass-2023"


def credit_code(n: int) -> str:
    first17 = f"91510100{n:09d}"
    return first17 + credit_code_check_char(first17)


class BranchFactory(DjangoModelFactory):
    class Meta:
        model = Branch

    name = factory.Sequence(lambda n: f"测试专业委员会{n}")
    branch_type = BranchType.PROFESSIONAL
    leader = "王建国"
    contact_person = "李明"
    contact_phone = "13800000000"


class MemberUnitFactory(DjangoModelFactory):
    class Meta:
        model = MemberUnit

    name = factory.Sequence(lambda n: f"四川测试建设集团{n}有限公司")
    credit_code = factory.Sequence(credit_code)
    unit_type = UnitType.CONSTRUCTION
    liaison_name = "张伟"
    liaison_phone = "13900000000"
    joined_on = datetime.date(2020, 1, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "测"
    first_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.MEMBER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    role = Role.STAFF
    is_staff = True


class BranchOfficerFactory(UserFactory):
    role = Role.OFFICER
    branch = factory.SubFactory(BranchFactory)


class UnitOfficerFactory(UserFactory):
    role = Role.OFFICER
    member_unit = factory.SubFactory(MemberUnitFactory)


class LeaderFactory(UserFactory):
    role = Role.LEADER


class ExpertUserFactory(UserFactory):
    role = Role.EXPERT


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    member_number = factory.Sequence(lambda n: f"SCTJ-2021-{n + 1:05d}")
    name = factory.Sequence(lambda n: f"会员{n}")
    gender = Gender.MALE
    employer = factory.SubFactory(MemberUnitFactory)
    joined_on = datetime.date(2021, 3, 1)
    phone = factory.Sequence(lambda n: f"137{n:08d}")

    @factory.post_generation
    def branches(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.branches.set(extracted)


class ExpertFactory(DjangoModelFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"专家{n}")
    affiliation = factory.SubFactory(MemberUnitFactory)
    phone = "13600000000"

    @factory.post_generation
    def expertise(obj, create, extracted, **kwargs):
        if create:
            obj.expertise.set(extracted or ExpertiseArea.objects.filter(is_priority=True)[:1])


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    name = factory.Sequence(lambda n: f"工作人员{n}")
    position = "秘书"
    started_on = datetime.date(2022, 1, 1)
