"""Validators for Chinese identifiers: 统一社会信用代码, phone numbers, member numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_RE = re.compile(r"^[1-9A-HJ-NPQRTUWXY][1-9A-HJ-NPQRTUWXY]\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 computed from the first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。"),
            code="credit_code_length",
            params={"length": len(code)},
        )
    if not CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符或结构不正确（不使用字母I、O、S、V、Z）。"),
            code="credit_code_format",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对后重新输入。"),
            code="credit_code_checksum",
        )


# Mainland mobile numbers (11 digits starting 13-19) and landlines with area code.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", value or "").removeprefix("+86")


def validate_phone(value: str) -> None:
    phone = normalize_phone(value)
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValidationError(
            _(
                "请输入有效的电话号码：11位手机号（如13812345678）或带区号的座机（如028-86001234）。"
            ),
            code="phone",
        )


# Member numbers: SCTJ-<year of joining>-<five digits>, e.g. SCTJ-2023-00042.
MEMBER_NUMBER_RE = re.compile(r"^SCTJ-(19|20)\d{2}-\d{5}$")


def validate_member_number(value: str) -> None:
    if not MEMBER_NUMBER_RE.match(value or ""):
        raise ValidationError(
            _("会员编号格式应为 SCTJ-入会年份-五位序号，例如 SCTJ-2023-00042。"),
            code="member_number",
        )


def mask_phone(value: str) -> str:
    """138****5678 for people who may know that a phone exists but not read it."""
    phone = normalize_phone(value)
    if len(phone) < 7:
        return "****" if phone else ""
    return f"{phone[:3]}****{phone[-4:]}"
