"""Only verified categories count for the green card (issue 8).

The attack: a talent who declared ``academician`` on their own profile (stored unverified) passed
the pre-check with no issue and was issued an A card for 5 years. Now a declared category makes no
one eligible, gives no A card and raises no queue priority; the pre-check names the categories
waiting for verification, and once staff verify one it counts.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import ric

from apps.accounts import roles
from apps.core.exceptions import Conflict
from apps.residency.models import GreenCard
from apps.talents.models import Talent, TalentCategoryHolding
from apps.talents.services import holding_set, talent_create
from apps.workflow import services
from apps.workflow.models import Application, ApplicationEvent
from apps.workflow.selectors import staff_queue
from apps.workflow.tests.factories import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

_ids = itertools.count(300)
UNVERIFIED_ACADEMICIAN = "类别『两院院士』尚未核验，核验前不计入资格"


def resident_id() -> str:
    first17 = f"44010619800202{next(_ids):03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(roles.INTAKE_CLERK),
        "reviewer": make_user(roles.REVIEWER),
        "approver": make_user(roles.APPROVER),
        "admin": make_user(roles.DISTRICT_ADMIN),
    }


@pytest.fixture
def make_talent(make_user, staff):
    """``make_talent(verified=[...], declared=[...])``: a talent with an account, holding the
    ``verified`` categories as staff verified them and the ``declared`` ones as self-declared."""

    def _make(*, verified: tuple[str, ...] = (), declared: tuple[str, ...] = ()) -> Talent:
        user = make_user(roles.TALENT)
        talent = talent_create(user=user, actor=user, name="王院士", id_number=resident_id(), phone="")
        for code in declared:
            holding_set(talent=talent, category_code=code, year=2018, actor=user, source="api")
        for code in verified:
            holding_set(talent=talent, category_code=code, year=2018, verified=True, actor=staff["admin"])
        return talent

    return _make


def apply(talent: Talent, service: str = "green_card") -> Application:
    """The talent's own application with every required material, submitted and pre-checked."""
    user = talent.user
    app = services.application_create(user=user, service_code=service)
    for material in app.service.materials.filter(required=True):
        png = "pdf" not in material.accepted_types
        upload = SimpleUploadedFile(f"{material.code}.{'png' if png else 'pdf'}", png_bytes() if png else pdf_bytes())
        services.attachment_upload(application_id=app.pk, user=user, material_code=material.code, upload=upload)
    services.application_act(application_id=app.pk, action="submit", actor=user)
    services.application_precheck(application_id=app.pk)
    return Application.objects.get(pk=app.pk)


def drive(app: Application, staff, *actions: str) -> Application:
    who = {"accept": "clerk", "recommend": "reviewer", "approve": "approver", "fulfil": "clerk"}
    for action in actions:
        services.application_act(application_id=app.pk, action=action, actor=staff[who[action]])
    return Application.objects.get(pk=app.pk)


def issues(report: dict) -> dict[str, dict]:
    return {issue["code"]: issue for issue in report["issues"]}


def test_the_attack_a_self_declared_academician_is_not_eligible_and_gets_no_card(make_user, staff, client_for):
    # given a talent who declares academician on their own profile, through the API as an attacker would
    user = make_user(roles.TALENT)
    talent = talent_create(user=user, actor=user, name="冒名院士", id_number=resident_id(), phone="")
    response = client_for(user).patch("/api/v1/talents/me/", {"categories": ["academician"]}, format="json")
    assert response.status_code == 200, response.json()
    assert TalentCategoryHolding.objects.get(talent=talent).verified is False

    # when they apply for a green card
    app = apply(talent)

    # then the pre-check says they are not eligible and names the category waiting for verification,
    # to the applicant and to staff alike
    for reader in (user, staff["clerk"]):
        report = client_for(reader).get(f"/api/v1/applications/{app.pk}/").json()["precheck_report"]
        found = issues(report)
        assert report["ok"] is False
        assert found["not_eligible"]["message"] == "人才类别不在本事项申请范围"
        assert found["categories_unverified"] == {
            "code": "categories_unverified",
            "unverified_categories": ["academician"],
            "message": UNVERIFIED_ACADEMICIAN,
        }

    # and the approval's re-check refuses it (409), changing nothing
    app = drive(app, staff, "accept", "recommend")
    events = ApplicationEvent.objects.filter(application=app).count()
    response = client_for(staff["approver"]).post(f"/api/v1/applications/{app.pk}/actions/approve/", {}, format="json")
    assert response.status_code == 409
    assert "两院院士" in response.json()["detail"] and "尚未核验" in response.json()["detail"]
    app.refresh_from_db()
    assert (app.status, app.decided_at) == ("pending_approval", None)
    assert ApplicationEvent.objects.filter(application=app).count() == events
    assert not GreenCard.objects.filter(talent=talent).exists()
    talent.refresh_from_db()
    assert talent.is_green_card_holder is False


def test_a_verified_shortage_talent_who_declares_academician_gets_a_b_card(make_talent, staff):
    talent = make_talent(verified=("shortage",), declared=("academician",))

    app = apply(talent)

    # eligible on the verified category; the academician would give an A card, so it is named
    found = issues(app.precheck_report)
    assert "not_eligible" not in found
    assert found["categories_unverified"]["unverified_categories"] == ["academician"]
    app = drive(app, staff, "accept", "recommend", "approve", "fulfil")
    card = GreenCard.objects.get(application=app)
    today = timezone.localdate()
    assert (card.card_class, card.expires_on) == ("B", years_later(today, 1))
    assert app.result["card_class"] == "B"


def test_once_staff_verify_the_academician_the_card_is_a(make_talent, staff, client):
    # given the self-declared academician's application under review
    talent = make_talent(declared=("academician",))
    app = drive(apply(talent), staff, "accept")
    holding = TalentCategoryHolding.objects.get(talent=talent)

    # when the reviewer verifies the category on the staff application page
    client.force_login(staff["reviewer"])
    response = client.post(f"/admin/workflow/application/{app.pk}/categories/{holding.pk}/verify/", {"verified": "1"})
    assert response.status_code == 302

    # then it counts: approval passes and the card is an A card for 5 years
    app = drive(app, staff, "recommend", "approve", "fulfil")
    card = GreenCard.objects.get(application=app)
    today = timezone.localdate()
    assert (card.card_class, card.issued_on, card.expires_on) == ("A", today, years_later(today, 5))
    holding.refresh_from_db()
    assert (holding.verified, holding.verified_by) == (True, staff["reviewer"])


def test_a_category_unverified_after_approval_issues_no_card(make_talent, staff):
    # given an application approved on a verified academician
    talent = make_talent(verified=("academician",))
    app = drive(apply(talent), staff, "accept", "recommend", "approve")
    holding = TalentCategoryHolding.objects.get(talent=talent)

    # when staff take the verification back before the card is issued
    services.application_category_verify(
        application_id=app.pk, holding_id=holding.pk, verified=False, actor=staff["reviewer"]
    )

    # then no card is issued on it (409) and nothing changes
    with pytest.raises(Conflict):
        services.application_act(application_id=app.pk, action="fulfil", actor=staff["clerk"])
    app.refresh_from_db()
    assert app.status == "approved" and app.completed_at is None
    assert not GreenCard.objects.filter(talent=talent).exists()
    talent.refresh_from_db()
    assert talent.is_green_card_holder is False


def test_declared_categories_never_raise_queue_priority(make_talent, staff):
    # given a talent who declares every high-level category and holds no card
    talent = make_talent(declared=("academician", "thousand_talents", "ten_thousand_talents"))
    ordinary = make_talent()

    # when both apply for household registration, the declarer second
    first = apply(ordinary, "hukou")
    second = apply(talent, "hukou")

    # then neither goes first: the declared categories count for nothing, and the queue stays in order
    assert (first.priority, second.priority) == (0, 0)

    queue = [a.pk for a in staff_queue(staff["clerk"]) if a.pk in (first.pk, second.pk)]
    assert queue == [first.pk, second.pk]
    # and a green card refused for lack of a verified category leaves it so
    card_app = drive(apply(talent), staff, "accept", "recommend")
    with pytest.raises(Conflict):
        services.application_act(application_id=card_app.pk, action="approve", actor=staff["approver"])
    assert Application.objects.get(pk=second.pk).priority == 0
