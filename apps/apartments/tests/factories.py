"""Apartment stock, batches and pools for the tests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts import roles
from apps.talents.models import Talent
from apps.talents.tests.factories import hold
from apps.workflow.models import Application, ServiceDefinition
from apps.workflow.states import Status
from apps.workflow.tests import factories as f

from .. import services
from ..models import Batch, Building, Unit

_seq = itertools.count(1)


def building(name: str = "琶洲人才公寓") -> Building:
    return Building.objects.create(name=f"{name}{next(_seq)}", address="广州市海珠区阅江西路")


def units(layouts: str | list[str], *, rent: str = "2500.00", in_building: Building | None = None) -> list[Unit]:
    """One unit per layout code given, e.g. ``units(["2b", "2b", "1b"])``."""
    home = in_building or building()
    made = []
    for layout in [layouts] if isinstance(layouts, str) else layouts:
        made.append(
            Unit.objects.create(
                building=home,
                number=f"{next(_seq):04d}",
                layout=layout,
                area_m2=Decimal("45.00") if layout == "1b" else Decimal("68.50"),
                rent=Decimal(rent),
            )
        )
    return made


def admin():
    return f.user(roles.DISTRICT_ADMIN)


def batch(unit_list: list[Unit], *, by: Any = None, **kwargs: Any) -> Batch:
    today = timezone.localdate()
    return services.batch_create(
        actor=by or admin(),
        name=kwargs.pop("name", f"第{next(_seq)}批人才公寓"),
        opens_on=kwargs.pop("opens_on", today),
        closes_on=kwargs.pop("closes_on", today.replace(year=today.year + 1)),
        units=[u.pk for u in unit_list],
        eligible_categories=kwargs.pop("eligible_categories", []),
        points_rule=kwargs.pop("points_rule", {"category_levels": {"1": 60, "2": 50, "3": 40}, "key_enterprise": 20}),
    )


def eligible_talent(employer: Any = None, *, name: str = "李华", category: str = "postdoc"):
    """A talent account employed (confirmed) in the district with a verified category."""
    account = f.talent_user(employer=employer or f.enterprise(), name=name)
    hold(Talent.objects.get(user=account), category)
    return account


def approved(account: Any, of_batch: Batch, layouts: list[str]) -> Application:
    """An approved apartment application written directly: the pool without driving the workflow."""
    talent = Talent.objects.get(user=account)
    application = Application.objects.create(
        service=ServiceDefinition.objects.get(code="apartment"),
        applicant=talent,
        submitted_by=account,
        status=Status.APPROVED,
        data={"batch": of_batch.pk, "layouts": layouts},
        submitted_at=timezone.now(),
    )
    application.number = f"HZ{timezone.localdate().year}-{application.pk:06d}"
    application.save(update_fields=["number"])
    return application


def pool(of_batch: Batch, wants: list[list[str]]) -> list[tuple[Any, Application]]:
    employer = f.enterprise()
    return [
        (account, approved(account, of_batch, layouts))
        for account, layouts in ((eligible_talent(employer, name=f"人才{i}"), w) for i, w in enumerate(wants))
    ]
