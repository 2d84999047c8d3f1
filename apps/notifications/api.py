from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "link", "created_at", "read_at")
        read_only_fields = fields


class NotificationListQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="only notifications not yet read")


class NotificationListView(generics.ListAPIView):
    """The caller's own in-app notifications, newest first."""

    serializer_class = NotificationSerializer
    filter_backends: list = []

    @extend_schema(parameters=[NotificationListQuerySerializer], tags=["notifications"])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = NotificationListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.notifications_for_user(self.request.user, unread_only=query.validated_data["unread"])


class NotificationReadView(APIView):
    """Mark one of the caller's notifications read; again is harmless. Anyone else's answers 404."""

    @extend_schema(
        request=None, responses=NotificationSerializer, tags=["notifications"], extensions={"x-no-body": True}
    )
    def post(self, request: Request, pk: int) -> Response:
        notification = services.notification_mark_read(notification_id=pk, user=request.user)
        return Response(NotificationSerializer(notification).data)
