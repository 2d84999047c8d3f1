"""``seed_demo``: the talent records (the figures themselves are checked in apps/reports)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max

from apps.core import crypto
from apps.core.identifiers import phone_validate, resident_id_parse
from apps.enterprises.models import Enterprise, EnterpriseMember, KeyEnterpriseListing, Quota, ShortageIntroduction
from apps.talents.models import ProfileClaim, Talent, TalentCategoryHolding, TalentProfileChange

pytestmark = pytest.mark.django_db

MODELS = [
    Enterprise,
    EnterpriseMember,
    KeyEnterpriseListing,
    Quota,
    ShortageIntroduction,
    Talent,
    TalentCategoryHolding,
    TalentProfileChange,
    ProfileClaim,
]


def snapshot() -> dict:
    state = {}
    for model in MODELS:
        fields = {f.name for f in model._meta.concrete_fields}
        stamp = "updated_at" if "updated_at" in fields else "id"
        state[model.__name__] = model.objects.aggregate(n=Count("pk"), last=Max(stamp))
    return state


def test_seeding_twice_changes_nothing():
    call_command("seed_demo", stdout=StringIO())
    first = snapshot()

    call_command("seed_demo", stdout=StringIO())

    assert snapshot() == first
    # ... and the parents the school-places demo adds where an enterprise has too few employees to nominate.
    assert first["Talent"]["n"] == 410 + 8 + 272 + 1 + 4


def test_records_have_valid_unique_identifiers_and_a_history():
    call_command("seed_demo", stdout=StringIO())

    talents = list(Talent.objects.all())
    for talent in talents:
        parsed = resident_id_parse(talent.id_number)
        assert 1950 <= parsed.birth_date.year <= 2000
        assert (talent.birth_date, talent.sex) == (parsed.birth_date, parsed.sex)
        assert talent.id_number_hash == crypto.pii_hash(talent.id_number)
        assert talent.phone == phone_validate(talent.phone)
    assert len({t.id_number for t in talents}) == len(talents)
    assert len({t.phone for t in talents}) == len(talents)
    assert TalentProfileChange.objects.values("talent").distinct().count() == len(talents)
    # Stored encrypted: the plain numbers are nowhere in the table.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone FROM {Talent._meta.db_table}")
        stored = {value for row in cursor.fetchall() for value in row}
    assert not stored & ({t.id_number for t in talents} | {t.phone for t in talents})


def test_talent_demo_owns_a_claimed_profile():
    call_command("seed_demo", stdout=StringIO())

    talent = Talent.objects.get(user__username="talent_demo")

    assert resident_id_parse(talent.id_number).region_code == "440105"
    assert list(talent.holdings.values_list("category__code", flat=True)) == ["district_young"]
    assert talent.employer is not None
    assert ProfileClaim.objects.get(talent=talent).status == ProfileClaim.Status.CONFIRMED
    assert TalentProfileChange.objects.filter(talent=talent, source="claim").count() == 1


def test_demo_employees_are_confirmed_and_hr_demo_has_a_claim_to_answer():
    from django.contrib.auth import get_user_model

    from apps.enterprises.selectors import enterprise_for_user
    from apps.talents.selectors import employment_claims_pending, talents_visible_to

    call_command("seed_demo", stdout=StringIO())

    talent_demo = Talent.objects.get(user__username="talent_demo")
    others = Talent.objects.filter(employer__isnull=False).exclude(pk=talent_demo.pk)
    assert set(others.values_list("employment_status", flat=True)) == {"confirmed"}
    assert not others.filter(employment_confirmed_at__isnull=True).exists()
    # talent_demo named its employer itself: a claim for hr_demo to confirm or refuse on /hr/
    hr_demo = get_user_model().objects.get(username="hr_demo")
    assert talent_demo.employment_status == "claimed"
    assert talent_demo.employer == enterprise_for_user(hr_demo)
    assert list(employment_claims_pending(enterprise_id=talent_demo.employer_id)) == [talent_demo]
    assert not talents_visible_to(hr_demo).filter(pk=talent_demo.pk).exists()
    claim = TalentProfileChange.objects.filter(talent=talent_demo, changes__has_key="employment_status").get()
    assert (claim.actor, claim.source, claim.changes["employment_status"]) == (talent_demo.user, "api", ["", "claimed"])
