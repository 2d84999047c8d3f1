from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import ReadOnlyAdminMixin

from . import kinds
from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: notifications are written by ``services.notify`` only; staff look, filter and search."""

    list_display = ("created_at", "recipient", "kind", "title", "email_status", "sms_status", "in_app", "read_at")
    list_filter = ("kind", "email_status", "sms_status", "in_app", "language")
    list_select_related = ("recipient",)
    search_fields = ("event_key", "title", "recipient__username")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "recipient",
        "kind",
        "event_key",
        "language",
        "title",
        "body_display",
        "link",
        "in_app",
        "created_at",
        "read_at",
        "email_status",
        "email_sent_at",
        "email_error",
        "sms_status",
        "sms_sent_at",
        "sms_error",
    )
    readonly_fields = fields

    @admin.display(description=_("内容"))
    def body_display(self, obj: Notification) -> str:
        # A verification code is nobody's business but its owner's, not even staff's.
        return "******" if obj.kind in kinds.CONFIDENTIAL else obj.body
