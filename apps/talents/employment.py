"""Employment is a claim until someone accountable confirms it (DESIGN.md, data rules).

A talent naming their own employer (the profile API and page) records a *claim*; the HR of that
enterprise, or district staff holding ``talents.confirm_employment``, confirm or refuse it. Only a
confirmed employment counts: it shows the talent to that HR (``selectors.talents_visible_to``), lets
HR apply for them (``workflow.services.application_create``), names the application's enterprise and
lets a household-registration approval spend the enterprise's quota (``residency.steps.HukouSteps``).
Every change of status is a row of the talent's history.

Services here, kept out of ``services.py`` (already several concerns long); ``services`` re-exports
them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts import roles
from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed

from .models import Talent, TalentProfileChange

EmploymentStatus = Talent.EmploymentStatus
CONFIRM_EMPLOYMENT = "talents.confirm_employment"
REFUSAL_REASON_MAX = 500
_FIELDS = (
    "employment_status",
    "employment_claimed_at",
    "employment_confirmed_by",
    "employment_confirmed_at",
    "employment_refusal_reason",
)


def can_confirm_as_staff(user: Any) -> bool:
    """District staff who may confirm or refuse any talent's employment."""
    return bool(getattr(user, "is_district_staff", False) and user.has_perm(CONFIRM_EMPLOYMENT))


def employment_recorded_status(*, actor: Any, talent_user_id: int | None) -> str:
    """What an employer written by ``actor`` is worth.

    Confirmed when nobody is acting for a person (an import from the command line, seed_demo, the
    system) or district staff holding ``talents.confirm_employment`` write it about someone else (the
    admin, an import in the admin). Anyone else — the talent themselves above all — only claims it."""
    if actor is None:
        return EmploymentStatus.CONFIRMED
    if getattr(actor, "pk", None) != talent_user_id and can_confirm_as_staff(actor):
        return EmploymentStatus.CONFIRMED
    return EmploymentStatus.CLAIMED


def employment_fields_for(employer: Any, *, actor: Any, talent_user_id: int | None) -> dict[str, Any]:
    """The employment fields that go with a new ``employer`` (an Enterprise or None) written by ``actor``."""
    if employer is None:
        return dict.fromkeys(_FIELDS) | {"employment_status": "", "employment_refusal_reason": ""}
    now = timezone.now()
    status = employment_recorded_status(actor=actor, talent_user_id=talent_user_id)
    confirmed = status == EmploymentStatus.CONFIRMED
    return {
        "employment_status": status,
        "employment_claimed_at": None if confirmed else now,
        "employment_confirmed_by": actor if confirmed else None,
        "employment_confirmed_at": now if confirmed else None,
        "employment_refusal_reason": "",
    }


def employment_is_confirmed(*, talent_id: int, enterprise_id: int) -> bool:
    """Whether the talent's employment at the enterprise is confirmed now, read under the talent's row
    lock (call it inside the transaction that acts on the answer): a refusal or a change of employer
    cannot slip in between the check and what it decides."""
    row = (
        Talent.objects.select_for_update(of=("self",))
        .filter(pk=talent_id)
        .values_list("employer_id", "employment_status")
        .first()
    )
    return row == (enterprise_id, EmploymentStatus.CONFIRMED)


def _locked(talent: Talent | int) -> Talent | None:
    pk = talent.pk if isinstance(talent, Talent) else talent
    return Talent.objects.select_for_update(of=("self",)).select_related("employer", "user").filter(pk=pk).first()


def _authorize(talent: Talent | None, *, actor: Any, enterprise_id: int | None) -> Talent:
    """HR of the enterprise the talent names, or district staff holding the permission.

    Any other role (a talent, finance without the permission) is 403. HR of another enterprise is
    404, as is a talent not naming ``enterprise_id``: they may not see that person. Nobody decides
    their own employment (403)."""
    if not getattr(actor, "is_authenticated", False):
        raise NotPermitted()
    if getattr(actor, "is_district_staff", False):
        if not can_confirm_as_staff(actor):
            raise NotPermitted(gettext("您没有确认在职情况的权限"))
    elif actor.has_role(roles.ENTERPRISE_HR):
        from apps.enterprises.selectors import enterprise_for_user

        enterprise = enterprise_for_user(actor)
        if enterprise is None or talent is None or talent.employer_id != enterprise.pk:
            raise NotFound(gettext("没有该人才"))
    else:
        raise NotPermitted(gettext("只有企业人事和区人社局工作人员可以确认在职情况"))
    if talent is None or (enterprise_id is not None and talent.employer_id != enterprise_id):
        raise NotFound(gettext("没有该人才"))
    if talent.employer_id is None:
        raise Conflict(gettext("该人才没有填写工作单位"))
    if talent.user_id is not None and talent.user_id == actor.pk:
        raise NotPermitted(gettext("不能确认本人的在职情况"))
    return talent


def _save(talent: Talent, before: dict[str, Any], *, actor: Any, source: str) -> TalentProfileChange:
    talent.save(update_fields=[*_FIELDS, "updated_at"])
    changes = {field: [old, getattr(talent, field)] for field, old in before.items() if old != getattr(talent, field)}
    return TalentProfileChange.objects.create(talent=talent, actor=actor, source=source, changes=changes)


@transaction.atomic
def employment_confirm(
    *, talent: Talent | int, actor: Any, enterprise_id: int | None = None, source: str = "api"
) -> Talent:
    """Confirm that the talent works at the employer they named (a claim, or one refused before).

    ``enterprise_id``, when given, is the enterprise the caller acts for (the API's path): a talent
    not naming it is a 404. 409 when already confirmed."""
    locked = _authorize(_locked(talent), actor=actor, enterprise_id=enterprise_id)
    if locked.employment_status == EmploymentStatus.CONFIRMED:
        raise Conflict(gettext("该人才的在职情况已确认"))
    before = {
        "employment_status": locked.employment_status,
        "employment_refusal_reason": locked.employment_refusal_reason,
    }
    locked.employment_status = EmploymentStatus.CONFIRMED
    locked.employment_confirmed_by = actor
    locked.employment_confirmed_at = timezone.now()
    locked.employment_refusal_reason = ""
    _save(locked, before, actor=actor, source=source)
    return locked


@transaction.atomic
def employment_refuse(
    *, talent: Talent | int, actor: Any, reason: str, enterprise_id: int | None = None, source: str = "api"
) -> Talent:
    """The enterprise says the talent does not (or no longer) work(s) there: the employer stays on the
    profile, marked refused with the reason, and counts for nothing. The talent is told in the portal
    (and by e-mail). A reason is required (400 naming ``reason``); 409 when already refused."""
    locked = _authorize(_locked(talent), actor=actor, enterprise_id=enterprise_id)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed({"reason": [gettext("请填写不予确认的理由")]})
    if len(reason) > REFUSAL_REASON_MAX:
        raise ValidationFailed({"reason": [gettext("最多%(limit)d个字符") % {"limit": REFUSAL_REASON_MAX}]})
    if locked.employment_status == EmploymentStatus.REFUSED:
        raise Conflict(gettext("该人才的在职申报已不予确认"))
    before = {
        "employment_status": locked.employment_status,
        "employment_refusal_reason": locked.employment_refusal_reason,
    }
    locked.employment_status = EmploymentStatus.REFUSED
    locked.employment_confirmed_by = None
    locked.employment_confirmed_at = None
    locked.employment_refusal_reason = reason
    entry = _save(locked, before, actor=actor, source=source)
    if locked.user is not None:
        from django.urls import reverse

        from apps.notifications import channels
        from apps.notifications.services import notify

        notify(
            kind="talent.employment_refused",
            recipient=locked.user,
            event_key=f"employment-refused:{entry.pk}",
            context={"enterprise": locked.employer.name if locked.employer else "", "reason": reason},
            link=reverse("my-profile"),
            channels=(channels.INAPP, channels.EMAIL),
        )
    return locked
