"""Model permissions for the staff roles (the Django admin).

Intake clerks, reviewers, approvers and finance may look at applications, their timelines, their
files and the catalog; district admins hold every workflow and residency model permission (the
catalog is theirs to edit). What staff may *do* to an application is not a model permission: the
admin's buttons come from the workflow table (``selectors.available_actions``), and the admin
refuses direct edits of applications, events, files and cards whatever the permissions say."""

from django.db import migrations

from apps.accounts import roles

VIEW_MODELS = ["application", "applicationevent", "attachment", "servicedefinition", "materialrequirement"]
WORKFLOW_MODELS = VIEW_MODELS + ["deadlinenotice"]
RESIDENCY_MODELS = ["registrationcard", "greencard"]
EVERYTHING = ("view", "add", "change", "delete")


def _perms(app_label, models, actions):
    return [perm for model in models for perm in roles.model_permissions(app_label, model, actions)]


def grant(apps, schema_editor):
    view = _perms("workflow", VIEW_MODELS, ("view",))
    admin = _perms("workflow", WORKFLOW_MODELS, EVERYTHING) + _perms("residency", RESIDENCY_MODELS, EVERYTHING)
    roles.grant_permissions(
        apps,
        {
            roles.INTAKE_CLERK: view,
            roles.REVIEWER: view,
            roles.APPROVER: view,
            roles.FINANCE: view,
            roles.DISTRICT_ADMIN: admin,
        },
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(content_type__app_label__in=["workflow", "residency"])
    for group in Group.objects.filter(name__in=roles.STAFF_ROLES):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0002_catalog"),
        ("residency", "0001_initial"),
        ("accounts", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
