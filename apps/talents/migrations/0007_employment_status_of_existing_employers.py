"""Employers recorded before employment was confirmed get a status.

Decided from the history: the last change that set a talent's employer says who wrote it. Written by
the talent themselves (source ``api``: the profile API and page) it was only ever their word, so it
becomes a claim for the enterprise's HR to confirm, claimed at that time. Written by anyone else —
an import, seed_demo, district staff in the admin, the system — or with no history entry for it
(records loaded before the history existed), it is confirmed, as staff entered it. Nobody is named
as having confirmed those. District admins get the permission to confirm and refuse.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.accounts import roles


def set_statuses(apps, schema_editor):
    Talent = apps.get_model("talents", "Talent")
    TalentProfileChange = apps.get_model("talents", "TalentProfileChange")
    # Only employers without a status yet: safe to run again (the tests replay data migrations).
    undecided = Talent.objects.filter(employer__isnull=False, employment_status="")
    last_set = TalentProfileChange.objects.filter(talent=OuterRef("pk"), changes__has_key="employer").order_by(
        "-at", "-id"
    )
    self_declared = undecided.alias(source=Subquery(last_set.values("source")[:1])).filter(source="api")
    Talent.objects.filter(pk__in=self_declared.values("pk")).update(
        employment_status="claimed", employment_claimed_at=Subquery(last_set.values("at")[:1])
    )
    undecided.update(employment_status="confirmed", employment_confirmed_at=timezone.now())


def grant(apps, schema_editor):
    roles.grant_permissions(apps, {roles.DISTRICT_ADMIN: [("talents", "talent", "confirm_employment")]})


class Migration(migrations.Migration):
    dependencies = [
        ("talents", "0006_talent_employment_status"),
        ("accounts", "0002_roles"),
    ]
    operations = [
        migrations.RunPython(set_statuses, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
