"""Migration 0003: model permissions of the staff roles."""

from __future__ import annotations

import pytest

from apps.accounts import roles

pytestmark = pytest.mark.django_db


def test_district_admin_manages_talents_and_enterprises(make_user):
    admin = make_user(roles.DISTRICT_ADMIN)

    for perm in (
        "talents.change_talent",
        "talents.delete_talentcategoryholding",
        "talents.import_talent",
        "enterprises.add_enterprise",
        "enterprises.change_keyenterpriselisting",
        "enterprises.view_quotamovement",
    ):
        assert admin.has_perm(perm), perm
    # Append-only ledgers are never edited, not even by an admin.
    assert not admin.has_perm("talents.change_talentprofilechange")
    assert not admin.has_perm("enterprises.delete_quotamovement")


@pytest.mark.parametrize("role", [roles.INTAKE_CLERK, roles.REVIEWER, roles.APPROVER])
def test_case_workers_may_look_up_but_not_edit(make_user, role):
    user = make_user(role)

    assert user.has_perm("talents.view_talent")
    assert user.has_perm("enterprises.view_quota")
    assert not user.has_perm("talents.change_talent")
    assert not user.has_perm("enterprises.change_quota")


@pytest.mark.parametrize("role", [roles.TALENT, roles.ENTERPRISE_HR, roles.FINANCE])
def test_others_get_no_model_permissions(make_user, role):
    user = make_user(role)

    assert not user.has_perm("talents.view_talent")
    assert not user.has_perm("enterprises.view_enterprise")
