"""District staff look at service ratings in the admin; nobody edits them (the admin is read-only)."""

from django.db import migrations

from apps.accounts import roles


def grant(apps, schema_editor):
    view = roles.model_permissions("engagement", "servicerating")
    roles.grant_permissions(apps, {role: view for role in roles.STAFF_ROLES})


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(content_type__app_label="engagement", codename="view_servicerating")
    for group in Group.objects.filter(name__in=roles.STAFF_ROLES):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0001_initial"),
        ("accounts", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
