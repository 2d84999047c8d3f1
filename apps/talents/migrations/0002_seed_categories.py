"""The talent categories of the seed document, with the city-wide totals used for "share of city"
(8 academicians = 22% of 36; 148 千人计划 = 45% of 329; 38 万人计划 = 25% of 152; 162 广东特支 =
21% of 771), and the district's own tiers. Staff edit them in the admin afterwards."""

from django.db import migrations

CATEGORIES = [
    # code, name, name_en, level, high-level, city total
    ("academician", "两院院士", "Academician (CAS/CAE)", 1, True, 36),
    ("thousand_talents", '国家"千人计划"', "National Thousand Talents Plan", 2, True, 329),
    ("ten_thousand_talents", '国家"万人计划"', "National Ten Thousand Talents Plan", 3, True, 152),
    ("guangdong_special", '"广东特支计划"', "Guangdong Special Support Plan", 4, True, 771),
    ("other_high_level", "其他高层次人才", "Other high-level talent", 5, True, None),
    ("postdoc", "博士后", "Postdoctoral researcher", 6, False, None),
    ("shortage", "紧缺人才", "Shortage talent", 7, False, None),
    ("district_outstanding", "海珠区杰出人才", "Haizhu outstanding talent", 8, False, None),
    ("district_excellent", "海珠区优秀人才", "Haizhu excellent talent", 9, False, None),
    ("district_young", "海珠区青年后备人才", "Haizhu young reserve talent", 10, False, None),
]


def seed(apps, schema_editor):
    TalentCategory = apps.get_model("talents", "TalentCategory")
    for order, (code, name, name_en, level, high, city_total) in enumerate(CATEGORIES, start=1):
        TalentCategory.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "level": level,
                "is_high_level": high,
                "city_total": city_total,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("talents", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
