from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.storage import private_storage

from .states import OPEN, Status, status_label

# The queue's priority over a list that may hold closed applications: it counts while one is open
# (``selectors.queue_ordering`` sorts by this very expression, which the queue indexes below hold).
OPEN_PRIORITY = Case(When(status__in=sorted(OPEN), then=F("priority")), default=Value(0))


class ServiceDefinition(TimeStampedModel):
    """A kind of application in the catalog, editable by district admins."""

    class ApplicantKind(models.TextChoices):
        TALENT = "talent", _("人才本人")
        ENTERPRISE_HR = "enterprise_hr", _("企业人事代办")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    description_en = models.TextField(_("英文说明"), blank=True)
    # The 办事指南 (service guide) every Chinese government service portal shows, told once; each text
    # has an English twin shown to English readers when filled in.
    policy_basis = models.TextField(_("设定依据"), blank=True)
    policy_basis_en = models.TextField(_("设定依据（英文）"), blank=True)
    conditions = models.TextField(_("申请条件"), blank=True)
    conditions_en = models.TextField(_("申请条件（英文）"), blank=True)
    process = models.TextField(_("办理流程"), blank=True, help_text=_("每行一个步骤"))
    process_en = models.TextField(_("办理流程（英文）"), blank=True, help_text=_("每行一个步骤"))
    fee = models.CharField(_("收费标准"), max_length=200, default="不收费", blank=True)
    fee_en = models.CharField(_("收费标准（英文）"), max_length=200, default="Free of charge", blank=True)
    location = models.TextField(_("办理地点"), blank=True)
    location_en = models.TextField(_("办理地点（英文）"), blank=True)
    office_hours = models.CharField(_("办理时间"), max_length=200, blank=True)
    office_hours_en = models.CharField(_("办理时间（英文）"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=50, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=20)
    applicant_kinds = models.JSONField(_("申请人类型"), default=list, help_text='["talent", "enterprise_hr"]')
    eligible_categories = models.ManyToManyField(
        "talents.TalentCategory", blank=True, related_name="services", verbose_name=_("可申请的人才类别（空为不限）")
    )
    config = models.JSONField(_("业务参数"), default=dict, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")

    def __str__(self) -> str:
        return self.name


class MaterialRequirement(models.Model):
    """One material an applicant must (or may) bring: the one-time notice (一次性告知) lists them all."""

    service = models.ForeignKey(ServiceDefinition, on_delete=models.CASCADE, related_name="materials")
    code = models.SlugField(_("材料代码"), max_length=50)
    name = models.CharField(_("材料名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    required = models.BooleanField(_("必交"), default=True)
    accepted_types = models.JSONField(_("允许的文件类型"), default=list, help_text='["pdf", "jpeg", "png"]')
    max_size_mb = models.PositiveSmallIntegerField(_("大小上限（MB）"), default=10)
    # Identity documents (ID card, household register, birth certificate...) are downloaded only by
    # those the permission matrix lets see them (apps.accounts.access): never by finance.
    identity_document = models.BooleanField(
        _("身份证件"),
        default=False,
        help_text=_("居民身份证、户口簿等载有身份信息的证件：只有需要核对身份的人员可以下载"),
    )
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["service_id", "sort_order", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="material_unique_code_per_service")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Application(TimeStampedModel):
    """One application for one service by one talent. ``status`` moves only through the engine."""

    number = models.CharField(_("申请编号"), max_length=20, unique=True, null=True, blank=True)
    service = models.ForeignKey(
        ServiceDefinition, verbose_name=_("服务事项"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        "talents.Talent", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="applications"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications_submitted",
        verbose_name=_("申请账户"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    data = models.JSONField(_("申请内容"), default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_applications",
    )
    priority = models.SmallIntegerField(_("优先级"), default=0, help_text=_("人才绿卡持有人优先"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    clock_started_on = models.DateField(null=True, blank=True, editable=False)
    working_days_used = models.PositiveSmallIntegerField(default=0, editable=False)
    deadline = models.DateField(_("办结时限"), null=True, blank=True, db_index=True)
    supplement_deadline = models.DateField(_("补正期限"), null=True, blank=True, db_index=True)
    missing_materials = models.JSONField(_("缺少材料"), default=list, blank=True)
    problems = models.JSONField(_("需补正问题"), default=list, blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核推荐人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reject_reason = models.TextField(_("不予批准理由"), blank=True)
    precheck_report = models.JSONField(_("预审报告"), default=dict, blank=True)
    precheck_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(_("办理结果"), default=dict, blank=True)
    # What the application is about where one talent may rightly have several open at once for the
    # same service: a school-place nomination (one per child). Empty for every other service.
    subject = models.CharField(max_length=40, blank=True, default="", db_default="", editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("申请")
        verbose_name_plural = _("申请")
        constraints = [
            # One open application per talent per service (and subject); drafts are unlimited.
            models.UniqueConstraint(
                fields=["applicant", "service", "subject"],
                condition=Q(status__in=sorted(OPEN)),
                name="one_open_application_per_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-priority", "deadline"], name="app_queue_idx"),
            models.Index(fields=["assignee", "status"], name="app_assignee_idx"),
            # The staff queue at a million rows (bench/changelist.py): each index is in the exact order
            # of ``selectors.queue_ordering``, so a page reads its 50 rows and no sort runs over the table.
            # Open applications only (the changelist's default, the queues, their capped count):
            models.Index(
                F("priority").desc(),
                F("deadline").asc(nulls_last=True),
                F("id").asc(),
                name="app_open_queue_idx",
                condition=Q(status__in=sorted(OPEN)),
            ),
            # Every state, where priority counts for the open ones only; and one state at a time.
            models.Index(
                OPEN_PRIORITY.desc(), F("deadline").asc(nulls_last=True), F("id").asc(), name="app_all_queue_idx"
            ),
            models.Index(
                F("status"),
                OPEN_PRIORITY.desc(),
                F("deadline").asc(nulls_last=True),
                F("id").asc(),
                name="app_status_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft #{self.pk}"

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # Django's translates every label per call
        return status_label(self.status)


class ApplicationEvent(models.Model):
    """Append-only audit timeline: every transition and notable step."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("意见"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        # Read by people (the admin's titles and timeline): names, not codes. The shared table's
        # label: a service's own name for the action would need the service, a query per event.
        from .engine import event_label

        def state(value: str) -> str:
            return str(Status(value).label) if value in Status.values else value or "—"

        label = event_label("", self.action, self.from_status)
        if self.from_status == self.to_status:
            return f"{label}（{state(self.to_status)}）"
        return f"{label}：{state(self.from_status)} → {state(self.to_status)}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # Never the uploaded name: a random one under the application's folder.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A version of one material. A new upload for the same code is a new version; the latest counts."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    material_code = models.SlugField(max_length=50)
    version = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to=attachment_upload_to, storage=private_storage)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["material_code", "-version"]
        verbose_name = _("申请材料文件")
        verbose_name_plural = _("申请材料文件")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "material_code", "version"], name="attachment_unique_version"
            )
        ]


class DeadlineNotice(models.Model):
    """Claims a reminder/escalation so the beat job never sends one twice."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="deadline_notices")
    kind = models.CharField(_("类型"), max_length=20)  # reminder | escalation
    deadline = models.DateField(_("期限"))
    at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("期限提醒")
        verbose_name_plural = _("期限提醒")
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "deadline"], name="deadline_notice_once"),
        ]
