from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import get_language, gettext
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from apps.core.exceptions import ValidationFailed
from apps.core.throttling import AddressRateThrottle

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


class RegisterStartedSerializer(serializers.Serializer):
    username = serializers.CharField()
    detail = serializers.CharField(help_text="where the code went, told the same whether or not the contact is taken")
    expires_in = serializers.IntegerField(help_text="seconds the code is valid")


def registration_started_body(username: str) -> dict[str, Any]:
    return {
        "username": username,
        "detail": gettext("验证码已发送至您填写的手机号码或电子邮箱，请在有效期内输入验证码完成注册。"),
        "expires_in": settings.CONTACT_CODE_TTL_SECONDS,
    }


class RegisterView(APIView):
    """Create an inactive talent account and send a one-time code to the ``phone`` and/or ``email``
    given; ``POST /auth/register/verify/`` with that code activates it (202 here). The answer is the
    same whether or not the phone or e-mail belongs to another account (its owner is told someone
    tried); a taken username is told (usernames are public handles). 20 per address and hour."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterInputSerializer, responses={202: RegisterStartedSerializer}, tags=["auth"])
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data, language=get_language() or "")
        return Response(registration_started_body(user.username), status=status.HTTP_202_ACCEPTED)


class RegisterCodeThrottle(SimpleRateThrottle):
    """Codes sent or tried per username (``register_code``): whether or not the username exists."""

    scope = "register_code"

    def username_of(self, request: Any) -> Any:
        return request.data.get("username") if isinstance(request.data, dict) else None

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        username = self.username_of(request)
        if not isinstance(username, str) or not username.strip():
            return None
        ident = unicodedata.normalize("NFKC", username).strip().lower()
        return self.cache_format % {"scope": self.scope, "ident": hashlib.sha256(ident.encode()).hexdigest()}


class RegisterVerifyThrottle(AddressRateThrottle):
    scope = "register_verify"


class RegisterVerifyInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    code = serializers.CharField(max_length=12)


class RegisterVerifyView(APIView):
    """Activate a registration with the code sent to its phone or e-mail: 200 with the account, the
    contact now verified and its own. A wrong, expired or used-up code and an unknown username
    answer the same 400 naming ``code``; five wrong codes end a code (ask for another through
    ``/auth/register/resend/``). Rate-limited per username and per address (429)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [RegisterCodeThrottle, RegisterVerifyThrottle]

    @extend_schema(request=RegisterVerifyInputSerializer, responses={200: AccountSerializer}, tags=["auth"])
    def post(self, request):
        data = RegisterVerifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.registration_verify(**data.validated_data)
        return Response(AccountSerializer(user).data)


class RegisterResendInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class RegisterResendView(APIView):
    """Send a fresh code for a pending registration (at most once a minute; 5 per username and hour).
    Always 202, whether or not the username is pending."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [RegisterCodeThrottle, RegisterVerifyThrottle]

    @extend_schema(request=RegisterResendInputSerializer, responses={202: RegisterStartedSerializer}, tags=["auth"])
    def post(self, request):
        data = RegisterResendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.registration_code_resend(username=data.validated_data["username"])
        return Response(registration_started_body(data.validated_data["username"]), status=status.HTTP_202_ACCEPTED)


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="username, phone or e-mail")
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='send as "Authorization: Token <token>"')
    expiry = serializers.DateTimeField(
        help_text="when it ends; a staff token's moves forward with each request (30 minutes idle)"
    )


class TokenView(APIView):
    """A token for a username, phone or e-mail and password.

    A wrong password and an unknown account answer the same 400; after 5 failures in a row the
    account (and the IP) is locked for 30 minutes and even the right password answers 429. Each call
    issues a new token (only its digest is stored) that ends at ``expiry``: 10 hours after issue, a
    staff token after 30 minutes without a request. ``/auth/logout/`` and ``/auth/logout-all/``
    revoke tokens, and so does any password change.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer},
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
        instance, token = services.token_issue(user=user)
        return Response({"token": token, "expiry": instance.expiry})


class LogoutView(APIView):
    """Revoke the token of this request (a session is left alone: the web page logs it out)."""

    @extend_schema(request=None, responses={204: None}, tags=["auth"], extensions={"x-no-body": True})
    def post(self, request):
        if request.auth is not None and hasattr(request.auth, "digest"):
            services.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the account ("log out everywhere")."""

    @extend_schema(request=None, responses={204: None}, tags=["auth"], extensions={"x-no-body": True})
    def post(self, request):
        services.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordChangeView(APIView):
    """Change the password: the old one must be right (400 naming ``old_password``), the new one pass
    the password rules (400 naming ``new_password``). Every token of the account is revoked; the
    answer carries a new one."""

    @extend_schema(request=PasswordChangeInputSerializer, responses={200: TokenOutputSerializer}, tags=["auth"])
    def post(self, request):
        data = PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        instance, token = services.password_change(user=request.user, **data.validated_data)
        return Response({"token": token, "expiry": instance.expiry})


class MeView(APIView):
    @extend_schema(responses=AccountSerializer, tags=["auth"])
    def get(self, request):
        return Response(AccountSerializer(request.user).data)


class ContactChangeThrottle(UserRateThrottle):
    """Change codes sent or tried per account (``contact_change``)."""

    scope = "contact_change"


class ContactChangeInputSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="the new phone")
    email = serializers.CharField(required=False, allow_blank=True, max_length=254, help_text="or the new e-mail")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ContactChangeView(APIView):
    """Start changing the account's ``phone`` or ``email`` (one of them): a one-time code goes to the
    new contact; ``POST /me/contact/verify/`` with it makes the change (202 here). The answer is the
    same whether or not another account holds the contact (its owner is told someone tried). One code
    a minute and 10 an hour per account (429)."""

    throttle_classes = [ContactChangeThrottle]

    @extend_schema(request=ContactChangeInputSerializer, responses={202: DetailSerializer}, tags=["auth"])
    def post(self, request):
        data = ContactChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contact_change_start(user=request.user, **data.validated_data)
        detail = gettext("验证码已发送至您填写的新手机号码或电子邮箱，请在有效期内输入验证码完成更换。")
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class ContactChangeVerifyInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)


class ContactChangeVerifyView(APIView):
    """Make the change with the code sent to the new contact: 200 with the account, as ``GET /me/``.
    A wrong, expired or used-up code answers 400 naming ``code``, always the same; five wrong codes
    end a code. The old contact is told it was changed."""

    throttle_classes = [ContactChangeThrottle]

    @extend_schema(request=ContactChangeVerifyInputSerializer, responses={200: AccountSerializer}, tags=["auth"])
    def post(self, request):
        data = ContactChangeVerifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.contact_change_verify(user=request.user, **data.validated_data)
        return Response(AccountSerializer(user).data)
