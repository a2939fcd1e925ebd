"""A members .xlsx for the import benchmark: n valid rows in the admin's import layout.

Member numbers are SCTJ-1990-NNNNN and phones 166NNNNNNNN: the demo data joins members
from 2005 on and never uses the 166 prefix, so the rows never collide with it.
"""

import datetime
import io

from openpyxl import Workbook

from society.enums import Gender, MemberGrade, MemberStatus, ProfessionalTitle

YEAR = 1990
PHONE_PREFIX = "166"
MAX_ROWS = 99_999  # five-digit sequence numbers

HEADERS = [
    "会员编号",
    "姓名",
    "性别",
    "职称",
    "工作单位",
    "工作单位（非会员单位）",
    "所属分支机构",
    "专业领域",
    "会员等级",
    "入会日期",
    "状态",
    "手机号",
    "电子邮箱",
    "天府科技云注册日期",
    "天府科技云账号",
    "科创工作室开设日期",
    "科创工作室链接",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def member_number(index: int) -> str:
    return f"SCTJ-{YEAR}-{index:05d}"


def phone(index: int) -> str:
    return f"{PHONE_PREFIX}{index:08d}"


def member_rows(
    n: int, *, units: list[str], branches: list[str], expertise: list[str]
) -> list[list]:
    """n rows (numbered from 1) spreading members over the given units, branches and areas."""
    if not 0 < n <= MAX_ROWS:
        raise ValueError(f"n must be between 1 and {MAX_ROWS}")
    if not (units and branches and expertise):
        raise ValueError("units, branches and expertise must not be empty")
    labels = [
        [str(label) for _value, label in choices.choices]
        for choices in (Gender, ProfessionalTitle, MemberGrade)
    ]
    genders, titles, grades = labels
    active = str(MemberStatus.ACTIVE.label)
    rows = []
    for index in range(1, n + 1):
        in_unit = index % 5 != 0
        joined = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=index % 365)
        rows.append(
            [
                member_number(index),
                SURNAMES[index % len(SURNAMES)] + GIVEN[(index // 7) % len(GIVEN)],
                genders[index % len(genders)],
                titles[index % len(titles)],
                units[index % len(units)] if in_unit else "",
                "" if in_unit else f"基准测试设计院{index % 97}",
                branches[index % len(branches)],
                "、".join(
                    dict.fromkeys(
                        [expertise[index % len(expertise)], expertise[index // 3 % len(expertise)]]
                    )
                ),
                grades[index % len(grades)],
                joined.isoformat(),
                active,
                phone(index),
                f"bench{index}@example.com",
                joined.isoformat() if index % 2 else "",
                f"tf{index:06d}" if index % 2 else "",
                "",
                "",
            ]
        )
    return rows


def workbook_bytes(rows: list[list]) -> bytes:
    """The rows under HEADERS as an .xlsx file (write-only mode: fast for large files)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("个人会员")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
