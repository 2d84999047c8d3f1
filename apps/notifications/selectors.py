from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Notification


def notifications_for_user(user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The in-app notifications of ``user``, newest first; nobody else's."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    queryset = Notification.objects.filter(recipient=user, in_app=True)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return notifications_for_user(user, unread_only=True).count()
