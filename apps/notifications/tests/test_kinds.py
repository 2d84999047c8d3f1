import datetime as dt

import pytest
from django.utils.translation import gettext_lazy

from apps.notifications import kinds

REQUIRED_KINDS = [
    "application.submitted",
    "application.prechecked",
    "application.accepted",
    "application.accepted_with_missing",
    "application.returned",
    "application.resubmitted",
    "application.recommended",
    "application.approved",
    "application.rejected",
    "application.withdrawn",
    "application.completed",
    "application.supplement_overdue_rejected",
    "application.supplemented",
    "application.deadline_reminder",
    "application.overdue_escalation",
    "green_card.expiring",
    "profile.claim_code",
]

FULL_CONTEXT = {
    "service": "人才入户",
    "number": "HZ-2026-000042",
    "note": "请留意短信",
    "reason": "不符合条件",
    "problems": ["身份证复印件不清晰", "社保缴费证明缺少盖章"],
    "missing_materials": ["学历证书", "劳动合同"],
    "deadline": dt.date(2026, 3, 20),
    "supplement_deadline": dt.date(2026, 3, 10),
    "days_left": 3,
    "days_overdue": 2,
    "status": "审核中",
    "card_class": "A",
    "card_number": "HZGC-A-0007",
    "expires_on": dt.date(2026, 12, 31),
    "code": "123456",
    "expires_at": dt.datetime(2026, 3, 1, 10, 15, tzinfo=dt.UTC),
}


@pytest.mark.parametrize("kind", REQUIRED_KINDS)
def test_every_kind_has_both_languages_with_the_same_placeholders(kind):
    texts = kinds.KINDS[kind]
    assert set(texts) == {"zh-hans", "en"}
    zh, en = texts["zh-hans"], texts["en"]
    assert kinds.placeholders(zh.title + zh.body) == kinds.placeholders(en.title + en.body)


@pytest.mark.parametrize("kind", REQUIRED_KINDS)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_kind_renders_completely_with_a_full_context(kind, language):
    title, body = kinds.render(kind, language, FULL_CONTEXT)
    assert title and body
    assert "{" not in title + body and "}" not in title + body


def test_rendered_text_exactly_in_chinese_and_english():
    context = {
        "service": "人才入户",
        "number": "HZ-2026-000042",
        "problems": ["身份证复印件不清晰", "社保缴费证明缺少盖章"],
        "missing_materials": ["学历证书"],
    }

    assert kinds.render("application.returned", "zh-hans", context) == (
        "申请已退回，请修改后重新提交",
        "您的人才入户申请（编号 HZ-2026-000042）已退回，请按以下一次性告知的全部内容修改后重新提交。\n"
        "存在问题：身份证复印件不清晰；社保缴费证明缺少盖章\n"
        "需补充材料：学历证书",
    )
    assert kinds.render("application.returned", "en", context | {"service": "household registration"}) == (
        "Application returned for correction",
        "Your household registration application (HZ-2026-000042) has been returned. Please correct everything "
        "listed below and resubmit.\n"
        "Problems: 身份证复印件不清晰; 社保缴费证明缺少盖章\n"
        "Materials to add: 学历证书",
    )


def test_optional_lines_without_values_are_left_out_but_the_first_line_stays():
    _, body = kinds.render("application.approved", "zh-hans", {"service": "人才公寓", "number": "HZ-1"})
    assert body == "您的人才公寓申请（编号 HZ-1）已获批准。"

    _, body = kinds.render("application.approved", "zh-hans", {})
    assert body == "您的申请（编号 ）已获批准。"


def test_the_completed_notice_carries_the_card_issued():
    context = {
        "service": "人才绿卡",
        "number": "HZ2026-000042",
        "card_number": "HZGC-A2026000042",
        "card_class": "A",
        "expires_on": "2031-03-02",
    }

    assert kinds.render("application.completed", "zh-hans", context) == (
        "申请已办结",
        "您的人才绿卡申请（编号 HZ2026-000042）已办结。\n证件编号：HZGC-A2026000042\n证件类别：A类\n"
        "有效期至：2031-03-02",
    )
    assert kinds.render("application.completed", "en", context | {"service": "talent green card"}) == (
        "Application completed",
        "Your talent green card application (HZ2026-000042) has been completed.\nCard number: HZGC-A2026000042\n"
        "Card class: A\nValid until: 2031-03-02",
    )


def test_the_completed_notice_leaves_out_what_the_service_did_not_issue():
    # household registration: a card number, no class, no expiry
    context = {"service": "人才入户", "number": "HZ2026-000043", "card_number": "RH202600000043", "note": "请携带原件"}

    assert kinds.render("application.completed", "zh-hans", context)[1] == (
        "您的人才入户申请（编号 HZ2026-000043）已办结。\n证件编号：RH202600000043\n备注：请携带原件"
    )
    assert kinds.render("application.completed", "en", {"service": "a subsidy", "number": "HZ2026-000044"})[1] == (
        "Your a subsidy application (HZ2026-000044) has been completed."
    )


def test_dates_and_aware_datetimes_render_in_shanghai_time():
    _, body = kinds.render(
        "profile.claim_code", "zh-hans", {"code": "654321", "expires_at": FULL_CONTEXT["expires_at"]}
    )
    assert body.startswith("您的人才档案认领验证码为 654321，2026-03-01 18:15前有效。")


def test_lazy_translations_in_the_context_render_in_the_recipients_language():
    service = gettext_lazy("人才绿卡")  # a msgid of the portal's English catalogue
    _, body = kinds.render("application.withdrawn", "en", {"service": service, "number": "HZ-9"})
    assert body == "Your Talent green card application (HZ-9) has been withdrawn."


def test_unknown_kind_falls_back_to_the_generic_text():
    assert kinds.render("engagement.event_changed", "en", {"message": "The venue moved."}) == (
        "You have a new notification",
        "The venue moved.",
    )
    assert kinds.render("engagement.event_changed", "zh-hans", {"title": "活动变更", "message": "地点调整"}) == (
        "活动变更",
        "地点调整",
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (None, "zh-hans"),
        ("", "zh-hans"),
        ("zh-hans", "zh-hans"),
        ("zh-cn", "zh-hans"),
        ("zh", "zh-hans"),
        ("en", "en"),
        ("en-us", "en"),
        ("EN", "en"),
        ("zh_CN", "zh-hans"),
        ("fr", "zh-hans"),
        ("xx-invalid", "zh-hans"),
    ],
)
def test_language_codes_map_to_the_catalogue_languages(code, expected):
    assert kinds.language_for(code) == expected
