"""Chinese identifiers: resident ID (GB 11643), unified social credit code (GB 32100), mobile.

python-stdnum supplies the check-digit arithmetic. Its ``cn.ric.validate`` also refuses region
codes it does not know or that were retired, but region codes change over time and a real person's
ID never becomes invalid for that, so validity here is: 18 characters, the GB 11643 check digit, and
a real birth date that is not in the future.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext
from stdnum.cn import ric, uscc


class IdentifierError(ValueError):
    """An identifier that is not valid; the message says why, in words a user understands."""


# Earliest birth year we accept: the oldest living people were born after 1900.
MIN_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F": the 17th digit is odd for men, even for women
    region_code: str


_RESIDENT_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def resident_id_normalize(value: str) -> str:
    return ric.compact(value or "")


def resident_id_parse(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate and decompose an 18-character resident ID; raise IdentifierError if invalid."""
    number = resident_id_normalize(value)
    if len(number) != 18:
        raise IdentifierError(gettext("居民身份证号码应为18位"))
    # [0-9], not str.isdigit(): that also accepts digits such as "²" that int() then refuses.
    if not _RESIDENT_ID_RE.match(number):
        raise IdentifierError(gettext("居民身份证号码格式不正确"))
    if ric.calc_check_digit(number) != number[17]:
        raise IdentifierError(gettext("居民身份证号码校验位错误"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(gettext("出生日期不存在")) from None
    today = today or timezone.localdate()
    if birth > today:
        raise IdentifierError(gettext("出生日期晚于今天"))
    if birth.year < MIN_BIRTH_YEAR:
        raise IdentifierError(gettext("出生日期不合理"))
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth, sex=sex, region_code=number[:6])


def resident_id_is_valid(value: str) -> bool:
    try:
        resident_id_parse(value)
    except IdentifierError:
        return False
    return True


def resident_id_mask(value: str) -> str:
    """``440105199001011234`` → ``4401**********1234``: region prefix and last four only."""
    number = resident_id_normalize(value)
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# GB 32100: 1 registration authority + 1 entity type (from the code alphabet), 6 digits of region,
# 9 characters of organisation code, 1 check character. The alphabet leaves out I, O, S, V and Z.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(rf"^[{_USCC_ALPHABET}]{{2}}[0-9]{{6}}[{_USCC_ALPHABET}]{{10}}$")


def credit_code_normalize(value: str) -> str:
    return uscc.compact(value or "")


def credit_code_validate(value: str) -> str:
    """Return the normalised unified social credit code or raise IdentifierError."""
    code = credit_code_normalize(value)
    if len(code) != 18:
        raise IdentifierError(gettext("统一社会信用代码应为18位"))
    if not _USCC_RE.match(code):
        raise IdentifierError(gettext("统一社会信用代码含有无效字符"))
    if uscc.calc_check_digit(code[:17]) != code[17]:
        raise IdentifierError(gettext("统一社会信用代码校验位错误"))
    return code


_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def phone_normalize(value: str) -> str:
    """Strip separators and a leading +86 / 0086 country code; full-width digits become ASCII."""
    # NFKC turns full-width input (１３８…, ＋８６) into ASCII, so one number has one digest.
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", value or ""))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def phone_validate(value: str) -> str:
    """Return the 11-digit mainland mobile number or raise IdentifierError."""
    number = phone_normalize(value)
    if not _MOBILE_RE.match(number):
        raise IdentifierError(gettext("请输入11位中国大陆手机号码"))
    return number


def phone_mask(value: str) -> str:
    """``13812341234`` → ``138****1234``."""
    number = phone_normalize(value)
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
