"""The kinds of notification and their texts, in every language the portal speaks.

Each kind has a title and a body per language, written as ``str.format`` templates over the context
the caller passes to ``services.notify``. The first body line is the message; a later line whose
placeholders all come out empty is left out, so optional parts (a note, the materials still missing)
need no template logic. A kind not in
the catalogue falls back to ``generic`` (``title`` and ``message`` from the context).
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import get_supported_language_variant, to_language

logger = logging.getLogger(__name__)

ZH = "zh-hans"
EN = "en"
LANGUAGES = (ZH, EN)
GENERIC = "generic"


@dataclass(frozen=True)
class Text:
    title: str
    body: str


KINDS: dict[str, dict[str, Text]] = {
    "application.submitted": {
        ZH: Text("申请已提交", "您的{service}申请（编号 {number}）已提交，系统自动预审后将转窗口受理。"),
        EN: Text(
            "Application submitted",
            "Your {service} application ({number}) has been submitted. It will be pre-checked automatically "
            "and then passed to the intake desk.",
        ),
    },
    "application.prechecked": {
        ZH: Text(
            "申请已完成自动预审",
            "您的{service}申请（编号 {number}）已完成自动预审，正在等待窗口受理。\n"
            "预审发现缺少以下必交材料：{missing_materials}",
        ),
        EN: Text(
            "Application pre-checked",
            "Your {service} application ({number}) has been pre-checked automatically and is waiting for intake.\n"
            "The pre-check found these required materials missing: {missing_materials}",
        ),
    },
    "application.accepted": {
        ZH: Text(
            "申请已受理",
            "您的{service}申请（编号 {number}）已受理，进入审核环节。\n办结期限：{deadline}\n备注：{note}",
        ),
        EN: Text(
            "Application accepted",
            "Your {service} application ({number}) has been accepted for review.\nDecision due by: {deadline}\n"
            "Note: {note}",
        ),
    },
    "application.accepted_with_missing": {
        ZH: Text(
            "申请已容缺受理，请补交材料",
            "您的{service}申请（编号 {number}）已容缺受理。\n请于{supplement_deadline}前补交以下材料：{missing_materials}\n"
            "逾期未补齐的，申请将被驳回。\n备注：{note}",
        ),
        EN: Text(
            "Application accepted: materials to follow",
            "Your {service} application ({number}) has been accepted with materials still missing.\n"
            "Please upload by {supplement_deadline}: {missing_materials}\n"
            "If they are not complete by then, the application will be rejected.\nNote: {note}",
        ),
    },
    "application.returned": {
        ZH: Text(
            "申请已退回，请修改后重新提交",
            "您的{service}申请（编号 {number}）已退回，请按以下一次性告知的全部内容修改后重新提交。\n"
            "存在问题：{problems}\n需补充材料：{missing_materials}\n备注：{note}",
        ),
        EN: Text(
            "Application returned for correction",
            "Your {service} application ({number}) has been returned. Please correct everything listed below "
            "and resubmit.\nProblems: {problems}\nMaterials to add: {missing_materials}\nNote: {note}",
        ),
    },
    "application.resubmitted": {
        ZH: Text("申请已重新提交", "您的{service}申请（编号 {number}）已重新提交，将重新进行预审。"),
        EN: Text(
            "Application resubmitted",
            "Your {service} application ({number}) has been resubmitted and will be pre-checked again.",
        ),
    },
    "application.recommended": {
        ZH: Text("申请已通过审核", "您的{service}申请（编号 {number}）已通过审核，进入审批环节。"),
        EN: Text(
            "Application passed review",
            "Your {service} application ({number}) has passed review and is awaiting approval.",
        ),
    },
    "application.approved": {
        ZH: Text("申请已获批准", "您的{service}申请（编号 {number}）已获批准。\n备注：{note}"),
        EN: Text("Application approved", "Your {service} application ({number}) has been approved.\nNote: {note}"),
    },
    "application.rejected": {
        ZH: Text("申请未获批准", "很抱歉，您的{service}申请（编号 {number}）未获批准。\n理由：{reason}"),
        EN: Text(
            "Application rejected",
            "We are sorry: your {service} application ({number}) has been rejected.\nReason: {reason}",
        ),
    },
    "application.withdrawn": {
        ZH: Text("申请已撤回", "您的{service}申请（编号 {number}）已撤回。\n备注：{note}"),
        EN: Text("Application withdrawn", "Your {service} application ({number}) has been withdrawn.\nNote: {note}"),
    },
    "application.completed": {
        ZH: Text(
            "申请已办结",
            "您的{service}申请（编号 {number}）已办结。\n证件编号：{card_number}\n证件类别：{card_class}类\n"
            "有效期至：{expires_on}\n备注：{note}",
        ),
        EN: Text(
            "Application completed",
            "Your {service} application ({number}) has been completed.\nCard number: {card_number}\n"
            "Card class: {card_class}\nValid until: {expires_on}\nNote: {note}",
        ),
    },
    "application.supplement_overdue_rejected": {
        ZH: Text(
            "逾期未补齐材料，申请已驳回",
            "您的{service}申请（编号 {number}）容缺受理后未在{supplement_deadline}前补齐材料，已被驳回。\n"
            "未补交材料：{missing_materials}",
        ),
        EN: Text(
            "Application rejected: materials not supplied in time",
            "Your {service} application ({number}) was accepted with materials missing, but they were not "
            "supplied by {supplement_deadline}, so it has been rejected.\nMaterials not supplied: {missing_materials}",
        ),
    },
    "application.supplemented": {
        ZH: Text(
            "补正材料已收到",
            "{service}申请（编号 {number}）容缺受理时缺少的材料已全部收到，审核继续进行。",
        ),
        EN: Text(
            "Materials received",
            "All the materials missing when the {service} application {number} was accepted have been received; "
            "the review continues.",
        ),
    },
    "application.deadline_reminder": {
        ZH: Text(
            "办件即将到期：{number}",
            "{service}申请（编号 {number}）的办结期限为{deadline}，还剩{days_left}个工作日。\n当前环节：{status}",
        ),
        EN: Text(
            "Decision deadline approaching: {number}",
            "The {service} application {number} must be decided by {deadline}: {days_left} working day(s) left.\n"
            "Current stage: {status}",
        ),
    },
    "application.overdue_escalation": {
        ZH: Text(
            "办件已超期：{number}",
            "{service}申请（编号 {number}）已超过办结期限{deadline}，请及时督办。\n当前环节：{status}\n"
            "已超期：{days_overdue}个工作日",
        ),
        EN: Text(
            "Overdue: {number}",
            "The {service} application {number} has passed its decision deadline of {deadline}; please follow up.\n"
            "Current stage: {status}\nOverdue by: {days_overdue} working day(s)",
        ),
    },
    "green_card.expiring": {
        ZH: Text(
            "人才绿卡即将到期",
            "您的{card_class}类人才绿卡（卡号 {card_number}）将于{expires_on}到期。\n如符合续期条件，请在到期前申请续期。",
        ),
        EN: Text(
            "Talent green card expiring",
            "Your talent green card (class {card_class}, number {card_number}) expires on {expires_on}.\n"
            "If you are eligible for renewal, please apply before it expires.",
        ),
    },
    "profile.claim_code": {
        ZH: Text(
            "人才档案认领验证码",
            "您的人才档案认领验证码为 {code}，{expires_at}前有效。请勿告知他人；如非本人操作，请忽略。",
        ),
        EN: Text(
            "Your talent profile claim code",
            "Your talent profile claim code is {code}, valid until {expires_at}. Do not share it; if you did not "
            "ask for it, ignore this message.",
        ),
    },
    GENERIC: {
        ZH: Text("{title}", "{message}"),
        EN: Text("{title}", "{message}"),
    },
}

# Kinds carrying a secret (a verification code): sent by SMS only, never listed in-app or e-mailed,
# and the body is scrubbed from the record once the SMS is settled.
CONFIDENTIAL = frozenset({"profile.claim_code"})
SCRUBBED_BODY = {ZH: "（验证码内容不予保留）", EN: "(The code itself is not kept.)"}

GENERIC_DEFAULT_TITLE = {ZH: "您有一条新通知", EN: "You have a new notification"}
LIST_SEPARATOR = {ZH: "；", EN: "; "}
SMS_SIGNATURE = {ZH: "【海珠人才】", EN: "[Haizhu Talent] "}
EMAIL_FOOTER = {
    ZH: "—— 海珠区人才服务平台（系统自动发送，请勿回复）",
    EN: "— Haizhu Talent Services Portal (automatic message, please do not reply)",
}
EMAIL_LINK_LABEL = {ZH: "查看详情", EN: "Details"}

_formatter = string.Formatter()


def is_known(kind: str) -> bool:
    return kind in KINDS and kind != GENERIC


def language_for(code: str | None) -> str:
    """The catalogue language for a language code: ``en-us`` → ``en``, ``zh-cn`` → ``zh-hans``; default
    ``settings.LANGUAGE_CODE``."""
    default = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in LANGUAGES else ZH
    try:
        language = get_supported_language_variant(to_language((code or "").strip() or default))
    except LookupError:
        return default
    return language if language in LANGUAGES else default


def placeholders(template: str) -> set[str]:
    return {_field_name(field) for _, field, _, _ in _formatter.parse(template) if field}


def _field_name(field: str) -> str:
    return field.split(".", 1)[0].split("[", 1)[0]


def _as_text(value: Any, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | Promise):
        return str(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        return LIST_SEPARATOR[language].join(text for text in (_as_text(v, language) for v in value) if text)
    return str(value)


class _Values(dict):
    """Context values as text; a placeholder the caller did not supply renders empty (and is logged)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def __missing__(self, key: str) -> str:
        logger.warning("notification %s: no %r in the context", self.kind, key)
        return ""


def _format(template: str, values: _Values) -> str:
    return _formatter.vformat(template, (), values)


def render(kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """``(title, body)`` of ``kind`` in ``language`` with ``context``.

    Rendered under ``translation.override(language)`` so lazy translations in the context come out in
    the recipient's language.
    """
    language = language_for(language)
    if not is_known(kind):
        if kind != GENERIC:
            logger.warning("notification kind %r is not in the catalogue: using the generic text", kind)
        context = {"title": GENERIC_DEFAULT_TITLE[language], "message": "", **context}
        kind_texts = KINDS[GENERIC]
    else:
        kind_texts = KINDS[kind]
    text = kind_texts[language]
    with translation.override(language):
        values = _Values({key: _as_text(value, language) for key, value in context.items()}, kind=kind)
        title = _format(text.title, values).strip()
        lines = []
        for index, line in enumerate(text.body.splitlines()):
            names = placeholders(line)
            if index and names and not any(values.get(name) for name in names):
                continue
            lines.append(_format(line, values).rstrip())
    body = "\n".join(lines).strip()
    return title or GENERIC_DEFAULT_TITLE[language], body
