"""District admins may look at notifications (and their delivery state) in the admin; nobody edits them."""

from django.db import migrations

from apps.accounts import roles


def grant(apps, schema_editor):
    roles.grant_permissions(apps, {roles.DISTRICT_ADMIN: roles.model_permissions("notifications", "notification")})


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(content_type__app_label="notifications", codename="view_notification")
    for group in Group.objects.filter(name=roles.DISTRICT_ADMIN):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("accounts", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
