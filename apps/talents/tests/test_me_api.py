"""``/api/v1/talents/me/``: a talent's own profile."""

from __future__ import annotations

import json

import pytest
import yaml

from apps.accounts import roles
from apps.core import crypto
from apps.enterprises.tests.factories import EnterpriseFactory
from apps.talents.models import ProfileClaim, Talent, TalentCategoryHolding, TalentProfileChange
from apps.talents.tests.factories import TalentFactory, resident_id

pytestmark = pytest.mark.django_db

URL = "/api/v1/talents/me/"
ID = resident_id(1, region="440105")  # 440105 + birth date + 001 + check
PHONE = "13912345678"


@pytest.fixture
def talent_user(make_user):
    return make_user(roles.TALENT)


@pytest.fixture
def talent_client(client_for, talent_user):
    return client_for(talent_user)


def test_get_without_a_profile_is_404(talent_client):
    response = talent_client.get(URL)

    assert response.status_code == 404
    assert "detail" in response.json()


def test_put_creates_the_profile_with_masked_identifiers_and_history(talent_client, talent_user):
    employer = EnterpriseFactory()

    response = talent_client.put(
        URL,
        {
            "name": "李华",
            "id_number": ID,
            "phone": "+86 139-1234-5678",
            "email": "lihua@example.cn",
            "education": "doctorate",
            "degree": "博士",
            "field": "人工智能",
            "employer": employer.pk,
            "categories": ["academician", {"code": "postdoc", "year": 2016, "issuing_body": "全国博管会"}],
        },
        format="json",
    )

    # a resident ID entered: 202 (the same answer whatever is on record for it: test_no_enumeration)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["name"] == "李华"
    assert body["id_number_masked"] == ID[:4] + "**********" + ID[-4:]
    assert body["phone_masked"] == "139****5678"
    assert "id_number" not in body and "phone" not in body
    assert ID not in json.dumps(body) and PHONE not in json.dumps(body)
    assert body["employer"] == employer.pk
    assert body["is_green_card_holder"] is False
    assert body["categories"] == [
        {
            "code": "academician",
            "name": "两院院士",
            "year": None,
            "issuing_body": "",
            "verified": False,
            "has_evidence": False,
            "evidence_url": None,
        },
        {
            "code": "postdoc",
            "name": "博士后",
            "year": 2016,
            "issuing_body": "全国博管会",
            "verified": False,
            "has_evidence": False,
            "evidence_url": None,
        },
    ]
    talent = Talent.objects.get(user=talent_user)
    assert talent.id_number == ID
    assert talent.id_number_hash == crypto.pii_hash(ID)
    assert talent.phone == PHONE
    assert talent.birth_date.isoformat() == f"{ID[6:10]}-{ID[10:12]}-{ID[12:14]}"
    # The history keeps every change, identifiers masked only.
    history = list(TalentProfileChange.objects.filter(talent=talent).order_by("id"))
    assert history[0].changes["id_number"] == [None, ID[:4] + "**********" + ID[-4:]]
    assert history[0].changes["phone"] == [None, "139****5678"]
    assert {key for h in history for key in h.changes} >= {"category:academician", "category:postdoc"}
    assert all(ID not in json.dumps(h.changes) and PHONE not in json.dumps(h.changes) for h in history)
    assert all(h.actor_id == talent_user.pk for h in history)


def test_patch_changes_only_what_is_sent_and_records_it(talent_client, talent_user):
    talent_client.put(URL, {"name": "李华", "id_number": ID, "email": "a@example.cn"}, format="json")
    before = TalentProfileChange.objects.count()

    response = talent_client.patch(URL, {"email": "b@example.cn"}, format="json")

    assert response.status_code == 200
    talent = Talent.objects.get(user=talent_user)
    assert (talent.name, talent.email, talent.id_number) == ("李华", "b@example.cn", ID)
    change = TalentProfileChange.objects.latest("id")
    assert TalentProfileChange.objects.count() == before + 1
    assert change.changes == {"email": ["a@example.cn", "b@example.cn"]}


def test_put_replaces_but_keeps_the_write_only_identifiers_and_the_categories(talent_client, talent_user):
    talent_client.put(
        URL,
        {"name": "李华", "id_number": ID, "phone": PHONE, "degree": "博士", "categories": ["postdoc"]},
        format="json",
    )

    response = talent_client.put(URL, {"name": "李华"}, format="json")

    assert response.status_code == 200
    talent = Talent.objects.get(user=talent_user)
    assert (talent.id_number, talent.phone, talent.degree) == (ID, PHONE, "")
    assert [c["code"] for c in response.json()["categories"]] == ["postdoc"]


def test_put_without_categories_keeps_staff_verified_holdings(talent_client, talent_user, make_user):
    # given a profile whose categories staff have verified
    talent_client.put(
        URL, {"name": "李华", "categories": [{"code": "postdoc", "year": 2016}, "academician"]}, format="json"
    )
    staff = make_user(roles.REVIEWER)
    TalentCategoryHolding.objects.update(verified=True, verified_by=staff)
    history_before = list(TalentProfileChange.objects.values_list("id", flat=True))

    # when the talent PUTs the profile fields without a categories key
    response = talent_client.put(URL, {"name": "李华", "degree": "博士"}, format="json")

    # then the holdings are untouched, verification included, and no category change is recorded
    assert response.status_code == 200
    assert [(c["code"], c["year"], c["verified"]) for c in response.json()["categories"]] == [
        ("academician", None, True),
        ("postdoc", 2016, True),
    ]
    assert sorted(TalentCategoryHolding.objects.values_list("category__code", "verified", "verified_by")) == [
        ("academician", True, staff.pk),
        ("postdoc", True, staff.pk),
    ]
    new_history = TalentProfileChange.objects.exclude(id__in=history_before)
    assert [h.changes for h in new_history] == [{"degree": ["", "博士"]}]


def test_put_with_an_empty_category_list_removes_them_all(talent_client, talent_user):
    talent_client.put(URL, {"name": "李华", "categories": ["postdoc"]}, format="json")

    response = talent_client.put(URL, {"name": "李华", "categories": []}, format="json")

    assert response.status_code == 200
    assert response.json()["categories"] == []
    assert TalentCategoryHolding.objects.count() == 0
    assert TalentProfileChange.objects.latest("id").changes == {"category:postdoc": ["held", None]}


def test_the_schema_says_an_omitted_categories_list_is_kept(api_client):
    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)

    help_text = schema["components"]["schemas"]["TalentMeInput"]["properties"]["categories"]["description"]
    assert "Left out of the request — on PUT as on PATCH — the categories held stay as they are" in help_text


def test_bad_resident_id_is_400_naming_the_field_and_changes_nothing(talent_client, talent_user):
    talent_client.put(URL, {"name": "李华"}, format="json")
    wrong_check = ID[:17] + ("0" if ID[17] != "0" else "1")

    for bad in (wrong_check, "44010519900101123", "4401051990013212345", "abc"):
        response = talent_client.patch(URL, {"name": "王五", "id_number": bad}, format="json")

        assert response.status_code == 400, bad
        assert list(response.json()) == ["id_number"]
    talent = Talent.objects.get(user=talent_user)
    assert (talent.name, talent.id_number, talent.id_number_hash) == ("李华", "", None)


def test_resident_id_held_by_another_account_is_not_taken(talent_client, talent_user, make_user):
    owner = make_user(roles.TALENT)
    theirs = TalentFactory(user=owner)

    response = talent_client.put(URL, {"name": "冒名", "id_number": theirs.id_number}, format="json")

    assert response.status_code == 202
    theirs.refresh_from_db()
    assert theirs.user_id == owner.pk
    assert Talent.objects.get(user=talent_user).id_number == ""


def test_resident_id_of_an_unclaimed_imported_record_opens_a_claim(talent_client, talent_user):
    imported = TalentFactory()

    response = talent_client.put(
        URL, {"name": "李华", "id_number": imported.id_number}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 202
    assert set(response.json()) >= {"detail", "id_number_masked"}
    imported.refresh_from_db()
    assert imported.user_id is None
    assert ProfileClaim.objects.get().talent_id == imported.pk
    assert Talent.objects.get(user=talent_user).id_number == ""


def test_unknown_category_rolls_back_the_whole_request(talent_client, talent_user):
    talent_client.put(URL, {"name": "李华", "categories": ["postdoc"]}, format="json")

    response = talent_client.patch(URL, {"name": "王五", "categories": ["postdoc", "nobel_laureate"]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"categories": ["unknown category: nobel_laureate"]}
    talent = Talent.objects.get(user=talent_user)
    assert talent.name == "李华"
    assert list(talent.holdings.values_list("category__code", flat=True)) == ["postdoc"]


def test_category_objects_are_validated(talent_client):
    response = talent_client.put(URL, {"name": "李华", "categories": [{"year": 2016}, 42]}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["categories"]


def test_bare_code_keeps_a_verified_holding_verified(talent_client, talent_user):
    talent_client.put(URL, {"name": "李华", "categories": [{"code": "postdoc", "year": 2016}]}, format="json")
    TalentCategoryHolding.objects.update(verified=True)

    history_before = TalentProfileChange.objects.count()
    kept = talent_client.patch(URL, {"categories": ["postdoc"]}, format="json")

    assert kept.json()["categories"] == [
        {
            "code": "postdoc",
            "name": "博士后",
            "year": 2016,
            "issuing_body": "",
            "verified": True,
            "has_evidence": False,
            "evidence_url": None,
        }
    ]
    assert TalentProfileChange.objects.count() == history_before

    changed = talent_client.patch(URL, {"categories": [{"code": "postdoc", "year": 2017}]}, format="json")

    assert changed.json()["categories"][0]["year"] == 2017
    assert changed.json()["categories"][0]["verified"] is False


def test_a_talent_cannot_declare_a_green_card(talent_client, talent_user):
    response = talent_client.put(URL, {"name": "李华", "is_green_card_holder": True}, format="json")

    assert response.status_code == 201
    assert response.json()["is_green_card_holder"] is False
    assert Talent.objects.get(user=talent_user).is_green_card_holder is False


def test_unknown_employer_is_400(talent_client, talent_user):
    response = talent_client.put(URL, {"name": "李华", "employer": 999999}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["employer"]
    assert not Talent.objects.filter(user=talent_user).exists()


def test_patch_without_a_profile_needs_a_name(talent_client, talent_user):
    response = talent_client.patch(URL, {"email": "a@example.cn"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not Talent.objects.filter(user=talent_user).exists()


@pytest.mark.parametrize("role", [roles.ENTERPRISE_HR, roles.INTAKE_CLERK, roles.DISTRICT_ADMIN])
def test_only_talent_accounts_use_it(client_for, make_user, role):
    client = client_for(make_user(role))

    responses = [
        client.get(URL),
        client.put(URL, {"name": "李华"}, format="json"),
        client.patch(URL, {"name": "李华"}, format="json"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert Talent.objects.count() == 0


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.put(URL, {"name": "李华"}, format="json").status_code == 401
    assert Talent.objects.count() == 0
