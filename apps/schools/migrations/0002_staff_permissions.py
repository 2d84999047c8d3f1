"""District staff read schools, rounds and nominations in the admin; district admins manage them
(the run and every write go through ``apps.schools.services``)."""

from django.db import migrations

from apps.accounts import roles

MODELS = ("school", "round", "roundseat", "nomination")


def grant(apps, schema_editor):
    view = [p for model in MODELS for p in roles.model_permissions("schools", model)]
    manage = [p for model in MODELS for p in roles.model_permissions("schools", model, ("add", "change", "view"))]
    grants = {role: view for role in roles.STAFF_ROLES}
    grants[roles.DISTRICT_ADMIN] = manage
    roles.grant_permissions(apps, grants)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(content_type__app_label="schools")
    for group in Group.objects.filter(name__in=roles.STAFF_ROLES):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0001_initial"),
        ("accounts", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
