"""HR's school-place nominations on the ``/hr/`` pages (学位提名): the same services and selectors as
``/api/v1/schools/nominations/``. The parent's result shows on their own pages (``/my/``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import roles
from apps.core.exceptions import DomainError, NotFound, ValidationFailed
from apps.core.forms import form_errors_from
from apps.enterprises.models import Quota
from apps.enterprises.selectors import enterprise_for_user
from apps.talents.selectors import talents_visible_to

from . import selectors, services
from .models import Nomination, Round, RoundSeat

CHOICES_SHOWN = 5
NOMINATIONS_PER_PAGE = 20


def _open_rounds() -> list[Round]:
    today = timezone.localdate()
    return list(
        Round.objects.filter(status=Round.Status.OPEN, opens_on__lte=today, closes_on__gte=today).order_by("-id")
    )


class NominationForm(forms.Form):
    round = forms.TypedChoiceField(label=gettext_lazy("轮次"), coerce=int)
    talent = forms.TypedChoiceField(
        label=gettext_lazy("家长（本企业人才）"),
        coerce=int,
        help_text=gettext_lazy("仅列出本企业已确认在职的人才"),
    )
    child_name = forms.CharField(label=gettext_lazy("子女姓名"), max_length=services.CHILD_NAME_MAX)
    child_id_number = forms.CharField(
        label=gettext_lazy("子女居民身份证号码"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    entry_grade = forms.TypedChoiceField(label=gettext_lazy("入读年级"), coerce=int, choices=Nomination.Grade.choices)

    def __init__(self, *args: Any, user: Any, rounds: list[Round], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["round"]).choices = [
            (r.pk, f"{r} ({r.opens_on}–{r.closes_on})") for r in rounds
        ]
        talents = talents_visible_to(user).order_by("name").values_list("pk", "name")
        cast(forms.ChoiceField, self.fields["talent"]).choices = [("", "—")] + list(talents)
        seats = (
            RoundSeat.objects.filter(round__in=rounds)
            .select_related("school")
            .order_by("school__stage", "school__name")
        )
        schools: dict[int, str] = {}
        for seat in seats:
            schools.setdefault(seat.school_id, f"{seat.school.name}（{seat.school.get_stage_display()}）")
        options = [("", "—"), *schools.items()]
        for n in range(1, CHOICES_SHOWN + 1):
            self.fields[f"choice_{n}"] = forms.TypedChoiceField(
                label=_("第%(n)d志愿") % {"n": n},
                coerce=int,
                choices=options,
                required=n == 1,
                empty_value=None,
            )

    def preferences(self) -> list[int]:
        picked = [self.cleaned_data.get(f"choice_{n}") for n in range(1, CHOICES_SHOWN + 1)]
        return [pk for pk in picked if pk]

    def choice_fields(self) -> list[Any]:
        return [self[f"choice_{n}"] for n in range(1, CHOICES_SHOWN + 1)]


def _hr(request: HttpRequest) -> Any:
    if not request.user.has_role(roles.ENTERPRISE_HR):
        raise PermissionDenied
    enterprise = enterprise_for_user(request.user)
    if enterprise is None:
        raise Http404
    return enterprise


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def nominations_page(request: HttpRequest) -> HttpResponse:
    """The enterprise's nominations with their status and result, the quota left and the form."""
    enterprise = _hr(request)
    rounds = _open_rounds()
    form = NominationForm(request.POST or None, user=request.user, rounds=rounds)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                nomination = services.nomination_create(
                    user=request.user,
                    round_id=form.cleaned_data["round"],
                    talent_id=form.cleaned_data["talent"],
                    child_name=form.cleaned_data["child_name"],
                    child_id_number=form.cleaned_data["child_id_number"],
                    entry_grade=form.cleaned_data["entry_grade"],
                    preferences=form.preferences(),
                )
            except ValidationFailed as exc:
                errors = exc.messages_by_field()
                for message in errors.pop("preferences", []):
                    form.add_error("choice_1", message)
                if errors:
                    form_errors_from(form, ValidationFailed(errors))
            except DomainError as exc:  # 409: no place left, the child already nominated
                form.add_error(None, _("；").join(m for ms in exc.messages_by_field().values() for m in ms))
            else:
                messages.success(
                    request,
                    _("已提名%(child)s，编号 %(number)s。")
                    % {"child": nomination.child_name, "number": nomination.number},
                )
                return redirect(reverse("hr-nominations"))
        status = 400
    nominations = selectors.nominations_visible_to(request.user)
    page = Paginator(nominations, NOMINATIONS_PER_PAGE).get_page(request.GET.get("page"))
    years = {r.year for r in rounds} or {timezone.localdate().year}
    quotas = Quota.objects.filter(enterprise=enterprise, kind=Quota.Kind.SCHOOL_PLACE, year__in=years)
    return render(
        request,
        "schools/hr_nominations.html",
        {
            "enterprise": enterprise,
            "form": form,
            "rounds": rounds,
            "page": page,
            "quotas": list(quotas),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def nomination_withdraw_page(request: HttpRequest, pk: int) -> HttpResponse:
    _hr(request)
    try:
        nomination = services.nomination_withdraw(user=request.user, nomination_id=pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, _("；").join(m for ms in exc.messages_by_field().values() for m in ms))
    else:
        messages.success(request, _("已撤回提名 %(number)s，学位指标已退回。") % {"number": nomination.number})
    return redirect(reverse("hr-nominations"))
