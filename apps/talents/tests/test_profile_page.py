"""A talent's own profile page (``/my/profile/``): numbers on record are never shown in full, the first
save makes the profile, self-declared categories wait for verification, and ``next`` brings the
talent back to where they were going (on this site only)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.accounts import roles
from apps.talents.models import Talent, TalentCategoryHolding, TalentProfileChange
from apps.talents.services import talent_create
from apps.talents.tests.factories import resident_id
from tests.html import elements, invalid_inputs, summary_links

pytestmark = pytest.mark.django_db

URL = "/my/profile/"
ACCOUNT_PHONE = "13822225678"


def hint(html: str, field: str) -> str:
    match = re.search(rf'<p class="hint" id="id_{field}-hint">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def account(make_user):
    """A talent account registered with a phone, no profile yet."""
    return make_user(roles.TALENT, username="zhouyu", phone=ACCOUNT_PHONE)


@pytest.fixture
def client(account) -> Client:
    return logged_in(account)


@pytest.fixture
def id_number() -> str:
    return resident_id(501)


@pytest.fixture
def profile(account, id_number) -> Talent:
    return talent_create(user=account, actor=account, name="周宇", id_number=id_number, phone="13966667777")


# --- who may open it ---------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in():
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/profile/"


@pytest.mark.parametrize("role", [roles.ENTERPRISE_HR, roles.INTAKE_CLERK, roles.DISTRICT_ADMIN])
def test_hr_and_staff_get_403_and_save_nothing(make_user, role, id_number):
    client = logged_in(make_user(role))

    assert client.get(URL).status_code == 403
    posted = client.post(URL, {"name": "冒名", "id_number": id_number})

    assert posted.status_code == 403
    assert "无权访问" in posted.content.decode()
    assert Talent.objects.count() == 0


# --- showing what is on record -------------------------------------------------------------------


def test_a_new_profile_asks_for_the_id_and_offers_the_registered_phone(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    found = elements(html)
    assert found["id_id_number"][1].get("value") is None
    assert found["id_phone"][1].get("value") is None
    assert "required" in found["id_id_number"][1]
    assert hint(html, "phone") == "留空则使用注册时的手机号码 138****5678。"
    assert ACCOUNT_PHONE not in html


def test_saved_numbers_are_shown_masked_in_hints_and_never_in_full(client, profile, id_number):
    # Given a profile with an ID and a phone on record
    # When the talent opens the page
    response = client.get(URL)

    # Then the inputs are empty, the hints show masked numbers, and the full numbers are nowhere
    assert response.status_code == 200
    html = response.content.decode()
    found = elements(html)
    assert found["id_id_number"][1].get("value") is None
    assert found["id_phone"][1].get("value") is None
    assert "required" not in found["id_id_number"][1]
    assert hint(html, "id_number") == f"已登记：{id_number[:4]}**********{id_number[-4:]}。无需更改请留空。"
    assert hint(html, "phone") == "已登记：139****7777。无需更改请留空。"
    assert id_number not in html
    assert "13966667777" not in html
    assert ACCOUNT_PHONE not in html
    assert found["id_name"][1]["value"] == "周宇"


# --- saving --------------------------------------------------------------------------------------


def test_the_first_save_with_a_valid_id_creates_the_profile_with_the_registered_phone(account, client, id_number):
    # When the talent saves their name and resident ID, leaving the phone empty
    response = client.post(URL, {"name": " 周宇 ", "id_number": id_number, "phone": "", "education": "master"})

    # Then their profile exists with that ID and the phone they registered with
    assert response.status_code == 302
    assert response["Location"] == URL
    talent = Talent.objects.get()
    assert talent.user_id == account.pk
    assert talent.name == "周宇"
    assert talent.id_number == id_number
    assert talent.birth_date.isoformat() == f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
    assert talent.phone == ACCOUNT_PHONE
    assert talent.education == Talent.Education.MASTER
    page = client.get(URL).content.decode()
    assert "已保存。如该身份证号码已有人才档案" in page
    assert id_number not in page and ACCOUNT_PHONE not in page


def test_a_phone_given_on_the_first_save_is_kept(client, id_number):
    response = client.post(URL, {"name": "周宇", "id_number": id_number, "phone": "13512345678"})

    assert response.status_code == 302
    assert Talent.objects.get().phone == "13512345678"


def test_the_first_save_of_an_account_without_a_phone_keeps_no_phone(make_user, id_number):
    client = logged_in(make_user(roles.TALENT, phone=""))

    response = client.post(URL, {"name": "周宇", "id_number": id_number})

    assert response.status_code == 302
    assert Talent.objects.get().phone == ""


def test_the_first_save_needs_an_id(client):
    response = client.post(URL, {"name": "周宇", "id_number": ""})

    assert response.status_code == 400
    assert invalid_inputs(response.content.decode()) == {"id_id_number"}
    assert Talent.objects.count() == 0


def test_leaving_the_numbers_empty_keeps_those_on_record(client, profile, id_number):
    response = client.post(URL, {"name": "周宇", "id_number": "", "phone": "", "degree": "硕士"})

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.id_number, profile.phone, profile.degree) == (id_number, "13966667777", "硕士")


def test_changing_the_phone_of_an_existing_profile(client, profile):
    client.post(URL, {"name": "周宇", "phone": "13700001234"})

    profile.refresh_from_db()
    assert profile.phone == "13700001234"


@pytest.mark.parametrize(
    "bad_id",
    ["440106199001011230", "12345", "44010619901301123X", "abcdefghijklmnopqr"],
    ids=["bad-check-digit", "too-short", "bad-date", "letters"],
)
def test_an_invalid_id_is_refused_beside_the_field_and_nothing_is_saved(client, bad_id):
    response = client.post(URL, {"name": "周宇", "id_number": bad_id})

    assert response.status_code == 400
    html = response.content.decode()
    assert invalid_inputs(html) == {"id_id_number"}
    assert summary_links(html) == ["id_id_number"]
    assert re.search(r'<p class="error-message" id="id_id_number-error-1">', html)
    assert Talent.objects.count() == 0
    assert TalentProfileChange.objects.count() == 0


def test_an_invalid_id_on_an_existing_profile_changes_nothing(client, profile, id_number):
    before = Talent.objects.values().get(pk=profile.pk)

    response = client.post(URL, {"name": "改名", "id_number": "440106199001011230"})

    assert response.status_code == 400
    assert Talent.objects.values().get(pk=profile.pk) == before


def test_an_id_held_by_another_account_changes_nothing_of_theirs_and_is_not_told(make_user, client, id_number):
    # Given another account's profile holds that ID
    other = make_user(roles.TALENT)
    talent_create(user=other, actor=other, name="别人", id_number=id_number)

    # When this talent saves it as theirs
    response = client.post(URL, {"name": "周宇", "id_number": id_number})

    # Then the page answers as for any number (tests/test_no_enumeration.py); their profile is saved
    # without the number, and the other account's record is untouched
    assert response.status_code == 302
    assert "已保存。如该身份证号码已有人才档案" in client.get(URL).content.decode()
    assert Talent.objects.get(user=other).id_number == id_number
    assert Talent.objects.exclude(user=other).get().id_number == ""


def test_an_id_on_an_imported_record_opens_a_claim(client, id_number, sms_outbox, django_capture_on_commit_callbacks):
    talent_create(name="导入档案", id_number=id_number, phone="13912340909")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"name": "周宇", "id_number": id_number})

    assert response.status_code == 302
    page = client.get(URL).content.decode()
    assert 'name="form" value="claim"' in page
    assert "0909" not in page
    assert Talent.objects.get(name="导入档案").user_id is None
    assert [m.to for m in sms_outbox] == ["13912340909"]


def test_an_invalid_phone_is_refused_beside_the_field(client, id_number):
    response = client.post(URL, {"name": "周宇", "id_number": id_number, "phone": "12345"})

    assert response.status_code == 400
    assert invalid_inputs(response.content.decode()) == {"id_phone"}
    assert Talent.objects.count() == 0


def test_self_declared_categories_are_saved_unverified_and_shown_as_pending(client, profile):
    # When the talent declares two categories
    response = client.post(URL, {"name": "周宇", "categories": ["postdoc", "shortage"]})

    # Then both are held, unverified, and the page shows them as 待核实
    assert response.status_code == 302
    holdings = TalentCategoryHolding.objects.filter(talent=profile).order_by("category__code")
    assert [(h.category.code, h.verified) for h in holdings] == [("postdoc", False), ("shortage", False)]
    html = client.get(URL).content.decode()
    assert re.search(r"博士后.*?<span class=\"tag tag--action\">待核实</span>", html, re.S)
    assert re.search(r"紧缺人才.*?<span class=\"tag tag--action\">待核实</span>", html, re.S)
    assert html.count('<span class="tag tag--action">待核实</span>') == 2
    assert "已核实" not in html


def test_an_unknown_category_is_refused_and_nothing_changes(client, profile):
    before = Talent.objects.values().get(pk=profile.pk)

    response = client.post(URL, {"name": "改名", "categories": ["no_such_category"]})

    assert response.status_code == 400
    assert Talent.objects.values().get(pk=profile.pk) == before
    assert TalentCategoryHolding.objects.count() == 0


# --- next ----------------------------------------------------------------------------------------


def test_a_safe_next_brings_the_talent_back_after_saving(client, id_number):
    response = client.post(f"{URL}?next=/my/applications/new/?service=hukou", {"name": "周宇", "id_number": id_number})

    assert response.status_code == 302
    assert response["Location"] == "/my/applications/new/?service=hukou"


def test_next_in_the_form_is_followed_too(client, id_number):
    response = client.post(URL, {"name": "周宇", "id_number": id_number, "next": "/my/"})

    assert response.status_code == 302
    assert response["Location"] == "/my/"


@pytest.mark.parametrize(
    "next_page", ["https://evil.example/", "//evil.example/", "https://evil.example/my/", "javascript:alert(1)"]
)
def test_an_external_next_is_ignored(client, id_number, next_page):
    response = client.post(URL, {"name": "周宇", "id_number": id_number, "next": next_page})

    assert response.status_code == 302
    assert response["Location"] == URL
    assert Talent.objects.count() == 1


def test_next_is_not_followed_when_the_save_is_refused(client):
    response = client.post(f"{URL}?next=/my/", {"name": "周宇", "id_number": "12345"})

    assert response.status_code == 400
    assert '<input type="hidden" name="next" value="/my/">' in response.content.decode()
