"""Resident ID (GB 11643), unified social credit code (GB 32100) and mainland mobile numbers.

The check characters are computed here with the published formulas written out again, not with
the code under test or python-stdnum, so a shared mistake cannot hide.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from apps.core import identifiers
from apps.core.identifiers import (
    IdentifierError,
    credit_code_validate,
    phone_mask,
    phone_validate,
    resident_id_is_valid,
    resident_id_mask,
    resident_id_parse,
)


@pytest.fixture(autouse=True)
def in_english():
    """The reasons are matched in the English catalogue's words (the portal's default, Chinese, is
    checked by test_messages_are_chinese_by_default)."""
    with translation.override("en"):
        yield


def test_messages_are_chinese_by_default():
    with translation.override(None), pytest.raises(IdentifierError, match="^居民身份证号码应为18位$"):
        resident_id_parse("")
    with translation.override(None), pytest.raises(IdentifierError, match="^请输入11位中国大陆手机号码$"):
        phone_validate("020-12345678")
    with translation.override("en"), pytest.raises(IdentifierError, match="^the check character is wrong$"):
        credit_code_validate("91350100M000100Y44")


# --- Resident ID -----------------------------------------------------------------------------

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def ric_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 as GB 11643 prints it: (12 - sum(a_i * w_i) mod 11) mod 11, 10 written X."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, RIC_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_ric(region: str, birth: dt.date, sequence: str = "123") -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    assert len(first17) == 17
    return first17 + ric_check_digit(first17)


def wrong_check(number: str) -> str:
    right = number[17]
    return number[:17] + ("1" if right != "1" else "2")


# Every province-level division: 31 on the mainland (11..65), Taiwan (71), Hong Kong (81), Macao (82).
PROVINCES = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}


def birth_dates() -> list[dt.date]:
    """People of every age: the 1920s to a baby born today."""
    today = timezone.localdate()
    return [
        dt.date(1900, 1, 1),  # the earliest accepted (MIN_BIRTH_YEAR)
        dt.date(1921, 7, 23),
        dt.date(1928, 2, 29),  # a leap day
        dt.date(1936, 11, 5),
        dt.date(1949, 10, 1),
        dt.date(1958, 3, 17),
        dt.date(1966, 12, 31),
        dt.date(1977, 6, 9),
        dt.date(1985, 1, 1),
        dt.date(1990, 1, 1),
        dt.date(2000, 2, 29),  # 2000 is a leap year (divisible by 400)
        dt.date(2008, 8, 8),
        dt.date(2015, 4, 30),
        dt.date(today.year, 1, 1),  # born this year
        today,  # born today
    ]


def test_published_example_with_x_is_valid():
    # given the example printed in GB 11643 (a woman born 1949-12-31 in 北京市朝阳区)
    # when it is parsed
    parsed = resident_id_parse("11010519491231002X")
    # then every part is derived from it
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.region_code == "110105"
    assert ric_check_digit("11010519491231002") == "X"


def test_published_example_born_1880_is_refused_as_too_early():
    # given the standard's other example: its check digit is right but the holder was born in 1880
    number = "440524188001010014"
    assert ric_check_digit(number[:17]) == "4"
    assert identifiers.MIN_BIRTH_YEAR == 1900
    # when / then: it is refused, because 1880 is before MIN_BIRTH_YEAR
    with pytest.raises(IdentifierError, match="too early"):
        resident_id_parse(number)
    assert resident_id_is_valid(number) is False


@pytest.mark.parametrize("prefix", sorted(PROVINCES), ids=lambda p: f"{p}-{PROVINCES[p]}")
@pytest.mark.parametrize("birth", birth_dates(), ids=lambda d: d.isoformat())
def test_every_region_and_every_age_is_valid(prefix, birth):
    # given a well-formed ID from that province for someone born that day
    number = make_ric(f"{prefix}0102", birth, sequence="371")
    # when it is parsed
    parsed = resident_id_parse(number)
    # then it is valid with that birth date, a man (odd 17th digit), and the region code
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == "M"
    assert parsed.region_code == f"{prefix}0102"
    assert resident_id_is_valid(number) is True


@pytest.mark.parametrize(("sequence", "sex"), [("001", "M"), ("002", "F"), ("019", "M"), ("998", "F")])
def test_sex_from_the_17th_digit(sequence, sex):
    number = make_ric("440105", dt.date(1990, 5, 4), sequence=sequence)
    assert resident_id_parse(number).sex == sex


@pytest.mark.parametrize(
    "region",
    [
        "440102",  # 广州市东山区, merged into 越秀区 in 2005: old IDs keep it for life
        "999999",  # no such region at all
        "000000",
    ],
)
def test_unknown_or_retired_region_is_valid(region):
    # given an ID with a right check digit and a real birth date but a region nobody lists today
    number = make_ric(region, dt.date(1975, 8, 20), sequence="456")
    # when / then: it is valid (python-stdnum's cn.ric.validate would refuse it)
    assert resident_id_is_valid(number) is True
    assert resident_id_parse(number).region_code == region


def test_lower_case_x_is_accepted_and_normalised():
    parsed = resident_id_parse("11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert identifiers.resident_id_normalize(" 11010519491231002x ") == "11010519491231002X"


def test_born_today_is_valid_and_born_tomorrow_is_refused():
    today = timezone.localdate()
    assert resident_id_parse(make_ric("440105", today)).birth_date == today
    with pytest.raises(IdentifierError, match="in the future"):
        resident_id_parse(make_ric("440105", today + dt.timedelta(days=1)))


def test_today_can_be_given():
    number = make_ric("440105", dt.date(2030, 1, 1))
    assert resident_id_parse(number, today=dt.date(2030, 1, 1)).birth_date == dt.date(2030, 1, 1)
    with pytest.raises(IdentifierError, match="in the future"):
        resident_id_parse(number, today=dt.date(2029, 12, 31))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "18 characters"),
        ("11010519491231002", "18 characters"),  # 17
        ("11010519491231002X1", "18 characters"),  # 19
        ("110105194912310", "18 characters"),  # the old 15-digit form is not accepted here
        ("11010519491231002A", "17 digits and a digit or X"),
        ("1101051949123100AX", "17 digits and a digit or X"),
        ("X10105194912310021", "17 digits and a digit or X"),
        ("1101051949123100²X", "17 digits and a digit or X"),  # a digit to str.isdigit(), not to int()
        ("110105194912310021", "check digit"),
        ("110105194912310020", "check digit"),
    ],
)
def test_malformed_ids_are_refused(value, reason):
    with pytest.raises(IdentifierError, match=reason):
        resident_id_parse(value)
    assert resident_id_is_valid(value) is False


def test_wrong_check_digit_is_refused():
    number = make_ric("440105", dt.date(1990, 1, 1), sequence="234")
    assert resident_id_is_valid(number) is True
    with pytest.raises(IdentifierError, match="check digit"):
        resident_id_parse(wrong_check(number))


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        ("19990229", "does not exist"),  # 1999 is not a leap year
        ("19901301", "does not exist"),
        ("19900431", "does not exist"),
        ("19000229", "does not exist"),  # 1900 is not a leap year either
        ("20990101", "in the future"),
        ("18991231", "too early"),
    ],
)
def test_impossible_birth_dates_are_refused(birth, reason):
    # given an ID whose check digit is right but whose birth date cannot be
    first17 = f"440105{birth}123"
    number = first17 + ric_check_digit(first17)
    # when / then
    with pytest.raises(IdentifierError, match=reason):
        resident_id_parse(number)
    assert resident_id_is_valid(number) is False


def test_resident_id_mask():
    assert resident_id_mask("440105199001011234") == "4401**********1234"
    assert resident_id_mask("11010519491231002x") == "1101**********002X"
    assert resident_id_mask("1234567") == "*******"
    assert resident_id_mask("") == ""


# --- Unified social credit code --------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(first17: str) -> str:
    assert len(first17) == 17
    return first17 + uscc_check_char(first17)


VALID_USCC_BODIES = [
    "91440105MA59ABCD1",  # 工商 enterprise in 海珠区
    "91440101190415689",
    "12440105455413729",  # 机构编制 public institution
    "51440105MJL123456",  # 民政 social organisation
    "92440105L12345678",  # 个体工商户
    "Y1440105123456789",  # "Y": other registration authorities, refused by python-stdnum
    "Y2440105MA0000001",
    "N1440105000000000",  # 农业 farmers' cooperative
    "A1110000Q00000000",
]


@pytest.mark.parametrize("body", VALID_USCC_BODIES)
def test_valid_credit_codes(body):
    code = make_uscc(body)
    assert credit_code_validate(code) == code


def test_published_credit_code_is_valid():
    # 91350100M000100Y43: the example python-stdnum documents
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert credit_code_validate("91350100M000100Y43") == "91350100M000100Y43"


def test_credit_code_starting_with_y_is_valid_though_stdnum_refuses_it():
    from stdnum.cn import uscc

    code = make_uscc("Y1440105123456789")
    assert uscc.is_valid(code) is False
    assert credit_code_validate(code) == code


@pytest.mark.parametrize("letter", list("IOSVZ"))
@pytest.mark.parametrize("position", [0, 1, 10, 17])
def test_letters_outside_the_alphabet_are_refused(letter, position):
    code = make_uscc("91440105MA59ABCD1")
    bad = code[:position] + letter + code[position + 1 :]
    with pytest.raises(IdentifierError, match="invalid characters"):
        credit_code_validate(bad)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "18 characters"),
        ("91440105MA59ABCD1", "18 characters"),
        ("91440105MA59ABCD1X1", "18 characters"),
        ("914401A5MA59ABCD1X", "invalid characters"),  # the region is six digits
        ("91٣40105MA59ABCD1X", "invalid characters"),  # an Arabic-Indic digit is no ASCII digit
    ],
)
def test_malformed_credit_codes_are_refused(value, reason):
    with pytest.raises(IdentifierError, match=reason):
        credit_code_validate(value)


def test_wrong_check_character_is_refused():
    code = make_uscc("91440105MA59ABCD1")
    right = code[17]
    for other in USCC_ALPHABET.replace(right, ""):
        with pytest.raises(IdentifierError, match="check character"):
            credit_code_validate(code[:17] + other)


def test_credit_code_lower_case_spaces_and_dashes_are_normalised():
    code = make_uscc("91440105MA59ABCD1")
    messy = f" {code[:4].lower()} {code[4:8]}-{code[8:12].lower()}-{code[12:]} "
    assert credit_code_validate(messy) == code
    assert identifiers.credit_code_normalize(messy) == code


# --- Mobile numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812341234",
        "138 1234 1234",
        "138-1234-1234",
        "+8613812341234",
        "+86 138 1234 1234",
        "+86-138-1234-1234",
        "(+86) 138 1234 1234",
        "008613812341234",
        "0086 138 1234 1234",
        "8613812341234",
        " 13812341234\n",
        "１３８１２３４１２３４",  # full-width digits, as a Chinese input method types them
    ],
)
def test_phone_formats_are_normalised(value):
    assert phone_validate(value) == "13812341234"


@pytest.mark.parametrize("first_two", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix_is_valid(first_two):
    assert phone_validate(f"{first_two}912345678") == f"{first_two}912345678"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12012341234",  # 12x is no mobile range
        "11012341234",
        "1381234123",  # 10 digits
        "138123412345",  # 12 digits
        "23812341234",
        "1381234123a",
        "020-12345678",  # a Guangzhou landline
        "+85261234567",  # a Hong Kong number
    ],
)
def test_invalid_phones_are_refused(value):
    with pytest.raises(IdentifierError, match="11-digit mainland mobile"):
        phone_validate(value)


def test_phone_mask():
    assert phone_mask("13812341234") == "138****1234"
    assert phone_mask("+86 138-1234-1234") == "138****1234"
    assert phone_mask("12345") == "*****"
    assert phone_mask("") == ""
