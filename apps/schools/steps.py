"""The ``school_place`` service's own steps in the shared workflow: what verification decides about
the nomination behind the application (``apps.schools.services.nomination_create`` files it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from apps.core.exceptions import Conflict
from apps.workflow.engine import ServiceSteps

from .models import Nomination


def _locked_nomination(application: Any) -> Nomination | None:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("round", "assigned_school")
        .filter(application=application)
        .first()
    )


class SchoolPlaceSteps(ServiceSteps):
    """Approval makes the nomination take part in its round's run; a rejection, a withdrawal or a
    supplement deadline missed gives the enterprise's slot back (until the round has run). The run
    fulfils each verified application with its result. An application with no nomination (filed
    before nominations existed) is left to the shared workflow alone."""

    def on_approve(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        nomination = _locked_nomination(application)
        if nomination is None:
            return
        if nomination.round.is_run:
            raise Conflict(gettext("该提名所在轮次已完成分配"))
        if nomination.status != Nomination.Status.NOMINATED:
            raise Conflict(
                gettext("提名当前状态为「%(status)s」，不能批准") % {"status": nomination.get_status_display()}
            )
        nomination.status = Nomination.Status.APPROVED
        nomination.save(update_fields=["status", "updated_at"])

    def _release(self, application: Any, actor: Any, status: str) -> None:
        from .services import nomination_release

        nomination = _locked_nomination(application)
        if nomination is not None:
            nomination_release(nomination, actor=actor, status=status)

    def on_reject(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        self._release(application, actor, Nomination.Status.REJECTED)

    def on_supplement_expired(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        self._release(application, actor, Nomination.Status.REJECTED)

    def on_withdraw(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        self._release(application, actor, Nomination.Status.WITHDRAWN)

    def on_fulfil(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        nomination = _locked_nomination(application)
        if nomination is None:
            return
        if nomination.status not in (Nomination.Status.ASSIGNED, Nomination.Status.UNASSIGNED):
            raise Conflict(gettext("学位分配结果公布后自动办结"))
        result: dict[str, Any] = {"nomination": nomination.number, "round": nomination.round_id}
        if nomination.assigned_school is not None:
            result.update(school=nomination.assigned_school_id, school_name=nomination.assigned_school.name)
        else:
            result.update(school=None, unassigned_reason=nomination.unassigned_reason)
        application.result = {**application.result, **result}
