"""Employment is confirmed (issue 8): a talent's own employer is a claim until that enterprise's HR
(or district staff) confirms it; only a confirmed employment shows the talent to that HR."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from apps.accounts import roles
from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.enterprises.services import enterprise_member_set
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.notifications.models import Notification
from apps.talents.models import Talent, TalentProfileChange
from apps.talents.services import (
    employment_confirm,
    employment_refuse,
    holding_evidence_upload,
    talent_create,
    talent_update,
)
from apps.talents.tests.factories import TalentFactory, hold, resident_id

pytestmark = pytest.mark.django_db

ME = "/api/v1/talents/me/"
CLAIMED, CONFIRMED, REFUSED = "claimed", "confirmed", "refused"


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证书.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n")


@pytest.fixture
def acme():
    return EnterpriseFactory(name="广州甲科技有限公司")


@pytest.fixture
def hr(make_user, acme):
    user = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=user, enterprise=acme)
    return user


@pytest.fixture
def other_hr(make_user):
    user = make_user(roles.ENTERPRISE_HR)
    enterprise_member_set(user=user, enterprise=EnterpriseFactory(name="广州乙科技有限公司"))
    return user


@pytest.fixture
def attacker(make_user):
    """A talent account with a profile, an academician category and its evidence on file."""
    user = make_user(roles.TALENT)
    talent = talent_create(user=user, actor=user, name="冒名者", id_number=resident_id(801), phone="13911110801")
    hold(talent, "academician", verified=False)
    holding_evidence_upload(talent=talent, category_code="academician", upload=pdf(), actor=user)
    return user


def profile(user) -> Talent:
    return Talent.objects.get(user=user)


def history(talent: Talent) -> list[dict]:
    return list(TalentProfileChange.objects.filter(talent=talent).order_by("id").values_list("changes", flat=True))


def seen_by(client, talent: Talent) -> tuple[list[int], int, int]:
    """(ids in the HR list, detail status, evidence download status)."""
    listed = [row["id"] for row in client.get("/api/v1/talents/").json()["results"]]
    detail = client.get(f"/api/v1/talents/{talent.pk}/").status_code
    evidence = client.get(f"/api/v1/talents/{talent.pk}/categories/academician/evidence/").status_code
    return listed, detail, evidence


# --- The attack: an employer written into one's own profile -------------------------------------


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_self_declared_employer_is_only_a_claim_hr_cannot_see(method, attacker, acme, hr, client_for):
    # When the talent writes the enterprise into their own profile
    response = getattr(client_for(attacker), method)(ME, {"name": "冒名者", "employer": acme.pk}, format="json")

    # Then it is recorded as a claim, shown as such to the talent
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["employer"], body["employment_status"], body["employment_confirmed_at"]) == (acme.pk, CLAIMED, None)
    talent = profile(attacker)
    assert (talent.employment_status, talent.employment_confirmed_by, talent.confirmed_employer_id) == (
        CLAIMED,
        None,
        None,
    )
    assert talent.employment_claimed_at is not None
    assert history(talent)[-1] == {"employer": [None, acme.pk], "employment_status": ["", CLAIMED]}
    # And the enterprise's HR neither lists it, nor opens it, nor downloads its evidence
    assert seen_by(client_for(hr), talent) == ([], 404, 404)


def test_the_web_profile_page_records_a_claim_too(attacker, acme, hr):
    client = Client()
    client.force_login(attacker)

    response = client.post(
        "/my/profile/", {"name": "冒名者", "email": "", "employer": str(acme.pk), "categories": ["academician"]}
    )

    assert response.status_code == 302, response.content.decode()
    talent = profile(attacker)
    assert (talent.employer_id, talent.employment_status) == (acme.pk, CLAIMED)
    html = client.get("/my/profile/").content.decode()
    assert "待企业确认" in html and "待该单位人事确认；确认前，该单位不作为办事依据。" in html


def test_the_hr_page_does_not_list_a_claimant_among_its_talents(attacker, acme, hr):
    talent_update(talent=profile(attacker), actor=attacker, employer=acme)
    client = Client()
    client.force_login(hr)

    html = client.get("/hr/").content.decode()
    form = client.get("/hr/applications/new/?service=hukou").content.decode()

    assert "暂无已登记的人才。" in html  # not among the enterprise's talents...
    assert f'value="{profile(attacker).pk}"' not in form  # ...nor among those HR may apply for
    assert "冒名者" in html.split('id="employment-claims"')[1].split("指标使用情况")[0]  # a claim to answer


# --- Who writes it decides what it is worth -------------------------------------------------------


def test_district_staff_with_the_right_record_a_confirmed_employer(make_user, acme):
    admin = make_user(roles.DISTRICT_ADMIN)
    talent = TalentFactory()

    talent = talent_update(talent=talent, actor=admin, source="admin", employer=acme)

    assert (talent.employment_status, talent.employment_confirmed_by, talent.confirmed_employer_id) == (
        CONFIRMED,
        admin,
        acme.pk,
    )
    assert history(talent)[-1] == {"employer": [None, acme.pk], "employment_status": ["", CONFIRMED]}


def test_staff_without_the_right_only_record_a_claim(make_user, acme):
    clerk = make_user(roles.INTAKE_CLERK)  # sees talents, may not confirm employment

    talent = talent_update(talent=TalentFactory(), actor=clerk, source="admin", employer=acme)

    assert talent.employment_status == CLAIMED


def test_an_import_records_confirmed_employers(acme):
    talent = talent_create(name="导入者", id_number=resident_id(802), employer=acme, source="import")

    assert (talent.employment_status, talent.confirmed_employer_id) == (CONFIRMED, acme.pk)
    assert history(talent)[0]["employment_status"] == [None, CONFIRMED]


def test_a_new_employer_starts_over_and_the_old_hr_loses_sight(attacker, acme, hr, make_user, client_for):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)
    employment_confirm(talent=talent, actor=hr)
    other = EnterpriseFactory(name="广州丙公司")

    response = client_for(attacker).patch(ME, {"employer": other.pk}, format="json")

    assert response.json()["employment_status"] == CLAIMED
    assert seen_by(client_for(hr), talent) == ([], 404, 404)


def test_saving_the_profile_with_the_same_employer_keeps_its_status(attacker, acme, hr, client_for):
    employment_confirm(talent=talent_update(talent=profile(attacker), actor=attacker, employer=acme), actor=hr)
    changes = TalentProfileChange.objects.count()

    response = client_for(attacker).put(ME, {"name": "冒名者", "employer": acme.pk}, format="json")

    assert response.json()["employment_status"] == CONFIRMED
    assert TalentProfileChange.objects.count() == changes


def test_clearing_the_employer_clears_the_status(attacker, acme, client_for):
    talent_update(talent=profile(attacker), actor=attacker, employer=acme)

    response = client_for(attacker).patch(ME, {"employer": None}, format="json")

    assert (response.json()["employer"], response.json()["employment_status"]) == (None, "")


# --- Confirming -------------------------------------------------------------------------------------


def test_hr_of_the_enterprise_confirms_and_then_sees_the_talent(attacker, acme, hr, client_for):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)

    employment_confirm(talent=talent, actor=hr)

    talent.refresh_from_db()
    assert (talent.employment_status, talent.employment_confirmed_by, talent.confirmed_employer_id) == (
        CONFIRMED,
        hr,
        acme.pk,
    )
    assert talent.employment_confirmed_at is not None
    entry = TalentProfileChange.objects.filter(talent=talent).latest("id")
    assert (entry.actor, entry.source, entry.changes) == (hr, "api", {"employment_status": [CLAIMED, CONFIRMED]})
    assert seen_by(client_for(hr), talent) == ([talent.pk], 200, 200)
    assert client_for(attacker).get(ME).json()["employment_status"] == CONFIRMED


def test_another_enterprises_hr_cannot_confirm_404(attacker, acme, other_hr):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)
    before = history(talent)

    with pytest.raises(NotFound):
        employment_confirm(talent=talent, actor=other_hr)

    talent.refresh_from_db()
    assert (talent.employment_status, history(talent)) == (CLAIMED, before)


def test_a_talent_cannot_confirm_their_own_claim_403(attacker, acme):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)

    with pytest.raises(NotPermitted):
        employment_confirm(talent=talent, actor=attacker)

    talent.refresh_from_db()
    assert talent.employment_status == CLAIMED


def test_an_hr_user_cannot_confirm_their_own_employment_403(make_user, acme):
    hr_and_talent = make_user(roles.ENTERPRISE_HR, roles.TALENT)
    enterprise_member_set(user=hr_and_talent, enterprise=acme)
    talent = talent_create(user=hr_and_talent, actor=hr_and_talent, name="人事本人", employer=acme)

    with pytest.raises(NotPermitted):
        employment_confirm(talent=talent, actor=hr_and_talent)

    talent.refresh_from_db()
    assert talent.employment_status == CLAIMED


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.REVIEWER, roles.APPROVER, roles.FINANCE])
def test_staff_without_the_right_cannot_confirm_403(role, make_user, attacker, acme):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)

    with pytest.raises(NotPermitted):
        employment_confirm(talent=talent, actor=make_user(role))

    talent.refresh_from_db()
    assert talent.employment_status == CLAIMED


def test_a_district_admin_confirms_and_confirming_twice_is_409(make_user, attacker, acme):
    admin = make_user(roles.DISTRICT_ADMIN)
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)

    employment_confirm(talent=talent, actor=admin, source="admin")
    with pytest.raises(Conflict):
        employment_confirm(talent=talent, actor=admin, source="admin")

    assert [c for c in history(talent) if "employment_status" in c][-1] == {"employment_status": [CLAIMED, CONFIRMED]}


def test_a_talent_without_an_employer_has_nothing_to_confirm(make_user, hr):
    talent = TalentFactory()

    with pytest.raises(NotFound):
        employment_confirm(talent=talent, actor=hr)
    with pytest.raises(Conflict):
        employment_confirm(talent=talent, actor=make_user(roles.DISTRICT_ADMIN))
    with pytest.raises(NotFound):
        employment_confirm(talent=talent.pk + 1000, actor=make_user(roles.DISTRICT_ADMIN))


# --- Refusing ---------------------------------------------------------------------------------------


def test_refusing_marks_the_claim_tells_the_talent_and_keeps_history(attacker, acme, hr, client_for):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)

    employment_refuse(talent=talent, actor=hr, reason="  查无此人  ")

    talent.refresh_from_db()
    assert (talent.employer_id, talent.employment_status, talent.employment_refusal_reason) == (
        acme.pk,
        REFUSED,
        "查无此人",
    )
    assert talent.confirmed_employer_id is None
    entry = TalentProfileChange.objects.filter(talent=talent).latest("id")
    assert (entry.actor, entry.changes) == (
        hr,
        {"employment_status": [CLAIMED, REFUSED], "employment_refusal_reason": ["", "查无此人"]},
    )
    notice = Notification.objects.get(recipient=attacker, kind="talent.employment_refused")
    assert (notice.title, notice.link, notice.in_app) == ("工作单位未获确认", "/my/profile/", True)
    assert notice.body.startswith(f"{acme.name}未确认您在该单位工作") and "理由：查无此人" in notice.body
    me = client_for(attacker).get(ME).json()
    assert (me["employment_status"], me["employment_refusal_reason"]) == (REFUSED, "查无此人")
    assert seen_by(client_for(hr), talent) == ([], 404, 404)


def test_the_profile_page_shows_a_refusal_and_its_reason(attacker, acme, hr):
    employment_refuse(
        talent=talent_update(talent=profile(attacker), actor=attacker, employer=acme), actor=hr, reason="已离职"
    )
    client = Client()
    client.force_login(attacker)

    html = client.get("/my/profile/").content.decode()

    assert "企业不予确认" in html and "理由：已离职" in html


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_refusal_needs_a_reason_400_and_changes_nothing(reason, attacker, acme, hr):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)
    before = history(talent)

    with pytest.raises(ValidationFailed) as error:
        employment_refuse(talent=talent, actor=hr, reason=reason)

    assert list(error.value.as_data()) == ["reason"]
    talent.refresh_from_db()
    assert (talent.employment_status, history(talent)) == (CLAIMED, before)
    assert not Notification.objects.filter(kind="talent.employment_refused").exists()


def test_refusing_twice_is_409_and_confirming_after_a_refusal_is_allowed(attacker, acme, hr):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)
    employment_refuse(talent=talent, actor=hr, reason="查无此人")

    with pytest.raises(Conflict):
        employment_refuse(talent=talent, actor=hr, reason="查无此人")
    talent = employment_confirm(talent=talent, actor=hr)

    assert (talent.employment_status, talent.employment_refusal_reason) == (CONFIRMED, "")


def test_hr_may_end_a_confirmed_employment(attacker, acme, hr, client_for):
    talent = employment_confirm(talent=talent_update(talent=profile(attacker), actor=attacker, employer=acme), actor=hr)

    employment_refuse(talent=talent, actor=hr, reason="已于上月离职")

    assert seen_by(client_for(hr), talent) == ([], 404, 404)


def test_another_enterprises_hr_and_a_talent_cannot_refuse(attacker, acme, other_hr):
    talent = talent_update(talent=profile(attacker), actor=attacker, employer=acme)

    with pytest.raises(NotFound):
        employment_refuse(talent=talent, actor=other_hr, reason="不是我们的人")
    with pytest.raises(NotPermitted):
        employment_refuse(talent=talent, actor=attacker, reason="x")

    talent.refresh_from_db()
    assert talent.employment_status == CLAIMED


# --- Existing records (the data migration) ------------------------------------------------------------


@pytest.mark.postgres
def test_existing_employers_are_confirmed_unless_the_talent_wrote_them(make_user, acme):
    # As records were before employment had a status (the constraint comes after the data migration;
    # dropped here inside the test's transaction, before any talent row is written).
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {Talent._meta.db_table} DROP CONSTRAINT talent_employer_has_status")
    migration = importlib.import_module("apps.talents.migrations.0007_employment_status_of_existing_employers")
    user = make_user(roles.TALENT)
    self_declared = talent_create(user=user, actor=user, name="自填者", id_number=resident_id(804), employer=acme)
    imported = talent_create(name="导入者", id_number=resident_id(803), employer=acme, source="import")
    no_history = TalentFactory(employer=acme)
    TalentProfileChange.objects.filter(talent=no_history).delete()
    Talent.objects.filter(pk__in=[self_declared.pk, imported.pk, no_history.pk]).update(
        employment_status="", employment_claimed_at=None, employment_confirmed_at=None, employment_confirmed_by=None
    )

    migration.set_statuses(django_apps, None)
    migration.set_statuses(django_apps, None)  # again: nothing more changes

    statuses = dict(Talent.objects.filter(employer=acme).values_list("pk", "employment_status"))
    assert statuses == {self_declared.pk: CLAIMED, imported.pk: CONFIRMED, no_history.pk: CONFIRMED}
    assert Talent.objects.get(pk=self_declared.pk).employment_claimed_at == (
        TalentProfileChange.objects.filter(talent=self_declared, changes__has_key="employer").latest("id").at
    )
