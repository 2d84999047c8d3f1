from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils.translation import gettext

from apps.core.crypto import pii_hash
from apps.core.exceptions import ValidationFailed
from apps.core.identifiers import IdentifierError, phone_validate

from . import roles

User = get_user_model()


def _is_phone(value: str) -> bool:
    try:
        phone_validate(value)
    except IdentifierError:
        return False
    return True


# Cyrillic and Greek letters that look like Latin ones (after NFKC): enough for the look-alikes of
# a login name; see Unicode TR39's confusables.txt for the full table.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic lower case
        "а": "a", "в": "b", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h",
        "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q",
        "ԝ": "w", "ӏ": "l", "ь": "b", "г": "r", "п": "n", "ё": "e", "ї": "i",
        # Cyrillic upper case
        "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
        "Т": "t", "У": "y", "Х": "x", "І": "i", "Ј": "j", "Ѕ": "s", "Ԁ": "d", "Ԛ": "q", "Ԝ": "w",
        "Ӏ": "l", "Ү": "y",
        # Greek lower case
        "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
        # Greek upper case
        "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
        "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    }
)  # fmt: skip
# Scripts written alongside any one alphabet (a Chinese name with Latin letters is ordinary).
_IDEOGRAPHIC = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"})


def _script(char: str) -> str | None:
    """The script of a letter or non-ASCII digit by its Unicode name's first word (LATIN, CYRILLIC,
    GREEK, CJK, ...); None for ASCII digits and the neutral "@.+-_"."""
    if char.isascii() and not char.isalpha():
        return None
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def _mixes_scripts(username: str) -> bool:
    alphabets = {_script(c) for c in username} - {None} - _IDEOGRAPHIC
    return len(alphabets) > 1


def username_skeleton(username: str) -> str:
    """What a username looks like: NFKC, Cyrillic/Greek look-alikes as Latin, lower case."""
    return unicodedata.normalize("NFKC", username).translate(_CONFUSABLES).lower()


def _confusable_taken(username: str) -> bool:
    """Another account's name looks the same (``аdmin_demo`` with a Cyrillic а for ``admin_demo``)."""
    skeleton = username_skeleton(username)
    if User.objects.filter(username__iexact=skeleton).exists():
        return True
    # A look-alike has the same length and a letter outside ASCII: only those need their skeleton.
    lookalikes = (
        User.objects.annotate(length=Length("username"))
        .filter(length=len(username))
        .exclude(username__regex=r"^[ -~]*$")
        .values_list("username", flat=True)
    )
    return any(username_skeleton(other) == skeleton for other in lookalikes.iterator())


def _clean_identity(*, username: str, email: str | None, phone: str | None) -> tuple[str, str | None, str | None]:
    errors: dict[str, list[str]] = {}
    # NFKC first: a full-width ａｄｍｉｎ is admin, and clashes as admin.
    username = unicodedata.normalize("NFKC", username or "").strip()
    if not username:
        errors["username"] = [gettext("必填")]
    elif len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors["username"] = [gettext("用户名只能包含字母、数字和 @.+-_")]
    elif "@" in username:
        errors["username"] = [gettext("用户名不能包含@")]
    elif _is_phone(username):
        # Log-in looks a username up before a phone: such a username would hide the phone's owner.
        errors["username"] = [gettext("用户名不能是手机号码")]
    elif _mixes_scripts(username):
        errors["username"] = [gettext("用户名不能混用不同文字的字母（如拉丁字母与西里尔字母）")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [gettext("该用户名已被使用")]
    elif _confusable_taken(username):
        errors["username"] = [gettext("该用户名与已有用户名过于相似")]
    email = (email or "").strip().lower() or None
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = [gettext("电子邮箱格式不正确")]
        else:
            if User.objects.filter(email__iexact=email).exists():
                errors["email"] = [gettext("该邮箱已注册")]
    if phone:
        try:
            phone = phone_validate(phone)
        except IdentifierError as exc:
            errors["phone"] = [str(exc)]
        else:
            if User.objects.filter(phone_hash=pii_hash(phone)).exists():
                errors["phone"] = [gettext("该手机号已注册")]
    else:
        phone = None
    if not email and not phone and "email" not in errors and "phone" not in errors:
        errors["email"] = [gettext("请填写电子邮箱或手机号码")]
    if errors:
        raise ValidationFailed(errors)
    return username, email, phone


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    role_names: Iterable[str] = (roles.TALENT,),
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
):
    """Create an account with the given roles. Staff roles make the account staff (Django admin)."""
    username, email, phone = _clean_identity(username=username, email=email, phone=phone)
    role_names = list(role_names)
    unknown = set(role_names) - set(roles.ALL_ROLES)
    if unknown:
        raise ValidationFailed({"roles": [f"unknown role: {', '.join(sorted(unknown))}"]})
    user = User(
        username=username,
        email=email,
        phone=phone or "",
        phone_hash=pii_hash(phone) if phone else None,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
    )
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed({"password": list(exc.messages)}) from None
    user.set_password(password)
    user.is_staff = is_superuser or bool(set(role_names) & roles.STAFF_ROLES)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent registration took the username, e-mail or phone between check and insert.
        raise ValidationFailed({"username": [gettext("该账户已存在")]}) from None
    user.groups.set(Group.objects.filter(name__in=role_names))
    return user


def user_register(
    *, username: str, password: str, email: str | None = None, phone: str | None = None, language: str = ""
):
    """Self-registration: always a talent account. ``language`` (the one the person registered in,
    when the portal speaks it) is remembered for their pages, e-mail and SMS."""
    user = user_create(username=username, password=password, email=email, phone=phone, role_names=[roles.TALENT])
    if language in dict(settings.LANGUAGES):
        user_language_set(user=user, language=language)
    return user


@transaction.atomic
def user_language_set(*, user, language: str):
    """Remember the language ``user`` chose for pages, e-mail and SMS ("" forgets it: the default)."""
    language = (language or "").strip()
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationFailed({"language": [gettext("不支持该语言")]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
