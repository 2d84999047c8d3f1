"""Model permissions for the staff roles (the Django admin): district admins manage talents and
enterprises; intake clerks, reviewers and approvers may look them up.

The two append-only ledgers (profile history, quota movements) get no change/delete permission:
history is never rewritten, and a slot moves only through ``quota_consume``/``quota_release``."""

from django.db import migrations

from apps.accounts import roles

TALENT_MODELS = ["talentcategory", "talent", "talentcategoryholding", "talentprofilechange", "profileclaim"]
ENTERPRISE_MODELS = [
    "enterprise",
    "enterprisemember",
    "keyenterpriselisting",
    "quota",
    "quotamovement",
    "shortageintroduction",
]
APPEND_ONLY = {"talentprofilechange", "quotamovement"}


def _perms(app_label, models, actions):
    return [
        perm
        for model in models
        for perm in roles.model_permissions(app_label, model, ("view",) if model in APPEND_ONLY else actions)
    ]


def grant(apps, schema_editor):
    everything = ("view", "add", "change", "delete")
    admin = _perms("talents", TALENT_MODELS, everything) + _perms("enterprises", ENTERPRISE_MODELS, everything)
    admin.append(("talents", "talent", "import_talent"))
    view = _perms("talents", TALENT_MODELS, ("view",)) + _perms("enterprises", ENTERPRISE_MODELS, ("view",))
    roles.grant_permissions(
        apps,
        {
            roles.DISTRICT_ADMIN: admin,
            roles.INTAKE_CLERK: view,
            roles.REVIEWER: view,
            roles.APPROVER: view,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("talents", "0002_seed_categories"),
        ("enterprises", "0002_initial"),
        ("accounts", "0002_roles"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
