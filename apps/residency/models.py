from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RegistrationCard(models.Model):
    """入户卡: issued when a household registration application is fulfilled."""

    application = models.OneToOneField(
        "workflow.Application", on_delete=models.PROTECT, related_name="registration_card"
    )
    talent = models.ForeignKey("talents.Talent", on_delete=models.PROTECT, related_name="registration_cards")
    number = models.CharField(_("入户卡号"), max_length=30, unique=True)
    issued_on = models.DateField(_("发卡日期"))
    quota_year = models.PositiveSmallIntegerField(_("指标年度"), null=True, blank=True)
    quota_enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("入户卡")
        verbose_name_plural = _("入户卡")

    def __str__(self) -> str:
        return self.number


class GreenCard(models.Model):
    """人才绿卡. Class A (high-level categories, 5 years) or B (1 year, renewable once); configurable
    in the green_card service's ``config``."""

    class CardClass(models.TextChoices):
        A = "A", _("A卡")
        B = "B", _("B卡")

    application = models.OneToOneField("workflow.Application", on_delete=models.PROTECT, related_name="green_card")
    talent = models.ForeignKey("talents.Talent", on_delete=models.PROTECT, related_name="green_cards")
    number = models.CharField(_("绿卡编号"), max_length=30, unique=True)
    card_class = models.CharField(_("类别"), max_length=1, choices=CardClass.choices)
    issued_on = models.DateField(_("发卡日期"))
    expires_on = models.DateField(_("有效期至"), db_index=True)
    renewal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewed_by"
    )
    renewal_count = models.PositiveSmallIntegerField(_("已续期次数"), default=0)
    expiry_reminded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("人才绿卡")
        verbose_name_plural = _("人才绿卡")
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")), name="green_card_valid_period"),
        ]

    def __str__(self) -> str:
        return self.number
