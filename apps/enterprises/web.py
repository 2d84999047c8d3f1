"""HR's answers to employment claims on the ``/hr/`` pages: the same services as
``POST /api/v1/enterprises/{id}/employment-claims/{talent}/confirm/`` and ``/refuse/``.

The claims themselves are listed on the HR home page (``apps.workflow.web.hr_home``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import roles
from apps.core.exceptions import DomainError, NotFound, ValidationFailed
from apps.core.forms import form_errors_from
from apps.talents import services as talent_services
from apps.talents.models import Talent

from .models import Enterprise
from .selectors import enterprise_for_user


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("不予确认的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("人才本人会收到通知并看到这一理由。"),
    )


def _hr_enterprise(request: HttpRequest) -> Enterprise:
    """The HR user's enterprise: anyone else gets 403, an HR account not linked to one 404."""
    if not request.user.has_role(roles.ENTERPRISE_HR):
        raise PermissionDenied
    enterprise = enterprise_for_user(request.user)
    if enterprise is None:
        raise Http404
    return enterprise


def _claims_url() -> str:
    return reverse("hr-home") + "#employment-claims"


def _refusal_text(exc: DomainError) -> str:
    return _("；").join(message for messages_ in exc.messages_by_field().values() for message in messages_)


@login_required
@require_POST
def employment_confirm_page(request: HttpRequest, talent_id: int) -> HttpResponse:
    enterprise = _hr_enterprise(request)
    try:
        talent = talent_services.employment_confirm(talent=talent_id, actor=request.user, enterprise_id=enterprise.pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:  # 403 their own, 409 already confirmed
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("已确认%(name)s在本企业工作。") % {"name": talent.name})
    return redirect(_claims_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def employment_refuse_page(request: HttpRequest, talent_id: int) -> HttpResponse:
    """A question page: the person (name, masked resident ID, claimed since) and the reason to give."""
    enterprise = _hr_enterprise(request)
    # Only someone naming this enterprise; the service checks again under the row lock.
    talent = (
        Talent.objects.filter(pk=talent_id, employer=enterprise)
        .only("id", "name", "id_number", "employer_id", "employment_status", "employment_claimed_at")
        .first()
    )
    if talent is None:
        raise Http404
    form = RefuseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                talent_services.employment_refuse(
                    talent=talent.pk,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    enterprise_id=enterprise.pk,
                )
            except ValidationFailed as exc:
                form_errors_from(form, exc)
            except NotFound:
                raise Http404 from None
            except DomainError as exc:  # 403 their own, 409 already refused
                messages.error(request, _refusal_text(exc))
                return redirect(_claims_url())
            else:
                messages.success(request, _("已告知%(name)s：本企业不予确认其在职申报。") % {"name": talent.name})
                return redirect(_claims_url())
        status = 400
    return render(request, "workflow/hr/employment_refuse.html", {"form": form, "talent": talent}, status=status)
