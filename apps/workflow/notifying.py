"""Turns workflow events into notifications, through the one ``notify()`` entry point.

Called after commit; each event notifies each person at most once (the event id is the key)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import lazy

from apps.core.workdays import working_days_between

from . import links
from .models import Application, ApplicationEvent

logger = logging.getLogger(__name__)

# action -> notification kind; actions not listed notify nobody (create, upload, assign).
KIND_BY_ACTION = {
    "submit": "application.submitted",
    "resubmit": "application.resubmitted",
    "precheck": "application.prechecked",
    "accept": "application.accepted",
    "accept_with_missing": "application.accepted_with_missing",
    "return": "application.returned",
    "recommend": "application.recommended",
    "approve": "application.approved",
    "reject": "application.rejected",
    "withdraw": "application.withdrawn",
    "fulfil": "application.completed",
    "supplement_expired": "application.supplement_overdue_rejected",
    "supplemented": "application.supplemented",
}
# Events the staff member the application is assigned to is told of too: the review can go on.
ASSIGNEE_TOO = frozenset({"supplemented"})


def _in_english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _service_name(service: Any) -> str:
    # English readers get the English name (if the service has one); Chinese readers the Chinese.
    return service.name_en if _in_english() and service.name_en else service.name


def _material_names(application: Application, codes: list[str]) -> Any:
    """The materials' names, lazily: in English for an English reader when they have English names."""
    names = {
        code: (name, name_en)
        for code, name, name_en in application.service.materials.values_list("code", "name", "name_en")
    }

    def text() -> str:
        english = _in_english()
        chosen = []
        for code in codes:
            name, name_en = names.get(code, (code, ""))
            chosen.append(name_en if english and name_en else name)
        return ("; " if english else "；").join(chosen)

    return lazy(text, str)()


def _context(application: Application, event: ApplicationEvent | None = None) -> dict[str, Any]:
    """Shared by every recipient: the language-dependent values stay lazy, and ``notify`` renders
    them in each recipient's language."""
    data = event.data if event else {}
    status_labels = dict(Application._meta.get_field("status").flatchoices)
    return {
        "service": lazy(_service_name, str)(application.service),
        "number": application.number or "",
        "status": status_labels.get(application.status, application.status),
        "deadline": application.deadline.isoformat() if application.deadline else "",
        # A supplement deadline that expired is cleared on the record; the event keeps it.
        "supplement_deadline": data.get("supplement_deadline")
        or (application.supplement_deadline.isoformat() if application.supplement_deadline else ""),
        "missing_materials": _material_names(application, data.get("missing_materials", [])),
        "problems": "；".join(data.get("problems", [])),
        "note": event.note if event else "",
        "reason": data.get("reason", application.reject_reason),
        "card_number": (application.result or {}).get("card_number", ""),
        "card_class": (application.result or {}).get("card_class", ""),
        "expires_on": (application.result or {}).get("expires_on", ""),
    }


def _applicant_recipients(application: Application) -> list[Any]:
    people: list[Any] = [application.submitted_by]
    if application.applicant.user_id and application.applicant.user_id != application.submitted_by_id:
        people.append(application.applicant.user)
    return people


def notify_application_event(event_id: int) -> None:
    from apps.notifications.services import notify

    event = ApplicationEvent.objects.select_related(
        "application__service", "application__submitted_by", "application__applicant__user", "application__assignee"
    ).get(pk=event_id)
    kind = KIND_BY_ACTION.get(event.action)
    if kind is None:
        return
    application = event.application
    context = _context(application, event)
    for recipient in _applicant_recipients(application):
        notify(
            kind=kind,
            recipient=recipient,
            event_key=f"application-event:{event.pk}",
            context=context,
            link=links.application_path_for(recipient, application),
        )
    assignee = application.assignee
    if event.action in ASSIGNEE_TOO and assignee is not None and assignee.is_active:
        notify(
            kind=kind,
            recipient=assignee,
            event_key=f"application-event:{event.pk}",
            context=context,
            link=links.staff_application_path(application.pk),
        )


def notify_deadline(
    application: Application, *, kind: str, recipients: list[Any], today: dt.date | None = None
) -> None:
    """``today`` is the day the scan ran for (``deadlines_scan(today=...)``): days left and days
    overdue are counted from it, not from the machine's clock."""
    from apps.notifications.services import notify

    today = today or timezone.localdate()
    context = _context(application)
    if application.deadline:
        gap = working_days_between(today, application.deadline)
        context["days_left"] = max(gap, 0)
        context["days_overdue"] = max(-gap, 0)
    notification_kind = "application.deadline_reminder" if kind == "reminder" else "application.overdue_escalation"
    for recipient in recipients:
        notify(
            kind=notification_kind,
            recipient=recipient,
            event_key=f"application-deadline:{application.pk}:{kind}:{application.deadline}",
            context=context,
            link=links.application_path_for(recipient, application),
        )
