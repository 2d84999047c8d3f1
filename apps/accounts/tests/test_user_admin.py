"""The user admin: phones validated, unique and masked for staff who may not see them."""

import pytest
from django.contrib.auth import get_user_model

from apps.accounts import roles
from apps.core.crypto import pii_hash

pytestmark = pytest.mark.django_db
User = get_user_model()


def change_url(user):
    return f"/admin/accounts/user/{user.pk}/change/"


def form_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email or "",
        "phone": user.phone,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "10:00:00",
    }
    data.update(overrides)
    return data


@pytest.fixture
def superuser(make_user):
    return make_user(roles.DISTRICT_ADMIN, is_superuser=True)


def test_a_bad_phone_is_a_field_error_and_changes_nothing(client, superuser, make_user):
    target = make_user(roles.TALENT, phone="13800001234")
    client.force_login(superuser)
    response = client.post(change_url(target), form_data(target, phone="abc"))
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.phone == "13800001234"


def test_a_phone_another_account_has_is_refused(client, superuser, make_user):
    make_user(roles.TALENT, phone="13800005678")
    target = make_user(roles.TALENT, phone="13800001234")
    client.force_login(superuser)
    response = client.post(change_url(target), form_data(target, phone="138 0000 5678"))
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.phone_hash == pii_hash("13800001234")


def test_a_new_phone_is_normalised_and_hashed(client, superuser, make_user):
    target = make_user(roles.TALENT, phone="13800001234")
    client.force_login(superuser)
    response = client.post(change_url(target), form_data(target, phone="+86 139-0000-4321"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.phone == "13900004321"
    assert target.phone_hash == pii_hash("13900004321")


def test_staff_without_the_right_see_the_phone_masked(client, make_user):
    target = make_user(roles.TALENT, phone="13800001234")
    viewer = make_user(roles.FINANCE)
    # finance may look at accounts but holds no view_personal_data
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)
    html = client.get(change_url(target)).content.decode()
    assert "13800001234" not in html
    assert "138****1234" in html
