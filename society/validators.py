"""Validators for Chinese identifiers (统一社会信用代码, phone numbers, member numbers) and
for free text (no control characters)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
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


# Free text typed into a form or a spreadsheet: no invisible control characters. Refused:
# control characters (C0 but tab and line breaks, DEL, C1); the direction controls U+202A–
# U+202E and U+2066–U+2069, which reorder the text around them when it is shown ("Trojan
# Source": a name can be made to read differently from what is stored); U+FFFD (what the
# server reads for bytes that are not UTF-8) and surrogates (a broken encoding). One-line
# fields also refuse tab and line breaks (mail headers, spreadsheet cells).
_REFUSED = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffd\ud800-\udfff"
REFUSED_IN_TEXT = re.compile(f"[{_REFUSED}]")
REFUSED_IN_LINE = re.compile(f"[\t\n\r{_REFUSED}]")


def forbidden_character(value: str, *, multiline: bool = True) -> str | None:
    """The first character free text may not hold, or None (see REFUSED_IN_TEXT)."""
    match = (REFUSED_IN_TEXT if multiline else REFUSED_IN_LINE).search(value)
    return match.group() if match else None


@deconstructible
class PlainTextValidator:
    """Refuses text holding a character of forbidden_character, naming it (U+0000)."""

    def __init__(self, *, multiline: bool = True):
        self.multiline = multiline

    def __call__(self, value) -> None:
        char = forbidden_character(str(value), multiline=self.multiline)
        if char is None:
            return
        if char == "\ufffd" or unicodedata.category(char) == "Cs":
            raise ValidationError(
                _("内容含有无法识别的字符（可能是编码错误），请检查后重新输入。"),
                code="encoding",
            )
        if char in "\r\n" and not self.multiline:
            raise ValidationError(_("此处只能填写一行文字，请删除换行。"), code="line_break")
        raise ValidationError(
            _("内容含有不可见的控制字符（U+%(code)04X），请删除后重新输入。"),
            code="control_character",
            params={"code": ord(char)},
        )

    def __eq__(self, other):
        return isinstance(other, PlainTextValidator) and other.multiline == self.multiline
