"""Formal notices (文书) of an application, as printable pages.

* 受理通知书 (``acceptance``): after ``accept`` or ``accept_with_missing``;
* 一次性告知书 (``missing_materials``): after ``return`` or ``accept_with_missing`` — every missing
  material by name and every problem, told at once;
* 不予受理/不予批准决定书 (``refusal``): once the application is rejected, with the reasons and the
  applicant's appeal rights.

Which notices an application has follows from its event history, so a notice reads the same
whenever it is printed: each one is built from the event that gave rise to it (the latest such event).
A notice is printed in the reader's language (Chinese by default): its texts are msgids of the
English catalogue, and the catalog's English names stand in for the service's and materials' names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy

from apps.core.workdays import add_working_days, working_days_between

from . import links
from .models import Application, ApplicationEvent
from .states import CLOCK_RUNNING, Status

ACCEPTANCE = "acceptance"
MISSING_MATERIALS = "missing_materials"
REFUSAL = "refusal"
KINDS = (ACCEPTANCE, MISSING_MATERIALS, REFUSAL)

OFFICE = gettext_lazy("广州市海珠区人力资源和社会保障局")
DEFAULT_SERVICE_POINT = gettext_lazy("海珠区政务服务中心人才服务窗口")
PORTAL_NAME = gettext_lazy("海珠区人才服务平台")

ACCEPT_ACTIONS = frozenset({"accept", "accept_with_missing"})
# Actions that stop the decision clock (engine: _pause_clock); their event date ends a running segment.
PAUSE_ACTIONS = frozenset({"return", "approve", "reject", "supplement_expired", "withdraw"})
NOTICE_ACTIONS = ACCEPT_ACTIONS | PAUSE_ACTIONS

# Appeal rights every refusal states (行政复议法 2023 第二十条、第二十四条; 行政诉讼法 第四十六条).
APPEAL_REVIEW_DAYS = 60
APPEAL_REVIEW_BODY = gettext_lazy("广州市海珠区人民政府")
APPEAL_LITIGATION_MONTHS = 6

TITLES = {
    ACCEPTANCE: gettext_lazy("受理通知书"),
    MISSING_MATERIALS: gettext_lazy("一次性告知书"),
    REFUSAL: gettext_lazy("不予批准决定书"),
}
# The refusal of an application that was never accepted (rejected at intake).
NOT_ACCEPTED_TITLE = gettext_lazy("不予受理决定书")
# Document-number word (文号) per notice.
ABBREVIATIONS = {ACCEPTANCE: "受", MISSING_MATERIALS: "补", REFUSAL: "决"}


@dataclass(frozen=True)
class _Event:
    pk: int
    action: str
    from_status: str
    to_status: str
    data: dict[str, Any]
    note: str
    on: dt.date


def notice_url(application_id: int, kind: str) -> str:
    return f"/applications/{application_id}/notices/{kind}/"


def _events(application: Application) -> list[_Event]:
    rows = (
        ApplicationEvent.objects.filter(application_id=application.pk, action__in=NOTICE_ACTIONS)
        .order_by("at", "id")
        .values_list("pk", "action", "from_status", "to_status", "data", "note", "at")
    )
    return [
        _Event(pk, action, from_status, to_status, data or {}, note, timezone.localdate(at))
        for pk, action, from_status, to_status, data, note, at in rows
    ]


def _latest(events: list[_Event], actions: frozenset[str] | set[str]) -> _Event | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def _applicable(application: Application, events: list[_Event]) -> dict[str, _Event]:
    found: dict[str, _Event] = {}
    if accepted := _latest(events, ACCEPT_ACTIONS):
        found[ACCEPTANCE] = accepted
    told = next(
        (
            e
            for e in reversed(events)
            if e.action in ("return", "accept_with_missing")
            and (e.data.get("missing_materials") or e.data.get("problems"))
        ),
        None,
    )
    if told is not None:
        found[MISSING_MATERIALS] = told
    if application.status == Status.REJECTED and (refused := _latest(events, {"reject", "supplement_expired"})):
        found[REFUSAL] = refused
    return found


def notices_for(application: Application) -> list[dict[str, str]]:
    """The notices this application has, as ``[{"kind", "title", "url"}]`` in a fixed order."""
    found = _applicable(application, _events(application))
    result = []
    for kind in KINDS:
        if kind in found:
            title = _title(kind, found[kind])
            result.append({"kind": kind, "title": str(title), "url": notice_url(application.pk, kind)})
    return result


def _decision_deadline(application: Application, events: list[_Event], accepted: _Event) -> dt.date:
    """The decision deadline set by ``accepted``: replay the clock as the engine runs it, so the
    days already used before a return count against the limit."""
    latest = _latest(events, ACCEPT_ACTIONS)
    if accepted is latest and application.status in CLOCK_RUNNING and application.deadline:
        return application.deadline
    limit = application.service.time_limit_days
    used, started = 0, None
    for event in events:
        if event is accepted:
            break
        if event.action in ACCEPT_ACTIONS and started is None:
            started = event.on
        elif event.action in PAUSE_ACTIONS and started is not None:
            used += max(working_days_between(started, event.on), 0)
            started = None
    return add_working_days(accepted.on, max(limit - used, 0))


def _supplement_deadline(application: Application, events: list[_Event], told: _Event) -> dt.date | None:
    if told.action != "accept_with_missing":
        return None
    if told is _latest(events, ACCEPT_ACTIONS) and application.supplement_deadline:
        return application.supplement_deadline
    days = told.data.get("supplement_days")
    return add_working_days(told.on, int(days)) if days else None


def _not_accepted(event: _Event) -> bool:
    """A refusal at intake (不予受理), as opposed to a refusal to approve (不予批准)."""
    return event.action == "reject" and event.from_status == Status.PRE_REVIEW


def _title(kind: str, event: _Event) -> Any:
    return NOT_ACCEPTED_TITLE if kind == REFUSAL and _not_accepted(event) else TITLES[kind]


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _localized(name: str, name_en: str) -> str:
    """The catalog's English name for an English reader, when it has one."""
    return name_en if name_en and _english() else name


def _material_names(application: Application) -> list[tuple[str, str, bool]]:
    rows = application.service.materials.order_by("sort_order", "id").values_list("code", "name", "name_en", "required")
    return [(code, _localized(name, name_en), required) for code, name, name_en, required in rows]


def _reason(text: str) -> str:
    return gettext(text) if text else ""


def notice_build(application: Application, kind: str) -> dict[str, Any] | None:
    """The template context of one notice, or None when the application's history has none of that kind."""
    if kind not in KINDS:
        return None
    events = _events(application)
    event = _applicable(application, events).get(kind)
    if event is None:
        return None
    service = application.service
    talent = application.applicant
    context: dict[str, Any] = {
        "kind": kind,
        "title": _title(kind, event),
        "document_number": f"海人社{ABBREVIATIONS[kind]}〔{event.on.year}〕{event.pk}号",
        "issued_on": event.on,
        "application": application,
        "number": application.number,
        "service_name": _localized(service.name, service.name_en),
        "applicant_name": talent.name,
        "applicant_id_masked": talent.id_number_masked,
        "enterprise_name": application.enterprise.name if application.enterprise_id else "",
        "office": (service.config or {}).get("office") or OFFICE,
        "service_point": (service.config or {}).get("service_point") or DEFAULT_SERVICE_POINT,
        "portal_name": PORTAL_NAME,
        "submitted_on": timezone.localdate(application.submitted_at) if application.submitted_at else None,
        "note": event.note,
    }
    if kind == ACCEPTANCE:
        context.update(
            accepted_on=event.on,
            with_missing=event.action == "accept_with_missing",
            time_limit_days=service.time_limit_days,
            decision_deadline=_decision_deadline(application, events, event),
            supplement_deadline=_supplement_deadline(application, events, event),
            missing_notice_url=notice_url(application.pk, MISSING_MATERIALS),
        )
    elif kind == MISSING_MATERIALS:
        materials = _material_names(application)
        names = {code: name for code, name, _ in materials}
        missing_codes = list(event.data.get("missing_materials") or [])
        context.update(
            mode=event.action,  # return (退回补正) | accept_with_missing (容缺受理)
            missing=[{"code": code, "name": names.get(code, code)} for code in missing_codes],
            problems=list(event.data.get("problems") or []),
            supplement_deadline=_supplement_deadline(application, events, event),
            supplement_days=event.data.get("supplement_days"),
            materials=[
                {"code": code, "name": name, "required": required, "missing": code in missing_codes}
                for code, name, required in materials
            ],
            # Where the applicant's side uploads on the web: the talent's page, or the HR page when HR applied.
            upload_url=links.absolute(links.applicant_application_path(application)),
        )
    else:
        overdue = event.action == "supplement_expired"
        missing_codes = (
            list(event.data.get("missing_materials") or application.missing_materials or []) if overdue else []
        )
        names = {code: name for code, name, _ in _material_names(application)} if missing_codes else {}
        context.update(
            not_accepted=_not_accepted(event),
            # A reason the engine wrote itself (逾期未补正材料) is a msgid: in the reader's language.
            reason=_reason(event.data.get("reason") or application.reject_reason),
            overdue_materials=[names.get(code, code) for code in missing_codes],
            overdue_supplement_deadline=event.data.get("supplement_deadline") or "",
            decided_on=timezone.localdate(application.decided_at) if application.decided_at else event.on,
            appeal_review_days=APPEAL_REVIEW_DAYS,
            appeal_review_body=APPEAL_REVIEW_BODY,
            appeal_litigation_months=APPEAL_LITIGATION_MONTHS,
        )
    return context
