from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop

from apps.accounts import access, roles
from apps.core.workdays import add_working_days
from apps.talents.selectors import unverified_categories_that_would_count, verified_category_codes

from . import engine
from .models import Application, Attachment, MaterialRequirement, ServiceDefinition
from .states import CLOCK_RUNNING, OPEN

# Decisions that wait for the materials 容缺受理 let the applicant bring after acceptance.
AWAIT_SUPPLEMENT = frozenset({"recommend", "approve"})


def applications_visible_to(user: Any) -> QuerySet[Application]:
    """Staff see all; a talent their own; an HR user the applications they submitted."""
    qs = Application.objects.select_related("service", "applicant", "submitted_by", "enterprise", "assignee")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if access.sees_all(user, access.APPLICATIONS):
        return qs
    return qs.filter(Q(submitted_by=user) | Q(applicant__user=user))


# What a list of applications shows of its joined rows (``ApplicationSerializer``): the service's
# code and name, the applicant's name, masked resident ID and green-card flag, the filer's and the
# assignee's usernames. A join's other columns (a talent's encrypted phone, a service's guide, the
# password hashes) cost the database's planner and Python's decryption on every row for nothing.
_LIST_JOINED_COLUMNS = (
    "service__code",
    "service__name",
    "applicant__name",
    "applicant__id_number",
    "applicant__is_green_card_holder",
    "applicant__user_id",
    "submitted_by__username",
    "assignee__username",
)


def applications_listed(qs: QuerySet[Application]) -> QuerySet[Application]:
    """``qs`` (from ``applications_visible_to``) with just what a list row shows: the application's
    own columns and ``_LIST_JOINED_COLUMNS``; the enterprise travels as its id, unjoined."""
    own = [f.attname for f in Application._meta.concrete_fields]
    return (
        qs.select_related(None)
        .select_related("service", "applicant", "submitted_by", "assignee")
        .only(*own, *_LIST_JOINED_COLUMNS)
    )


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


def _issue_shown(issue: dict[str, Any]) -> dict[str, Any]:
    issue = dict(issue)
    names = issue.pop("category_names", None)
    if not issue.get("message"):
        return issue
    message = gettext(issue["message"])
    if names is not None:
        # The categories' names as stored with the report, in both languages: {code: [name, name_en]}.
        english = (get_language() or "").startswith("en")
        shown = [(pair[1] if english and pair[1] else pair[0]) for pair in names.values()]
        message = message % {"names": gettext("、").join(shown)}
    return {**issue, "message": message}


def precheck_report_shown(report: dict[str, Any] | None) -> dict[str, Any]:
    """A stored pre-check report with its messages in the reader's language (they are stored in the
    portal's, as msgids, with the names they mention in both languages)."""
    report = dict(report or {})
    if report.get("issues"):
        report["issues"] = [_issue_shown(issue) for issue in report["issues"]]
    return report


# --- categories: only verified ones count ---------------------------------------------------------

UNVERIFIED_CATEGORIES = gettext_noop("类别『%(names)s』尚未核验，核验前不计入资格")


def eligible_category_codes(application: Application) -> set[str]:
    """The service's eligible categories; empty when any talent may apply."""
    return set(application.service.eligible_categories.values_list("code", flat=True))


def unverified_categories_issue(application: Application) -> dict[str, Any] | None:
    """The pre-check's note of held but unverified categories that would make the applicant
    eligible, or meet one of the service's own category groups (the green card's A class)."""
    steps = engine.steps_for(application.service.code)
    groups = [eligible_category_codes(application), *steps.category_groups(application)]
    waiting = unverified_categories_that_would_count(application.applicant_id, groups)
    if not waiting:
        return None
    return {
        "code": "categories_unverified",
        # Not "categories": that key lists what a service accepts; the message names these already.
        "unverified_categories": [c.code for c in waiting],
        "category_names": {c.code: [c.name, c.name_en] for c in waiting},
        "message": UNVERIFIED_CATEGORIES,
    }


def unverified_categories_message(application: Application) -> str:
    """``unverified_categories_issue``'s message as of now, in the reader's language ("" when none):
    the applicant's page says it while the application is open."""
    issue = unverified_categories_issue(application)
    return _issue_shown(issue)["message"] if issue else ""


def category_eligibility_refusal(application: Application) -> str | None:
    """Why the applicant is not eligible on *verified* categories (for the decision's re-check and
    anything issued on eligibility), in the reader's language; None when eligible."""
    eligible = eligible_category_codes(application)
    if not eligible or verified_category_codes(application.applicant_id) & eligible:
        return None
    message = gettext("申请人没有经核验的、属于本事项申请范围的人才类别")
    waiting = unverified_categories_that_would_count(application.applicant_id, [eligible])
    if waiting:
        english = (get_language() or "").startswith("en")
        names = gettext("、").join((c.name_en if english and c.name_en else c.name) for c in waiting)
        message += gettext("；") + gettext(UNVERIFIED_CATEGORIES) % {"names": names}
    return message


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


def ordinary_material_codes(service_id: int) -> frozenset[str]:
    """The service's materials that are not identity documents. Any other code — an identity
    document, or a material no longer in the catalog — counts as one: refused rather than leaked."""
    return frozenset(
        MaterialRequirement.objects.filter(service_id=service_id, identity_document=False).values_list(
            "code", flat=True
        )
    )


def attachment_downloadable(
    user: Any, application: Application, attachment: Attachment, *, ordinary_codes: frozenset[str] | None = None
) -> bool:
    """Whether ``user`` (who sees ``application``) may download ``attachment``: the permission
    matrix's row for identity documents or for the other materials. Pass ``ordinary_codes`` when
    asking for several attachments of one application."""
    if ordinary_codes is None:
        ordinary_codes = ordinary_material_codes(application.service_id)
    identity = attachment.material_code not in ordinary_codes
    return access.may_download_material(user, application, identity_document=identity)


def services_catalog() -> QuerySet[ServiceDefinition]:
    return ServiceDefinition.objects.filter(active=True).prefetch_related("materials", "eligible_categories")


# The staff work queues over open applications (API.md's "open"); the admin's filters, the admin
# index's "my work" counts and the API read these same conditions.
QUEUES = ("mine", "unassigned", "due_soon", "overdue")
DUE_SOON_WORKING_DAYS = 2  # the same window as the deadline reminders (services.deadlines_scan)


def queue_condition(user: Any, queue: str, *, today: dt.date | None = None) -> Q:
    """What puts an open application in ``queue`` (one of ``QUEUES``) for ``user``."""
    today = today or timezone.localdate()
    if queue == "mine":
        return Q(assignee_id=getattr(user, "pk", None))
    if queue == "unassigned":
        return Q(assignee__isnull=True)
    if queue == "due_soon":
        return Q(deadline__gte=today, deadline__lte=add_working_days(today, DUE_SOON_WORKING_DAYS))
    if queue == "overdue":
        return Q(deadline__lt=today, status__in=sorted(CLOCK_RUNNING))
    raise ValueError(f"unknown queue {queue!r}")


def queue_ordering(*, open_only: bool = True) -> tuple[Any, ...]:
    """Green-card holders first, then the nearest deadline (none last), then the oldest.

    ``priority`` is the queue's: it counts only while an application is open (a withdrawn or finished
    one keeps what it had when it was submitted). Over open applications only, the column itself
    sorts (and an index on it serves); a list that may hold closed ones uses the open-only value."""
    deadline = F("deadline").asc(nulls_last=True)
    if open_only:
        return (F("priority").desc(), deadline, F("id").asc())
    open_priority = Case(When(status__in=sorted(OPEN), then=F("priority")), default=Value(0))
    return (open_priority.desc(), deadline, F("id").asc())


def staff_queue(user: Any, *, queue: str = "all") -> QuerySet[Application]:
    """Staff work queues: open applications, ordered by ``queue_ordering``."""
    qs = Application.objects.filter(status__in=sorted(OPEN))
    if queue in QUEUES:
        qs = qs.filter(queue_condition(user, queue))
    return qs.select_related("service", "applicant", "assignee").order_by(*queue_ordering())


def staff_queue_counts(user: Any) -> dict[str, int]:
    """How many open applications each of ``QUEUES`` holds for ``user``: one query, the same
    conditions as ``staff_queue`` (the admin index's "my work")."""
    today = timezone.localdate()
    counts = Application.objects.filter(status__in=sorted(OPEN)).aggregate(
        **{queue: Count("pk", filter=queue_condition(user, queue, today=today)) for queue in QUEUES}
    )
    return {queue: counts[queue] or 0 for queue in QUEUES}


def complete_materials_check(application: Application, action: str) -> None:
    """The engine's rule for ``accept`` (``engine.complete_materials_check``) on this application:
    ``MaterialsMissing`` (409) naming, in the reader's language, the required materials not uploaded."""
    if action not in engine.COMPLETE_MATERIALS_ACTIONS:
        return
    english = (get_language() or "").startswith("en")
    missing = [
        (m.code, m.name_en if english and m.name_en else m.name) for m in required_materials_missing(application)
    ]
    engine.complete_materials_check(action, missing)


def required_materials_missing(application: Application) -> list[MaterialRequirement]:
    """The service's required materials the application has no upload of, in the catalog's order."""
    uploaded = Attachment.objects.filter(application_id=application.pk).values("material_code")
    return list(
        MaterialRequirement.objects.filter(service_id=application.service_id, required=True)
        .exclude(code__in=uploaded)
        .order_by("sort_order", "id")
    )


def staff_users_with_role(role: str):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.filter(Q(groups__name=role) | Q(is_superuser=True), is_active=True).distinct()


def escalation_recipients():
    return staff_users_with_role(roles.DISTRICT_ADMIN)
