"""Materials that are identity documents: the permission matrix (``apps.accounts.access``) lets only
those who must check a person's identity download them — never finance.

The catalog's identity documents (0002_catalog): the resident ID card (or passport), the household
register booklet, the Guangzhou residence permit and a child's birth certificate. Each carries a
resident ID number; the rest (forms, diplomas, contracts, bank details...) do not."""

from django.db import migrations, models

IDENTITY_DOCUMENT_CODES = ("id_card", "passport", "hukou_booklet", "residence_permit", "child_birth_cert")


def mark_identity_documents(apps, schema_editor):
    MaterialRequirement = apps.get_model("workflow", "MaterialRequirement")
    MaterialRequirement.objects.filter(code__in=IDENTITY_DOCUMENT_CODES).update(identity_document=True)


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0006_service_guide_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="materialrequirement",
            name="identity_document",
            field=models.BooleanField(
                default=False,
                help_text="居民身份证、户口簿等载有身份信息的证件：只有需要核对身份的人员可以下载",
                verbose_name="身份证件",
            ),
        ),
        migrations.RunPython(mark_identity_documents, migrations.RunPython.noop),
    ]
