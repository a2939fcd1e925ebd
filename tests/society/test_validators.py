import pytest
from django.core.exceptions import ValidationError

from society.validators import (
    credit_code_check_char,
    mask_phone,
    validate_credit_code,
    validate_member_number,
    validate_phone,
)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the GB 32100-2015 worked example
        "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
        "91110000802100433B",  # 中国石油化工股份有限公司
        "91350100m000100y43",  # lower case is accepted and normalised
    ],
)
def test_valid_credit_codes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "校验位"),  # wrong check character
        ("91350100M000100Y4", "18位"),  # too short
        ("91350100M000100Y433", "18位"),  # too long
        ("91350100M0001O0Y43", "字符"),  # letter O is not in the alphabet
        ("9135010AM000100Y43", "字符"),  # area code must be digits
        ("", "18位"),
    ],
)
def test_invalid_credit_codes(code, reason):
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert reason in info.value.messages[0]


def test_check_char_matches_worked_example():
    assert credit_code_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "phone", ["13812345678", "028-86001234", "02886001234", "+86 138 1234 5678"]
)
def test_valid_phones(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "abc", "028-123", ""])
def test_invalid_phones(phone):
    with pytest.raises(ValidationError) as info:
        validate_phone(phone)
    assert "电话号码" in info.value.messages[0]


@pytest.mark.parametrize("number", ["SCTJ-2023-00042", "SCTJ-1998-99999"])
def test_valid_member_numbers(number):
    validate_member_number(number)


@pytest.mark.parametrize(
    "number", ["SCTJ-2023-0042", "sctj-2023-00042", "SCTJ202300042", "SCTJ-2123-00001"]
)
def test_invalid_member_numbers(number):
    with pytest.raises(ValidationError):
        validate_member_number(number)


def test_mask_phone_hides_the_middle():
    assert mask_phone("13812345678") == "138****5678"
