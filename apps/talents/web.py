"""A talent's own profile page (``/my/profile/``): the same service as ``PUT /api/v1/talents/me/``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts import roles
from apps.core import crypto
from apps.core.exceptions import DomainError
from apps.core.forms import email_field, form_errors_from, phone_field
from apps.core.identifiers import resident_id_parse
from apps.core.templatetags.portal import localized
from apps.core.throttling import page_throttle_wait
from apps.enterprises.models import Enterprise

from . import selectors, services
from .api import resident_id_throttles
from .models import Talent, TalentCategory


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("姓名"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=gettext_lazy("居民身份证号码"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    phone = phone_field(help_text=gettext_lazy("用于接收办理进度短信和办件查询"))
    email = email_field()
    education = forms.ChoiceField(label=gettext_lazy("学历"), required=False)
    degree = forms.CharField(label=gettext_lazy("学位"), max_length=50, required=False)
    field = forms.CharField(label=gettext_lazy("专业领域"), max_length=100, required=False)
    employer = forms.TypedChoiceField(label=gettext_lazy("工作单位"), coerce=int, required=False, empty_value=None)
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("人才类别"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("本人申报的类别须经区人社局核实证明材料后才作为申请依据"),
    )

    def __init__(self, *args: Any, talent: Talent | None, account_phone_masked: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = cast(dict[str, forms.ChoiceField], self.fields)
        choices["education"].choices = [("", _("请选择"))] + list(Talent.Education.choices)
        choices["employer"].choices = [("", _("请选择"))] + list(
            Enterprise.objects.order_by("name").values_list("pk", "name")
        )
        choices["categories"].choices = [
            (category.code, localized(category, "name"))
            for category in TalentCategory.objects.filter(active=True).order_by("sort_order", "level")
        ]
        self.fields["employer"].help_text = _employment_hint(talent)
        if talent is not None and talent.id_number:
            self.fields["id_number"].help_text = _("已登记：%(masked)s。无需更改请留空。") % {
                "masked": talent.id_number_masked
            }
        else:
            self.fields["id_number"].required = True
            self.fields["id_number"].help_text = _("18位，最后一位可能是X")
        # Numbers on record are never shown in full: the field stays empty and says what is kept.
        if talent is not None and talent.phone:
            self.fields["phone"].help_text = _("已登记：%(masked)s。无需更改请留空。") % {"masked": talent.phone_masked}
        elif account_phone_masked:
            self.fields["phone"].help_text = _("留空则使用注册时的手机号码 %(masked)s。") % {
                "masked": account_phone_masked
            }


def _employment_hint(talent: Talent | None) -> str:
    """What the employer on record counts for now: a claim until the enterprise confirms it."""
    status = talent.employment_status if talent is not None and talent.employer_id else ""
    if status == Talent.EmploymentStatus.CONFIRMED:
        return _("该单位已确认您在职。更换工作单位后，须由新单位重新确认。")
    if status == Talent.EmploymentStatus.CLAIMED:
        return _("待该单位人事确认；确认前，该单位不作为办事依据。")
    if status == Talent.EmploymentStatus.REFUSED:
        return _("该单位不予确认：%(reason)s。如有误，请更正工作单位或联系单位人事部门。") % {
            "reason": talent.employment_refusal_reason if talent else ""
        }
    return _("填写后须经该单位人事确认，才作为办事依据。")


def _initial(talent: Talent | None, user: Any) -> dict[str, Any]:
    if talent is None:
        return {"email": user.email or ""}
    return {
        "name": talent.name,
        "email": talent.email,
        "education": talent.education,
        "degree": talent.degree,
        "field": talent.field,
        "employer": talent.employer_id,
        "categories": [h.category.code for h in talent.holdings.all()],
    }


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=12,
        help_text=gettext_lazy("6位数字，发送至该身份证号码档案上登记的手机"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


# The resident ID last entered on the page (its keyed hash) and until when a code for it may come:
# the code form is shown for it, whether or not a record had the number.
_CLAIM_SESSION_KEY = "profile_resident_id_entered"


def _claim_pending(request: HttpRequest) -> str:
    entered = request.session.get(_CLAIM_SESSION_KEY) or {}
    if entered.get("until", 0) < timezone.now().timestamp():
        return ""
    return entered.get("hash", "")


def _claim_code_post(request: HttpRequest) -> tuple[ClaimCodeForm, HttpResponse | None]:
    """The code for the resident ID entered: ``claim_confirm_code``, as ``/talents/me/claim/confirm/``."""
    claim_form = ClaimCodeForm(request.POST)
    if claim_form.is_valid():
        try:
            services.claim_confirm_code(
                user=request.user, code=claim_form.cleaned_data["code"], id_number_hash=_claim_pending(request)
            )
        except DomainError as exc:
            form_errors_from(claim_form, exc)
        else:
            request.session.pop(_CLAIM_SESSION_KEY, None)
            messages.success(request, _("已关联该身份证号码的人才档案。"))
            return claim_form, redirect("my-profile")
    return claim_form, None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(roles.TALENT):
        raise PermissionDenied
    claim_form: ClaimCodeForm | None = ClaimCodeForm() if _claim_pending(request) else None
    if request.method == "POST" and request.POST.get("form") == "claim":
        claim_form, done = _claim_code_post(request)
        if done is not None:
            return done
    talent = selectors.talent_for_user(request.user)
    form = ProfileForm(
        request.POST or None,
        talent=talent,
        account_phone_masked=request.user.phone_masked,
        initial=_initial(talent, request.user),
    )
    status = 200
    if request.method == "POST" and request.POST.get("form") == "claim":
        form = ProfileForm(
            talent=talent, account_phone_masked=request.user.phone_masked, initial=_initial(talent, request.user)
        )
        status = 400
    elif request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            categories = data.pop("categories")
            entered = _resident_id_entered(request.user, data["id_number"])
            if entered:
                # The API's limits on entering a resident ID, per account and per address.
                for throttle in resident_id_throttles():
                    wait = page_throttle_wait(request, throttle)
                    if wait is not None:
                        form.add_error("id_number", _("输入身份证号码过于频繁，请稍后再试。"))
                        response = _render(request, form, talent, claim_form, status=429)
                        response["Retry-After"] = str(wait)
                        return response
            if not data["id_number"]:
                data.pop("id_number")  # left empty: keep the number on record
            if not data["phone"]:
                data.pop("phone")
                if talent is None or not talent.phone:
                    # The phone defaults to the one the account registered with.
                    data["phone"] = request.user.phone
            try:
                services.talent_profile_save_for_user(user=request.user, categories=categories, **data)
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                if entered:
                    # The same words and the same code form whether or not a record had the number.
                    request.session[_CLAIM_SESSION_KEY] = {
                        "hash": crypto.pii_hash(resident_id_parse(data["id_number"]).number),
                        "until": (timezone.now() + services.CLAIM_CODE_TTL).timestamp(),
                    }
                    messages.success(request, str(services.RESIDENT_ID_ENTERED))
                else:
                    messages.success(request, _("个人信息已保存。"))
                target = request.POST.get("next") or request.GET.get("next") or ""
                if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                    return redirect(target)
                return redirect("my-profile")
        status = 400
    return _render(request, form, talent, claim_form, status=status)


def _resident_id_entered(user: Any, id_number: str) -> bool:
    if not id_number:
        return False
    try:
        return services.resident_id_is_new_for(user, id_number)
    except DomainError:
        return False  # malformed: the service names it beside the field


def _render(
    request: HttpRequest, form: ProfileForm, talent: Talent | None, claim_form: ClaimCodeForm | None, *, status: int
) -> HttpResponse:
    holdings = list(talent.holdings.all()) if talent else []
    return render(
        request,
        "talents/profile.html",
        {
            "form": form,
            "claim_form": claim_form,
            "talent": talent,
            "holdings": holdings,
            "next": request.GET.get("next", ""),
        },
        status=status,
    )
