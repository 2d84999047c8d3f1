"""School places (优质学位): schools, rounds with seats per school, nominations by enterprise HR.

Invariants the database keeps: a school's seats in a round are never over-assigned
(``assigned <= capacity``), one school per round once, one live nomination per child per round
(found through the keyed hash of the child's resident ID, which is stored only encrypted).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.fields import EncryptedTextField
from apps.core.identifiers import resident_id_mask
from apps.core.models import TimeStampedModel

# Priority points by the parent's highest verified talent category level (1 = highest). Published
# with the round; staff edit it per round. Levels not named count 0.
DEFAULT_PRIORITY_RULE: dict[str, int] = {"1": 100, "2": 90, "3": 80, "4": 70, "5": 60, "6": 40, "7": 30, "8": 20}


def default_priority_rule() -> dict[str, int]:
    return dict(DEFAULT_PRIORITY_RULE)


class School(TimeStampedModel):
    class Stage(models.TextChoices):
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")

    name = models.CharField(_("学校名称"), max_length=100, unique=True)
    stage = models.CharField(_("学段"), max_length=10, choices=Stage.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["stage", "name", "id"]
        verbose_name = _("学校")
        verbose_name_plural = _("学校")

    def __str__(self) -> str:
        return self.name


class Round(TimeStampedModel):
    """A round of nominations and one assignment run. The seed is drawn at creation and only its
    ``commitment`` (sha256 of the seed) is shown until the run reveals it."""

    class Status(models.TextChoices):
        OPEN = "open", _("接受提名")
        CLOSED = "closed", _("已截止")
        RUN = "run", _("已分配")

    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    opens_on = models.DateField(_("提名开始日期"))
    closes_on = models.DateField(_("提名截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    seed_hex = models.CharField(max_length=64, editable=False)
    commitment = models.CharField(_("随机种子承诺值"), max_length=64, editable=False)
    priority_rule = models.JSONField(
        _("优先级规则"),
        default=default_priority_rule,
        help_text=_('父母经核实的最高人才类别层级 → 优先分，例如 {"1": 100, "2": 90}；未列出的层级为 0'),
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一轮"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_rounds",
        help_text=_("第二轮分配上一轮剩余的学位"),
    )
    run_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("学位分配轮次")
        verbose_name_plural = _("学位分配轮次")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="school_round_window_valid"),
            models.CheckConstraint(condition=Q(status__in=["open", "closed", "run"]), name="school_round_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.year} #{self.pk}"

    @property
    def is_run(self) -> bool:
        return self.status == self.Status.RUN

    def current_status(self, today=None) -> str:
        """``run`` once run; ``closed`` after the window (or closed by staff); else ``open``."""
        if self.status != self.Status.OPEN:
            return self.status
        today = today or timezone.localdate()
        return self.Status.CLOSED if today > self.closes_on else self.Status.OPEN

    @property
    def published_seed(self) -> str | None:
        return self.seed_hex if self.is_run else None


class RoundSeat(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="seats")
    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="seats")
    capacity = models.PositiveIntegerField(_("学位数"))
    assigned = models.PositiveIntegerField(_("已分配"), default=0)

    class Meta:
        ordering = ["round_id", "school__stage", "school__name", "id"]
        # "学位" is also an academic degree (talents): here the seats a school offers.
        verbose_name = pgettext_lazy("school seats", "学位")
        verbose_name_plural = pgettext_lazy("school seats", "学位")
        constraints = [
            models.UniqueConstraint(fields=["round", "school"], name="school_seat_unique_per_round"),
            models.CheckConstraint(condition=Q(assigned__lte=F("capacity")), name="school_seat_within_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.assigned}/{self.capacity}"

    @property
    def left(self) -> int:
        return self.capacity - self.assigned


class Nomination(TimeStampedModel):
    """An enterprise's nomination of an employee's child for a round; one ``school_place`` quota slot."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("已提名")
        WITHDRAWN = "withdrawn", _("已撤回")
        APPROVED = "approved", _("审核通过")
        REJECTED = "rejected", _("审核未通过")
        ASSIGNED = "assigned", _("已分配学位")
        UNASSIGNED = "unassigned", _("未分配学位")

    class Grade(models.IntegerChoices):
        PRIMARY_1 = 1, _("小学一年级")
        PRIMARY_2 = 2, _("小学二年级")
        PRIMARY_3 = 3, _("小学三年级")
        PRIMARY_4 = 4, _("小学四年级")
        PRIMARY_5 = 5, _("小学五年级")
        PRIMARY_6 = 6, _("小学六年级")
        JUNIOR_1 = 7, _("初中一年级")
        JUNIOR_2 = 8, _("初中二年级")
        JUNIOR_3 = 9, _("初中三年级")

    number = models.CharField(_("提名编号"), max_length=20, unique=True)
    round = models.ForeignKey(Round, verbose_name=_("轮次"), on_delete=models.PROTECT, related_name="nominations")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("推荐企业"), on_delete=models.PROTECT, related_name="nominations"
    )
    talent = models.ForeignKey(
        "talents.Talent", verbose_name=_("家长（人才）"), on_delete=models.PROTECT, related_name="school_nominations"
    )
    child_name = models.CharField(_("子女姓名"), max_length=50)
    child_id_number = EncryptedTextField(_("子女居民身份证号码"), hash_field="child_id_number_hash")
    child_id_number_hash = models.CharField(max_length=64, editable=False)
    child_birth_date = models.DateField(_("子女出生日期"))
    entry_grade = models.PositiveSmallIntegerField(_("入读年级"), choices=Grade.choices)
    preferences = models.JSONField(_("志愿学校"), default=list, help_text=_("学校编号，按志愿先后"))
    application = models.OneToOneField(
        "workflow.Application",
        verbose_name=_("申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="school_nomination",
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NOMINATED, db_index=True)
    priority = models.IntegerField(_("优先分"), null=True, blank=True, help_text=_("分配时按经核实的人才类别计算"))
    assigned_school = models.ForeignKey(
        School, verbose_name=_("分配学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unassigned_reason = models.CharField(_("未分配原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("学位提名")
        verbose_name_plural = _("学位提名")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "child_id_number_hash"],
                condition=~Q(status="withdrawn"),
                name="school_nomination_one_live_per_child",
            ),
            models.CheckConstraint(
                condition=Q(entry_grade__gte=1, entry_grade__lte=9), name="school_nomination_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(assigned_school__isnull=True) | Q(status="assigned"),
                name="school_nomination_school_only_when_assigned",
            ),
        ]
        indexes = [models.Index(fields=["round", "enterprise", "status"], name="school_nom_round_ent_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def child_id_number_masked(self) -> str:
        return resident_id_mask(self.child_id_number) if self.child_id_number else ""

    @property
    def stage(self) -> str:
        return School.Stage.PRIMARY if self.entry_grade <= 6 else School.Stage.JUNIOR
