"""The kinds of notification and their texts, in every language the portal speaks.

Each kind has a title and a body, written in Chinese as ``str.format`` templates over the context the
caller passes to ``services.notify``; they are msgids of the portal's catalogue
(``locale/en/LC_MESSAGES/django.po`` has the English), and ``KINDS[kind][language]`` reads them in
one language. The first body line is the message; a later line whose
placeholders all come out empty is left out, so optional parts (a note, the materials still missing)
need no template logic. A kind not in
the catalogue falls back to ``generic`` (``title`` and ``message`` from the context).
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import get_supported_language_variant, gettext, gettext_noop, to_language

logger = logging.getLogger(__name__)

ZH = "zh-hans"
EN = "en"
LANGUAGES = (ZH, EN)
GENERIC = "generic"


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def _in_language(message: str, language: str) -> str:
    with translation.override(language):
        return gettext(message)


class Texts(Mapping[str, Text]):
    """A kind's title and body msgids, read as ``texts[language]`` in each language of ``LANGUAGES``."""

    def __init__(self, title: str, body: str):
        self.title, self.body = title, body

    def __getitem__(self, language: str) -> Text:
        if language not in LANGUAGES:
            raise KeyError(language)
        return Text(_in_language(self.title, language), _in_language(self.body, language))

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


class Translated(Mapping[str, str]):
    """One msgid, read as ``TEXT[language]``."""

    def __init__(self, message: str):
        self.message = message

    def __getitem__(self, language: str) -> str:
        if language not in LANGUAGES:
            raise KeyError(language)
        return _in_language(self.message, language)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


KINDS: dict[str, Texts] = {
    "application.submitted": Texts(
        gettext_noop("申请已提交"),
        gettext_noop("您的{service}申请（编号 {number}）已提交，系统自动预审后将转窗口受理。"),
    ),
    "application.prechecked": Texts(
        gettext_noop("申请已完成自动预审"),
        gettext_noop(
            "您的{service}申请（编号 {number}）已完成自动预审，正在等待窗口受理。\n"
            "预审发现缺少以下必交材料：{missing_materials}"
        ),
    ),
    "application.accepted": Texts(
        gettext_noop("申请已受理"),
        gettext_noop("您的{service}申请（编号 {number}）已受理，进入审核环节。\n办结期限：{deadline}\n备注：{note}"),
    ),
    "application.accepted_with_missing": Texts(
        gettext_noop("申请已容缺受理，请补交材料"),
        gettext_noop(
            "您的{service}申请（编号 {number}）已容缺受理。\n"
            "请于{supplement_deadline}前补交以下材料：{missing_materials}\n"
            "逾期未补齐的，申请将被驳回。\n"
            "备注：{note}"
        ),
    ),
    "application.returned": Texts(
        gettext_noop("申请已退回，请修改后重新提交"),
        gettext_noop(
            "您的{service}申请（编号 {number}）已退回，请按以下一次性告知的全部内容修改后重新提交。\n"
            "存在问题：{problems}\n"
            "需补充材料：{missing_materials}\n"
            "备注：{note}"
        ),
    ),
    "application.resubmitted": Texts(
        gettext_noop("申请已重新提交"),
        gettext_noop("您的{service}申请（编号 {number}）已重新提交，将重新进行预审。"),
    ),
    "application.recommended": Texts(
        gettext_noop("申请已通过审核"),
        gettext_noop("您的{service}申请（编号 {number}）已通过审核，进入审批环节。"),
    ),
    "application.approved": Texts(
        gettext_noop("申请已获批准"),
        gettext_noop("您的{service}申请（编号 {number}）已获批准。\n备注：{note}"),
    ),
    "application.rejected": Texts(
        gettext_noop("申请未获批准"),
        gettext_noop("很抱歉，您的{service}申请（编号 {number}）未获批准。\n理由：{reason}"),
    ),
    "application.withdrawn": Texts(
        gettext_noop("申请已撤回"),
        gettext_noop("您的{service}申请（编号 {number}）已撤回。\n备注：{note}"),
    ),
    "application.completed": Texts(
        gettext_noop("申请已办结"),
        gettext_noop(
            "您的{service}申请（编号 {number}）已办结。\n"
            "证件编号：{card_number}\n"
            "证件类别：{card_class}类\n"
            "有效期至：{expires_on}\n"
            "备注：{note}"
        ),
    ),
    "application.supplement_overdue_rejected": Texts(
        gettext_noop("逾期未补齐材料，申请已驳回"),
        gettext_noop(
            "您的{service}申请（编号 {number}）容缺受理后未在{supplement_deadline}前补齐材料，已被驳回。\n"
            "未补交材料：{missing_materials}"
        ),
    ),
    "application.supplemented": Texts(
        gettext_noop("补正材料已收到"),
        gettext_noop("{service}申请（编号 {number}）容缺受理时缺少的材料已全部收到，审核继续进行。"),
    ),
    "application.deadline_reminder": Texts(
        gettext_noop("办件即将到期：{number}"),
        gettext_noop(
            "{service}申请（编号 {number}）的办结期限为{deadline}，还剩{days_left}个工作日。\n当前环节：{status}"
        ),
    ),
    "application.overdue_escalation": Texts(
        gettext_noop("办件已超期：{number}"),
        gettext_noop(
            "{service}申请（编号 {number}）已超过办结期限{deadline}，请及时督办。\n"
            "当前环节：{status}\n"
            "已超期：{days_overdue}个工作日"
        ),
    ),
    "green_card.expiring": Texts(
        gettext_noop("人才绿卡即将到期"),
        gettext_noop(
            "您的{card_class}类人才绿卡（卡号 {card_number}）将于{expires_on}到期。\n"
            "如符合续期条件，请在到期前申请续期。"
        ),
    ),
    "profile.claim_code": Texts(
        gettext_noop("人才档案认领验证码"),
        gettext_noop("您的人才档案认领验证码为 {code}，{expires_at}前有效。请勿告知他人；如非本人操作，请忽略。"),
    ),
    "talent.employment_refused": Texts(
        gettext_noop("工作单位未获确认"),
        gettext_noop(
            "{enterprise}未确认您在该单位工作，您的人才档案中的工作单位不作为办事依据。\n"
            "理由：{reason}\n"
            "如有疑问，请联系单位人事部门，或在个人信息中更正工作单位。"
        ),
    ),
    # School places (apps.schools): the parent's result, and each nominating enterprise's summary.
    "school_place.result": Texts(
        gettext_noop("优质学位分配结果：{child_name}"),
        gettext_noop(
            "{child_name}的优质学位提名（编号 {number}）已完成分配。\n分配学校：{school}\n未获分配，原因：{reason}"
        ),
    ),
    "school_place.round_results": Texts(
        gettext_noop("优质学位分配结果已公布"),
        gettext_noop("{round}的优质学位分配结果已公布：本企业提名获分配{assigned}人，未获分配{unassigned}人。"),
    ),
    # Talent apartments (apps.apartments): an offer, its last day, a lease coming to its end.
    "apartment.offer": Texts(
        gettext_noop("人才公寓配租通知：{unit}"),
        gettext_noop(
            "您的人才公寓申请（编号 {number}）在「{batch}」中获配租{unit}（{layout}，月租金{rent}元）。\n"
            "请于{respond_by}前登录平台接受或放弃；逾期未答复视为放弃。"
        ),
    ),
    "apartment.offer_reminder": Texts(
        gettext_noop("今天是答复人才公寓配租的最后一天"),
        gettext_noop("「{batch}」配租给您的{unit}须于今天（{respond_by}）答复，逾期视为放弃。"),
    ),
    "apartment.lease_expiring": Texts(
        gettext_noop("人才公寓租约即将到期"),
        gettext_noop("您承租的{unit}租约将于{end}到期。如需续租，请在到期前登录平台申请。"),
    ),
    # The caller's own title and message, as given: nothing to translate.
    GENERIC: Texts("{title}", "{message}"),
}

# Kinds carrying a secret (a verification code): sent by SMS only, never listed in-app or e-mailed,
# and the body is scrubbed from the record once the SMS is settled.
CONFIDENTIAL = frozenset({"profile.claim_code"})
SCRUBBED_BODY = Translated(gettext_noop("（验证码内容不予保留）"))

GENERIC_DEFAULT_TITLE = Translated(gettext_noop("您有一条新通知"))
LIST_SEPARATOR = Translated(gettext_noop("；"))
SMS_SIGNATURE = Translated(gettext_noop("【海珠人才】"))
EMAIL_FOOTER = Translated(gettext_noop("—— 海珠区人才服务平台（系统自动发送，请勿回复）"))
EMAIL_LINK_LABEL = Translated(gettext_noop("查看详情"))

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
