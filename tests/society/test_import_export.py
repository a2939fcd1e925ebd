import datetime
import io

import openpyxl
import pytest
import tablib
from diff_match_patch import diff_match_patch
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from society.enums import Gender, OrgStatus, UnitGrade, UnitType
from society.models import AuditEntry, Branch, Expert, Member, MemberUnit
from society.resources import (
    BranchResource,
    ExpertResource,
    MemberResource,
    MemberUnitResource,
    preview_html,
)
from tests import factories

UNIT_HEADERS = [
    "单位名称",
    "统一社会信用代码",
    "单位类型",
    "会员等级",
    "联络员",
    "联络员电话",
    "入会日期",
    "状态",
]
MEMBER_HEADERS = [
    "会员编号",
    "姓名",
    "性别",
    "工作单位",
    "工作单位（非会员单位）",
    "所属分支机构",
    "会员等级",
    "入会日期",
    "状态",
    "手机号",
]


def unit_row(n: int, **overrides) -> list:
    values = {
        "单位名称": f"四川导入建设集团{n}有限公司",
        "统一社会信用代码": factories.credit_code(900 + n),
        "单位类型": "施工企业",
        "会员等级": "理事单位",
        "联络员": "张伟",
        "联络员电话": "13912345678",
        "入会日期": datetime.date(2022, 5, 1),
        "状态": "正常",
        **overrides,
    }
    return [values[header] for header in UNIT_HEADERS]


def member_row(number: str, **overrides) -> list:
    values = {
        "会员编号": number,
        "姓名": "王小明",
        "性别": "男",
        "工作单位": "",
        "工作单位（非会员单位）": "西南交通大学",
        "所属分支机构": "",
        "会员等级": "会员",
        "入会日期": "2023-03-01",
        "状态": "正常",
        "手机号": "13712345678",
        **overrides,
    }
    return [values[header] for header in MEMBER_HEADERS]


def xlsx_bytes(headers: list, rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_file(headers: list, rows: list[list]) -> SimpleUploadedFile:
    return SimpleUploadedFile("导入.xlsx", xlsx_bytes(headers, rows))


def dataset(headers: list, rows: list[list]) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=headers)


def import_url(model) -> str:
    return reverse(f"admin:society_{model._meta.model_name}_import")


def upload(client, model, headers, rows):
    """The admin's dry run: upload the file and get the check page."""
    return client.post(
        import_url(model),
        {"format": "0", "resource": "0", "import_file": xlsx_file(headers, rows)},
    )


def confirm(client, model, dry_run_response):
    form = dry_run_response.context["confirm_form"]
    url = reverse(f"admin:society_{model._meta.model_name}_process_import")
    return client.post(url, {name: form.initial.get(name, "") for name in form.fields})


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# A good file through the admin: dry run, confirm, written and audited.


def test_good_unit_file_imports_through_the_admin(client, staff_user):
    client.force_login(staff_user)
    rows = [unit_row(1), unit_row(2, 会员等级="副理事长单位", 入会日期="2021/7/1")]

    checked = upload(client, MemberUnit, UNIT_HEADERS, rows)

    assert checked.status_code == 200
    assert checked.context["confirm_form"] is not None
    assert not MemberUnit.objects.exists()

    done = confirm(client, MemberUnit, checked)

    assert done.status_code == 302
    units = {unit.name: unit for unit in MemberUnit.objects.all()}
    assert set(units) == {"四川导入建设集团1有限公司", "四川导入建设集团2有限公司"}
    second = units["四川导入建设集团2有限公司"]
    assert second.grade == UnitGrade.VICE_PRESIDENT
    assert second.unit_type == UnitType.CONSTRUCTION
    assert second.joined_on == datetime.date(2021, 7, 1)
    created = AuditEntry.objects.filter(action="society.memberunit.created")
    assert created.count() == 2
    assert {entry.actor for entry in created} == {staff_user}
    entry = created.get(object_id=str(second.pk))
    assert entry.data["source"] == "import"
    assert entry.data["file"] == "导入.xlsx"
    assert entry.data["changes"]["grade"] == [None, "vice_president"]
    summary = AuditEntry.objects.get(action="society.memberunit.imported")
    assert summary.data["new"] == 2
    assert summary.data["file"] == "导入.xlsx"


def test_import_updates_existing_records_by_natural_key(client, staff_user):
    unit = factories.MemberUnitFactory(
        credit_code=factories.credit_code(901), liaison_name="旧联络员"
    )
    client.force_login(staff_user)
    rows = [unit_row(1, 联络员="新联络员")]  # same credit code, lower case in the file
    rows[0][1] = rows[0][1].lower()

    confirm(client, MemberUnit, upload(client, MemberUnit, UNIT_HEADERS, rows))

    assert MemberUnit.objects.count() == 1
    unit.refresh_from_db()
    assert unit.liaison_name == "新联络员"
    assert unit.name == "四川导入建设集团1有限公司"
    assert unit.version == 2
    entry = AuditEntry.objects.get(action="society.memberunit.updated")
    assert entry.data["changes"]["liaison_name"] == ["旧联络员", "新联络员"]


def test_good_member_file_links_units_and_branches(staff_user):
    unit = factories.MemberUnitFactory(name="中国五冶集团有限公司")
    factories.BranchFactory(name="建筑结构专业委员会")
    factories.BranchFactory(name="科普工作委员会")
    factories.BranchFactory(name="学术工作委员会")
    rows = [
        member_row(
            "SCTJ-2023-00001",
            工作单位="中国五冶集团有限公司",
            所属分支机构="建筑结构专业委员会、科普工作委员会",
        ),
        member_row("SCTJ-2023-00002", 所属分支机构="学术工作委员会，科普工作委员会", 性别="女"),
    ]

    result = MemberResource().import_data(
        dataset(MEMBER_HEADERS, rows), dry_run=False, user=staff_user, file_name="会员.xlsx"
    )

    assert not result.has_errors() and not result.has_validation_errors()
    first = Member.objects.get(member_number="SCTJ-2023-00001")
    assert first.employer == unit
    assert sorted(b.name for b in first.branches.all()) == ["建筑结构专业委员会", "科普工作委员会"]
    second = Member.objects.get(member_number="SCTJ-2023-00002")
    assert second.employer is None
    assert second.employer_name == "西南交通大学"
    assert second.gender == Gender.FEMALE
    assert sorted(b.name for b in second.branches.all()) == ["学术工作委员会", "科普工作委员会"]
    assert AuditEntry.objects.filter(action="society.member.created").count() == 2
    assert AuditEntry.objects.filter(action="society.member.imported").count() == 1


# Member files are written in batches (use_bulk): the same outcome as row by row.


class SmallBatchMemberResource(MemberResource):
    class Meta(MemberResource.Meta):
        batch_size = 2


def stored_member(number: str, **fields) -> Member:
    """A member whose values equal member_row(number) (a row for it changes nothing)."""
    values = {
        "member_number": number,
        "name": "王小明",
        "gender": Gender.MALE,
        "employer": None,
        "employer_name": "西南交通大学",
        "joined_on": datetime.date(2023, 3, 1),
        "phone": "13712345678",
        **fields,
    }
    return factories.MemberFactory(**values)


def test_member_batches_update_links_version_and_audit(staff_user):
    unit = factories.MemberUnitFactory(name="中国五冶集团有限公司")
    old, kept, added = (
        factories.BranchFactory(name=name)
        for name in ("旧专业委员会", "科普工作委员会", "学术工作委员会")
    )
    changed = stored_member("SCTJ-2023-00001", branches=[old, kept])
    unchanged = stored_member("SCTJ-2023-00002", branches=[kept])
    stamp = changed.updated_at
    rows = [
        member_row(
            "SCTJ-2023-00001",
            工作单位="中国五冶集团有限公司",
            **{"工作单位（非会员单位）": ""},
            所属分支机构="学术工作委员会、科普工作委员会",
        ),
        member_row("SCTJ-2023-00002", 所属分支机构="科普工作委员会"),
        member_row("SCTJ-2023-00003", 所属分支机构="学术工作委员会"),
        member_row("SCTJ-2023-00004"),
        member_row("SCTJ-2023-00005", 工作单位="中国五冶集团有限公司"),
    ]

    result = SmallBatchMemberResource().import_data(
        dataset(MEMBER_HEADERS, rows), dry_run=False, user=staff_user, file_name="会员.xlsx"
    )

    assert not result.has_errors() and not result.has_validation_errors()
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (3, 1, 1)
    changed.refresh_from_db()
    assert changed.employer == unit and changed.employer_name == ""
    assert set(changed.branches.all()) == {kept, added}
    assert changed.version == 2 and changed.updated_at > stamp
    unchanged.refresh_from_db()
    assert unchanged.version == 1 and list(unchanged.branches.all()) == [kept]
    assert list(Member.objects.get(member_number="SCTJ-2023-00003").branches.all()) == [added]
    assert not Member.objects.get(member_number="SCTJ-2023-00004").branches.exists()
    assert Member.objects.get(member_number="SCTJ-2023-00005").employer == unit
    updated = AuditEntry.objects.get(action="society.member.updated")
    assert updated.object_id == str(changed.pk)
    assert updated.data["changes"]["branches"] == [
        ["旧专业委员会", "科普工作委员会"],
        ["学术工作委员会", "科普工作委员会"],
    ]
    assert updated.data["changes"]["employer"] == [None, "中国五冶集团有限公司"]
    assert updated.data["source"] == "import" and updated.data["file"] == "会员.xlsx"
    created = AuditEntry.objects.filter(action="society.member.created")
    members = Member.objects.filter(member_number__in=["SCTJ-2023-00003", "SCTJ-2023-00004"])
    assert {entry.object_id for entry in created} >= {str(m.pk) for m in members}
    assert created.count() == 3
    third = created.get(object_id=str(members.get(member_number="SCTJ-2023-00003").pk))
    assert third.data["changes"]["branches"] == [None, ["学术工作委员会"]]
    assert third.data["changes"]["name"] == [None, "王小明"]
    assert {entry.actor for entry in created} == {staff_user}
    summary = AuditEntry.objects.get(action="society.member.imported")
    assert (summary.data["new"], summary.data["updated"], summary.data["skipped"]) == (3, 1, 1)


def test_member_bad_row_after_written_batches_writes_nothing(staff_user):
    branch = factories.BranchFactory(name="科普工作委员会")
    kept = stored_member("SCTJ-2023-00001", name="旧名字", branches=[branch])
    rows = [member_row(f"SCTJ-2023-{n:05d}", 所属分支机构="科普工作委员会") for n in range(1, 6)]
    rows.append(member_row("SCTJ-2023-00006", 入会日期="2023-02-30"))

    result = SmallBatchMemberResource().import_data(
        dataset(MEMBER_HEADERS, rows), dry_run=False, user=staff_user
    )

    assert [row.number for row in result.invalid_rows] == [6]
    assert "日期“2023-02-30”无法识别" in str(result.invalid_rows[0].error_dict)
    assert list(Member.objects.all()) == [kept]
    kept.refresh_from_db()
    assert kept.name == "旧名字" and kept.version == 1
    assert list(kept.branches.all()) == [branch]
    assert Member.branches.through.objects.count() == 1
    assert not AuditEntry.objects.exists()


def import_queries(rows: list[list], *, dry_run: bool) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = MemberResource().import_data(dataset(MEMBER_HEADERS, rows), dry_run=dry_run)
    assert not result.has_errors() and not result.has_validation_errors()
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "confirmed"])
def test_member_import_queries_do_not_grow_with_the_rows(dry_run):
    units = [factories.MemberUnitFactory(name=f"导入测试单位{n}") for n in range(3)]
    for n in range(3):
        factories.BranchFactory(name=f"导入测试委员会{n}")
    stored_member("SCTJ-2022-00001")
    stored_member("SCTJ-2022-00101")

    def rows(first: int, count: int) -> list[list]:
        return [
            member_row(
                f"SCTJ-2022-{n:05d}",
                工作单位=units[n % 3].name,
                所属分支机构=f"导入测试委员会{n % 3}、导入测试委员会{(n + 1) % 3}",
                姓名=f"会员{n}",
            )
            for n in range(first, first + count)
        ]

    few = import_queries(rows(1, 3), dry_run=dry_run)
    many = import_queries(rows(101, 30), dry_run=dry_run)

    assert few == many
    assert many <= 20


def reference_cells(before: list[str], after: list[str], new: bool) -> list[str]:
    """import-export's Diff.as_html for the same values."""
    dmp = diff_match_patch()
    cells = []
    for old, value in zip(before, after, strict=True):
        if old != value and new:
            old = ""
        operations = dmp.diff_main(old, value)
        dmp.diff_cleanupSemantic(operations)
        cells.append(dmp.diff_prettyHtml(operations))
    return cells


@pytest.mark.parametrize("new", [True, False], ids=["new row", "existing row"])
def test_preview_cells_are_import_exports_diff(new):
    before = ["", "会员", "王小明", "a<b>&c\n", "旧名字", "13712345678", ""]
    after = ["", "会员", "王小明", "a<b>&c\n", "新名字", "13712345679", "西南交通大学"]

    assert [str(cell) for cell in preview_html(before, after, new)] == reference_cells(
        before, after, new
    )


def test_member_preview_shows_new_updated_and_unchanged_rows(client, staff_user):
    factories.BranchFactory(name="科普工作委员会")
    stored_member("SCTJ-2023-00001", name="旧名字")
    stored_member("SCTJ-2023-00002")
    client.force_login(staff_user)
    rows = [
        member_row("SCTJ-2023-00001"),
        member_row("SCTJ-2023-00002"),
        member_row("SCTJ-2023-00003", 所属分支机构="科普工作委员会"),
    ]

    response = upload(client, Member, MEMBER_HEADERS, rows)

    valid = response.context["result"].valid_rows()
    assert [row.import_type for row in valid] == ["update", "skip", "new"]
    headers = response.context["result"].diff_headers
    updated, unchanged, new = (dict(zip(headers, row.diff, strict=True)) for row in valid)
    assert updated["姓名"] == (
        '<del style="background:#ffe6e6;">旧名字</del><ins style="background:#e6ffe6;">王小明</ins>'
    )
    assert updated["会员编号"] == "<span>SCTJ-2023-00001</span>"
    assert unchanged["姓名"] == "<span>王小明</span>"
    assert new["所属分支机构"] == '<ins style="background:#e6ffe6;">科普工作委员会</ins>'
    assert new["会员编号"] == '<ins style="background:#e6ffe6;">SCTJ-2023-00003</ins>'
    assert new["工作单位"] == ""
    assert 'background:#e6ffe6;">科普工作委员会</ins>' in response.text
    assert Member.objects.count() == 2
    assert not Member.branches.through.objects.exists()


# One bad row: nothing is written, and the dry run names the row and the reason.

BAD_UNIT_ROWS = {
    "bad credit code": (
        {"统一社会信用代码": factories.credit_code(902)[:-1] + "0"},
        "统一社会信用代码校验位不正确",
    ),
    "missing field": ({"联络员电话": None}, "“联络员电话”为必填项"),
    "bad phone": ({"联络员电话": "12345"}, "请输入有效的电话号码"),
    "unknown choice": (
        {"会员等级": "金牌单位"},
        "“金牌单位”不是有效的选项，可选：会员单位、理事单位",
    ),
    "bad date": ({"入会日期": "去年"}, "日期“去年”无法识别"),
}


@pytest.mark.parametrize("case", BAD_UNIT_ROWS, ids=list(BAD_UNIT_ROWS))
def test_unit_file_with_one_bad_row_imports_nothing(client, staff_user, case):
    overrides, reason = BAD_UNIT_ROWS[case]
    client.force_login(staff_user)
    rows = [unit_row(1), unit_row(2, **overrides), unit_row(3)]

    response = upload(client, MemberUnit, UNIT_HEADERS, rows)

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "表格第 3 行" in response.text  # the second data row, under the header
    assert "表格第 2 行" not in response.text
    assert reason in response.text
    assert not MemberUnit.objects.exists()
    assert not AuditEntry.objects.exists()


def test_dry_run_lists_every_bad_row(client, staff_user):
    client.force_login(staff_user)
    rows = [unit_row(1, 联络员=""), unit_row(2), unit_row(3, 单位类型="外星单位")]

    response = upload(client, MemberUnit, UNIT_HEADERS, rows)

    invalid = response.context["result"].invalid_rows
    assert [row.number + 1 for row in invalid] == [2, 4]
    assert "表格第 2 行" in response.text and "表格第 4 行" in response.text
    assert "联络员：“联络员”为必填项，不能为空。" in response.text
    assert "“外星单位”不是有效的选项" in response.text


def test_duplicate_member_number_in_file_names_the_earlier_row(client, staff_user):
    client.force_login(staff_user)
    rows = [
        member_row("SCTJ-2023-00001"),
        member_row("SCTJ-2023-00002"),
        member_row("SCTJ-2023-00001", 姓名="李雷"),
    ]

    response = upload(client, Member, MEMBER_HEADERS, rows)

    assert "confirm_form" not in response.context
    assert "表格第 4 行" in response.text
    assert "会员编号：“SCTJ-2023-00001”与表格第 2 行重复" in response.text
    assert not Member.objects.exists()


def test_unknown_unit_is_reported(client, staff_user):
    client.force_login(staff_user)
    rows = [member_row("SCTJ-2023-00001"), member_row("SCTJ-2023-00002", 工作单位="不存在的公司")]

    response = upload(client, Member, MEMBER_HEADERS, rows)

    assert "表格第 3 行" in response.text
    assert "未找到会员单位：不存在的公司" in response.text
    assert not Member.objects.exists()


def test_unknown_branch_is_reported(client, staff_user):
    factories.BranchFactory(name="建筑结构专业委员会")
    client.force_login(staff_user)
    rows = [member_row("SCTJ-2023-00001", 所属分支机构="建筑结构专业委员会、火星分会")]

    response = upload(client, Member, MEMBER_HEADERS, rows)

    assert "表格第 2 行" in response.text
    assert "未找到分支机构：火星分会" in response.text
    assert not Member.objects.exists()


def test_bad_member_number_and_missing_name_are_reported(client, staff_user):
    client.force_login(staff_user)
    rows = [member_row("2023-1"), member_row("SCTJ-2023-00002", 姓名=" ")]

    response = upload(client, Member, MEMBER_HEADERS, rows)

    assert "会员编号格式应为 SCTJ-入会年份-五位序号" in response.text
    assert "姓名：“姓名”为必填项，不能为空。" in response.text
    assert not Member.objects.exists()


def test_missing_key_column_is_reported(client, staff_user):
    client.force_login(staff_user)
    headers = [h for h in MEMBER_HEADERS if h != "会员编号"]

    response = upload(client, Member, headers, [member_row("SCTJ-2023-00001")[1:]])

    assert "confirm_form" not in response.context
    assert "文件缺少“会员编号”列" in response.text
    assert not Member.objects.exists()


def test_import_data_with_one_bad_row_writes_nothing(staff_user):
    existing = factories.MemberUnitFactory(
        credit_code=factories.credit_code(901), liaison_name="旧"
    )
    rows = [unit_row(1, 联络员="新"), unit_row(2), unit_row(3, 统一社会信用代码="123")]

    result = MemberUnitResource().import_data(
        dataset(UNIT_HEADERS, rows), dry_run=False, user=staff_user
    )

    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [3]
    assert "统一社会信用代码应为18位" in str(result.invalid_rows[0].error_dict)
    assert MemberUnit.objects.count() == 1
    existing.refresh_from_db()
    assert existing.liaison_name == "旧"
    assert existing.version == 1
    assert not AuditEntry.objects.exists()


def test_import_data_duplicate_in_file_writes_nothing(staff_user):
    rows = [member_row("SCTJ-2023-00001"), member_row("sctj-2023-00001")]

    result = MemberResource().import_data(
        dataset(MEMBER_HEADERS, rows), dry_run=False, user=staff_user
    )

    assert [row.number for row in result.invalid_rows] == [2]
    assert not Member.objects.exists()


def test_confirm_refuses_when_data_changed_since_the_check(client, staff_user):
    """Between the dry run and the confirmation someone registers the same unit name."""
    client.force_login(staff_user)
    rows = [unit_row(1), unit_row(2)]
    checked = upload(client, MemberUnit, UNIT_HEADERS, rows)
    factories.MemberUnitFactory(name="四川导入建设集团2有限公司")

    response = confirm(client, MemberUnit, checked)

    assert response.status_code == 302
    assert response.url == import_url(MemberUnit)
    assert MemberUnit.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_blank_rows_are_skipped(staff_user):
    rows = [unit_row(1), [None] * len(UNIT_HEADERS), unit_row(2)]

    result = MemberUnitResource().import_data(
        dataset(UNIT_HEADERS, rows), dry_run=False, user=staff_user
    )

    assert not result.has_validation_errors()
    assert MemberUnit.objects.count() == 2


def test_branch_and_expert_import(staff_user):
    branch_headers = [
        "名称",
        "类型",
        "负责人",
        "联系电话",
        "已建立党小组",
        "党小组成立日期",
        "状态",
    ]
    branch_rows = [
        [
            "桥梁与隧道工程专业委员会",
            "专业委员会",
            "周明",
            "028-86001234",
            "是",
            "2022-07-01",
            "正常",
        ]
    ]
    unit = factories.MemberUnitFactory(name="四川省建筑设计研究院有限公司")
    expert_headers = [
        "姓名",
        "职称",
        "所在单位",
        "专业领域",
        "任职分支机构",
        "回避单位",
        "手机号",
        "在库",
    ]
    expert_rows = [
        [
            "陈教授",
            "教授",
            "",
            "桥梁隧道工程、韧性城市",
            "桥梁与隧道工程专业委员会",
            "四川省建筑设计研究院有限公司",
            "13612345678",
            "是",
        ]
    ]

    branch_result = BranchResource().import_data(
        dataset(branch_headers, branch_rows), dry_run=False, user=staff_user
    )
    expert_result = ExpertResource().import_data(
        dataset(expert_headers, expert_rows), dry_run=False, user=staff_user
    )

    assert not branch_result.has_validation_errors(), branch_result.invalid_rows
    assert not expert_result.has_validation_errors(), expert_result.invalid_rows
    branch = Branch.objects.get(name="桥梁与隧道工程专业委员会")
    assert branch.party_group and branch.party_group_on == datetime.date(2022, 7, 1)
    expert = Expert.objects.get(name="陈教授")
    assert sorted(a.name for a in expert.expertise.all()) == ["桥梁隧道工程", "韧性城市"]
    assert list(expert.office_branches.all()) == [branch]
    assert list(expert.avoid_units.all()) == [unit]


def test_expert_needs_an_expertise_area(staff_user):
    headers = ["姓名", "专业领域", "手机号"]

    result = ExpertResource().import_data(
        dataset(headers, [["陈教授", "", "13612345678"]]), dry_run=False, user=staff_user
    )

    assert "“专业领域”为必填项" in str(result.invalid_rows[0].error_dict)
    assert not Expert.objects.exists()


def test_party_group_date_without_group_is_refused(staff_user):
    headers = ["名称", "类型", "已建立党小组", "党小组成立日期"]

    result = BranchResource().import_data(
        dataset(headers, [["科普工作委员会", "工作委员会", "否", "2022-07-01"]]),
        dry_run=False,
        user=staff_user,
    )

    assert "未建立党小组时不能填写党小组成立日期" in str(result.invalid_rows[0].error_dict)
    assert not Branch.objects.exists()


# Export.


def export_through_admin(client, model) -> bytes:
    resource = {
        MemberUnit: MemberUnitResource,
        Member: MemberResource,
        Branch: BranchResource,
        Expert: ExpertResource,
    }[model]
    prefix = resource.__name__.lower()
    data = {"format": "0", "resource": "0"}
    data.update({f"{prefix}_{name}": "on" for name in resource().get_export_order()})
    response = client.post(reverse(f"admin:society_{model._meta.model_name}_export"), data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def test_export_escapes_formula_cells(client, staff_user):
    factories.MemberUnitFactory(
        name="+成都测试公司",
        address='=HYPERLINK("http://example.com","点我")',
        liaison_name="@张三",
        grade=UnitGrade.COUNCIL,
        status=OrgStatus.SUSPENDED,
    )
    client.force_login(staff_user)

    headers, row = read_xlsx(export_through_admin(client, MemberUnit))

    assert headers == [
        "单位名称",
        "统一社会信用代码",
        "单位类型",
        "会员等级",
        "联络员",
        "联络员电话",
        "电子邮箱",
        "地址",
        "入会日期",
        "状态",
    ]
    values = dict(zip(headers, row, strict=True))
    assert values["地址"] == '\'=HYPERLINK("http://example.com","点我")'
    assert values["单位名称"] == "'+成都测试公司"
    assert values["联络员"] == "'@张三"
    assert values["会员等级"] == "理事单位"
    assert values["状态"] == "暂停"


def test_exported_members_import_again_unchanged(client, staff_user):
    unit = factories.MemberUnitFactory(name="中国五冶集团有限公司")
    branch = factories.BranchFactory(name="建筑结构专业委员会")
    factories.MemberFactory(employer=unit, branches=[branch], tianfu_account="tf-001")
    factories.MemberFactory(employer=None, employer_name="西南交通大学")
    client.force_login(staff_user)
    content = export_through_admin(client, Member)
    headers = read_xlsx(content)[0]
    assert headers[:6] == ["会员编号", "姓名", "性别", "职称", "工作单位", "工作单位（非会员单位）"]

    response = client.post(
        import_url(Member),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("会员.xlsx", content)},
    )

    result = response.context["result"]
    assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    assert result.totals["skip"] == 2
