from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("talents", "0007_employment_status_of_existing_employers"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="talent",
            constraint=models.CheckConstraint(
                condition=models.Q(("employment_status__in", ["", "claimed", "confirmed", "refused"])),
                name="talent_employment_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="talent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("employer__isnull", True), models.Q(("employment_status", ""), _negated=True), _connector="OR"
                ),
                name="talent_employer_has_status",
            ),
        ),
    ]
