from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext

from apps.accounts import roles

from . import engine
from .models import Application, Attachment, ServiceDefinition
from .states import CLOCK_RUNNING, Status

# Decisions that wait for the materials 容缺受理 let the applicant bring after acceptance.
AWAIT_SUPPLEMENT = frozenset({"recommend", "approve"})


def applications_visible_to(user: Any) -> QuerySet[Application]:
    """Staff see all; a talent their own; an HR user the applications they submitted."""
    qs = Application.objects.select_related("service", "applicant", "submitted_by", "enterprise", "assignee")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_district_staff:
        return qs
    return qs.filter(Q(submitted_by=user) | Q(applicant__user=user))


def caller_roles(user: Any, application: Application) -> frozenset[str]:
    names = set(user.role_names) if getattr(user, "is_authenticated", False) else set()
    if is_applicant(user, application):
        names.add(engine.APPLICANT)
    return frozenset(names)


def is_applicant(user: Any, application: Application) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return application.submitted_by_id == user.pk or application.applicant.user_id == user.pk


def duty_conflict(user: Any, application: Application, transition: engine.Transition) -> str | None:
    """Separation of duties: nobody takes a staff action on their own application; the staff member
    who recommended an application may not approve it."""
    if engine.APPLICANT in transition.roles or engine.SYSTEM in transition.roles:
        return None
    if is_applicant(user, application):
        return gettext("任何人不能办理本人的申请")
    if transition.action == "approve" and application.recommended_by_id == user.pk:
        return gettext("审核通过该申请的工作人员不能再批准该申请")
    return None


def awaiting_supplement(application: Application, action: str) -> bool:
    """Whether ``action`` must wait: materials accepted as missing (容缺受理) are still outstanding.
    Only ``accept_with_missing`` leaves ``missing_materials`` set on an application under review."""
    return action in AWAIT_SUPPLEMENT and application.status in CLOCK_RUNNING and bool(application.missing_materials)


def precheck_report_shown(report: dict[str, Any] | None) -> dict[str, Any]:
    """A stored pre-check report with its messages in the reader's language (they are stored in the
    portal's, as msgids)."""
    report = dict(report or {})
    if report.get("issues"):
        report["issues"] = [
            {**issue, "message": gettext(issue["message"])} if issue.get("message") else issue
            for issue in report["issues"]
        ]
    return report


def available_actions(user: Any, application: Application) -> list[str]:
    names = caller_roles(user, application)
    actions: list[str] = []
    for t in engine.table_for(application.service.code):
        if t.source != application.status or engine.SYSTEM in t.roles or t.action in actions:
            continue
        if (
            engine.allows(t, names)
            and duty_conflict(user, application, t) is None
            and not awaiting_supplement(application, t.action)
        ):
            actions.append(t.action)
    return actions


def latest_attachments(application: Application) -> dict[str, Attachment]:
    latest: dict[str, Attachment] = {}
    for att in application.attachments.order_by("material_code", "-version"):
        latest.setdefault(att.material_code, att)
    return latest


def services_catalog() -> QuerySet[ServiceDefinition]:
    return ServiceDefinition.objects.filter(active=True).prefetch_related("materials", "eligible_categories")


def staff_queue(user: Any, *, queue: str = "all") -> QuerySet[Application]:
    """Staff work queues, ordered by priority (green-card holders first) then deadline."""
    from django.utils import timezone

    from apps.core.workdays import add_working_days

    qs = Application.objects.exclude(status__in=[Status.DRAFT, Status.WITHDRAWN, Status.REJECTED, Status.COMPLETED])
    today = timezone.localdate()
    if queue == "mine":
        qs = qs.filter(assignee=user)
    elif queue == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif queue == "due_soon":
        qs = qs.filter(deadline__gte=today, deadline__lte=add_working_days(today, 2))
    elif queue == "overdue":
        qs = qs.filter(deadline__lt=today, status__in=[Status.UNDER_REVIEW, Status.PENDING_APPROVAL])
    # No deadline (not accepted yet) sorts last on every database.
    return qs.select_related("service", "applicant", "assignee").order_by(
        "-priority", F("deadline").asc(nulls_last=True), "id"
    )


def staff_users_with_role(role: str):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.filter(Q(groups__name=role) | Q(is_superuser=True), is_active=True).distinct()


def escalation_recipients():
    return staff_users_with_role(roles.DISTRICT_ADMIN)
