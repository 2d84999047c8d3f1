from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField
from apps.core.identifiers import phone_mask
from apps.core.models import TimeStampedModel

from . import roles


class User(AbstractUser):
    """An account. The phone is personal data: encrypted, looked up through ``phone_hash``."""

    email = models.EmailField(_("电子邮箱"), unique=True, null=True, blank=True)  # type: ignore[assignment]
    phone = EncryptedTextField(_("手机号码"), blank=True, default="", hash_field="phone_hash")
    phone_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # The language the person last chose: pages after login, e-mail and SMS speak it ("" = the default).
    language = models.CharField(_("语言"), max_length=10, blank=True, default="", choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]
        permissions = [
            ("view_personal_data", "Can see full resident ID numbers and phones"),
            ("export_personal_data", "Can export unmasked personal identifiers"),
        ]

    @cached_property
    def role_names(self) -> frozenset[str]:
        names = set(self.groups.values_list("name", flat=True))
        if self.is_superuser:
            names.add(roles.DISTRICT_ADMIN)
        return frozenset(names)

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names.intersection(names))

    @property
    def is_district_staff(self) -> bool:
        return bool(self.role_names & roles.STAFF_ROLES)

    @property
    def phone_masked(self) -> str:
        return phone_mask(self.phone) if self.phone else ""


class ContactCode(TimeStampedModel):
    """A one-time code proving that a person holds a phone or e-mail address.

    Self-registration creates an inactive account and one of these; entering the code activates the
    account and only then puts the phone or e-mail on it. So a contact belongs to an account only
    once verified: an unverified account holds none against its real owner, and is removed after
    ``UNVERIFIED_ACCOUNT_TTL_SECONDS``. The code is stored as a keyed hash, expires after
    ``CONTACT_CODE_TTL_SECONDS`` and allows ``CONTACT_CODE_MAX_ATTEMPTS`` wrong entries. A ``decoy``
    (the contact already belongs to a verified account) has no code that could match: its owner is
    told that someone tried, and the registration answers exactly as any other.

    ``CHANGE``: a signed-in account proves a new phone or e-mail the same way before it replaces the
    old one (``contact_change_start`` / ``contact_change_verify``).
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", _("注册")
        CHANGE = "change", _("更换联系方式")

    class Channel(models.TextChoices):
        PHONE = "phone", _("手机号码")
        EMAIL = "email", _("电子邮箱")

    class Status(models.TextChoices):
        PENDING = "pending", _("待验证")
        VERIFIED = "verified", _("已验证")
        EXPIRED = "expired", _("已失效")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_codes")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.REGISTER)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    value = EncryptedTextField(hash_field="value_hash")
    value_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64, blank=True)
    decoy = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sends = models.PositiveSmallIntegerField(default=1)
    last_sent_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = _("联系方式验证码")
        verbose_name_plural = _("联系方式验证码")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "channel"],
                condition=models.Q(status="pending"),
                name="one_pending_contact_code",
            ),
        ]
