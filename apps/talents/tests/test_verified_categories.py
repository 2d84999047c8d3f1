"""The one rule every decision reads: only categories staff verified count (issue 8)."""

from __future__ import annotations

import pytest

from apps.accounts import roles
from apps.talents import selectors
from apps.talents.models import Talent, TalentCategoryHolding

from .factories import TalentFactory, hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    verified = TalentFactory()
    hold(verified, "academician", "shortage")
    declared = TalentFactory()
    hold(declared, "academician", "thousand_talents", verified=False)
    mixed = TalentFactory()
    hold(mixed, "shortage")
    hold(mixed, "academician", verified=False)
    return {"verified": verified, "declared": declared, "mixed": mixed, "none": TalentFactory()}


def test_verified_category_codes_ignore_declared_ones(people):
    assert selectors.verified_category_codes(people["verified"]) == {"academician", "shortage"}
    assert selectors.verified_category_codes(people["declared"].pk) == set()
    assert selectors.verified_category_codes(people["mixed"]) == {"shortage"}
    assert selectors.verified_category_codes(people["none"]) == set()


def test_talents_with_a_verified_category_each_once(people):
    everyone = Talent.objects.filter(pk__in=[p.pk for p in people.values()])

    high = selectors.talents_with_verified_category(everyone, ["academician", "thousand_talents"])
    any_known = selectors.talents_with_verified_category(everyone, ["academician", "shortage"])

    assert list(high.order_by("pk")) == [people["verified"]]
    assert list(any_known.order_by("pk")) == [people["verified"], people["mixed"]]


def test_the_unverified_that_would_count_for_a_group_nothing_verified_meets(people):
    high = {"academician", "thousand_talents"}
    anyone = {"academician", "shortage"}

    def names(talent, *groups):
        return [c.code for c in selectors.unverified_categories_that_would_count(talent, groups)]

    assert names(people["declared"], high) == ["academician", "thousand_talents"]  # in category order
    assert names(people["mixed"], anyone) == []  # eligible already on the verified shortage
    assert names(people["mixed"], anyone, high) == ["academician"]  # but it would give the higher class
    assert names(people["verified"], high) == []
    assert names(people["none"], high) == []
    assert names(people["declared"], set()) == []


def test_the_review_list_costs_two_queries_whatever_is_held(people, make_user, django_assert_num_queries):
    reviewer, admin = make_user(roles.REVIEWER), make_user(roles.DISTRICT_ADMIN)
    TalentCategoryHolding.objects.filter(talent=people["verified"], category__code="academician").update(
        verified_by=reviewer
    )
    TalentCategoryHolding.objects.filter(talent=people["verified"], category__code="shortage").update(verified_by=admin)

    with django_assert_num_queries(2):  # the holdings with category and verifier; the verifiers' groups
        holdings = selectors.holdings_for_review(people["verified"])
        groups = [[g.name for g in h.verified_by.groups.all()] for h in holdings]

    assert [h.category.code for h in holdings] == ["academician", "shortage"]
    assert groups == [[roles.REVIEWER], [roles.DISTRICT_ADMIN]]


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (roles.REVIEWER, True),
        (roles.DISTRICT_ADMIN, True),
        (roles.INTAKE_CLERK, False),
        (roles.APPROVER, False),
        (roles.FINANCE, False),
        (roles.TALENT, False),
        (roles.ENTERPRISE_HR, False),
    ],
)
def test_who_verifies_categories(make_user, role, may):
    assert selectors.can_verify_holdings(make_user(role)) is may


def test_nobody_anonymous_verifies():
    from django.contrib.auth.models import AnonymousUser

    assert selectors.can_verify_holdings(AnonymousUser()) is False
