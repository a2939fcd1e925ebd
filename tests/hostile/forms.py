"""Every form a person outside the secretariat can post, set up with valid data.

A target names the form's fields by kind, so a test can put one hostile value into all its
free-text fields (or number fields, or date fields) at once; `state` is what a refused post
must leave unchanged; `stored` reads back what an accepted post wrote, under the posted
field names; `pages` are the pages that show the stored values.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import timezone

from awards.models import Objection, PublicNotice
from kpis.models import Record, RecordEvidence, SatisfactionResponse
from projects.enums import ApplicationStatus, AttachmentKind
from projects.models import (
    Application,
    Attachment,
    BudgetLine,
    FinalReport,
    Milestone,
    PlannedOutput,
    ProgressUpdate,
    ReviewAssignment,
    TeamMember,
)
from society.models import Branch, GrowthEntry, Member, MemberUnit, Registration
from tests import factories
from tests.factories import indicator

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "材料.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class Target:
    client: Client
    url: str
    data: dict
    state: Callable[[], object]
    text: list[str] = field(default_factory=list)  # one-line text fields
    areas: list[str] = field(default_factory=list)  # text areas
    numbers: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    stored: Callable[[], dict] | None = None
    pages: Callable[[], list[tuple[Client, str]]] = lambda: []
    method: str = "post"
    files: Callable[[], dict] = dict  # fresh file objects for every post
    file_field: str = ""  # the upload field, for the upload corpus

    def send(self, data: dict):
        data = {**data, **self.files()}
        if self.method == "get":
            return self.client.get(self.url, data)
        raw = {name: value for name, value in data.items() if isinstance(value, bytes)}
        if not raw:
            return self.client.post(self.url, data)
        # The test client would send bytes as a list of numbers: put them in the body as is.
        placeholders = {name: f"\u2603raw-{index}\u2603" for index, name in enumerate(raw)}
        body = encode_multipart(BOUNDARY, {**data, **placeholders})
        for name, placeholder in placeholders.items():
            body = body.replace(placeholder.encode(), raw[name])
        return self.client.generic("POST", self.url, body, content_type=MULTIPART_CONTENT)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_change(staff_client, obj) -> tuple[Client, str]:
    meta = obj._meta
    return staff_client, reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def rows(model, *fields, **filters):
    return list(model.objects.filter(**filters).order_by("pk").values_list(*fields))


# --- public and member forms -------------------------------------------------------------


def login(request, staff_client):
    factories.UserFactory(username="zhangsan")
    return Target(
        client=Client(),
        url=reverse("login"),
        data={"username": "zhangsan", "password": "wrong-password"},
        text=["username", "password"],
        state=lambda: rows(Member, "pk"),
    )


def password_reset(request, staff_client):
    from django.core import mail

    return Target(
        client=Client(),
        url=reverse("password_reset"),
        data={"email": "nobody@example.com"},
        text=["email"],
        state=lambda: len(mail.outbox),
    )


def register(request, staff_client):
    unit = factories.MemberUnitFactory()

    def stored():
        registration = Registration.objects.get()
        return {"name": registration.name, "employer_name": registration.employer_name}

    return Target(
        client=Client(),
        url=reverse("register"),
        data={
            "name": "王小明",
            "gender": "male",
            "phone": "13712345678",
            "email": "wangxiaoming@example.com",
            "employer": unit.pk,
            "employer_name": "西南交通大学",
            "title": "",
            "consent": "on",
        },
        text=["name", "employer_name"],
        state=lambda: rows(Registration, "pk"),
        stored=stored,
        pages=lambda: [
            admin_change(staff_client, Registration.objects.get()),
            (staff_client, reverse("admin:society_registration_changelist")),
        ],
    )


def member_profile(request, staff_client):
    user = request.getfixturevalue("member_user")
    member = user.member

    def stored():
        member.refresh_from_db()
        return {
            "employer_name": member.employer_name,
            "tianfu_account": member.tianfu_account,
            "tianfu_registered_on": member.tianfu_registered_on,
            "studio_opened_on": member.studio_opened_on,
        }

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("me-profile"),
        data={
            "phone": member.phone,
            "email": "member@example.com",
            "title": "",
            "employer_name": "西南交通大学",
            "tianfu_registered_on": "2023-05-01",
            "tianfu_account": "tf-0001",
            "studio_opened_on": "2023-06-01",
            "studio_url": "",
            "version": member.version,
        },
        text=["employer_name", "tianfu_account"],
        dates=["tianfu_registered_on", "studio_opened_on"],
        state=lambda: rows(Member, "employer_name", "tianfu_account", "version", pk=member.pk),
        stored=stored,
        pages=lambda: [
            (client, reverse("me-profile")),
            admin_change(staff_client, member),
        ],
    )


def member_growth(request, staff_client):
    user = request.getfixturevalue("member_user")

    def stored():
        entry = GrowthEntry.objects.get()
        return {
            "title": entry.title,
            "description": entry.description,
            "occurred_on": entry.occurred_on,
        }

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("me-growth"),
        data={"occurred_on": "2023-05-01", "title": "参加桥梁技术培训", "description": "结业"},
        text=["title"],
        areas=["description"],
        dates=["occurred_on"],
        state=lambda: rows(GrowthEntry, "pk"),
        stored=stored,
        pages=lambda: [(client, reverse("me-growth"))],
        file_field="evidence",
    )


def member_services(request, staff_client):
    user = request.getfixturevalue("member_user")
    record = factories.RecordFactory(occurred_on=timezone.localdate() - datetime.timedelta(days=10))
    record.participants.add(user.member)

    def stored():
        return {"comment": SatisfactionResponse.objects.get().comment}

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("me-services"),
        data={"record": record.pk, "rating": "5", "comment": "服务很好"},
        areas=["comment"],
        numbers=["record"],
        state=lambda: rows(SatisfactionResponse, "pk"),
        stored=stored,
        pages=lambda: [
            (client, reverse("me-services")),
            admin_change(staff_client, SatisfactionResponse.objects.get()),
        ],
    )


def objection(request, staff_client):
    call = factories.CallFactory(in_review=True)
    application = factories.ApplicationFactory(call=call, status=ApplicationStatus.PUBLICIZED)
    factories.AwardFactory(application=application)
    today = timezone.localdate()
    notice = PublicNotice.objects.create(
        call=call,
        title="拟奖励项目公示",
        body="现将拟奖励项目予以公示。",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=5),
        published_at=timezone.now(),
    )

    def stored():
        item = Objection.objects.get()
        return {"name": item.name, "employer": item.employer, "content": item.content}

    return Target(
        client=Client(),
        url=reverse("awards:notice-detail", args=[notice.pk]),
        data={
            "name": "张三丰",
            "phone": "13812345678",
            "email": "zhangsanfeng@example.com",
            "employer": "成都某设计研究院",
            "content": "该项目申报材料中列出的成果与事实不符，请核查。",
        },
        files=lambda: {"evidence": pdf("证明材料.pdf")},
        text=["name", "employer"],
        areas=["content"],
        state=lambda: rows(Objection, "pk"),
        stored=stored,
        pages=lambda: [
            admin_change(staff_client, Objection.objects.get()),
            (staff_client, reverse("admin:awards_objection_changelist")),
        ],
        file_field="evidence",
    )


def news_search(request, staff_client):
    return Target(
        client=Client(),
        url=reverse("article-list"),
        data={"q": "桥梁", "kind": ""},
        text=["q"],
        state=lambda: None,
        method="get",
    )


# --- officers ------------------------------------------------------------------------------


def branch_edit(request, staff_client):
    user = request.getfixturevalue("branch_officer")
    branch = user.branch

    def stored():
        branch.refresh_from_db()
        return {
            "leader": branch.leader,
            "contact_person": branch.contact_person,
            "description": branch.description,
            "established_on": branch.established_on,
        }

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("org_branch_edit", args=[branch.pk]),
        data={
            "leader": "王建国",
            "contact_person": "李明",
            "contact_phone": "13800000000",
            "email": "branch@example.com",
            "established_on": "2015-06-01",
            "party_group": "",
            "party_group_on": "",
            "description": "专业委员会简介",
            "version": branch.version,
        },
        text=["leader", "contact_person"],
        areas=["description"],
        dates=["established_on"],
        state=lambda: rows(Branch, "leader", "description", "version", pk=branch.pk),
        stored=stored,
        pages=lambda: [
            (client, reverse("org_branch_detail", args=[branch.pk])),
            admin_change(staff_client, branch),
        ],
    )


def unit_edit(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    unit = user.member_unit

    def stored():
        unit.refresh_from_db()
        return {"liaison_name": unit.liaison_name, "address": unit.address}

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("org_memberunit_edit", args=[unit.pk]),
        data={
            "liaison_name": "张伟",
            "liaison_phone": "13900000000",
            "email": "unit@example.com",
            "address": "成都市武侯区",
            "version": unit.version,
        },
        text=["liaison_name", "address"],
        state=lambda: rows(MemberUnit, "liaison_name", "address", "version", pk=unit.pk),
        stored=stored,
        pages=lambda: [
            (client, reverse("org_memberunit_detail", args=[unit.pk])),
            admin_change(staff_client, unit),
        ],
    )


def unit_members_search(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("org_memberunit_members", args=[user.member_unit.pk]),
        data={"q": "王"},
        text=["q"],
        state=lambda: None,
        method="get",
    )


def application_create(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    call = factories.CallFactory()

    def stored():
        application = Application.objects.get()
        return {name: getattr(application, name) for name in ("title", "summary", "plan")}

    def pages():
        application = Application.objects.get()
        return [
            (client, reverse("projects:application-detail", args=[application.pk])),
            (client, reverse("projects:application-list")),
            admin_change(staff_client, application),
            (staff_client, reverse("admin:projects_application_changelist")),
        ]

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:application-create", args=[call.pk]),
        data={
            "title": "桥梁隧道工程科技服务团队建设",
            "area": "innovation",
            "field": factories.priority_field().pk,
            "summary": "组建科技服务团队。",
            "plan": "一、组建团队；二、开展技术指导。",
        },
        text=["title"],
        areas=["summary", "plan"],
        state=lambda: rows(Application, "pk"),
        stored=stored,
        pages=pages,
    )


CHILD_ROWS = {
    "outputs": (PlannedOutput, {"quantity": "2", "description": "技术指导两项"}),
    "budget": (BudgetLine, {"item": "专家咨询费", "amount": "2000", "note": "按标准测算"}),
    "team": (
        TeamMember,
        {"name": "李工", "title": "高级工程师", "unit": "某设计院", "role": "负责人"},
    ),
    "milestones": (
        Milestone,
        {"title": "完成技术指导", "due_on": "2023-11-30", "description": "提交记录"},
    ),
}
CHILD_TEXT = [
    "outputs-0-description",
    "budget-0-item",
    "budget-0-note",
    "team-0-name",
    "team-0-title",
    "team-0-unit",
    "team-0-role",
    "milestones-0-title",
    "milestones-0-description",
]


def application_edit(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    application = factories.ApplicationFactory(member_unit=user.member_unit)
    data = {
        "version": application.version,
        "title": application.title,
        "area": application.area,
        "field": application.field_id,
        "summary": application.summary,
        "plan": application.plan,
    }
    for prefix, (_model, values) in CHILD_ROWS.items():
        data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
        data.update({f"{prefix}-0-{name}": value for name, value in values.items()})
    data["outputs-0-indicator"] = indicator("I05").pk

    def stored():
        application.refresh_from_db()
        values = {name: getattr(application, name) for name in ("title", "summary", "plan")}
        for prefix, (model, fields) in CHILD_ROWS.items():
            row = model.objects.get(application=application)
            values.update({f"{prefix}-0-{name}": getattr(row, name) for name in fields})
        return values

    def state():
        counts = [model.objects.count() for model, _values in CHILD_ROWS.values()]
        return counts, rows(Application, "title", "summary", "plan", "version")

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:application-edit", args=[application.pk]),
        data=data,
        text=["title", *CHILD_TEXT],
        areas=["summary", "plan"],
        numbers=["outputs-0-quantity", "budget-0-amount"],
        dates=["milestones-0-due_on"],
        state=state,
        stored=stored,
        pages=lambda: [
            (client, reverse("projects:application-detail", args=[application.pk])),
            admin_change(staff_client, application),
        ],
    )


def attachment_upload(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    application = factories.ApplicationFactory(member_unit=user.member_unit)
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:attachment-upload", args=[application.pk]),
        data={"description": "盖章扫描件"},
        files=lambda: {"file": pdf("申报书.pdf")},
        text=["description"],
        state=lambda: rows(Attachment, "pk"),
        stored=lambda: {"description": Attachment.objects.get().description},
        pages=lambda: [
            (client, reverse("projects:application-detail", args=[application.pk])),
            admin_change(staff_client, application),
        ],
        file_field="file",
    )


def _awarded(user, status=ApplicationStatus.AWARDED):
    application = factories.ApplicationFactory(member_unit=user.member_unit, status=status)
    return factories.complete_application(application, with_attachment=False)


def implementation_progress(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    application = _awarded(user)
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:implementation-progress", args=[application.pk]),
        data={"reported_on": "2023-10-10", "milestone": "", "text": "已完成两次桥梁检测技术指导。"},
        areas=["text"],
        numbers=["milestone"],
        dates=["reported_on"],
        state=lambda: (rows(ProgressUpdate, "pk"), rows(Application, "status")),
        stored=lambda: {
            "text": ProgressUpdate.objects.get().text,
            "reported_on": ProgressUpdate.objects.get().reported_on,
        },
        pages=lambda: [
            (client, reverse("projects:implementation", args=[application.pk])),
            admin_change(staff_client, application),
        ],
        file_field="files",
    )


def final_report(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    application = _awarded(user, ApplicationStatus.IN_PROGRESS)
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:final-report", args=[application.pk]),
        data={"summary": "全面完成了项目任务。"},
        areas=["summary"],
        state=lambda: rows(FinalReport, "summary"),
        stored=lambda: {"summary": FinalReport.objects.get().summary},
        pages=lambda: [
            (client, reverse("projects:final-report", args=[application.pk])),
            admin_change(staff_client, application),
        ],
    )


def final_report_evidence(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    application = _awarded(user, ApplicationStatus.IN_PROGRESS)
    output = application.outputs.get()

    def evidence():
        return Attachment.objects.filter(kind=AttachmentKind.EVIDENCE)

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:final-report-evidence", args=[application.pk]),
        data={"output": output.pk, "description": "指导记录"},
        files=lambda: {"file": pdf("佐证.pdf")},
        text=["description"],
        numbers=["output"],
        state=lambda: rows(Attachment, "pk"),
        stored=lambda: {"description": evidence().get().description},
        pages=lambda: [
            (client, reverse("projects:final-report", args=[application.pk])),
            admin_change(staff_client, application),
        ],
        file_field="file",
    )


RECORD_DATA = {
    "category": "技术指导",
    "title": "为成都某桥梁项目提供技术指导",
    "occurred_on": "2023-09-01",
    "description": "现场指导桥梁顶推施工。",
    "link": "https://www.tfkjy.cn/service/1",
    "quantity": "1",
}
RECORD_TEXT = ["title"]


def _record_stored():
    record = Record.objects.get()
    return {
        "title": record.title,
        "description": record.description,
        "occurred_on": record.occurred_on,
    }


def record_create(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("kpis:record-create"),
        data={**RECORD_DATA, "indicator": indicator("I05").pk},
        files=lambda: {"evidence": pdf("指导记录.pdf")},
        text=RECORD_TEXT,
        areas=["description"],
        numbers=["quantity"],
        dates=["occurred_on"],
        state=lambda: (rows(Record, "pk"), rows(RecordEvidence, "pk")),
        stored=_record_stored,
        pages=lambda: [
            (client, reverse("kpis:record-detail", args=[Record.objects.get().pk])),
            (client, reverse("kpis:record-list")),
            admin_change(staff_client, Record.objects.get()),
        ],
        file_field="evidence",
    )


def _reported_record(user, title):
    """A technical-guidance record the unit officer has reported."""
    from kpis.services import record_report

    data = {
        "indicator": indicator("I05"),
        "category": "技术指导",
        "title": title,
        "occurred_on": datetime.date(2023, 9, 1),
    }
    return record_report(user=user, data=data)


def record_edit(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    record = _reported_record(user, "原来的名称")
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("kpis:record-edit", args=[record.pk]),
        data={**RECORD_DATA, "indicator": record.indicator_id, "version": record.version},
        text=RECORD_TEXT,
        areas=["description"],
        numbers=["quantity"],
        dates=["occurred_on"],
        state=lambda: rows(Record, "title", "description", "occurred_on", "version"),
        stored=_record_stored,
        pages=lambda: [
            (client, reverse("kpis:record-detail", args=[record.pk])),
            admin_change(staff_client, record),
        ],
    )


def record_evidence(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    record = _reported_record(user, "技术指导")
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("kpis:evidence-upload", args=[record.pk]),
        data={},
        files=lambda: {"evidence": pdf("指导记录.pdf")},
        state=lambda: rows(RecordEvidence, "pk"),
        pages=lambda: [(client, reverse("kpis:record-detail", args=[record.pk]))],
        file_field="evidence",
    )


def record_list_filter(request, staff_client):
    user = request.getfixturevalue("unit_officer")
    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("kpis:record-list"),
        data={"indicator": "", "status": ""},
        text=["status"],
        numbers=["indicator"],
        state=lambda: None,
        method="get",
    )


# --- experts -----------------------------------------------------------------------------


def _assignment(request):
    user = request.getfixturevalue("expert_user")
    return user, factories.ReviewAssignmentFactory(expert=user.expert)


def review_score(request, staff_client):
    user, assignment = _assignment(request)
    criteria = list(assignment.application.call.criteria.all())
    scores = {f"score_{criterion.pk}": "10" for criterion in criteria}

    def stored():
        assignment.refresh_from_db()
        return {"comment": assignment.comment}

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:review-detail", args=[assignment.pk]),
        data={"comment": "方案可行，团队实力较强。", "action": "save", **scores},
        areas=["comment"],
        numbers=list(scores),
        state=lambda: (
            rows(ReviewAssignment, "comment", "status"),
            [s.points for s in assignment.scores.order_by("pk")],
        ),
        stored=stored,
        pages=lambda: [
            (client, reverse("projects:review-detail", args=[assignment.pk])),
            admin_change(staff_client, assignment),
        ],
    )


def review_conflict(request, staff_client):
    user, assignment = _assignment(request)

    def stored():
        assignment.refresh_from_db()
        return {"reason": assignment.conflict_reason}

    client = logged_in(user)
    return Target(
        client=client,
        url=reverse("projects:review-conflict", args=[assignment.pk]),
        data={"reason": "本人曾参与该项目的咨询。"},
        areas=["reason"],
        state=lambda: rows(ReviewAssignment, "status", "conflict_reason"),
        stored=stored,
        pages=lambda: [admin_change(staff_client, assignment)],
    )


FORMS = {
    "login": login,
    "password_reset": password_reset,
    "register": register,
    "member_profile": member_profile,
    "member_growth": member_growth,
    "member_services": member_services,
    "objection": objection,
    "news_search": news_search,
    "branch_edit": branch_edit,
    "unit_edit": unit_edit,
    "unit_members_search": unit_members_search,
    "application_create": application_create,
    "application_edit": application_edit,
    "attachment_upload": attachment_upload,
    "implementation_progress": implementation_progress,
    "final_report": final_report,
    "final_report_evidence": final_report_evidence,
    "record_create": record_create,
    "record_edit": record_edit,
    "record_evidence": record_evidence,
    "record_list_filter": record_list_filter,
    "review_score": review_score,
    "review_conflict": review_conflict,
}
