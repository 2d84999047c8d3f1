"""Household registration and green card: their own steps in the shared workflow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from apps.core.exceptions import Conflict
from apps.enterprises.models import Quota
from apps.enterprises.selectors import enterprise_is_key
from apps.enterprises.services import quota_consume
from apps.talents.employment import employment_is_confirmed
from apps.talents.selectors import verified_category_codes
from apps.talents.services import talent_update
from apps.workflow import selectors as workflow_selectors
from apps.workflow.engine import ServiceSteps
from apps.workflow.services import applications_priority_set

from .models import GreenCard, RegistrationCard


class HukouSteps(ServiceSteps):
    """Approval spends one of the employer's ``hukou_indicator`` slots for the year when the
    employer is on that year's key-enterprise list (总量控制类指标); 409 when none is left.

    The employer is the application's enterprise, and only while the applicant's employment there
    is confirmed (DESIGN.md: quotas read confirmed facts only). It is checked again at approval,
    under the talent's row lock, because the enterprise may have refused the employment, or the
    talent named another employer, since the application was filed. Unconfirmed, the case is
    decided as one not employed by a key enterprise — as for an employer off this year's list:
    the approval stands on its own merits and spends no enterprise's indicator (the result notes
    ``quota_skipped``), rather than being blocked by a fact nobody vouched for."""

    def on_approve(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        year = timezone.localdate().year
        if application.enterprise_id and not employment_is_confirmed(
            talent_id=application.applicant_id, enterprise_id=application.enterprise_id
        ):
            application.result = {**application.result, "quota_skipped": "employment_not_confirmed"}
        elif application.enterprise_id and enterprise_is_key(enterprise_id=application.enterprise_id, year=year):
            quota_consume(
                enterprise_id=application.enterprise_id,
                kind=Quota.Kind.HUKOU_INDICATOR,
                year=year,
                actor=actor,
                reference=application.number or "",
                # Kept in the quota ledger as written, in the portal's language.
                note=gettext_noop("人才入户审批"),
            )
            application.result = {
                **application.result,
                "quota": {"enterprise": application.enterprise_id, "year": year},
            }

    def on_fulfil(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        today = timezone.localdate()
        quota = application.result.get("quota") or {}
        card = RegistrationCard.objects.create(
            application=application,
            talent=application.applicant,
            number=f"RH{today.year}{application.pk:08d}",
            issued_on=today,
            quota_year=quota.get("year"),
            quota_enterprise_id=quota.get("enterprise"),
        )
        application.result = {**application.result, "card_number": card.number, "issued_on": today.isoformat()}


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class GreenCardSteps(ServiceSteps):
    """An A card for a verified category among the config's ``a_categories``, else a B card, for an
    applicant eligible on verified categories; a declared, unverified category counts for neither."""

    def _config(self, application: Any) -> dict[str, Any]:
        defaults = {"a_categories": [], "a_years": 5, "b_years": 1, "b_renewals": 1}
        return {**defaults, **(application.service.config or {})}

    def _card_class(self, application: Any) -> str:
        held = verified_category_codes(application.applicant_id)
        return GreenCard.CardClass.A if held & set(self._config(application)["a_categories"]) else GreenCard.CardClass.B

    def category_groups(self, application: Any) -> list[set[str]]:
        return [set(self._config(application)["a_categories"])]

    def _current_card(self, talent: Any) -> GreenCard | None:
        return GreenCard.objects.filter(talent=talent).order_by("-issued_on", "-id").first()

    def eligibility_problems(self, application: Any) -> list[str]:
        problems = []
        config = self._config(application)
        current = self._current_card(application.applicant)
        today = timezone.localdate()
        if current is not None and self._card_class(application) == GreenCard.CardClass.B:
            if current.card_class == GreenCard.CardClass.B and current.renewal_count >= config["b_renewals"]:
                problems.append(gettext("B卡仅可续期一次"))
        if current is not None and current.card_class == GreenCard.CardClass.A and current.expires_on > today:
            problems.append(gettext("已持有有效A卡至%(date)s") % {"date": current.expires_on})
        return problems

    def on_approve(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        # Re-check at decision time: a card may have been issued since the pre-check.
        problems = self.eligibility_problems(application)
        if problems:
            raise Conflict(gettext("；").join(problems))

    def on_fulfil(self, application: Any, *, actor: Any, inputs: dict[str, Any]) -> None:
        # No card on a category nobody verified: it may have been un-verified since the approval.
        if refusal := workflow_selectors.category_eligibility_refusal(application):
            raise Conflict(refusal)
        config = self._config(application)
        today = timezone.localdate()
        card_class = self._card_class(application)
        previous = self._current_card(application.applicant)
        renewal_of = None
        renewal_count = 0
        if (
            card_class == GreenCard.CardClass.B
            and previous is not None
            and previous.card_class == GreenCard.CardClass.B
        ):
            if previous.renewal_count >= config["b_renewals"]:
                raise Conflict(gettext("B卡仅可续期一次"))
            renewal_of, renewal_count = previous, previous.renewal_count + 1
        years = config["a_years"] if card_class == GreenCard.CardClass.A else config["b_years"]
        start = max(today, previous.expires_on) if renewal_of else today
        card = GreenCard.objects.create(
            application=application,
            talent=application.applicant,
            number=f"HZGC-{card_class}{today.year}{application.pk:06d}",
            card_class=card_class,
            issued_on=today,
            expires_on=_add_years(start, years),
            renewal_of=renewal_of,
            renewal_count=renewal_count,
        )
        # Always through talent_update, under the talent's row lock: an unlocked "already a holder"
        # read could race the expiry scan clearing the flag. It records history only on a change.
        talent_update(talent=application.applicant, actor=actor, source="system", is_green_card_holder=True)
        application.applicant.is_green_card_holder = True
        # The priority was fixed when those were submitted: the new holder goes first from now on.
        applications_priority_set(talent_id=application.applicant_id, priority=1, exclude_id=application.pk)
        application.result = {
            **application.result,
            "card_number": card.number,
            "card_class": card.card_class,
            "expires_on": card.expires_on.isoformat(),
        }
