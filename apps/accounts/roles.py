"""Roles are Django groups, created by migration ``0002_roles``. Later apps grant their model
permissions to these groups in their own data migrations with ``grant_permissions``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

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
    TALENT: _("人才"),
    ENTERPRISE_HR: _("企业人事"),
    INTAKE_CLERK: _("受理窗口"),
    REVIEWER: _("审核人员"),
    APPROVER: _("审批人员"),
    FINANCE: _("财务"),
    DISTRICT_ADMIN: _("区人社局管理员"),
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
