"""The service catalog as the seed describes it; district admins edit it afterwards.

Household registration (人才入户) asks for 19 materials (down from 23) and is decided in 14 working
days (down from 20)."""

from django.db import migrations

PDF_IMG = ["pdf", "jpeg", "png"]
PDF = ["pdf"]
HIGH_LEVEL = ["academician", "thousand_talents", "ten_thousand_talents", "guangdong_special", "other_high_level"]
DISTRICT = ["district_outstanding", "district_excellent", "district_young"]

SERVICES = [
    {
        "code": "subsidy",
        "name": "人才扶持资金",
        "name_en": "Talent subsidy",
        "description": "创新创业人才扶持资金申报：专家评审、公示、分期拨付。",
        "time_limit_days": 20,
        "applicant_kinds": ["talent", "enterprise_hr"],
        "eligible": HIGH_LEVEL + DISTRICT,
        "config": {},
        "materials": [
            ("application_form", "海珠区人才扶持资金申请表", True, PDF),
            ("id_card", "居民身份证（或护照）", True, PDF_IMG),
            ("category_evidence", "人才类别认定证明", True, PDF_IMG),
            ("achievements", "业绩成果证明材料", True, PDF),
            ("employer_financials", "用人单位上年度财务审计报告", True, PDF),
            ("bank_account", "本人银行账户信息", True, PDF_IMG),
        ],
    },
    {
        "code": "apartment",
        "name": "人才公寓",
        "name_en": "Talent apartment",
        "description": "利用国有物业建设的人才公寓，拎包入住；分批配租，积分排序与公开摇号。",
        "time_limit_days": 15,
        "applicant_kinds": ["talent", "enterprise_hr"],
        "eligible": HIGH_LEVEL + ["postdoc", "shortage"] + DISTRICT,
        "config": {},
        "materials": [
            ("application_form", "人才公寓租住申请表", True, PDF),
            ("id_card", "居民身份证", True, PDF_IMG),
            ("labor_contract", "劳动合同", True, PDF),
            ("social_insurance", "社会保险缴费证明", True, PDF),
            ("no_housing", "本人及配偶在本区无自有住房证明", True, PDF),
        ],
    },
    {
        "code": "school_place",
        "name": "优质学位",
        "name_en": "School place",
        "description": "为重点企业关键人才子女提供优质学位，由企业按指标推荐。",
        "time_limit_days": 15,
        "applicant_kinds": ["enterprise_hr", "talent"],
        "eligible": [],
        "config": {},
        "materials": [
            ("application_form", "优质学位申请表", True, PDF),
            ("id_card", "居民身份证", True, PDF_IMG),
            ("child_birth_cert", "子女出生医学证明", True, PDF_IMG),
            ("hukou_booklet", "户口簿", True, PDF_IMG),
            ("enterprise_recommendation", "企业推荐函", True, PDF),
        ],
    },
    {
        "code": "hukou",
        "name": "人才入户",
        "name_en": "Household registration",
        "description": "引进人才入户：网上预审、容缺受理，材料由23项精简至19项，审核时限由20个工作日缩短至14个工作日。",
        "time_limit_days": 14,
        "applicant_kinds": ["talent", "enterprise_hr"],
        "eligible": [],
        "config": {"quota_kind": "hukou_indicator"},
        "materials": [
            ("application_form", "广州市引进人才入户申请表", True, PDF),
            ("id_card", "居民身份证", True, PDF_IMG),
            ("hukou_booklet", "户口簿或户籍证明", True, PDF_IMG),
            ("photo", "近期免冠彩色证件照", True, ["jpeg", "png"]),
            ("diploma", "毕业证书", True, PDF_IMG),
            ("degree_cert", "学位证书", True, PDF_IMG),
            ("xuexin_report", "教育部学历证书电子注册备案表", True, PDF),
            ("qualification_cert", "专业技术资格或职业资格证书", True, PDF_IMG),
            ("labor_contract", "劳动合同", True, PDF),
            ("social_insurance", "广州市社会保险缴费证明", True, PDF),
            ("tax_record", "个人所得税完税证明", True, PDF),
            ("employer_license", "用人单位营业执照", True, PDF_IMG),
            ("employer_letter", "用人单位引进人才申请函", True, PDF),
            ("marital_status", "婚姻状况证明", True, PDF_IMG),
            ("no_crime_record", "无犯罪记录证明", True, PDF),
            ("residence_permit", "广州市居住证", True, PDF_IMG),
            ("undertaking", "个人诚信承诺书", True, PDF),
            ("housing_proof", "合法稳定住所证明", False, PDF),
            ("family_members", "随迁家属关系证明（如有）", False, PDF_IMG),
        ],
    },
    {
        "code": "green_card",
        "name": "人才绿卡",
        "name_en": "Talent green card",
        "description": "琶洲政务中心人才绿卡专属通道。A卡（5年）适用于高层次人才，B卡（1年，可续期1次）适用于其他认定人才。",
        "time_limit_days": 10,
        "applicant_kinds": ["talent", "enterprise_hr"],
        "eligible": HIGH_LEVEL + ["postdoc", "shortage"] + DISTRICT,
        "config": {"a_categories": HIGH_LEVEL, "a_years": 5, "b_years": 1, "b_renewals": 1},
        "materials": [
            ("application_form", "人才绿卡申领表", True, PDF),
            ("id_card", "居民身份证", True, PDF_IMG),
            ("photo", "近期免冠彩色证件照", True, ["jpeg", "png"]),
            ("category_evidence", "人才类别认定证明", True, PDF_IMG),
            ("employment_proof", "在本区工作证明", True, PDF),
        ],
    },
]


def seed(apps, schema_editor):
    ServiceDefinition = apps.get_model("workflow", "ServiceDefinition")
    MaterialRequirement = apps.get_model("workflow", "MaterialRequirement")
    TalentCategory = apps.get_model("talents", "TalentCategory")
    for order, spec in enumerate(SERVICES, start=1):
        service, _ = ServiceDefinition.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "name_en": spec["name_en"],
                "description": spec["description"],
                "time_limit_days": spec["time_limit_days"],
                "applicant_kinds": spec["applicant_kinds"],
                "config": spec["config"],
                "sort_order": order * 10,
            },
        )
        service.eligible_categories.set(TalentCategory.objects.filter(code__in=spec["eligible"]))
        for index, (code, name, required, types) in enumerate(spec["materials"], start=1):
            MaterialRequirement.objects.update_or_create(
                service=service,
                code=code,
                defaults={"name": name, "required": required, "accepted_types": types, "sort_order": index * 10},
            )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial"), ("talents", "0002_seed_categories")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
