"""Every write of the workflow: drafts, uploads, actions, pre-check, deadlines, assignment."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext, gettext_noop

from apps.accounts import roles
from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.core.identifiers import resident_id_is_valid
from apps.core.uploads import upload_check
from apps.core.workdays import add_working_days, working_days_between
from apps.enterprises.selectors import enterprise_for_user
from apps.talents.models import Talent, TalentCategoryHolding
from apps.talents.selectors import can_verify_holdings, verified_category_codes
from apps.talents.services import holding_set

from . import engine, selectors
from .models import Application, ApplicationEvent, Attachment, DeadlineNotice, ServiceDefinition
from .states import CLOCK_RUNNING, OPEN, TERMINAL, Status

logger = logging.getLogger(__name__)

MAX_SUPPLEMENT_DAYS = 60
# Taking an application on makes it the clerk's (unless already assigned); later steps take it over
# only when asked (``take_over``), so a case stays with whoever is working it.
ASSIGNING_ACTIONS = frozenset({"accept", "accept_with_missing"})
PROFILE_REQUIRED_FIELDS = ("name", "id_number", "phone")


# --- drafts ------------------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *, user: Any, service_code: str, talent_id: int | None = None, data: dict | None = None, subject: str = ""
) -> Application:
    """Create a draft. A talent applies for themselves; an HR user for a talent of their enterprise.

    ``subject`` is for a service's own code only (never from a request): what the application is
    about where one talent may have several open for the service at once (a school-place nomination,
    one per child); the one-open rule then holds per subject."""
    service = ServiceDefinition.objects.filter(code=service_code, active=True).first()
    if service is None:
        raise ValidationFailed({"service": [gettext("没有该服务事项：%(code)s") % {"code": service_code}]})
    if user.has_role(roles.ENTERPRISE_HR) and talent_id is not None:
        if ServiceDefinition.ApplicantKind.ENTERPRISE_HR not in service.applicant_kinds:
            raise NotPermitted(gettext("企业人事不能代人才申请本事项"))
        enterprise = enterprise_for_user(user)
        talent = Talent.objects.filter(pk=talent_id).first()
        # Only an employment the enterprise confirmed: a talent's own claim to work there is not enough.
        if enterprise is None or talent is None or talent.confirmed_employer_id != enterprise.pk:
            raise ValidationFailed({"talent": [gettext("不是本企业的人才")]})
    elif user.has_role(roles.TALENT):
        if ServiceDefinition.ApplicantKind.TALENT not in service.applicant_kinds:
            raise NotPermitted(gettext("本事项不能由人才本人申请"))
        talent = Talent.objects.filter(user=user).first()
        if talent is None:
            raise ValidationFailed({"talent": [gettext("请先完善人才信息")]})
        if talent_id is not None and talent_id != talent.pk:
            raise ValidationFailed({"talent": [gettext("人才只能为本人申请")]})
    elif user.has_role(roles.ENTERPRISE_HR):
        # The role may create applications; the request lacks the talent it is for.
        if ServiceDefinition.ApplicantKind.ENTERPRISE_HR not in service.applicant_kinds:
            raise NotPermitted(gettext("企业人事不能代人才申请本事项"))
        raise ValidationFailed({"talent": [gettext("企业人事须指明为本企业哪位人才申请")]})
    else:
        raise NotPermitted(gettext("只有人才和企业人事可以创建申请"))
    steps = engine.steps_for(service.code)
    application = Application(
        service=service,
        applicant=talent,
        submitted_by=user,
        enterprise=talent.employer if talent.confirmed_employer_id else None,
        subject=subject,
    )
    application.data = steps.clean_data(dict(data or {}), application=application)
    application.save()
    application.number = f"HZ{timezone.localdate().year}-{application.pk:06d}"
    application.save(update_fields=["number"])
    _event(application, "create", "", Status.DRAFT, actor=user)
    return application


@transaction.atomic
def application_update(*, application_id: int, user: Any, data: dict) -> Application:
    application = _locked_visible(application_id, user)
    if not selectors.is_applicant(user, application):
        raise NotPermitted(gettext("只有申请人可以修改申请"))
    if application.status not in (Status.DRAFT, Status.RETURNED):
        raise Conflict(gettext("申请当前状态为「%(status)s」，不能修改") % {"status": application.get_status_display()})
    steps = engine.steps_for(application.service.code)
    # A key the engine owns may have been stored before such keys were refused: drop it rather
    # than refuse every later edit for something the applicant did not send this time.
    stored = {k: v for k, v in application.data.items() if k not in engine.read_only_data_keys()}
    application.data = steps.clean_data({**stored, **data}, application=application)
    application.save(update_fields=["data", "updated_at"])
    return application


def _locked_visible(application_id: int, user: Any) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("service", "applicant")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not selectors.applications_visible_to(user).filter(pk=application_id).exists():
        raise NotFound(gettext("没有该申请"))
    return application


# --- materials ---------------------------------------------------------------------------------

_SAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


@transaction.atomic
def attachment_upload(*, application_id: int, user: Any, material_code: str, upload: Any) -> Attachment:
    """Store a new version of a material, checked by content. Uploading a missing material after
    容缺受理 is how the applicant supplements; when none is missing any more, that is recorded."""
    application = _locked_visible(application_id, user)
    if not selectors.is_applicant(user, application):
        raise NotPermitted(gettext("只有申请人可以上传材料"))
    requirement = application.service.materials.filter(code=material_code).first()
    if requirement is None:
        raise ValidationFailed({"material": [gettext("本事项没有该材料：%(code)s") % {"code": material_code}]})
    supplementing = application.status in CLOCK_RUNNING and material_code in application.missing_materials
    if application.status not in (Status.DRAFT, Status.RETURNED) and not supplementing:
        raise Conflict(gettext("只能向草稿、已退回的申请上传材料，或补交容缺受理时缺少的材料"))
    if supplementing and application.supplement_deadline and application.supplement_deadline < timezone.localdate():
        # Past the deadline the application is due for rejection; the nightly scan may just not have run.
        raise Conflict(gettext("补正期限%(date)s已过") % {"date": application.supplement_deadline})
    accepted_types = requirement.accepted_types or ["pdf", "jpeg", "png"]
    checked = upload_check(
        upload,
        accepted_types=accepted_types,
        max_mb=requirement.max_size_mb,
        type_error=gettext("文件类型不符，应为：%(types)s") % {"types": ", ".join(sorted(accepted_types))},
    )
    last = application.attachments.filter(material_code=material_code).order_by("-version").first()
    original = _SAFE_NAME.sub("_", str(getattr(upload, "name", "") or ""))[-100:]
    attachment = Attachment(
        application=application,
        material_code=material_code,
        version=(last.version + 1) if last else 1,
        original_name=original,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    _event(
        application,
        "upload",
        application.status,
        application.status,
        actor=user,
        data={"material": material_code, "version": attachment.version, "sha256": attachment.sha256},
    )
    if supplementing:
        application.missing_materials = [m for m in application.missing_materials if m != material_code]
        update = ["missing_materials", "updated_at"]
        if not application.missing_materials:
            application.supplement_deadline = None
            update.append("supplement_deadline")
            supplemented = _event(application, "supplemented", application.status, application.status, actor=user)
            from . import notifying

            transaction.on_commit(lambda: notifying.notify_application_event(supplemented.pk), robust=True)
        application.save(update_fields=update)
    return attachment


# --- actions -----------------------------------------------------------------------------------


def _event(
    application: Application,
    action: str,
    from_status: str,
    to_status: str,
    *,
    actor: Any = None,
    note: str = "",
    data: dict | None = None,
    ip: str | None = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
        data=data or {},
        ip=ip,
    )


def _clean_inputs(application: Application, transition: engine.Transition, inputs: dict[str, Any]) -> dict[str, Any]:
    """Check the action's inputs before anything changes; name every bad field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {"note": str(inputs.get("note") or "").strip(), "take_over": False}
    action = transition.action
    take_over = inputs.get("take_over", False)
    if not isinstance(take_over, bool):
        errors["take_over"] = [gettext("应为 true 或 false")]
    elif take_over and not _staff_transition(transition):
        errors["take_over"] = [gettext("只有工作人员办理时可以接手本件")]
    else:
        cleaned["take_over"] = take_over
    if action == "reject" or "reason" in transition.inputs:
        reason = str(inputs.get("reason") or "").strip()
        if not reason:
            errors["reason"] = [gettext("不予批准须说明理由")]
        cleaned["reason"] = reason
    if action in ("return", "accept_with_missing"):
        codes = set(application.service.materials.values_list("code", flat=True))
        missing = inputs.get("missing_materials") or []
        problems = inputs.get("problems") or []
        if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
            errors["missing_materials"] = [gettext("应为材料代码的列表")]
        elif unknown := sorted(set(missing) - codes):
            errors["missing_materials"] = [gettext("未知的材料代码：%(codes)s") % {"codes": ", ".join(unknown)}]
        if not isinstance(problems, list) or not all(isinstance(p, str) and p.strip() for p in problems):
            errors["problems"] = [gettext("应为非空文字的列表")]
        if not errors and not missing and not problems:
            key = "missing_materials" if action == "accept_with_missing" else "problems"
            errors[key] = [gettext("一次性告知：请列出全部缺少的材料或问题")]
        if action == "accept_with_missing" and not errors and not missing:
            errors["missing_materials"] = [gettext("容缺受理须列明缺少的材料")]
        cleaned["missing_materials"] = list(dict.fromkeys(missing)) if isinstance(missing, list) else []
        cleaned["problems"] = [p.strip() for p in problems] if isinstance(problems, list) else []
    if action == "accept_with_missing":
        try:
            days = int(inputs.get("supplement_days"))  # type: ignore[arg-type]
            if not 1 <= days <= MAX_SUPPLEMENT_DAYS:
                raise ValueError
        except (TypeError, ValueError):
            errors["supplement_days"] = [gettext("补正期限为1至%(max)d个工作日") % {"max": MAX_SUPPLEMENT_DAYS}]
        else:
            cleaned["supplement_days"] = days
    # Nothing else the caller sends reaches the hooks or the append-only event: only the inputs a
    # service's own action names, and whatever the engine passes to its own (system) actions.
    for name in transition.inputs:
        if name in inputs:
            cleaned.setdefault(name, inputs[name])
    if engine.SYSTEM in transition.roles:
        for name, value in inputs.items():
            cleaned.setdefault(name, value)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _material_names(application: Application) -> dict[str, str]:
    """The service's material names by code, in the reader's language."""
    english = _english()
    return {
        code: name_en if english and name_en else name
        for code, name, name_en in application.service.materials.values_list("code", "name", "name_en")
    }


def _staff_transition(transition: engine.Transition) -> bool:
    return bool(transition.roles & roles.STAFF_ROLES)


def _assign_on_action(application: Application, transition: engine.Transition, actor: Any, *, take_over: bool) -> bool:
    """Accepting assigns the case to the accepting clerk unless someone has it already; any staff
    action with ``take_over`` makes the actor the assignee. True when the assignee changed."""
    if not _staff_transition(transition) or getattr(actor, "pk", None) is None:
        return False
    if application.assignee_id == actor.pk:
        return False
    if not take_over and (application.assignee_id is not None or transition.action not in ASSIGNING_ACTIONS):
        return False
    application.assignee = actor
    return True


def _find_transition(application: Application, action: str, caller: frozenset[str]) -> engine.Transition:
    table = engine.table_for(application.service.code)
    rows = [t for t in table if t.action == action]
    if not rows or action in engine.SYSTEM_ACTIONS and engine.SYSTEM not in caller:
        raise NotFound(gettext("未知操作：%(action)s") % {"action": action})
    if not any(engine.allows(t, caller) for t in rows):
        raise NotPermitted(gettext("您的角色不能执行此操作"))
    row = next((t for t in rows if t.source == application.status), None)
    status = application.get_status_display()
    if row is None:
        raise Conflict(gettext("申请当前状态为「%(status)s」，不能执行此操作") % {"status": status})
    if not engine.allows(row, caller):
        raise NotPermitted(gettext("您的角色不能在「%(status)s」状态执行此操作") % {"status": status})
    return row


def _pause_clock(application: Application, today) -> None:
    if application.clock_started_on is not None:
        used = working_days_between(application.clock_started_on, today)
        application.working_days_used = min(application.working_days_used + max(used, 0), 32767)
        application.clock_started_on = None
    application.deadline = None


def _start_clock(application: Application, today) -> None:
    limit = application.service.time_limit_days
    left = max(limit - application.working_days_used, 0)
    application.clock_started_on = today
    application.deadline = add_working_days(today, left)


def _apply_effects(application: Application, transition: engine.Transition, actor: Any, inputs: dict[str, Any]) -> None:
    now = timezone.now()
    today = timezone.localdate()
    action = transition.action
    if action in ("submit", "resubmit"):
        application.submitted_at = now
        application.priority = 1 if application.applicant.is_green_card_holder else 0
        if application.enterprise_id is None:
            application.enterprise_id = application.applicant.confirmed_employer_id
        if action == "resubmit":
            # What the return asked for is answered now (the return's event and the one-time notice
            # keep it); left here it would read as still missing at the next intake.
            application.missing_materials, application.problems = [], []
    elif action in ("accept", "accept_with_missing"):
        if application.accepted_at is None:
            application.accepted_at = now
        _start_clock(application, today)
        if action == "accept":
            application.missing_materials, application.problems = [], []
            application.supplement_deadline = None
        else:
            application.missing_materials = inputs["missing_materials"]
            application.problems = inputs["problems"]
            application.supplement_deadline = add_working_days(today, inputs["supplement_days"])
    elif action == "return":
        _pause_clock(application, today)
        application.missing_materials = inputs["missing_materials"]
        application.problems = inputs["problems"]
        application.supplement_deadline = None
        application.recommended_by = None
    elif action == "recommend":
        application.recommended_by = actor
    elif action == "approve":
        application.decided_at = now
        _pause_clock(application, today)
        application.supplement_deadline = None  # decided: nothing is due any more
    elif action in ("reject", "supplement_expired"):
        application.decided_at = now
        # Kept as written, in the portal's language; the refusal notice translates it when it is this text.
        application.reject_reason = inputs.get("reason") or gettext_noop("逾期未补正材料")
        _pause_clock(application, today)
        application.supplement_deadline = None
    elif action == "fulfil":
        application.completed_at = now
    elif action == "withdraw":
        _pause_clock(application, today)


@transaction.atomic
def application_act(
    *,
    application_id: int,
    action: str,
    actor: Any = None,
    inputs: dict[str, Any] | None = None,
    ip: str | None = None,
    system: bool = False,
) -> Application:
    """Take ``action`` on an application, under a row lock. 404 unknown/not visible, 403 role or duty
    conflict, 409 wrong state or a scarce thing exhausted, 400 bad inputs; nothing changes on error."""
    if system:
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("service", "applicant")
            .get(pk=application_id)
        )
        caller = frozenset({engine.SYSTEM})
    else:
        application = _locked_visible(application_id, actor)
        caller = selectors.caller_roles(actor, application)
    transition = _find_transition(application, action, caller)
    if not system and (conflict := selectors.duty_conflict(actor, application, transition)):
        raise NotPermitted(conflict)
    if selectors.awaiting_supplement(application, action):
        names = _material_names(application)
        materials = gettext("、").join(names.get(c, c) for c in application.missing_materials)
        raise Conflict(gettext("容缺受理的材料尚未补齐：%(materials)s") % {"materials": materials})
    selectors.complete_materials_check(application, action)  # accept: 409 with materials missing
    cleaned = _clean_inputs(application, transition, inputs or {})
    from_status = application.status
    if action == "supplement_expired":
        # What was missing by which day: the effects clear the deadline, the event (and the
        # applicant's notice) must still say it.
        cleaned["missing_materials"] = list(application.missing_materials)
        cleaned["supplement_deadline"] = (
            application.supplement_deadline.isoformat() if application.supplement_deadline else ""
        )
    if action in ("submit", "resubmit"):
        clash = (
            Application.objects.filter(
                applicant_id=application.applicant_id,
                service_id=application.service_id,
                subject=application.subject,
                status__in=OPEN,
            )
            .exclude(pk=application.pk)
            .exists()
        )
        if clash:
            raise Conflict(gettext("已有一件同类申请正在办理"))
    if action == "approve" and (refusal := selectors.category_eligibility_refusal(application)):
        # Re-checked at the decision on verified categories only, whatever the pre-check found:
        # a category may have been declared or un-verified since.
        raise Conflict(refusal)
    _apply_effects(application, transition, actor, cleaned)
    assigned = not system and _assign_on_action(application, transition, actor, take_over=cleaned.pop("take_over"))
    engine.steps_for(application.service.code).on_action(action, application, actor=actor, inputs=cleaned)
    application.status = transition.target
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Two submits raced: the partial unique index let one through.
        raise Conflict(gettext("已有一件同类申请正在办理"))
    event_data = {k: cleaned[k] for k in ("missing_materials", "problems", "supplement_days", "reason") if k in cleaned}
    # The supplement deadline is the engine's to compute, never the caller's to give.
    if action == "accept_with_missing" and application.supplement_deadline:
        event_data["supplement_deadline"] = application.supplement_deadline.isoformat()
    elif action == "supplement_expired":
        event_data["supplement_deadline"] = cleaned["supplement_deadline"]
    if application.result and action == "fulfil":
        event_data["result"] = application.result
    if assigned:
        # Its own timeline entry, as a bulk assignment has, just before the action that took it.
        _event(application, "assign", from_status, from_status, actor=actor, data={"assignee": actor.username})
    event = _event(
        application,
        action,
        from_status,
        application.status,
        actor=actor,
        note=cleaned.get("note") or cleaned.get("reason", ""),
        data=event_data,
        ip=ip,
    )
    from . import notifying, tasks

    # robust: the action has committed; a broker or mail outage must not turn its answer into an error.
    # prechecks_sweep and notifications' redelivery pick up what could not be queued now.
    transaction.on_commit(lambda: notifying.notify_application_event(event.pk), robust=True)
    if application.status == Status.SUBMITTED:
        app_id = application.pk
        transaction.on_commit(lambda: tasks.application_precheck.delay(app_id), robust=True)
    return application


# --- pre-check ---------------------------------------------------------------------------------


def precheck_report(application: Application) -> dict[str, Any]:
    """What the clerk reads before deciding. Never moves the application back by itself. Its messages
    are stored in the portal's language (Chinese msgids) and translated where they are shown."""
    talent = application.applicant
    issues: list[dict[str, Any]] = []
    latest = selectors.latest_attachments(application)
    required = list(application.service.materials.filter(required=True).values_list("code", flat=True))
    missing = [code for code in required if code not in latest]
    if missing:
        issues.append({"code": "missing_materials", "materials": missing, "message": gettext_noop("缺少必交材料")})
    incomplete = [f for f in PROFILE_REQUIRED_FIELDS if not getattr(talent, f)]
    if incomplete:
        issues.append({"code": "profile_incomplete", "fields": incomplete, "message": gettext_noop("人才信息不完整")})
    if talent.id_number and not resident_id_is_valid(talent.id_number):
        issues.append({"code": "id_invalid", "message": gettext_noop("身份证号码无效")})
    # Only categories staff verified count; the unverified ones that would count are named.
    eligible = list(application.service.eligible_categories.values_list("code", flat=True))
    if eligible and not verified_category_codes(talent) & set(eligible):
        issues.append(
            {
                "code": "not_eligible",
                "categories": eligible,
                "message": gettext_noop("人才类别不在本事项申请范围"),
            }
        )
    if unverified := selectors.unverified_categories_issue(application):
        issues.append(unverified)
    others = (
        Application.objects.filter(applicant=talent, service=application.service)
        .exclude(pk=application.pk)
        .exclude(submitted_by=application.submitted_by)
        .exclude(status__in=[Status.WITHDRAWN, Status.REJECTED])
        .values_list("number", flat=True)
    )
    if others:
        issues.append(
            {
                "code": "same_id_other_account",
                "applications": list(others),
                "message": gettext_noop("同一身份证号码经其他账户申请"),
            }
        )
    # Stored with the report: in the portal's language, whoever's request ran the pre-check.
    with translation.override(settings.LANGUAGE_CODE):
        problems = engine.steps_for(application.service.code).eligibility_problems(application)
    for message in problems:
        issues.append({"code": "service_rule", "message": message})
    return {"ok": not issues, "issues": issues, "checked_at": timezone.now().isoformat()}


@transaction.atomic
def application_precheck(*, application_id: int) -> Application | None:
    """Run the automatic pre-check and move ``submitted`` to ``pre_review``. Idempotent: an
    application no longer ``submitted`` is left alone."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("service", "applicant")
        .filter(pk=application_id)
        .first()
    )
    if application is None or application.status != Status.SUBMITTED:
        return None
    application.precheck_report = precheck_report(application)
    application.precheck_at = timezone.now()
    application.save(update_fields=["precheck_report", "precheck_at", "updated_at"])
    inputs: dict[str, Any] = {"report": application.precheck_report}
    # Recorded in the event, so the applicant's notice names what the pre-check found missing.
    for issue in application.precheck_report["issues"]:
        if issue["code"] == "missing_materials":
            inputs["missing_materials"] = list(issue["materials"])
    return application_act(application_id=application.pk, action="precheck", system=True, inputs=inputs)


@transaction.atomic
def application_category_verify(
    *, application_id: int, holding_id: int, verified: bool, actor: Any
) -> TalentCategoryHolding:
    """A reviewer verifies (or un-verifies) one of the applicant's categories from the application,
    through ``holding_set``: the talent's history records who, when and the new state. Under the
    application's row lock, so it never lands in the middle of a decision on it. 404 for an
    application or holding the actor may not see (or not the applicant's); 403 for anyone but a
    reviewer or staff who may change holdings, and for one's own application."""
    application = _locked_visible(application_id, actor)
    if not can_verify_holdings(actor):
        raise NotPermitted(gettext("只有审核人员可以核验人才类别"))
    if selectors.is_applicant(actor, application):
        raise NotPermitted(gettext("任何人不能办理本人的申请"))
    holding = (
        TalentCategoryHolding.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk=holding_id, talent_id=application.applicant_id)
        .first()
    )
    if holding is None:
        raise NotFound(gettext("没有该人才类别认定"))
    return holding_set(
        talent=application.applicant,
        category_code=holding.category.code,
        year=holding.year,
        issuing_body=holding.issuing_body,
        verified=bool(verified),
        actor=actor,
        source="admin",
    )


# --- assignment and deadlines --------------------------------------------------------------------


@transaction.atomic
def applications_assign(*, application_ids: list[int], assignee: Any, actor: Any) -> int:
    if not actor.is_district_staff:
        raise NotPermitted()
    if assignee is not None and not assignee.is_district_staff:
        raise ValidationFailed({"assignee": [gettext("只能分配给区人社局工作人员")]})
    count = 0
    for application in (
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=application_ids)
        .exclude(status__in=TERMINAL)  # nothing left to do on a finished application
        .order_by("pk")
    ):
        if application.assignee_id == getattr(assignee, "pk", None):
            continue
        application.assignee = assignee
        application.save(update_fields=["assignee", "updated_at"])
        _event(
            application,
            "assign",
            application.status,
            application.status,
            actor=actor,
            data={"assignee": getattr(assignee, "username", None)},
        )
        count += 1
    return count


def applications_priority_set(*, talent_id: int, priority: int, exclude_id: int | None = None) -> int:
    """Green-card holders go first in every staff queue: when a talent's holder flag changes, so does
    the priority of their open applications (drafts take it at submit). A plain UPDATE: it waits for
    the row lock of an action in progress, so no action saves a stale priority over it."""
    applications = Application.objects.filter(applicant_id=talent_id, status__in=OPEN).exclude(priority=priority)
    if exclude_id is not None:
        applications = applications.exclude(pk=exclude_id)
    return applications.update(priority=priority, updated_at=timezone.now())


def deadline_notice_claim(*, application: Application, kind: str, deadline) -> bool:
    """Claim the right to send one notice; False when it was sent already (idempotent beat jobs)."""
    try:
        with transaction.atomic():
            DeadlineNotice.objects.create(application=application, kind=kind, deadline=deadline)
    except IntegrityError:
        return False
    return True


def deadlines_scan(*, today=None) -> dict[str, int]:
    """Remind assignees 2 working days before the deadline; escalate overdue ones to district admins;
    reject applications whose supplement deadline passed with materials still missing."""
    from . import notifying

    today = today or timezone.localdate()
    soon = add_working_days(today, 2)
    counts = {"reminders": 0, "escalations": 0, "expired": 0}
    running = Application.objects.filter(status__in=CLOCK_RUNNING, deadline__isnull=False).select_related("assignee")
    for application in running.filter(deadline__gte=today, deadline__lte=soon):
        if application.assignee_id and deadline_notice_claim(
            application=application, kind="reminder", deadline=application.deadline
        ):
            notifying.notify_deadline(application, kind="reminder", recipients=[application.assignee], today=today)
            counts["reminders"] += 1
    for application in running.filter(deadline__lt=today):
        if deadline_notice_claim(application=application, kind="escalation", deadline=application.deadline):
            notifying.notify_deadline(
                application, kind="escalation", recipients=list(selectors.escalation_recipients()), today=today
            )
            counts["escalations"] += 1
    expired = Application.objects.filter(status__in=CLOCK_RUNNING, supplement_deadline__lt=today).exclude(
        missing_materials=[]
    )
    for app_id in expired.values_list("pk", flat=True):
        try:
            application_act(application_id=app_id, action="supplement_expired", system=True)
            counts["expired"] += 1
        except Conflict:
            continue  # moved on meanwhile
    return counts


def prechecks_sweep(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> int:
    """Pre-check applications left in ``submitted``: their task could not be queued (broker down at
    commit) or was lost. Idempotent with the task itself: the pre-check skips anything not submitted."""
    cutoff = timezone.now() - older_than
    done = 0
    for app_id in Application.objects.filter(status=Status.SUBMITTED, submitted_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        if application_precheck(application_id=app_id) is not None:
            done += 1
    return done
