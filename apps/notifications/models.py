from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    # Claimed by one delivery task (a conditional UPDATE from pending), so a second run sends nothing.
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    SKIPPED = "skipped", _("不发送")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    """One business event told to one person: the in-app record and each channel's delivery state.

    ``event_key`` names the business event (``application:42:event:117``); with the recipient and the
    kind it is unique, so an event can never notify the same person twice however often it is replayed.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    event_key = models.CharField(_("事件标识"), max_length=200)
    kind = models.CharField(_("类型"), max_length=64)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("站内路径，例如 /applications/42/"))
    in_app = models.BooleanField(_("站内显示"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    email_status = models.CharField(
        _("邮件状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_error = models.CharField(_("邮件错误"), max_length=500, blank=True)
    # A number other than the recipient's own, e.g. the phone on an imported talent record that a
    # claim code must reach; personal data, so encrypted like every phone.
    sms_to = EncryptedTextField(_("短信号码"), blank=True, default="")
    sms_status = models.CharField(
        _("短信状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)
    sms_error = models.CharField(_("短信错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key", "kind"], name="notification_once_per_event"),
            models.CheckConstraint(
                condition=Q(email_status__in=DeliveryStatus.values), name="notification_email_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(sms_status__in=DeliveryStatus.values), name="notification_sms_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(email_status=DeliveryStatus.SENT) | Q(email_sent_at__isnull=False),
                name="notification_email_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(sms_status=DeliveryStatus.SENT) | Q(sms_sent_at__isnull=False),
                name="notification_sms_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
