"""Create the roles as groups, and give the staff who need them the personal-data permissions."""

from django.db import migrations

from apps.accounts import roles


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    grants = {role: [("accounts", "user", "view_personal_data")] for role in roles.PERSONAL_DATA_VIEWERS}
    grants[roles.DISTRICT_ADMIN] = grants[roles.DISTRICT_ADMIN] + [
        ("accounts", "user", "export_personal_data"),
        ("accounts", "user", "view_user"),
        ("accounts", "user", "change_user"),
        ("core", "calendarday", "view_calendarday"),
        ("core", "calendarday", "add_calendarday"),
        ("core", "calendarday", "change_calendarday"),
        ("core", "calendarday", "delete_calendarday"),
    ]
    roles.grant_permissions(apps, grants)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=roles.ALL_ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
