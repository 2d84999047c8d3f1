from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from apps.core.exceptions import DomainError, ValidationFailed
from apps.core.forms import form_errors_from
from apps.core.throttling import AddressRateThrottle, page_throttle_wait

from . import roles, selectors, services
from .api import ContactChangeThrottle, RegisterCodeThrottle, RegisterVerifyThrottle
from .forms import ContactChangeForm, PortalLoginForm, RegisterForm, RegisterVerifyForm

LOCKOUT_MESSAGE = gettext_lazy("登录失败次数过多，账户已锁定30分钟")


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer to a locked-out login: 429, JSON for the API, a page for the admin."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKOUT_MESSAGE}, status=429)
    response = TemplateResponse(request, "accounts/locked_out.html", {"message": LOCKOUT_MESSAGE}, status=429)
    return response.render()


# --- pages -------------------------------------------------------------------------------------


def home_path_for(user: Any) -> str:
    """Where a user starts: staff in the admin, HR on the enterprise page, talents on their applications."""
    if user.is_district_staff:
        return "/admin/"
    if user.has_role(roles.ENTERPRISE_HR):
        return "/hr/"
    return "/my/"


class PortalLoginView(LoginView):
    form_class = PortalLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_path_for(self.request.user)


class PortalLogoutView(LogoutView):
    """Back to the portal's home page, never Django's admin logout page."""

    next_page = "/"


class RegisterThrottle(AddressRateThrottle):
    """The API's ``register`` scope (20/hour per address), counted together with the API."""

    scope = "register"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def register_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_path_for(request.user))
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = page_throttle_wait(request, RegisterThrottle())
        if wait is not None:
            form.add_error(None, _("注册过于频繁，请稍后再试。"))
            response = render(request, "registration/register.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_register(
                    username=data["username"],
                    password=data["password"],
                    email=data["email"] or None,
                    phone=data["phone"] or None,
                    language=get_language() or "",
                )
            except ValidationFailed as exc:
                form_errors_from(form, exc)
            else:
                # The account is inactive until the code sent to its phone or e-mail is entered.
                request.session[PENDING_REGISTRATION_KEY] = user.username
                return redirect("register-verify")
        status = 400
    return render(request, "registration/register.html", {"form": form}, status=status)


PENDING_REGISTRATION_KEY = "pending_registration"


class _PageRegisterCodeThrottle(RegisterCodeThrottle):
    """The API's per-username code limit, for the page: the username comes from the session."""

    def __init__(self, username: str):
        super().__init__()
        self.username = username

    def username_of(self, request: Any) -> str:
        return self.username


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def register_verify_page(request: HttpRequest) -> HttpResponse:
    """After registering: enter the code (``registration_verify``, as ``/auth/register/verify/``), or
    ask for another (``registration_code_resend``). The same limits as the API."""
    if request.user.is_authenticated:
        # Registered with a phone and an e-mail: one code activated the account, the other may follow.
        if not selectors.contact_codes_pending(request.user):
            return redirect(home_path_for(request.user))
        username = request.user.get_username()
    else:
        username = request.session.get(PENDING_REGISTRATION_KEY)
    if not username:
        return redirect("register")
    resend = request.method == "POST" and "resend" in request.POST
    form = RegisterVerifyForm(None if resend or request.method != "POST" else request.POST)
    context = {"form": form, "skippable": request.user.is_authenticated}
    if request.method != "POST":
        return render(request, "registration/register_verify.html", context)
    for throttle in (_PageRegisterCodeThrottle(username), RegisterVerifyThrottle()):
        wait = page_throttle_wait(request, throttle)
        if wait is not None:
            form.add_error(None, _("操作过于频繁，请稍后再试。"))
            response = render(request, "registration/register_verify.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
    if resend:
        services.registration_code_resend(username=username)
        messages.info(request, _("如可以发送，新的验证码已发出；每分钟最多发送一次。"))
        return redirect("register-verify")
    if form.is_valid():
        try:
            user = services.registration_verify(username=username, code=form.cleaned_data["code"])
        except ValidationFailed as exc:
            form_errors_from(form, exc)
        else:
            if not request.user.is_authenticated:
                request.session.pop(PENDING_REGISTRATION_KEY, None)
                auth_login(request, user, backend="apps.accounts.backends.IdentifierBackend")
            if selectors.contact_codes_pending(user):
                messages.success(request, _("注册成功。另一个联系方式的验证码也已发出，可在此输入验证，或跳过。"))
                return redirect("register-verify")
            messages.success(request, _("注册成功。请先完善个人信息，再申请服务。"))
            return redirect("my-profile")
    return render(request, "registration/register_verify.html", context, status=400)


class _PageContactChangeThrottle(ContactChangeThrottle):
    """The API's per-account change-code limit, for the page (the user comes from the session)."""

    def __init__(self, user: Any):
        super().__init__()
        self.user = user

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.user.pk}


CONTACT_CHANGE_KEY = "contact_change_pending"


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_change_page(request: HttpRequest) -> HttpResponse:
    """Change the account's phone or e-mail: a code goes to the new one (``contact_change_start``),
    entering it makes the change (``contact_change_verify``), as ``/api/v1/me/contact/``. The same
    limits as the API."""
    step = request.POST.get("step") if request.method == "POST" else None
    form = ContactChangeForm(request.POST if step == "start" else None)
    code_form = RegisterVerifyForm(request.POST if step == "verify" else None)
    context = {"form": form, "code_form": code_form, "pending": bool(request.session.get(CONTACT_CHANGE_KEY))}
    if step not in ("start", "verify"):
        return render(request, "accounts/contact_change.html", context)
    target = form if step == "start" else code_form
    wait = page_throttle_wait(request, _PageContactChangeThrottle(request.user))
    if wait is not None:
        target.add_error(None, _("操作过于频繁，请稍后再试。"))
        response = render(request, "accounts/contact_change.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if target.is_valid():
        try:
            if step == "start":
                services.contact_change_start(
                    user=request.user, phone=form.cleaned_data["phone"], email=form.cleaned_data["email"]
                )
            else:
                services.contact_change_verify(user=request.user, code=code_form.cleaned_data["code"])
        except DomainError as exc:
            form_errors_from(target, exc)
            if exc.status_code == 429:
                return render(request, "accounts/contact_change.html", context, status=429)
        else:
            if step == "start":
                request.session[CONTACT_CHANGE_KEY] = True
                messages.info(
                    request, _("验证码已发送至您填写的新手机号码或电子邮箱，请在有效期内输入验证码完成更换。")
                )
            else:
                request.session.pop(CONTACT_CHANGE_KEY, None)
                messages.success(request, _("联系方式已更换。原联系方式已收到更换通知。"))
            return redirect("my-contact")
    return render(request, "accounts/contact_change.html", context, status=400)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (the language cookie and the redirect), and for a logged-in user the
    choice is remembered on the account too: their next login, e-mails and SMS speak it."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        language = request.POST.get(LANGUAGE_QUERY_PARAMETER, "")
        if language in dict(settings.LANGUAGES):
            services.user_language_set(user=request.user, language=language)
    return response
