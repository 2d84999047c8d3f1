from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField
from apps.core.identifiers import phone_mask

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
