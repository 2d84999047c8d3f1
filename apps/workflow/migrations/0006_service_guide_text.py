"""The 办事指南 of each service in the catalog, in Chinese and English, and the materials' English names.

Staff edit these afterwards in the admin (服务事项); this only fills what is still empty, so running it
again never overwrites their edits."""

from django.db import migrations

HOURS = ("周一至周五 9:00–12:00、13:30–17:30（法定节假日除外）", "Monday–Friday 9:00–12:00 and 13:30–17:30, except public holidays")
WINDOW = ("海珠区政务服务中心人才服务窗口；网上申请全程在本平台办理", "Talent service window, Haizhu District Government Service Centre; online applications are handled entirely on this portal")
PHONE = "12345"
PROCESS = (
    "网上申请并上传材料\n系统自动预审\n窗口受理（材料不全的一次性告知，主要材料齐全的可容缺受理）\n审核\n审批\n办结",
    "Apply online and upload the materials\nAutomatic pre-check\nIntake (anything missing is told once; with the main materials complete, intake may accept and let you bring the rest later)\nReview\nApproval\nCompletion",
)

GUIDES = {
    "subsidy": {
        "description_en": "Funding for innovative and entrepreneurial talents: expert evaluation, public notice, payment in instalments.",
        "policy_basis": "海珠区人才发展专项资金扶持政策；广州市关于加快集聚产业领军人才的相关规定",
        "policy_basis_en": "Haizhu District talent development fund policy; Guangzhou's rules on attracting leading industrial talents",
        "conditions": "在海珠区工作、经认定的高层次人才或区级人才；人才信息经核实；所在单位在本区依法纳税。",
        "conditions_en": "Recognised high-level or district-level talents working in Haizhu, with verified talent records, whose employer pays tax in the district.",
        "process": "网上申报\n自动预审\n窗口受理\n专家评审\n审批\n公示\n分期拨付",
        "process_en": "Apply online\nAutomatic pre-check\nIntake\nExpert evaluation\nApproval\nPublic notice\nPayment in instalments",
        "location": WINDOW[0], "location_en": WINDOW[1],
    },
    "apartment": {
        "description_en": "Furnished talent apartments in state-owned buildings, let in batches by points and a public lottery.",
        "policy_basis": "海珠区人才公寓管理办法；广州市人才公寓相关规定",
        "policy_basis_en": "Haizhu District talent apartment rules; Guangzhou's talent apartment regulations",
        "conditions": "在海珠区工作的认定人才；本人及配偶在本区无自有住房；按批次开放申请。",
        "conditions_en": "Recognised talents working in Haizhu who, with their spouse, own no home in the district; applications open batch by batch.",
        "process": "网上申请\n自动预审\n资格审核\n积分排序与公开摇号\n选房与签约\n入住",
        "process_en": "Apply online\nAutomatic pre-check\nEligibility review\nPoints ranking and public lottery\nUnit offer and lease\nMove in",
        "location": WINDOW[0], "location_en": WINDOW[1],
    },
    "school_place": {
        "description_en": "Places at good schools for the children of key talents, nominated by their enterprises within a quota.",
        "policy_basis": "海珠区重点企业关键人才子女入学服务办法",
        "policy_basis_en": "Haizhu District school-entry service rules for the children of key enterprises' key talents",
        "conditions": "重点企业服务名录内企业的关键人才；由企业人事在本企业学位指标内推荐。",
        "conditions_en": "Key talents of enterprises on the key-enterprise list, nominated by their enterprise's HR within its school-place quota.",
        "process": "企业推荐\n材料审核\n按志愿与优先顺序统一分配\n公布结果",
        "process_en": "Nomination by the enterprise\nReview of the materials\nAssignment by preferences and priority\nResults published",
        "location": WINDOW[0], "location_en": WINDOW[1],
    },
    "hukou": {
        "description_en": "Household registration for talents brought in: online pre-check, intake with materials to follow, 19 materials instead of 23, decided in 14 working days instead of 20.",
        "policy_basis": "广州市引进人才入户管理办法；海珠区重点企业总量控制类入户指标管理规定",
        "policy_basis_en": "Guangzhou's rules on household registration for talents brought in; Haizhu's rules on key enterprises' capped registration quotas",
        "conditions": "与本区用人单位签订劳动合同并在本区缴纳社会保险的引进人才，符合广州市引进人才入户条件；重点企业的申请使用该企业当年入户指标。",
        "conditions_en": "Talents brought in under a labour contract with an employer in the district and insured there, who meet Guangzhou's conditions for talents' household registration; a key enterprise's applications use its yearly quota.",
        "process": PROCESS[0] + "\n核发准予迁入证明",
        "process_en": PROCESS[1] + "\nIssue of the registration permit",
        "location": WINDOW[0], "location_en": WINDOW[1],
    },
    "green_card": {
        "description_en": "The Pazhou service centre's dedicated talent green card channel: an A card (5 years) for high-level talents, a B card (1 year, renewable once) for other recognised talents.",
        "policy_basis": "广州市人才绿卡制度；海珠区人才绿卡服务规定",
        "policy_basis_en": "Guangzhou's talent green card scheme; Haizhu District's green card service rules",
        "conditions": "在海珠区工作、人才类别经核实的认定人才；A卡适用于高层次人才，B卡适用于其他认定人才。",
        "conditions_en": "Recognised talents working in Haizhu whose talent category has been verified; A cards for high-level talents, B cards for other recognised talents.",
        "process": PROCESS[0] + "\n制发人才绿卡",
        "process_en": PROCESS[1] + "\nIssue of the green card",
        "location": "琶洲政务服务中心人才绿卡专属通道；网上申请全程在本平台办理",
        "location_en": "Talent green card channel, Pazhou Government Service Centre; online applications are handled entirely on this portal",
    },
}

MATERIALS_EN = {
    "application_form": "Application form",
    "id_card": "Resident identity card",
    "category_evidence": "Proof of talent category",
    "achievements": "Proof of achievements",
    "employer_financials": "Employer's audited financial report for last year",
    "bank_account": "Own bank account details",
    "labor_contract": "Labour contract",
    "social_insurance": "Social insurance payment record",
    "no_housing": "Proof that you and your spouse own no home in the district",
    "child_birth_cert": "Child's birth certificate",
    "hukou_booklet": "Household register booklet",
    "enterprise_recommendation": "Enterprise's letter of recommendation",
    "photo": "Recent colour ID photo",
    "diploma": "Graduation certificate",
    "degree_cert": "Degree certificate",
    "xuexin_report": "Ministry of Education record of the qualification",
    "qualification_cert": "Professional or vocational qualification certificate",
    "tax_record": "Individual income tax record",
    "employer_license": "Employer's business licence",
    "employer_letter": "Employer's letter requesting the registration",
    "marital_status": "Proof of marital status",
    "no_crime_record": "Certificate of no criminal record",
    "residence_permit": "Guangzhou residence permit",
    "undertaking": "Personal integrity undertaking",
    "housing_proof": "Proof of lawful, stable housing",
    "family_members": "Proof of relationship for family members moving with you (if any)",
    "employment_proof": "Proof of employment in the district",
}


def fill(apps, schema_editor):
    ServiceDefinition = apps.get_model("workflow", "ServiceDefinition")
    MaterialRequirement = apps.get_model("workflow", "MaterialRequirement")
    for code, guide in GUIDES.items():
        service = ServiceDefinition.objects.filter(code=code).first()
        if service is None:
            continue
        values = {"office_hours": HOURS[0], "office_hours_en": HOURS[1], "phone": PHONE, **guide}
        changed = [field for field, value in values.items() if not getattr(service, field)]
        for field in changed:
            setattr(service, field, values[field])
        if changed:
            service.save(update_fields=changed)
    for material in MaterialRequirement.objects.filter(name_en=""):
        if material.code in MATERIALS_EN:
            material.name_en = MATERIALS_EN[material.code]
            material.save(update_fields=["name_en"])


class Migration(migrations.Migration):
    dependencies = [("workflow", "0005_service_guide")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
