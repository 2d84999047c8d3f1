"""The workflow engine: one declarative table of transitions, shared by every service.

The API's ``available_actions``, the admin's buttons and the tests all read ``TABLE`` (through
``table_for``). A service's app registers a ``ServiceSteps`` subclass to add transitions (publicity,
offers) or change who may act, and to run its own code on an action (spend a quota, issue a card).
The engine knows no particular service.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from apps.accounts import roles
from apps.core.exceptions import Conflict, ValidationFailed

from .states import Status

APPLICANT = "applicant"  # the talent, or the HR user who submitted for them
SYSTEM = "system"  # the engine itself: pre-check, expiry


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset[str]
    inputs: tuple[str, ...] = ()  # required inputs, checked before anything changes
    # The action's button, in the "action" context: 不予批准 the button ("Reject"), not the state.
    label: str | Promise = ""


def _t(
    action: str, sources: Iterable[str], target: str, who: Iterable[str], inputs=(), label: str | Promise = ""
) -> list[Transition]:
    return [Transition(action, s, target, frozenset(who), tuple(inputs), label) for s in sources]


S = Status
TABLE: tuple[Transition, ...] = tuple(
    _t("submit", [S.DRAFT], S.SUBMITTED, [APPLICANT], label=pgettext_lazy("action", "提交"))
    + _t("resubmit", [S.RETURNED], S.SUBMITTED, [APPLICANT], label=pgettext_lazy("action", "重新提交"))
    + _t(
        "withdraw",
        [S.DRAFT, S.SUBMITTED, S.RETURNED, S.PRE_REVIEW, S.UNDER_REVIEW],
        S.WITHDRAWN,
        [APPLICANT],
        label=pgettext_lazy("action", "撤回"),
    )
    + _t("precheck", [S.SUBMITTED], S.PRE_REVIEW, [SYSTEM], label=pgettext_lazy("action", "自动预审"))
    + _t("accept", [S.PRE_REVIEW], S.UNDER_REVIEW, [roles.INTAKE_CLERK], label=pgettext_lazy("action", "受理"))
    + _t(
        "accept_with_missing",
        [S.PRE_REVIEW],
        S.UNDER_REVIEW,
        [roles.INTAKE_CLERK],
        inputs=("supplement_days",),
        label=pgettext_lazy("action", "容缺受理"),
    )
    + _t("return", [S.PRE_REVIEW], S.RETURNED, [roles.INTAKE_CLERK], label=pgettext_lazy("action", "退回补正"))
    + _t("return", [S.UNDER_REVIEW], S.RETURNED, [roles.REVIEWER], label=pgettext_lazy("action", "退回补正"))
    + _t("return", [S.PENDING_APPROVAL], S.RETURNED, [roles.APPROVER], label=pgettext_lazy("action", "退回补正"))
    + _t("recommend", [S.UNDER_REVIEW], S.PENDING_APPROVAL, [roles.REVIEWER], label=pgettext_lazy("action", "审核通过"))
    + _t("approve", [S.PENDING_APPROVAL], S.APPROVED, [roles.APPROVER], label=pgettext_lazy("action", "批准"))
    + _t(
        "reject",
        [S.PRE_REVIEW],
        S.REJECTED,
        [roles.INTAKE_CLERK],
        inputs=("reason",),
        label=pgettext_lazy("action", "不予受理"),
    )
    + _t(
        "reject",
        [S.UNDER_REVIEW],
        S.REJECTED,
        [roles.REVIEWER],
        inputs=("reason",),
        label=pgettext_lazy("action", "不予批准"),
    )
    + _t(
        "reject",
        [S.PENDING_APPROVAL],
        S.REJECTED,
        [roles.APPROVER],
        inputs=("reason",),
        label=pgettext_lazy("action", "不予批准"),
    )
    + _t("fulfil", [S.APPROVED], S.COMPLETED, [roles.INTAKE_CLERK], label=pgettext_lazy("action", "办结"))
    + _t(
        "supplement_expired",
        [S.UNDER_REVIEW, S.PENDING_APPROVAL],
        S.REJECTED,
        [SYSTEM],
        label=pgettext_lazy("action", "逾期未补正"),
    )
)

SYSTEM_ACTIONS = frozenset(t.action for t in TABLE if SYSTEM in t.roles)

# Bounds of an application's service-specific ``data``: enough for any form, too little to abuse.
MAX_DATA_BYTES = 16 * 1024
MAX_DATA_DEPTH = 5  # {"a": 1} is 1 deep, {"a": {"b": [1]}} 3
# Names the API shows beside ``data`` without being fields of an application's model.
_COMPUTED_FIELDS = frozenset(
    {"available_actions", "attachments", "notices", "events", "service_name", "status_display"}
)


@functools.cache
def read_only_data_keys() -> frozenset[str]:
    """Keys ``data`` may not carry: the application's own fields (``status``, ``priority``...), which only
    the engine sets. Stored in ``data`` they would read as if they were the real thing."""
    from .models import Application

    names = set(_COMPUTED_FIELDS)
    for model_field in Application._meta.concrete_fields:
        names.update({model_field.name, model_field.attname})
    return frozenset(names)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a JSON value nests deeper than ``limit``; iterative, so any depth is safe to check."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            if depth > limit:
                return True
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return False


def data_bounds_check(data: Any) -> dict[str, Any]:
    """``data`` must be a JSON object of at most ``MAX_DATA_BYTES`` (UTF-8) nested at most
    ``MAX_DATA_DEPTH`` deep, without any key the engine owns. 400 otherwise."""
    if not isinstance(data, dict):
        raise ValidationFailed({"data": [gettext("申请内容须为JSON对象")]})
    if read_only := sorted(str(key) for key in data if key in read_only_data_keys()):
        raise ValidationFailed({key: [gettext("只读字段，不能作为申请内容提交")] for key in read_only})
    if _depth_exceeds(data, MAX_DATA_DEPTH):
        raise ValidationFailed({"data": [gettext("申请内容嵌套不得超过%(depth)d层") % {"depth": MAX_DATA_DEPTH}]})
    try:
        size = len(json.dumps(data, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise ValidationFailed({"data": [gettext("申请内容须为JSON对象")]})
    if size > MAX_DATA_BYTES:
        raise ValidationFailed({"data": [gettext("申请内容不得超过%(kb)d KB") % {"kb": MAX_DATA_BYTES // 1024}]})
    return data


@dataclass
class ServiceSteps:
    """What a service adds to the shared workflow. Subclass and ``register`` it for a service code.

    Hooks run inside the action's transaction, after the engine's checks and before the new state is
    saved; raising a domain error (Conflict, ValidationFailed) rolls the whole action back.
    """

    code: str = ""
    extra_transitions: tuple[Transition, ...] = field(default_factory=tuple)
    # action -> roles that replace the table's roles for that action (e.g. subsidy payments by finance)
    role_overrides: dict[str, frozenset[str]] = field(default_factory=dict)

    def table(self) -> tuple[Transition, ...]:
        rows = []
        for t in TABLE + self.extra_transitions:
            if t.action in self.role_overrides:
                t = Transition(t.action, t.source, t.target, self.role_overrides[t.action], t.inputs, t.label)
            rows.append(t)
        return tuple(rows)

    def clean_data(self, data: dict[str, Any], *, application: Any) -> dict[str, Any]:
        """Validate the service-specific fields of a draft; raise ValidationFailed naming fields.
        An override checks its own fields and calls this first: every service's data is bounded."""
        return data_bounds_check(data)

    def eligibility_problems(self, application: Any) -> list[str]:
        """Problems the pre-check reports beyond the shared ones."""
        return []

    def category_groups(self, application: Any) -> list[set[str]]:
        """Groups of category codes the service's own decisions read beyond its eligible categories
        (the green card's A categories). The pre-check names a held but unverified category that
        would meet a group no verified one meets."""
        return []

    def on_action(self, action: str, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        """Run the service's own code for an action (``on_approve``, ``on_fulfil``...)."""
        hook = getattr(self, f"on_{action}", None)
        if hook is not None:
            hook(application, actor=actor, inputs=inputs)


_REGISTRY: dict[str, ServiceSteps] = {}
_DEFAULT = ServiceSteps()


def register(steps: ServiceSteps) -> ServiceSteps:
    _REGISTRY[steps.code] = steps
    return steps


def steps_for(service_code: str) -> ServiceSteps:
    return _REGISTRY.get(service_code, _DEFAULT)


def table_for(service_code: str) -> tuple[Transition, ...]:
    return steps_for(service_code).table()


def allows(transition: Transition, caller_roles: frozenset[str] | set[str]) -> bool:
    """District admins may take every staff action."""
    if transition.roles & caller_roles:
        return True
    return roles.DISTRICT_ADMIN in caller_roles and bool(transition.roles & roles.STAFF_ROLES)


def transition_for(service_code: str, action: str, source: str = "") -> Transition | None:
    """The table row of ``action`` leaving ``source``, else any row of that action, else None."""
    rows = [t for t in table_for(service_code) if t.action == action]
    return next((t for t in rows if t.source == source), rows[0] if rows else None)


# Actions that take an application on only with every required material there: with any missing,
# 容缺受理 (``accept_with_missing``: the list and a supplement deadline) is the way.
COMPLETE_MATERIALS_ACTIONS = frozenset({"accept"})
MISSING_MATERIALS_WAY = "accept_with_missing"


class MaterialsMissing(Conflict):
    """409: the action needs every required material. ``as_data`` keeps the contract's
    ``{"detail": "..."}`` and adds ``missing_materials`` (the codes), so a client can go on to
    ``accept_with_missing`` with that list."""

    def __init__(self, detail: str, *, materials: list[str]):
        super().__init__(detail)
        self.materials = list(materials)

    def as_data(self) -> dict[str, Any]:
        return {"detail": str(self.detail), "missing_materials": self.materials}


def complete_materials_check(action: str, missing: list[tuple[str, str]]) -> None:
    """Refuse ``action`` when it needs every required material and ``missing`` (``(code, name)`` in
    the reader's language) is not empty: 409 naming them and pointing to 容缺受理."""
    if action not in COMPLETE_MATERIALS_ACTIONS or not missing:
        return
    message = gettext(
        "缺少必交材料：%(materials)s。材料不全时不能直接受理，请使用「容缺受理」（accept_with_missing）"
        "列明缺少的材料和补正期限。"
    ) % {"materials": gettext("、").join(name for _, name in missing)}
    raise MaterialsMissing(message, materials=[code for code, _ in missing])


# Timeline entries that are not transitions of the table.
EVENT_LABELS = {
    "create": gettext_lazy("创建草稿"),
    "upload": gettext_lazy("上传材料"),
    "assign": gettext_lazy("分派经办人"),
    "supplemented": gettext_lazy("材料已补齐"),
}


def event_label(service_code: str, action: str, from_status: str = "") -> str:
    """What an event is called on a timeline (the admin's and the applicant's): the label of the
    table row it took — the one leaving ``from_status`` when there is one (``reject`` from intake is
    不予受理, later 不予批准) — else the engine's own event names, else the action itself."""
    row = transition_for(service_code, action, from_status)
    if row is not None and row.label:
        return str(row.label)
    return str(EVENT_LABELS.get(action, action))
