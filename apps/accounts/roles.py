"""Roles are Django groups, created by migration ``0002_roles``. Later apps grant their model
permissions to these groups in their own data migrations with ``grant_permissions``."""

from __future__ import annotations

from typing import Any

TALENT = "talent"
ENTERPRISE_HR = "enterprise_hr"
INTAKE_CLERK = "intake_clerk"
REVIEWER = "reviewer"
APPROVER = "approver"
FINANCE = "finance"
DISTRICT_ADMIN = "district_admin"

ALL_ROLES = (TALENT, ENTERPRISE_HR, INTAKE_CLERK, REVIEWER, APPROVER, FINANCE, DISTRICT_ADMIN)
STAFF_ROLES = frozenset({INTAKE_CLERK, REVIEWER, APPROVER, FINANCE, DISTRICT_ADMIN})

ROLE_LABELS = {
    TALENT: "人才 Talent",
    ENTERPRISE_HR: "企业人事 Enterprise HR",
    INTAKE_CLERK: "受理窗口 Intake clerk",
    REVIEWER: "审核人员 Reviewer",
    APPROVER: "审批人员 Approver",
    FINANCE: "财务 Finance",
    DISTRICT_ADMIN: "区人社局管理员 District admin",
}

# Staff who need to see full resident IDs and phones to do their work.
PERSONAL_DATA_VIEWERS = (INTAKE_CLERK, REVIEWER, APPROVER, DISTRICT_ADMIN)


def grant_permissions(apps: Any, grants: dict[str, list[tuple[str, str, str]]]) -> None:
    """In a data migration: ``{role: [(app_label, model, codename), ...]}``; creates missing
    permission rows (post_migrate has not run yet inside migrations)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for role, perms in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, model, codename in perms:
            ct, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            perm, _ = Permission.objects.get_or_create(
                content_type=ct, codename=codename, defaults={"name": codename.replace("_", " ")}
            )
            group.permissions.add(perm)


def model_permissions(app_label: str, model: str, actions: tuple[str, ...] = ("view",)) -> list[tuple[str, str, str]]:
    return [(app_label, model, f"{action}_{model}") for action in actions]
