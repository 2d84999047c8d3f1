from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

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


def _clean_identity(*, username: str, email: str | None, phone: str | None) -> tuple[str, str | None, str | None]:
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = ["必填 / this field is required"]
    elif len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors["username"] = ["用户名只能包含字母、数字和 @.+-_ / letters, digits and @.+-_ only"]
    elif "@" in username:
        errors["username"] = ["用户名不能包含@ / a username may not contain @"]
    elif _is_phone(username):
        # Log-in looks a username up before a phone: such a username would hide the phone's owner.
        errors["username"] = ["用户名不能是手机号码 / a username may not be a phone number"]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["该用户名已被使用 / this username is taken"]
    email = (email or "").strip().lower() or None
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = ["电子邮箱格式不正确 / enter a valid e-mail address"]
        else:
            if User.objects.filter(email__iexact=email).exists():
                errors["email"] = ["该邮箱已注册 / this e-mail is already registered"]
    if phone:
        try:
            phone = phone_validate(phone)
        except IdentifierError as exc:
            errors["phone"] = [str(exc)]
        else:
            if User.objects.filter(phone_hash=pii_hash(phone)).exists():
                errors["phone"] = ["该手机号已注册 / this phone number is already registered"]
    else:
        phone = None
    if not email and not phone and "email" not in errors and "phone" not in errors:
        errors["email"] = ["请填写电子邮箱或手机号码 / give an e-mail address or a phone number"]
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
        raise ValidationFailed({"username": ["该账户已存在 / this account already exists"]}) from None
    user.groups.set(Group.objects.filter(name__in=role_names))
    return user


def user_register(*, username: str, password: str, email: str | None = None, phone: str | None = None):
    """Self-registration: always a talent account."""
    return user_create(username=username, password=password, email=email, phone=phone, role_names=[roles.TALENT])
