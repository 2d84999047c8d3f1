"""Who did what, as an applicant may see it: staff are a role label ("受理人员"), never a login name.

District staff see usernames; a talent or an HR user sees their own username, "申请人" for the
other applicant side, and a staff actor as the role their step belongs to. The system is ``None``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Application, ApplicationEvent
from .states import Status

APPLICANT_LABEL = _("申请人")
STAFF_LABEL = _("工作人员")
INTAKE_LABEL = _("受理人员")
REVIEW_LABEL = _("审核人员")
APPROVAL_LABEL = _("审批人员")

# The step an action belongs to decides the label; otherwise the stage it was taken in.
ACTION_ROLE_LABELS: dict[str, Any] = {
    "accept": INTAKE_LABEL,
    "accept_with_missing": INTAKE_LABEL,
    "return": INTAKE_LABEL,
    "recommend": REVIEW_LABEL,
    "approve": APPROVAL_LABEL,
    "assign": STAFF_LABEL,  # housekeeping by whoever manages the queue, not the stage's own role
}
STAGE_ROLE_LABELS: dict[str, Any] = {
    Status.SUBMITTED: INTAKE_LABEL,
    Status.PRE_REVIEW: INTAKE_LABEL,
    Status.RETURNED: INTAKE_LABEL,
    Status.UNDER_REVIEW: REVIEW_LABEL,
    Status.PENDING_APPROVAL: APPROVAL_LABEL,
    Status.PUBLICITY: APPROVAL_LABEL,
}
# Event data that names a staff member: kept from non-staff viewers.
STAFF_DATA_KEYS = frozenset({"assignee"})


def sees_usernames(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_district_staff)


def staff_role_label(*, action: str = "", stage: str = "") -> str:
    return str(ACTION_ROLE_LABELS.get(action) or STAGE_ROLE_LABELS.get(stage) or STAFF_LABEL)


def person_shown(
    viewer: Any, person: Any, application: Application, *, action: str = "", stage: str = ""
) -> str | None:
    """``person`` (a user, or None for the system) as ``viewer`` may see them."""
    if person is None:
        return None
    if sees_usernames(viewer) or person.pk == getattr(viewer, "pk", None):
        return person.username
    # No role look-up per person (a query each): whoever filed or is applied for is the applicant side.
    if person.pk in (application.submitted_by_id, application.applicant.user_id):
        return str(APPLICANT_LABEL)
    return staff_role_label(action=action, stage=stage)


def event_actor_shown(viewer: Any, event: ApplicationEvent, application: Application) -> str | None:
    return person_shown(viewer, event.actor, application, action=event.action, stage=event.from_status)


def event_data_shown(viewer: Any, event: ApplicationEvent) -> Any:
    if sees_usernames(viewer) or not isinstance(event.data, dict):
        return event.data
    return {k: v for k, v in event.data.items() if k not in STAFF_DATA_KEYS}
