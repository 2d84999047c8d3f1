"""An application's records as staff read them: the result, each event's data and the pre-check
report as labelled lines in the reader's language — material names for codes, the enterprise by
name, dates and counts in words — never raw JSON, keys or hashes.

``Reader`` looks names up once per application (material names, enterprises, categories) and is
cached on the application instance: a timeline whose events share one application instance (see
``ApplicationEventInline.get_queryset``) costs the same queries whatever its length. What each
event is called comes from ``engine.event_label``, as on the applicant's page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from .models import Application

# Event data and result keys with their labels. Keys not listed here keep their name as the label.
LABELS: dict[str, str | Promise] = {
    "missing_materials": _("缺少的材料"),
    "problems": _("需补正的问题"),
    "supplement_days": _("补正期限"),
    "supplement_deadline": _("补正截止日期"),
    "reason": _("理由"),
    "assignee": _("经办人"),
    "material": _("材料"),
    "version": _("版本"),
    "result": _("办理结果"),
    "quota": _("使用指标"),
    "card_number": _("证件号码"),
    "card_class": _("卡类"),
    "issued_on": _("发证日期"),
    "expires_on": _("有效期至"),
}
# Never shown: file digests and what the pre-check section shows in full already.
HIDDEN_KEYS = frozenset({"sha256", "report"})
# Pre-check details: what each list holds.
PRECHECK_DETAIL_LABELS: dict[str, str | Promise] = {
    "materials": _("缺少的材料"),
    "fields": _("需补充的人才信息"),
    "categories": _("可申请的人才类别"),
    "applications": _("其他账户的申请"),
}
# Data stored before it was bounded may nest deeper than anything a person reads.
TOO_DEEP = _("（内容嵌套过深，无法显示）")
MAX_DEPTH = 6
PROFILE_FIELD_LABELS: dict[str, str | Promise] = {
    "name": _("姓名"),
    "id_number": _("居民身份证号码"),
    "phone": _("手机号码"),
}


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _localized(name: str, name_en: str) -> str:
    return name_en if name_en and _english() else name


def _list(values: list[str]) -> str:
    return gettext("、").join(values) or "—"


@dataclass
class Reader:
    """Names for one application's codes and ids, looked up at most once each."""

    application: Application
    _materials: dict[str, str] | None = None
    _enterprises: dict[int, str] = field(default_factory=dict)
    _categories: dict[str, str] | None = None

    def material(self, code: Any) -> str:
        if self._materials is None:
            # ``.all()``: served by a prefetch when the caller made one.
            self._materials = {m.code: _localized(m.name, m.name_en) for m in self.application.service.materials.all()}
        return self._materials.get(str(code), str(code))

    def enterprise(self, enterprise_id: Any) -> str:
        try:
            key = int(enterprise_id)
        except (TypeError, ValueError):
            return str(enterprise_id)
        if key not in self._enterprises:
            from apps.enterprises.models import Enterprise

            if self.application.enterprise_id == key and self.application.enterprise is not None:
                self._enterprises[key] = self.application.enterprise.name
            else:
                found = Enterprise.objects.filter(pk=key).values_list("name", flat=True).first()
                self._enterprises[key] = found or gettext("企业#%(id)s") % {"id": key}
        return self._enterprises[key]

    def category(self, code: Any) -> str:
        if self._categories is None:
            from apps.talents.models import TalentCategory

            self._categories = {
                c: _localized(name, name_en)
                for c, name, name_en in TalentCategory.objects.values_list("code", "name", "name_en")
            }
        return self._categories.get(str(code), str(code))

    # --- values -------------------------------------------------------------------------------

    def text(self, key: str, value: Any, depth: int = 0) -> str:
        """One value as words."""
        if depth > MAX_DEPTH:
            return str(TOO_DEEP)
        if value is None or (isinstance(value, str | list | dict) and not value):
            return "—"
        if key == "missing_materials" and isinstance(value, list):
            return _list([self.material(code) for code in value])
        if key == "material":
            return self.material(value)
        if key == "problems" and isinstance(value, list):
            return gettext("；").join(str(p) for p in value)
        if key == "supplement_days":
            return gettext("%(days)s个工作日") % {"days": value}
        if key == "version":
            return gettext("第%(n)s版") % {"n": value}
        if key == "card_class":
            return gettext("%(cls)s卡") % {"cls": value}
        if key == "quota" and isinstance(value, dict):
            return gettext("%(enterprise)s %(year)s年度指标") % {
                "enterprise": self.enterprise(value.get("enterprise")),
                "year": value.get("year") or "—",
            }
        if isinstance(value, dict):
            return gettext("；").join(f"{label}：{text}" for label, text in self.lines(value, depth + 1))
        if isinstance(value, list):
            return _list([self.text(key, v, depth + 1) for v in value])
        if isinstance(value, bool):
            return gettext("是") if value else gettext("否")
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        return str(value)

    def lines(self, data: dict[str, Any] | None, depth: int = 0) -> list[tuple[str, str]]:
        """``data`` (an event's or a result) as ``(label, text)`` lines, known keys first."""
        if not isinstance(data, dict):
            return []
        order = list(LABELS)
        keys = sorted(
            (k for k in data if k not in HIDDEN_KEYS),
            key=lambda k: (order.index(k) if k in order else len(order), str(k)),
        )
        return [(str(LABELS.get(k, k)), self.text(k, data[k], depth)) for k in keys]

    def result_lines(self) -> list[tuple[str, str]]:
        return self.lines(self.application.result or {})

    def precheck_items(self, report: dict[str, Any]) -> list[dict[str, Any]]:
        """Each issue of a (translated, ``selectors.precheck_report_shown``) report: its message and
        its details as ``(label, text)``."""
        items = []
        for issue in report.get("issues", []):
            details = []
            for key, label in PRECHECK_DETAIL_LABELS.items():
                values = issue.get(key)
                if not values:
                    continue
                if key == "materials":
                    text = _list([self.material(c) for c in values])
                elif key == "fields":
                    text = _list([str(PROFILE_FIELD_LABELS.get(f, f)) for f in values])
                elif key == "categories":
                    text = _list([self.category(c) for c in values])
                else:
                    text = _list([str(v) for v in values])
                details.append((str(label), text))
            items.append({"message": issue.get("message", ""), "details": details})
        return items


def reader_for(application: Application) -> Reader:
    """The application's ``Reader``, made once per instance."""
    reader = getattr(application, "_records_reader", None)
    if reader is None:
        reader = Reader(application)
        setattr(application, "_records_reader", reader)  # noqa: B010 - per request, on the instance
    return reader
