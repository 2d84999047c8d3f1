"""Roles are groups created by a data migration; the demo data gives one account per role."""

import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from apps.accounts import roles
from apps.accounts.demo import DEMO_ACCOUNTS
from apps.accounts.services import user_create
from apps.core.exceptions import ValidationFailed

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_the_migration_created_the_seven_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "talent",
        "enterprise_hr",
        "intake_clerk",
        "reviewer",
        "approver",
        "finance",
        "district_admin",
    }
    assert len(roles.ALL_ROLES) == 7
    assert Group.objects.filter(name__in=roles.ALL_ROLES).count() == 7


def group_perms(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.parametrize(
    ("role", "view", "export"),
    [
        (roles.TALENT, False, False),
        (roles.ENTERPRISE_HR, False, False),
        (roles.INTAKE_CLERK, True, False),
        (roles.REVIEWER, True, False),
        (roles.APPROVER, True, False),
        (roles.FINANCE, False, False),
        (roles.DISTRICT_ADMIN, True, True),
    ],
)
def test_personal_data_permissions_by_role(role, view, export, make_user):
    perms = group_perms(role)
    assert ("accounts.view_personal_data" in perms) is view
    assert ("accounts.export_personal_data" in perms) is export
    # and a user holding only that role gets exactly that
    user = make_user(role)
    assert user.has_perm("accounts.view_personal_data") is view
    assert user.has_perm("accounts.export_personal_data") is export


def test_district_admin_manages_the_calendar():
    assert group_perms(roles.DISTRICT_ADMIN) >= {
        "core.view_calendarday",
        "core.add_calendarday",
        "core.change_calendarday",
        "core.delete_calendarday",
    }


@pytest.mark.parametrize(
    ("role_names", "is_staff"),
    [
        ([roles.TALENT], False),
        ([roles.ENTERPRISE_HR], False),
        ([roles.INTAKE_CLERK], True),
        ([roles.FINANCE], True),
        ([roles.TALENT, roles.REVIEWER], True),
    ],
)
def test_staff_roles_make_staff_accounts(role_names, is_staff, make_user):
    user = make_user(*role_names)
    assert user.is_staff is is_staff
    assert user.is_superuser is False
    assert user.role_names == frozenset(role_names)
    assert user.is_district_staff is is_staff


def test_unknown_role_is_refused_and_nothing_written():
    with pytest.raises(ValidationFailed) as excinfo:
        user_create(username="x1", password="Haizhu#2026x", email="x1@example.cn", role_names=["king"])
    assert excinfo.value.as_data() == {"roles": ["unknown role: king"]}
    assert User.objects.filter(username="x1").exists() is False


def test_me_lists_roles(make_user, client_for):
    user = make_user(roles.REVIEWER, roles.APPROVER, phone="13712345678")
    response = client_for(user).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "phone_masked": "137****5678",
        "roles": [roles.APPROVER, roles.REVIEWER],
        "is_staff": True,
        "enterprise": None,
    }


def test_superuser_is_district_admin(make_user, client_for):
    user = make_user(roles.TALENT, is_superuser=True)
    assert user.role_names == frozenset({roles.TALENT, roles.DISTRICT_ADMIN})
    assert client_for(user).get("/api/v1/me/").json()["roles"] == [roles.DISTRICT_ADMIN, roles.TALENT]


# --- seed_demo -------------------------------------------------------------------------------

EXPECTED_DEMO_ROLES = {
    "talent_demo": [roles.TALENT],
    "hr_demo": [roles.ENTERPRISE_HR],
    "hr_demo2": [roles.ENTERPRISE_HR],
    "clerk_demo": [roles.INTAKE_CLERK],
    "reviewer_demo": [roles.REVIEWER],
    "approver_demo": [roles.APPROVER],
    "finance_demo": [roles.FINANCE],
    "admin_demo": sorted(roles.STAFF_ROLES),
}


def test_seed_demo_is_idempotent_and_every_account_logs_in(api_client):
    # given the demo data loaded once
    call_command("seed_demo", stdout=io.StringIO())
    users_after_first = User.objects.count()
    groups_after_first = Group.objects.count()
    assert set(User.objects.values_list("username", flat=True)) >= set(EXPECTED_DEMO_ROLES)
    assert [a[0] for a in DEMO_ACCOUNTS] == list(EXPECTED_DEMO_ROLES)

    # when it runs again
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    # then nothing more was created
    assert User.objects.count() == users_after_first
    assert Group.objects.count() == groups_after_first
    assert "seed_demo: done" in out.getvalue()
    # and every demo account logs in with DEMO_PASSWORD and holds its role
    for username, expected_roles in EXPECTED_DEMO_ROLES.items():
        response = api_client.post(
            "/api/v1/auth/token/", {"username": username, "password": settings.DEMO_PASSWORD}, format="json"
        )
        assert response.status_code == 200, username
        user = User.objects.get(username=username)
        assert set(response.json()) == {"token", "expiry"}
        me = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        assert me.json()["roles"] == expected_roles, username
        assert user.is_staff is bool(set(expected_roles) & roles.STAFF_ROLES), username


def test_admin_demo_is_superuser_and_staff():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    admin = User.objects.get(username="admin_demo")
    assert admin.is_superuser is True
    assert admin.is_staff is True
    assert admin.has_perm("accounts.export_personal_data") is True


def test_seed_demo_restores_a_changed_demo_account():
    # given a demo account whose password and roles were changed
    call_command("seed_demo", stdout=io.StringIO())
    talent = User.objects.get(username="talent_demo")
    talent.set_password("Something#Else1")
    talent.is_active = False
    talent.save()
    talent.groups.set(Group.objects.filter(name=roles.APPROVER))
    # when seed_demo runs again
    call_command("seed_demo", stdout=io.StringIO())
    # then it is back to its role and the demo password
    talent = User.objects.get(username="talent_demo")
    assert talent.check_password(settings.DEMO_PASSWORD)
    assert talent.is_active is True
    assert talent.role_names == frozenset({roles.TALENT})
    assert talent.is_staff is False
    assert talent.phone == "13800138000"
