from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.core.exceptions import ValidationFailed

from . import services


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)


class EnterpriseBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    credit_code = serializers.CharField()


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone_masked = serializers.CharField()
    roles = serializers.SerializerMethodField()
    is_staff = serializers.BooleanField()
    enterprise = serializers.SerializerMethodField()

    def get_roles(self, user: Any) -> list[str]:
        return sorted(user.role_names)

    @extend_schema_field(EnterpriseBriefSerializer(allow_null=True))
    def get_enterprise(self, user: Any) -> dict[str, Any] | None:
        if not django_apps.is_installed("apps.enterprises"):
            return None
        from apps.enterprises.selectors import enterprise_for_user

        enterprise = enterprise_for_user(user)
        if enterprise is None:
            return None
        return EnterpriseBriefSerializer(enterprise).data


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterInputSerializer, responses={201: AccountSerializer}, tags=["auth"])
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(AccountSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="username, phone or e-mail")
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenView(APIView):
    """A token for a username, phone or e-mail and password.

    A wrong password and an unknown account answer the same 400; after 5 failures in a row the
    account (and the IP) is locked for 30 minutes and even the right password answers 429.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()})},
        tags=["auth"],
    )
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes watches authenticate(): pass the Django request so it can count and lock.
        user = authenticate(request._request, **data.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            # AxesMiddleware replaces this with the 429 lockout response.
            return Response({"detail": "locked out"}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            raise ValidationFailed(gettext("用户名或密码错误"))
        # A token is a login without a session: announce it, so django-axes resets the failure count
        # (AXES_RESET_ON_SUCCESS) and last_login is recorded, as a session login would.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses=AccountSerializer, tags=["auth"])
    def get(self, request):
        return Response(AccountSerializer(request.user).data)
