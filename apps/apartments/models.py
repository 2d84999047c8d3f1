"""Talent apartments (人才公寓): stock, batches with a verifiable lottery, offers, leases.

Invariants the database holds, whatever the code does: a unit has at most one live offer (pending,
or accepted and not given back) and at most one current lease; an application at most one live
offer; a talent at most one current lease; a lease ends after it starts.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Layout(models.TextChoices):
    ONE = "1b", _("一房")
    TWO = "2b", _("两房")
    THREE = "3b", _("三房")


class Building(TimeStampedModel):
    name = models.CharField(_("楼宇名称"), max_length=100, unique=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("公寓楼宇")
        verbose_name_plural = _("公寓楼宇")

    def __str__(self) -> str:
        return self.name


class Unit(TimeStampedModel):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("可配租")
        RESERVED = "reserved", _("已纳入批次")
        OFFERED = "offered", _("已发出配租通知")
        OCCUPIED = "occupied", _("已入住")
        MAINTENANCE = "maintenance", _("维修中")

    building = models.ForeignKey(Building, verbose_name=_("楼宇"), on_delete=models.PROTECT, related_name="units")
    number = models.CharField(_("房号"), max_length=20)
    layout = models.CharField(_("户型"), max_length=4, choices=Layout.choices, db_index=True)
    area_m2 = models.DecimalField(_("面积（平方米）"), max_digits=7, decimal_places=2)
    rent = models.DecimalField(_("月租金（元）"), max_digits=10, decimal_places=2)
    furnished = models.BooleanField(_("配齐家具"), default=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.AVAILABLE, db_index=True)

    class Meta:
        ordering = ["building__name", "number"]
        verbose_name = _("公寓房源")
        verbose_name_plural = _("公寓房源")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="apartment_unit_number_per_building"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="apartment_unit_area_positive"),
            models.CheckConstraint(condition=Q(rent__gte=Decimal("0")), name="apartment_unit_rent_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.number}" if self.building_id else self.number


class Batch(TimeStampedModel):
    """A release of units. The seed is drawn at creation and only its commitment published; freeze
    publishes the manifest and its hash; the draw reveals the seed. ``seed_hex`` never leaves the
    server before ``drawn_at``."""

    class Status(models.TextChoices):
        OPEN = "open", _("接受申请")
        FROZEN = "frozen", _("已封存")
        DRAWN = "drawn", _("已摇号")

    name = models.CharField(_("批次名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    opens_on = models.DateField(_("开始申请日期"))
    closes_on = models.DateField(_("截止申请日期"))
    eligible_categories = models.JSONField(_("可申请的人才类别代码（空为不限）"), default=list, blank=True)
    points_rule = models.JSONField(_("积分规则"), default=dict, blank=True)
    units = models.ManyToManyField(Unit, through="BatchUnit", related_name="batches", verbose_name=_("房源"))
    seed_hex = models.CharField(max_length=64, editable=False)
    commitment = models.CharField(_("种子承诺值"), max_length=64, editable=False)
    manifest = models.JSONField(_("摇号名单"), default=list, blank=True, editable=False)
    manifest_sha256 = models.CharField(_("名单哈希"), max_length=64, blank=True, editable=False)
    ranking = models.JSONField(_("排序结果"), default=list, blank=True, editable=False)
    allocation = models.JSONField(_("分配结果"), default=dict, blank=True, editable=False)
    waitlists = models.JSONField(_("轮候名单"), default=dict, blank=True, editable=False)
    draw_round = models.PositiveSmallIntegerField(_("摇号轮次"), default=0, editable=False)
    frozen_at = models.DateTimeField(_("封存时间"), null=True, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("摇号时间"), null=True, blank=True, editable=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("配租批次")
        verbose_name_plural = _("配租批次")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="apartment_batch_window"),
            # Drawn means the seed is out and a ranking stands.
            models.CheckConstraint(
                condition=~Q(status="drawn") | Q(drawn_at__isnull=False), name="apartment_batch_drawn_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BatchUnit(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="batch_units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="batch_units")

    class Meta:
        ordering = ["unit_id"]
        verbose_name = _("批次房源")
        verbose_name_plural = _("批次房源")
        constraints = [models.UniqueConstraint(fields=["batch", "unit"], name="apartment_batch_unit_once")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.unit_id}"


class BatchEntry(models.Model):
    """One application in a frozen batch's pool: its published score and its wanted layouts."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey("workflow.Application", on_delete=models.PROTECT, related_name="apartment_entries")
    number = models.CharField(max_length=20)
    score = models.IntegerField(_("积分"))
    layouts = models.JSONField(_("意向户型"), default=list)
    rank = models.PositiveIntegerField(_("排位"), null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "number"]
        verbose_name = _("摇号名单条目")
        verbose_name_plural = _("摇号名单")
        constraints = [
            models.UniqueConstraint(fields=["batch", "application"], name="apartment_entry_once"),
            models.UniqueConstraint(fields=["batch", "number"], name="apartment_entry_number_once"),
        ]

    def __str__(self) -> str:
        return self.number


class Draw(models.Model):
    """A draw that was set aside by a redraw: kept public with the reason."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="previous_draws")
    draw_round = models.PositiveSmallIntegerField()
    reason = models.TextField(_("重新摇号原因"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人")
    )
    commitment = models.CharField(max_length=64)
    seed_hex = models.CharField(max_length=64)
    manifest_sha256 = models.CharField(max_length=64)
    ranking = models.JSONField(default=list)
    allocation = models.JSONField(default=dict)
    drawn_at = models.DateTimeField(null=True)
    redrawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch_id", "draw_round"]
        verbose_name = _("作废的摇号")
        verbose_name_plural = _("作废的摇号")
        constraints = [models.UniqueConstraint(fields=["batch", "draw_round"], name="apartment_draw_round_once")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.draw_round}"


LIVE_OFFER = Q(status__in=["pending", "accepted"], released=False)


class Offer(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待答复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已放弃")
        EXPIRED = "expired", _("逾期未答复")
        VOIDED = "voided", _("因重新摇号作废")

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="offers")
    draw_round = models.PositiveSmallIntegerField(default=1)
    application = models.ForeignKey(
        "workflow.Application", verbose_name=_("申请"), on_delete=models.PROTECT, related_name="apartment_offers"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("房源"), on_delete=models.PROTECT, related_name="offers")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    rank = models.PositiveIntegerField(_("排位"))
    respond_by = models.DateField(_("答复期限"), db_index=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # An accepted offer whose lease has ended: the unit went back to the stock.
    released = models.BooleanField(default=False, editable=False)
    reminded = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("配租通知")
        verbose_name_plural = _("配租通知")
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=LIVE_OFFER, name="apartment_one_live_offer_per_unit"),
            models.UniqueConstraint(
                fields=["application"], condition=LIVE_OFFER, name="apartment_one_live_offer_per_application"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.unit_id}"


class Lease(TimeStampedModel):
    class Status(models.TextChoices):
        CURRENT = "current", _("在租")
        ENDED = "ended", _("已退租")

    unit = models.ForeignKey(Unit, verbose_name=_("房源"), on_delete=models.PROTECT, related_name="leases")
    tenant = models.ForeignKey(
        "talents.Talent", verbose_name=_("承租人"), on_delete=models.PROTECT, related_name="apartment_leases"
    )
    application = models.ForeignKey(
        "workflow.Application", verbose_name=_("申请"), on_delete=models.PROTECT, related_name="apartment_leases"
    )
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="lease", null=True, blank=True)
    start = models.DateField(_("起租日期"))
    end = models.DateField(_("租期届满日期"), db_index=True)
    rent = models.DecimalField(_("月租金（元）"), max_digits=10, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.CURRENT, db_index=True)
    ended_on = models.DateField(_("退租日期"), null=True, blank=True)
    expiry_reminded = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("租约")
        verbose_name_plural = _("租约")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="current"), name="apartment_one_current_lease_per_unit"
            ),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(status="current"), name="apartment_one_current_lease_per_tenant"
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="apartment_lease_ends_after_start"),
            models.CheckConstraint(condition=Q(rent__gte=Decimal("0")), name="apartment_lease_rent_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.start}–{self.end}"


class RenewalRequest(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("不同意")

    lease = models.ForeignKey(Lease, verbose_name=_("租约"), on_delete=models.CASCADE, related_name="renewals")
    requested_end = models.DateField(_("申请续租至"))
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("续租申请")
        verbose_name_plural = _("续租申请")
        constraints = [
            models.UniqueConstraint(
                fields=["lease"], condition=Q(status="pending"), name="apartment_one_pending_renewal_per_lease"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lease_id} → {self.requested_end}"
