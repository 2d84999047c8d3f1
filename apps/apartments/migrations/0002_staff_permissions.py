"""District staff see the apartments in the admin; district admins also keep the stock (buildings, units)."""

from django.db import migrations

from apps.accounts import roles

MODELS = ["building", "unit", "batch", "batchunit", "batchentry", "draw", "offer", "lease", "renewalrequest"]


def grant(apps, schema_editor):
    view = [p for model in MODELS for p in roles.model_permissions("apartments", model)]
    stock = [
        p
        for model in ("building", "unit")
        for p in roles.model_permissions("apartments", model, ("add", "change", "view"))
    ]
    grants = {role: list(view) for role in roles.STAFF_ROLES}
    grants[roles.DISTRICT_ADMIN] = view + stock
    roles.grant_permissions(apps, grants)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(content_type__app_label="apartments")
    for group in Group.objects.filter(name__in=roles.STAFF_ROLES):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("apartments", "0001_initial"),
        ("accounts", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
