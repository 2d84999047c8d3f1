"""Writes of the residency app outside the workflow steps: the daily green card expiry scan."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.talents.models import Talent
from apps.talents.services import talent_update
from apps.workflow import links
from apps.workflow.services import applications_priority_set

from .models import GreenCard

logger = logging.getLogger(__name__)

EXPIRY_NOTICE_DAYS = 30
EXPIRY_BATCH = 1000


def _valid_cards(today: dt.date):
    """A card is valid while ``expires_on`` is after today (as the green card steps count it)."""
    return GreenCard.objects.filter(expires_on__gt=today)


def _recipients(card: GreenCard) -> list[Any]:
    """The card holder's account and the account that applied for the card (an HR user), once each."""
    people: list[Any] = []
    for user in (card.talent.user, card.application.submitted_by):
        if user is not None and user.is_active and all(user.pk != p.pk for p in people):
            people.append(user)
    return people


def _remind(card: GreenCard) -> bool:
    """Claim the card's one reminder (a conditional UPDATE whose row count says who won) and notify,
    in one transaction: if notifying fails, the claim is undone and the next run tries again."""
    from apps.notifications.services import notify

    with transaction.atomic():
        claimed = GreenCard.objects.filter(pk=card.pk, expiry_reminded=False).update(expiry_reminded=True)
        if not claimed:
            return False
        context = {
            "card_class": card.card_class,
            "card_number": card.number,
            "expires_on": card.expires_on,
            "name": card.talent.name,
        }
        for recipient in _recipients(card):
            notify(
                kind="green_card.expiring",
                recipient=recipient,
                event_key=f"green-card:{card.pk}:expiring:{card.expires_on.isoformat()}",
                context=context,
                link=links.application_path_for(recipient, card.application),
            )
    return True


def _clear_holder(talent_id: int, today: dt.date) -> bool:
    """Clear the holder flag when the talent holds no valid card any more (checked again under the
    talent's row lock, so a card issued meanwhile keeps it)."""
    with transaction.atomic():
        talent = Talent.objects.select_for_update().filter(pk=talent_id, is_green_card_holder=True).first()
        if talent is None or _valid_cards(today).filter(talent_id=talent_id).exists():
            return False
        talent_update(talent=talent, actor=None, source="system", is_green_card_holder=False)
        # No longer a holder: their open applications lose the place at the front of the queues.
        applications_priority_set(talent_id=talent_id, priority=0)
    return True


def green_card_expiry_scan(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: remind holders once of a card expiring within ``EXPIRY_NOTICE_DAYS`` days; clear the
    ``is_green_card_holder`` flag of talents whose cards have all expired. Safe to run twice or at
    the same time on two workers: each reminder is claimed by exactly one run."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=EXPIRY_NOTICE_DAYS)
    # A card already followed by a later one (a renewal, a new A card) needs no reminder.
    later = GreenCard.objects.filter(talent_id=OuterRef("talent_id"), expires_on__gt=OuterRef("expires_on"))
    expiring = (
        GreenCard.objects.filter(expiry_reminded=False, expires_on__gt=today, expires_on__lte=until)
        .exclude(Exists(later))
        .select_related("talent__user", "application__submitted_by", "application__applicant")
        .order_by("expires_on", "pk")
    )
    reminded = sum(1 for card in expiring[:EXPIRY_BATCH] if _remind(card))

    # Only talents with an expired card: a holder flag set by staff for a card issued before the
    # portal (no GreenCard row) is left alone.
    lapsed = (
        Talent.objects.filter(is_green_card_holder=True)
        .filter(Exists(GreenCard.objects.filter(talent_id=OuterRef("pk"), expires_on__lte=today)))
        .exclude(Exists(_valid_cards(today).filter(talent_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cleared = sum(1 for talent_id in list(lapsed[:EXPIRY_BATCH]) if _clear_holder(talent_id, today))
    if reminded or cleared:
        logger.info("green card expiry scan %s: %s reminded, %s holder flags cleared", today, reminded, cleared)
    return {"reminded": reminded, "holders_cleared": cleared}
