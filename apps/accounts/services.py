from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from knox.models import AuthToken

from apps.core.crypto import pii_hash
from apps.core.exceptions import DomainError, ValidationFailed
from apps.core.identifiers import IdentifierError, phone_validate

from . import roles
from .authentication import token_expiry_for
from .models import ContactCode

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


def _clean_identity(
    *, username: str, email: str | None, phone: str | None, refuse_taken_contact: bool = True
) -> tuple[str, str | None, str | None]:
    """Normalise and check a new account's username, e-mail and phone. ``refuse_taken_contact=False``
    (self-registration) leaves a phone or e-mail another account holds to the caller, which must not
    say so: only the username's being taken is told (usernames are public handles)."""
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
            if refuse_taken_contact and User.objects.filter(email__iexact=email).exists():
                errors["email"] = [gettext("该邮箱已注册")]
    if phone:
        try:
            phone = phone_validate(phone)
        except IdentifierError as exc:
            errors["phone"] = [str(exc)]
        else:
            if refuse_taken_contact and User.objects.filter(phone_hash=pii_hash(phone)).exists():
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
    """Create an account with the given roles. Staff roles make the account staff (Django admin).

    For staff, the seed and tests: the e-mail and phone given count as verified. Self-registration
    (``user_register``) proves them with a code first."""
    username, email, phone = _clean_identity(username=username, email=email, phone=phone)
    return _account_save(
        username=username,
        password=password,
        email=email,
        phone=phone,
        role_names=role_names,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
    )


def _account_save(
    *,
    username: str,
    password: str,
    email: str | None,
    phone: str | None,
    role_names: Iterable[str],
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
    unverified: bool = False,
):
    """Save a checked account. ``unverified``: inactive, and the e-mail and phone (used only to judge
    the password's similarity) are not stored on it until a code proves them."""
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
    if unverified:
        user.email, user.phone, user.phone_hash, user.is_active = None, "", None, False
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent registration took the username, e-mail or phone between check and insert.
        raise ValidationFailed({"username": [gettext("该账户已存在")]}) from None
    user.groups.set(Group.objects.filter(name__in=role_names))
    return user


# --- Self-registration with a verified phone or e-mail -------------------------------------------

CODE_WRONG = gettext_lazy("验证码错误或已失效")
# A code may be sent this many times in all (the API also limits sends per username and hour).
CONTACT_CODE_MAX_SENDS = 10

_CODE_TEXTS: dict[str, str] = {
    ContactCode.Channel.PHONE: gettext_noop(
        "【海珠人才】您的注册验证码为 {code}，{minutes}分钟内有效。请勿告知他人；如非本人操作，请忽略。"
    ),
    ContactCode.Channel.EMAIL: gettext_noop(
        "您在海珠区人才服务平台注册账户的验证码为 {code}，{minutes}分钟内有效。请勿告知他人；如非本人操作，请忽略本邮件。"
    ),
}
_TAKEN_TEXTS: dict[str, str] = {
    ContactCode.Channel.PHONE: gettext_noop(
        "【海珠人才】有人正在用您的手机号码注册新账户。该号码已属于您在本平台的账户，无需再次注册，可直接用该号码登录；如非本人操作，请忽略。"
    ),
    ContactCode.Channel.EMAIL: gettext_noop(
        "有人正在用您的电子邮箱注册海珠区人才服务平台的新账户。该邮箱已属于您在本平台的账户，无需再次注册，可直接用该邮箱登录；如非本人操作，请忽略本邮件。"
    ),
}
_EMAIL_SUBJECT = gettext_noop("海珠区人才服务平台账户验证")
_CHANGE_CODE_TEXTS: dict[str, str] = {
    ContactCode.Channel.PHONE: gettext_noop(
        "【海珠人才】您正在将本号码绑定到海珠区人才服务平台账户，验证码为 {code}，{minutes}分钟内有效。请勿告知他人；如非本人操作，请忽略。"
    ),
    ContactCode.Channel.EMAIL: gettext_noop(
        "您正在将本邮箱绑定到海珠区人才服务平台账户，验证码为 {code}，{minutes}分钟内有效。请勿告知他人；如非本人操作，请忽略本邮件。"
    ),
}
_CHANGE_TAKEN_TEXTS: dict[str, str] = {
    ContactCode.Channel.PHONE: gettext_noop(
        "【海珠人才】有人正在尝试将您的手机号码绑定到本平台的另一个账户。该号码仍属于您的账户，未作任何更改；如非本人操作，请忽略。"
    ),
    ContactCode.Channel.EMAIL: gettext_noop(
        "有人正在尝试将您的电子邮箱绑定到海珠区人才服务平台的另一个账户。该邮箱仍属于您的账户，未作任何更改；如非本人操作，请忽略本邮件。"
    ),
}
_CHANGED_TEXTS: dict[str, str] = {
    ContactCode.Channel.PHONE: gettext_noop(
        "【海珠人才】您账户 {username} 的手机号码已更换，本号码不再接收该账户的通知。如非本人操作，请立即修改密码并联系海珠区人才服务中心。"
    ),
    ContactCode.Channel.EMAIL: gettext_noop(
        "您在海珠区人才服务平台的账户 {username} 的电子邮箱已更换，本邮箱不再接收该账户的通知。如非本人操作，请立即修改密码并联系海珠区人才服务中心。"
    ),
}


def _contact_code_hash(user: Any, code: str) -> str:
    return pii_hash(f"contact:{user.pk}:{(code or '').strip()}")


def _contact_holder(channel: str, value: str):
    """The (verified) account that holds this phone or e-mail, or None."""
    if channel == ContactCode.Channel.PHONE:
        return User.objects.filter(phone_hash=pii_hash(value)).first()
    return User.objects.filter(email__iexact=value).first()


def _contact_message_send(*, channel: str, to: str, text: str, language: str, context: dict[str, Any]) -> None:
    """Send ``text`` (a msgid) in ``language`` to a phone or e-mail address, after commit."""
    from .tasks import contact_message_send

    with translation.override(language or settings.LANGUAGE_CODE):
        body = gettext(text).format(**context)
        subject = gettext(_EMAIL_SUBJECT)
    contact_message_send.delay_on_commit(channel=channel, to=to, subject=subject, body=body)


def _contact_code_send(row: ContactCode, *, now) -> None:
    """Draw a fresh code for ``row`` (fresh attempts and expiry) and send it; a decoy's owner was
    told once, at registration, and gets nothing more."""
    row.expires_at = now + dt.timedelta(seconds=settings.CONTACT_CODE_TTL_SECONDS)
    row.attempts = 0
    row.last_sent_at = now
    if row.decoy:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    row.code_hash = _contact_code_hash(row.user, code)
    texts = _CHANGE_CODE_TEXTS if row.purpose == ContactCode.Purpose.CHANGE else _CODE_TEXTS
    _contact_message_send(
        channel=row.channel,
        to=row.value,
        text=texts[row.channel],
        language=row.user.language,
        context={"code": code, "minutes": settings.CONTACT_CODE_TTL_SECONDS // 60},
    )


@transaction.atomic
def unverified_accounts_purge() -> int:
    """Remove self-registered accounts whose phone or e-mail was never verified within
    ``UNVERIFIED_ACCOUNT_TTL_SECONDS``: they free their username. An account staff deactivated
    (verified before, or never self-registered) is not one of them."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.UNVERIFIED_ACCOUNT_TTL_SECONDS)
    stale = (
        User.objects.filter(is_active=False, last_login__isnull=True, date_joined__lt=cutoff)
        .filter(contact_codes__purpose=ContactCode.Purpose.REGISTER)
        .exclude(contact_codes__status=ContactCode.Status.VERIFIED)
    )
    deleted, _ = User.objects.filter(pk__in=list(stale.values_list("pk", flat=True)[:1000])).delete()
    return deleted


@transaction.atomic
def user_register(
    *, username: str, password: str, email: str | None = None, phone: str | None = None, language: str = ""
):
    """Self-registration: an inactive talent account, activated by ``registration_verify`` with the
    code sent to the phone and/or e-mail given. ``language`` (the one the person registered in, when
    the portal speaks it) is remembered for their pages, e-mail and SMS.

    Never tells whether the phone or e-mail is taken: a contact another (verified) account holds gets
    a message saying someone tried, the caller the same answer as anyone, and the inactive account
    (which holds no contact and can never be activated by it) only keeps the username until it is
    purged. The username's being taken is told: usernames are public handles, and telling keeps a
    person from waiting for a code that cannot come."""
    unverified_accounts_purge()
    username, email, phone = _clean_identity(username=username, email=email, phone=phone, refuse_taken_contact=False)
    user = _account_save(
        username=username, password=password, email=email, phone=phone, role_names=[roles.TALENT], unverified=True
    )
    if language in dict(settings.LANGUAGES):
        user_language_set(user=user, language=language)
    now = timezone.now()
    for channel, value in ((ContactCode.Channel.PHONE, phone), (ContactCode.Channel.EMAIL, email)):
        if not value:
            continue
        _contact_code_issue(user=user, purpose=ContactCode.Purpose.REGISTER, channel=channel, value=value, now=now)
    return user


def _contact_code_issue(*, user: Any, purpose: str, channel: str, value: str, now) -> ContactCode:
    """Send a code to ``value`` for ``user`` (registration or a change of contact). When a verified
    account already holds that contact, the row is a decoy no code can match and the holder is told
    someone tried: the caller answers exactly as otherwise."""
    holder = _contact_holder(channel, value)
    row = ContactCode(
        user=user,
        purpose=purpose,
        channel=channel,
        value=value,
        value_hash=pii_hash(value),
        decoy=holder is not None,
        expires_at=now,
        last_sent_at=now,
    )
    _contact_code_send(row, now=now)
    row.save()
    if holder is not None:
        taken = _TAKEN_TEXTS if purpose == ContactCode.Purpose.REGISTER else _CHANGE_TAKEN_TEXTS
        _contact_message_send(channel=channel, to=value, text=taken[channel], language=holder.language, context={})
    return row


def registration_verify(*, username: str, code: str):
    """Activate a self-registered account with a code sent to its phone or e-mail; that contact is
    then the account's. Every failure — no such pending account, a wrong, expired or used-up code —
    answers the same ``{"code": [...]}``; a wrong code counts against each live code of the account
    (``CONTACT_CODE_MAX_ATTEMPTS``), and those counts commit although the call fails."""
    error: Exception = ValidationFailed({"code": [str(CODE_WRONG)]})
    with transaction.atomic():
        user = User.objects.filter(username__iexact=unicodedata.normalize("NFKC", username or "").strip()).first()
        rows = (
            list(
                ContactCode.objects.select_for_update()
                .filter(user=user, purpose=ContactCode.Purpose.REGISTER, status=ContactCode.Status.PENDING)
                .select_related("user")
                .order_by("pk")
            )
            if user is not None
            else []
        )
        now = timezone.now()
        live = [r for r in rows if r.expires_at > now and r.attempts < settings.CONTACT_CODE_MAX_ATTEMPTS]
        digest = _contact_code_hash(user, code) if user is not None else ""
        for row in live:
            if not row.decoy and row.code_hash and secrets.compare_digest(row.code_hash, digest):
                return _contact_verified(row)
        for row in live:
            row.attempts += 1
            row.save(update_fields=["attempts", "updated_at"])
    raise error


def _contact_verified(row: ContactCode):
    user = User.objects.select_for_update().get(pk=row.user_id)
    taken = ValidationFailed({"code": [gettext("该手机号码或电子邮箱已由其他账户验证使用，请直接用它登录")]})
    holder = _contact_holder(row.channel, row.value)
    if holder is not None and holder.pk != user.pk:
        raise taken
    if row.channel == ContactCode.Channel.PHONE:
        user.phone, user.phone_hash = row.value, row.value_hash
    else:
        user.email = row.value
    user.is_active = True
    try:
        with transaction.atomic():
            user.save(update_fields=["phone", "phone_hash", "email", "is_active"])
    except IntegrityError:
        raise taken from None  # verified by another account at the same moment
    row.status = ContactCode.Status.VERIFIED
    row.save(update_fields=["status", "updated_at"])
    # Other unverified accounts waiting on the same contact can no longer have it.
    ContactCode.objects.filter(value_hash=row.value_hash, status=ContactCode.Status.PENDING).exclude(user=user).update(
        status=ContactCode.Status.EXPIRED, updated_at=timezone.now()
    )
    return user


@transaction.atomic
def registration_code_resend(*, username: str) -> None:
    """Send a fresh code to each contact of a pending registration, at most once a minute and
    ``CONTACT_CODE_MAX_SENDS`` times; silent either way (the answer never tells whether the username
    is pending)."""
    user = User.objects.filter(username__iexact=unicodedata.normalize("NFKC", username or "").strip()).first()
    if user is None:
        return
    now = timezone.now()
    rows = ContactCode.objects.select_for_update().filter(
        user=user, purpose=ContactCode.Purpose.REGISTER, status=ContactCode.Status.PENDING
    )
    for row in rows.select_related("user"):
        if row.sends >= CONTACT_CODE_MAX_SENDS or (
            row.last_sent_at > now - dt.timedelta(seconds=settings.CONTACT_CODE_RESEND_INTERVAL_SECONDS)
        ):
            continue
        _contact_code_send(row, now=now)
        row.sends += 1
        row.save(update_fields=["code_hash", "expires_at", "attempts", "last_sent_at", "sends", "updated_at"])


# --- Changing the account's phone or e-mail (proved with a code, as registration) ----------------


class CodeSentRecently(DomainError):
    """A change code was sent less than ``CONTACT_CODE_RESEND_INTERVAL_SECONDS`` ago, or
    ``CONTACT_CODE_MAX_SENDS`` were sent within the hour: 429."""

    status_code = 429


def _clean_new_contact(user: Any, *, phone: str | None, email: str | None) -> tuple[str, str]:
    """(channel, normalised value) of the one new phone or e-mail given, or 400 naming the field."""
    phone, email = (phone or "").strip(), (email or "").strip().lower()
    if phone and email:
        raise ValidationFailed({"email": [gettext("一次只能更换手机号码或电子邮箱之一")]})
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed({"email": [gettext("电子邮箱格式不正确")]}) from None
        if (user.email or "").lower() == email:
            raise ValidationFailed({"email": [gettext("与当前电子邮箱相同")]})
        return ContactCode.Channel.EMAIL, email
    if phone:
        try:
            phone = phone_validate(phone)
        except IdentifierError as exc:
            raise ValidationFailed({"phone": [str(exc)]}) from None
        if user.phone_hash == pii_hash(phone):
            raise ValidationFailed({"phone": [gettext("与当前手机号码相同")]})
        return ContactCode.Channel.PHONE, phone
    raise ValidationFailed({"email": [gettext("请填写电子邮箱或手机号码")]})


@transaction.atomic
def contact_change_start(*, user: Any, phone: str | None = None, email: str | None = None) -> ContactCode:
    """Send a code to a new ``phone`` or ``email`` for ``user``; ``contact_change_verify`` with it puts
    the contact on the account. Never tells whether another (verified) account holds it: its owner is
    told someone tried, and the row is a decoy no code can match. A new request replaces the pending
    one of that channel; at most one send per ``CONTACT_CODE_RESEND_INTERVAL_SECONDS`` and
    ``CONTACT_CODE_MAX_SENDS`` an hour per account (429), checked under the account's row lock."""
    channel, value = _clean_new_contact(user, phone=phone, email=email)
    locked = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    recent = ContactCode.objects.filter(
        user=locked, purpose=ContactCode.Purpose.CHANGE, created_at__gte=now - dt.timedelta(hours=1)
    )
    last = recent.order_by("-last_sent_at").values_list("last_sent_at", flat=True).first()
    if recent.count() >= CONTACT_CODE_MAX_SENDS or (
        last is not None and last > now - dt.timedelta(seconds=settings.CONTACT_CODE_RESEND_INTERVAL_SECONDS)
    ):
        raise CodeSentRecently(gettext("验证码发送过于频繁，请稍后再试"))
    ContactCode.objects.filter(
        user=locked, purpose=ContactCode.Purpose.CHANGE, channel=channel, status=ContactCode.Status.PENDING
    ).update(status=ContactCode.Status.EXPIRED, updated_at=now)
    return _contact_code_issue(user=locked, purpose=ContactCode.Purpose.CHANGE, channel=channel, value=value, now=now)


def contact_change_verify(*, user: Any, code: str):
    """Put the new phone or e-mail whose code ``code`` is on ``user``'s account; the old contact is
    told it was changed, and the account's other pending change codes end. A wrong, expired or
    used-up code, a decoy, and a contact another account verified meanwhile all answer the same
    ``{"code": [...]}``; a wrong code counts against each live change code of the account, and those
    counts commit although the call fails."""
    error = ValidationFailed({"code": [str(CODE_WRONG)]})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        rows = list(
            ContactCode.objects.select_for_update()
            .filter(user=locked, purpose=ContactCode.Purpose.CHANGE, status=ContactCode.Status.PENDING)
            .select_related("user")
            .order_by("pk")
        )
        now = timezone.now()
        live = [r for r in rows if r.expires_at > now and r.attempts < settings.CONTACT_CODE_MAX_ATTEMPTS]
        digest = _contact_code_hash(locked, code)
        match = next(
            (r for r in live if not r.decoy and r.code_hash and secrets.compare_digest(r.code_hash, digest)), None
        )
        if match is not None:
            try:
                with transaction.atomic():
                    return _contact_changed(locked, match, now=now)
            except ValidationFailed:
                pass  # taken meanwhile: the same answer as a wrong code
        for row in live:
            row.attempts += 1
            row.save(update_fields=["attempts", "updated_at"])
    raise error


def _contact_changed(user: Any, row: ContactCode, *, now):
    taken = ValidationFailed({"code": [str(CODE_WRONG)]})
    holder = _contact_holder(row.channel, row.value)
    if holder is not None and holder.pk != user.pk:
        raise taken
    if row.channel == ContactCode.Channel.PHONE:
        old = user.phone
        user.phone, user.phone_hash = row.value, row.value_hash
    else:
        old = user.email
        user.email = row.value
    try:
        with transaction.atomic():
            user.save(update_fields=["phone", "phone_hash", "email"])
    except IntegrityError:
        raise taken from None  # verified by another account at the same moment
    row.status = ContactCode.Status.VERIFIED
    row.save(update_fields=["status", "updated_at"])
    ContactCode.objects.filter(user=user, purpose=ContactCode.Purpose.CHANGE, status=ContactCode.Status.PENDING).update(
        status=ContactCode.Status.EXPIRED, updated_at=now
    )
    # Other accounts (registrations or changes) waiting on the same contact can no longer have it.
    ContactCode.objects.filter(value_hash=row.value_hash, status=ContactCode.Status.PENDING).exclude(user=user).update(
        status=ContactCode.Status.EXPIRED, updated_at=now
    )
    if old:
        _contact_message_send(
            channel=row.channel,
            to=old,
            text=_CHANGED_TEXTS[row.channel],
            language=user.language,
            context={"username": user.username},
        )
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


# --- API tokens --------------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, user) -> tuple[Any, str]:
    """A new API token for ``user``: (the stored AuthToken, the token string, shown only now).

    It ends ``API_TOKEN_TTL_SECONDS`` after issue; a staff token after ``STAFF_IDLE_TIMEOUT_SECONDS``
    idle (``authentication.PortalTokenAuthentication`` renews it on use)."""
    now = timezone.now()
    instance, token = AuthToken.objects.create(user=user, expiry=token_expiry_for(user, created=now, now=now) - now)
    return instance, token


@transaction.atomic
def token_revoke(*, token) -> None:
    """Log this token out (``POST /auth/logout/``)."""
    AuthToken.objects.filter(pk=token.pk).delete()


@transaction.atomic
def tokens_revoke_all(*, user) -> int:
    """Every API token of ``user`` stops working: "log out everywhere", and any password change."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def tokens_expired_purge() -> int:
    """Delete the tokens past their expiry (refused already; this only tidies the table)."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def password_change(*, user, old_password: str, new_password: str) -> tuple[Any, str]:
    """Change the password after checking the old one and the password rules; every token of the
    account is revoked (the ``post_save`` receiver of a changed password) and a new one is issued."""
    if not user.check_password(old_password or ""):
        raise ValidationFailed({"old_password": [gettext("原密码不正确")]})
    try:
        validate_password(new_password or "", user)
    except DjangoValidationError as exc:
        raise ValidationFailed({"new_password": list(exc.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return token_issue(user=user)
