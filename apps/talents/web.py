"""A talent's own profile page (``/my/profile/``): the same service as ``PUT /api/v1/talents/me/``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts import roles
from apps.core.exceptions import DomainError
from apps.core.forms import email_field, form_errors_from, phone_field
from apps.core.templatetags.portal import localized
from apps.enterprises.models import Enterprise

from . import selectors, services
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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(roles.TALENT):
        raise PermissionDenied
    talent = selectors.talent_for_user(request.user)
    form = ProfileForm(
        request.POST or None,
        talent=talent,
        account_phone_masked=request.user.phone_masked,
        initial=_initial(talent, request.user),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            categories = data.pop("categories")
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
                messages.success(request, _("个人信息已保存。"))
                target = request.POST.get("next") or request.GET.get("next") or ""
                if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                    return redirect(target)
                return redirect("my-profile")
        status = 400
    holdings = list(talent.holdings.all()) if talent else []
    return render(
        request,
        "talents/profile.html",
        {"form": form, "talent": talent, "holdings": holdings, "next": request.GET.get("next", "")},
        status=status,
    )
