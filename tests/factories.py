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


# --- projects -------------------------------------------------------------

from datetime import timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.utils import timezone  # noqa: E402

from kpis.models import Indicator  # noqa: E402
from projects.enums import ApplicationStatus, ReviewStatus  # noqa: E402
from projects.models import (  # noqa: E402
    Application,
    BudgetLine,
    Call,
    Criterion,
    Milestone,
    PlannedOutput,
    ReviewAssignment,
    TeamMember,
)

RUBRIC = ["实施能力强", "工作好", "措施实", "潜力大"]


def _days(n):
    return timezone.now() + timedelta(days=n)


class CallFactory(DjangoModelFactory):
    """By default open for applications now; the `in_review` trait puts it in review."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    year = 2023
    title = factory.Sequence(lambda n: f"2023年度创建一流科技社团培育奖励申报（第{n}批）")
    notice = "各地方学会、分支机构、会员单位：……"
    applications_open_at = factory.LazyFunction(lambda: _days(-30))
    applications_close_at = factory.LazyFunction(lambda: _days(10))
    formal_check_close_at = factory.LazyFunction(lambda: _days(15))
    review_open_at = factory.LazyFunction(lambda: _days(15))
    review_close_at = factory.LazyFunction(lambda: _days(30))
    implementation_end = datetime.date(2023, 12, 31)

    class Params:
        in_review = factory.Trait(
            applications_open_at=factory.LazyFunction(lambda: _days(-60)),
            applications_close_at=factory.LazyFunction(lambda: _days(-30)),
            formal_check_close_at=factory.LazyFunction(lambda: _days(-20)),
            review_open_at=factory.LazyFunction(lambda: _days(-10)),
            review_close_at=factory.LazyFunction(lambda: _days(10)),
        )

    @factory.post_generation
    def criteria(obj, create, extracted, **kwargs):
        if create:
            for order, name in enumerate(extracted or RUBRIC):
                Criterion.objects.create(call=obj, name=name, order=order)


def priority_field():
    return ExpertiseArea.objects.get(code="bridge-tunnel")


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    member_unit = factory.SubFactory(MemberUnitFactory)
    title = factory.Sequence(lambda n: f"桥梁隧道工程科技服务团队建设项目{n}")
    area = "innovation"
    field = factory.LazyFunction(priority_field)
    summary = "组建科技服务团队，服务全省桥梁隧道工程建设。"
    plan = "一、组建团队；二、开展技术指导；三、发布科技成果。"
    status = ApplicationStatus.DRAFT


def complete_application(application, *, with_attachment=True):
    """Fill in everything `submit` checks for."""
    indicator = Indicator.objects.get(year=2023, code="I05")
    PlannedOutput.objects.create(
        application=application, indicator=indicator, quantity=2, description="技术指导两项"
    )
    BudgetLine.objects.create(application=application, item="专家咨询费", amount=Decimal("2000"))
    BudgetLine.objects.create(application=application, item="资料印刷费", amount=Decimal("1000"))
    TeamMember.objects.create(application=application, name="李工", role="负责人")
    Milestone.objects.create(
        application=application, title="完成技术指导", due_on=datetime.date(2023, 11, 30)
    )
    if with_attachment:
        from projects.models import Attachment

        Attachment.objects.create(
            application=application,
            file="applications/test.pdf",
            original_name="申报书.pdf",
            extension="pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        )
    return application


class ReviewAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = ReviewAssignment

    application = factory.SubFactory(
        ApplicationFactory,
        status=ApplicationStatus.UNDER_REVIEW,
        call=factory.SubFactory(CallFactory, in_review=True),
    )
    expert = factory.SubFactory(ExpertFactory)
    status = ReviewStatus.ASSIGNED


# --- awards and implementation -------------------------------------------

from awards.models import Award  # noqa: E402
from awards.services import pool_for_call  # noqa: E402
from projects.models import Acceptance, Attachment, FinalReport, Inspection  # noqa: E402


class AwardFactory(DjangoModelFactory):
    """An award written directly (tests of the pool itself go through awards.services)."""

    class Meta:
        model = Award

    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.REVIEWED)
    pool = factory.LazyAttribute(lambda o: pool_for_call(o.application.call))
    amount = Decimal("3000.00")
    status = "proposed"


class InspectionFactory(DjangoModelFactory):
    class Meta:
        model = Inspection

    inspected_on = datetime.date(2023, 10, 15)
    inspectors = "王秘书、李专家"
    findings = "按计划推进。"
    result = "passed"
    fix_deadline = factory.LazyAttribute(
        lambda o: datetime.date(2023, 11, 15) if o.result == "rectify" else None
    )


class AcceptanceFactory(DjangoModelFactory):
    class Meta:
        model = Acceptance

    score = factory.LazyAttribute(
        lambda o: Decimal("88") if o.result == "passed" else Decimal("60")
    )
    result = "passed"
    opinion = "完成了预期成果。"
    reviewers = "验收专家组"
    accepted_on = datetime.date(2024, 1, 10)


def complete_final_report(application, *, with_evidence=True):
    FinalReport.objects.create(application=application, summary="全面完成了项目任务。")
    if with_evidence:
        for output in application.outputs.all():
            Attachment.objects.create(
                application=application,
                kind="evidence",
                output=output,
                file="applications/evidence.pdf",
                original_name="佐证.pdf",
                extension="pdf",
                content_type="application/pdf",
                size=10,
                sha256="1" * 64,
            )
    return application


# --- kpis -------------------------------------------------------------------

from kpis.models import Record  # noqa: E402


def indicator(code, year=2023):
    return Indicator.objects.get(year=year, code=code)


class RecordFactory(DjangoModelFactory):
    class Meta:
        model = Record

    indicator = factory.LazyFunction(lambda: indicator("I05"))
    member_unit = factory.SubFactory(MemberUnitFactory)
    title = factory.Sequence(lambda n: f"科技服务记录{n}")
    occurred_on = datetime.date(2023, 9, 1)
    status = "verified"
