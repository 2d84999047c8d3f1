"""``manage.py seed_demo`` with the workflow and residency demos: every state, 512 cards, idempotent.

Slow-ish (the whole demo, twice), so everything is checked in this one test.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from apps.enterprises.models import KeyEnterpriseListing, Quota, QuotaMovement
from apps.residency.models import GreenCard, RegistrationCard
from apps.talents.models import Talent
from apps.workflow.models import Application, ApplicationEvent, Attachment
from apps.workflow.states import OPEN, Status

WORKFLOW_STATES = {
    Status.DRAFT,
    Status.SUBMITTED,
    Status.PRE_REVIEW,
    Status.RETURNED,
    Status.UNDER_REVIEW,
    Status.PENDING_APPROVAL,
    Status.APPROVED,
    Status.REJECTED,
    Status.WITHDRAWN,
    Status.COMPLETED,
}


def counts() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "events": ApplicationEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "registration_cards": RegistrationCard.objects.count(),
        "green_cards": GreenCard.objects.count(),
        "quotas": Quota.objects.count(),
        "quota_movements": QuotaMovement.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_workflow():
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    call_command("seed_demo", stdout=StringIO())

    assert counts() == first  # the second run adds nothing

    # 512 household registrations completed, each with its card.
    completed_hukou = Application.objects.filter(service__code="hukou", status=Status.COMPLETED)
    assert completed_hukou.count() == 512
    assert RegistrationCard.objects.count() == 512
    assert RegistrationCard.objects.filter(application__in=completed_hukou).count() == 512
    assert not completed_hukou.filter(result__card_number__isnull=True).exists()
    assert completed_hukou.filter(accepted_at__isnull=True).count() == 0
    assert completed_hukou.filter(completed_at__lt=F("decided_at")).count() == 0
    # each one's timeline: create … fulfil
    timelines = ApplicationEvent.objects.filter(application__in=completed_hukou).values("application")
    assert {row["n"] for row in timelines.annotate(n=Count("id")).values("n")} >= {7}
    assert ApplicationEvent.objects.filter(application__in=completed_hukou, action="fulfil").count() == 512

    # Every state of the workflow, in several services.
    states = set(Application.objects.values_list("status", flat=True))
    assert WORKFLOW_STATES <= states
    assert Application.objects.values("service").distinct().count() >= 4
    # including an application accepted with materials missing, and deadlines from the real actions
    with_missing = Application.objects.filter(status=Status.UNDER_REVIEW).exclude(missing_materials=[])
    assert with_missing.filter(supplement_deadline__isnull=False, deadline__isnull=False).exists()
    assert not Application.objects.filter(status=Status.UNDER_REVIEW, deadline__isnull=True).exists()

    # Quotas: every approval spent one slot of its key enterprise's indicator quota, none overspent.
    assert not Quota.objects.filter(used__gt=F("total")).exists()
    hukou = Quota.objects.filter(kind=Quota.Kind.HUKOU_INDICATOR)
    spent = Application.objects.filter(service__code="hukou", status__in=[Status.APPROVED, Status.COMPLETED])
    assert sum(hukou.values_list("used", flat=True)) == spent.count() == 513
    assert QuotaMovement.objects.filter(quota__kind=Quota.Kind.HUKOU_INDICATOR).count() == 513
    for quota in hukou.filter(used__gt=0):
        assert quota.movements.count() == quota.used
    assert hukou.filter(used__lt=F("total")).exists()  # some remain
    listed = set(KeyEnterpriseListing.objects.values_list("enterprise_id", flat=True))
    assert set(spent.values_list("enterprise_id", flat=True)) <= listed

    # talent_demo: nothing open (a completed green card and a withdrawn application are fine).
    talent_demo = Talent.objects.get(user__username="talent_demo")
    assert not Application.objects.filter(applicant=talent_demo, status__in=OPEN).exists()
    assert Application.objects.filter(applicant=talent_demo).exists()

    # Green card holders' applications come first in the staff queues.
    holders = Application.objects.filter(status__in=OPEN, priority=1, applicant__is_green_card_holder=True)
    assert holders.count() >= 2

    # Every demo staff account finds work under "mine", and "unassigned" has some too.
    open_apps = Application.objects.filter(status__in=OPEN)
    for username in ("clerk_demo", "reviewer_demo", "approver_demo"):
        assert open_apps.filter(assignee__username=username).exists(), username
    assert open_apps.filter(assignee__isnull=True).exists()
    assert not open_apps.filter(status=Status.UNDER_REVIEW).exclude(assignee__username="reviewer_demo").exists()
    assert not open_apps.filter(status=Status.PENDING_APPROVAL).exclude(assignee__username="approver_demo").exists()
    assert GreenCard.objects.filter(card_class="A").exists() and GreenCard.objects.filter(card_class="B").exists()
