from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Enterprise(TimeStampedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("企业")
        INCUBATOR = "incubator", _("科技企业孵化器")
        MAKER_SPACE = "maker_space", _("众创空间")

    name = models.CharField(_("名称"), max_length=200, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    zone = models.CharField(
        _("所在园区"), max_length=100, blank=True, db_index=True, help_text=_("例如：琶洲互联网创新集聚区")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.COMPANY, db_index=True)
    is_national = models.BooleanField(
        _("国家级"), default=False, help_text=_("国家级孵化器/纳入国家级管理支持体系的众创空间")
    )
    floor_area_m2 = models.DecimalField(_("孵化面积（平方米）"), max_digits=12, decimal_places=2, default=Decimal("0"))
    graduated_firms = models.PositiveIntegerField(_("累计毕业企业数"), default=0)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        constraints = [
            models.CheckConstraint(condition=Q(floor_area_m2__gte=0), name="enterprise_floor_area_nonnegative"),
        ]

    def __str__(self) -> str:
        return self.name


class EnterpriseMember(TimeStampedModel):
    """An enterprise HR user. One enterprise per HR account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_membership"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="members")
    title = models.CharField(_("职务"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("企业人事")
        verbose_name_plural = _("企业人事")

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


class KeyEnterpriseListing(TimeStampedModel):
    """The enterprise is on that year's key-enterprise service list (重点企业服务名录)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="key_listings")
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    service_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务专员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "enterprise_id"]
        verbose_name = _("重点企业名录")
        verbose_name_plural = _("重点企业名录")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="key_listing_unique_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.enterprise}"


class Quota(TimeStampedModel):
    """A yearly quota of a scarce thing an enterprise may spend. ``used`` never exceeds ``total``:
    the database refuses it, and ``services.quota_consume`` takes a row lock before moving it."""

    class Kind(models.TextChoices):
        HUKOU_INDICATOR = "hukou_indicator", _("人才入户指标")
        SCHOOL_PLACE = "school_place", _("优质学位")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="quotas")
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    total = models.PositiveIntegerField(_("总数"))
    used = models.PositiveIntegerField(_("已用"), default=0)

    class Meta:
        ordering = ["-year", "enterprise_id", "kind"]
        verbose_name = _("企业指标")
        verbose_name_plural = _("企业指标")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "year"], name="quota_unique_per_kind_year"),
            models.CheckConstraint(condition=Q(used__lte=F("total")), name="quota_used_within_total"),
            models.CheckConstraint(condition=Q(used__gte=0), name="quota_used_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()} {self.year}: {self.used}/{self.total}"

    @property
    def remaining(self) -> int:
        return self.total - self.used


class QuotaMovement(models.Model):
    """Append-only ledger of every slot spent or released, with what it was for."""

    quota = models.ForeignKey(Quota, on_delete=models.PROTECT, related_name="movements")
    delta = models.SmallIntegerField()
    reference = models.CharField(_("业务编号"), max_length=100, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("指标变动")
        verbose_name_plural = _("指标变动")


class ShortageIntroduction(TimeStampedModel):
    """A shortage talent (紧缺人才) the enterprise reports having brought in."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="shortage_introductions")
    talent = models.ForeignKey("talents.Talent", on_delete=models.CASCADE, related_name="shortage_introductions")
    year = models.PositiveSmallIntegerField(_("引进年度"))
    position = models.CharField(_("岗位"), max_length=100, blank=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("紧缺人才引进")
        verbose_name_plural = _("紧缺人才引进")
        constraints = [models.UniqueConstraint(fields=["enterprise", "talent"], name="shortage_intro_unique")]
