"""Staff review in the Django admin.

Applications are read-only here: every change goes through ``services``. The buttons on an
application are exactly ``selectors.available_actions`` for the signed-in user (the same workflow
table the API reads), each opening one form view (``<id>/act/<action>/``) with the inputs that
action needs. Django model permissions only decide who may *look*; who may *act* is the table's.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, Count, F, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.admin_paging import FastChangeListMixin
from apps.core.crypto import pii_hash
from apps.core.exceptions import DomainError, ValidationFailed
from apps.core.identifiers import IdentifierError, resident_id_parse
from apps.core.workdays import add_working_days

from . import engine, selectors, services
from .admin_forms import (
    GUIDE_FIELDS,
    ApplicationActionForm,
    AssignForm,
    MaterialRequirementForm,
    ServiceDefinitionForm,
)
from .models import Application, ApplicationEvent, Attachment, DeadlineNotice, MaterialRequirement, ServiceDefinition
from .states import Status

PERSONAL_DATA_PERM = "accounts.view_personal_data"
DUE_SOON_WORKING_DAYS = 2  # the same window as the deadline reminders (services.deadlines_scan)

# --- read helpers --------------------------------------------------------------------------------


def download_url(attachment: Attachment) -> str:
    """The API's download view: it checks who is asking (staff sessions are accepted there)."""
    return f"/api/v1/applications/{attachment.application_id}/attachments/{attachment.pk}/download/"


def transition_for(application: Application, action: str) -> engine.Transition | None:
    """The table row of ``action`` from the application's state, else any row of that action."""
    return engine.transition_for(application.service.code, action, application.status)


def refusal(user: Any, application: Application, action: str) -> str:
    """Why ``user`` may not take ``action`` now, in the words the service would use."""
    rows = [t for t in engine.table_for(application.service.code) if t.action == action]
    caller = selectors.caller_roles(user, application)
    if not rows or action in engine.SYSTEM_ACTIONS:
        return gettext("未知操作：%(action)s") % {"action": action}
    if not any(engine.allows(t, caller) for t in rows):
        return gettext("您的角色不能执行此操作")
    row = next((t for t in rows if t.source == application.status), None)
    status = Status(application.status).label
    if row is None:
        return gettext("申请当前状态为「%(status)s」，不能执行此操作") % {"status": status}
    if not engine.allows(row, caller):
        return gettext("您的角色不能在「%(status)s」状态执行此操作") % {"status": status}
    conflict = selectors.duty_conflict(user, application, row)
    if conflict:
        return gettext("职责分离：%(conflict)s") % {"conflict": conflict}
    if selectors.awaiting_supplement(application, action):
        return gettext("容缺受理的材料尚未补齐")
    return gettext("不能执行此操作")


def error_text(error: DomainError) -> str:
    data = error.messages_by_field()
    if list(data) == ["detail"]:
        return str(error.detail)
    within = gettext("，")
    return gettext("；").join(f"{field}: {within.join(msgs)}" for field, msgs in data.items())


def status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value or "—"


def is_district_staff(request: HttpRequest) -> bool:
    # The admin's login page asks too, for an anonymous user.
    return bool(getattr(request.user, "is_district_staff", False))


def local_time(value: dt.datetime | str | None) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


JSON_TOO_DEEP = _("（内容嵌套过深，无法显示）")


def event_data_html(data: dict[str, Any]) -> SafeString | str:
    """An event's data as short ``key: value`` lines (lists joined, nested values as JSON)."""
    if not data:
        return "—"

    def text(value: Any) -> str:
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            return gettext("、").join(str(v) for v in value) or "—"
        if isinstance(value, dict | list):
            try:
                return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
            except RecursionError:
                return str(JSON_TOO_DEEP)
        return "—" if value is None else str(value)

    return format_html(
        '<dl class="hz-event-data">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k, text(v)) for k, v in sorted(data.items()))),
    )


def _json(value: Any) -> str:
    # Data stored before it was bounded may nest deeper than json.dumps can recurse.
    try:
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    except RecursionError:
        return str(JSON_TOO_DEEP)


# --- filters -------------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """The staff work queues, with ``selectors.staff_queue``'s meaning (open applications only)."""

    title = _("工作队列")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("mine", _("我的待办")),
            ("unassigned", _("未分配")),
            ("due_soon", _("即将到期")),
            ("overdue", _("已超期")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value not in {"mine", "unassigned", "due_soon", "overdue"}:
            return queryset
        # One WHERE clause: the changelist's query AND the queue's conditions.
        return queryset & selectors.staff_queue(request.user, queue=value)


class ServiceFilter(admin.RelatedFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.title = _("服务事项")


class DeadlineFilter(admin.SimpleListFilter):
    title = _("办结时限")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("已超期")),
            ("today", _("今天到期")),
            ("week", _("本周到期")),
            ("none", _("无时限")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        value = self.value()
        if value == "overdue":
            return queryset.filter(deadline__lt=today)
        if value == "today":
            return queryset.filter(deadline=today)
        if value == "week":
            sunday = today + dt.timedelta(days=6 - today.weekday())
            return queryset.filter(deadline__gte=today, deadline__lte=sunday)
        if value == "none":
            return queryset.filter(deadline__isnull=True)
        return queryset


# --- the timeline --------------------------------------------------------------------------------


class ApplicationEventInline(admin.TabularInline):
    """The append-only timeline, oldest first."""

    model = ApplicationEvent
    verbose_name = _("办理记录")
    verbose_name_plural = _("办理记录")
    fields = (
        "at_display",
        "action_display",
        "transition_display",
        "actor_display",
        "note_display",
        "data_display",
        "ip",
    )
    readonly_fields = fields
    ordering = ("at", "id")
    classes = ("hz-timeline",)
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor", "application__service")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("时间"))
    def at_display(self, obj: ApplicationEvent) -> str:
        return local_time(obj.at)

    @admin.display(description=_("办理人"))
    def actor_display(self, obj: ApplicationEvent) -> str:
        if obj.actor is None:
            return gettext("系统")
        return obj.actor.get_full_name() or obj.actor.username

    @admin.display(description=_("意见"))
    def note_display(self, obj: ApplicationEvent) -> str:
        return obj.note or "—"

    @admin.display(description=_("操作"))
    def action_display(self, obj: ApplicationEvent) -> str:
        label = engine.event_label(obj.application.service.code, obj.action, obj.from_status)
        return f"{label}（{obj.action}）"

    @admin.display(description=_("状态变化"))
    def transition_display(self, obj: ApplicationEvent) -> str:
        if obj.from_status == obj.to_status:
            return status_label(obj.to_status)
        return f"{status_label(obj.from_status)} → {status_label(obj.to_status)}"

    @admin.display(description=_("数据"))
    def data_display(self, obj: ApplicationEvent) -> SafeString | str:
        return event_data_html(obj.data)


# --- applications --------------------------------------------------------------------------------


@admin.register(Application)
class ApplicationAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "service_name",
        "applicant_name",
        "applicant_id_masked",
        "status_display",
        "priority_badge",
        "deadline_display",
        "supplement_deadline_display",
        "assignee_name",
    )
    list_display_links = ("number",)
    list_select_related = ("service", "applicant", "assignee")
    list_filter = (QueueFilter, ("service", ServiceFilter), "status", DeadlineFilter)
    ordering = ("-priority", F("deadline").asc(nulls_last=True), "id")
    search_fields = ("number", "applicant__name")
    search_help_text = _("申请编号、申请人姓名，或完整的居民身份证号码")
    show_full_result_count = False
    list_per_page = 50
    actions = ["assign_to_me", "assign_to", "unassign"]
    inlines = [ApplicationEventInline]
    change_form_template = "admin/workflow/application/change_form.html"
    change_list_template = "admin/workflow/application/change_list.html"
    fieldsets = (
        (
            _("概要"),
            {
                "fields": (
                    ("number", "service_name"),
                    ("status", "priority_badge"),
                    ("assignee_name", "submitted_by"),
                    "enterprise_name",
                    ("submitted_at_display", "accepted_at_display"),
                    ("deadline_display", "supplement_deadline_display"),
                    ("decided_at_display", "completed_at_display"),
                    "reject_reason",
                    "result_display",
                )
            },
        ),
        (
            _("申请人"),
            {
                "fields": (
                    ("applicant_name", "applicant_id_number"),
                    ("applicant_phone", "applicant_employer"),
                )
            },
        ),
        (_("申请内容"), {"fields": ("data_display",)}),
        (_("缺少材料与需补正问题"), {"fields": ("missing_display", "problems_display")}),
        (_("申请材料"), {"fields": ("attachments_display",)}),
        (_("预审报告"), {"fields": ("precheck_display",)}),
    )
    readonly_fields = (
        "number",
        "service_name",
        "status",
        "priority_badge",
        "assignee_name",
        "submitted_by",
        "enterprise_name",
        "submitted_at_display",
        "accepted_at_display",
        "deadline_display",
        "supplement_deadline_display",
        "decided_at_display",
        "completed_at_display",
        "reject_reason",
        "result_display",
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        "applicant_employer",
        "data_display",
        "missing_display",
        "problems_display",
        "attachments_display",
        "precheck_display",
    )

    # Who may look: staff with the view permission. Nobody edits, adds or deletes here.

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_district_staff(request) and super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_district_staff(request) and super().has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    # Queries

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        today = timezone.localdate()
        soon = add_working_days(today, DUE_SOON_WORKING_DAYS)  # once per request, not per row
        return (
            super()
            .get_queryset(request)
            .select_related("service", "applicant", "assignee")
            .annotate(
                deadline_state=Case(
                    When(deadline__lt=today, then=Value("overdue")),
                    When(deadline__lte=soon, then=Value("soon")),
                    default=Value(""),
                    output_field=CharField(),
                )
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        # A full resident ID is found through its keyed hash: the column itself is ciphertext.
        term = search_term.strip()
        if len(term) == 18:
            try:
                number = resident_id_parse(term).number
            except IdentifierError:
                pass
            else:
                return queryset.filter(applicant__id_number_hash=pii_hash(number)), False
        return super().get_search_results(request, queryset, search_term)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Application | None:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # Per request, on the instance: read-only displays get no request.
            setattr(obj, "shows_personal_data", request.user.has_perm(PERSONAL_DATA_PERM))  # noqa: B010
        return obj

    # List columns

    @admin.display(description=_("服务事项"), ordering="service__sort_order")
    def service_name(self, obj: Application) -> str:
        return obj.service.name

    @admin.display(description=_("状态"), ordering="status")
    def status_display(self, obj: Application) -> SafeString:
        return format_html('<span class="hz-nowrap">{}</span>', obj.get_status_display())

    @admin.display(description=_("补正期限"), ordering="supplement_deadline")
    def supplement_deadline_display(self, obj: Application) -> SafeString | str:
        if obj.supplement_deadline is None:
            return "—"
        return format_html('<span class="hz-nowrap">{}</span>', obj.supplement_deadline.isoformat())

    @admin.display(description=_("经办人"), ordering="assignee__username")
    def assignee_name(self, obj: Application) -> str:
        if obj.assignee is None:
            return "—"
        return obj.assignee.get_full_name() or obj.assignee.username

    @admin.display(description=_("申请人"), ordering="applicant__name")
    def applicant_name(self, obj: Application) -> str:
        return obj.applicant.name

    @admin.display(description=_("身份证号码"))
    def applicant_id_masked(self, obj: Application) -> str:
        return obj.applicant.id_number_masked or "—"

    @admin.display(description=_("优先级"), ordering="-priority")
    def priority_badge(self, obj: Application) -> SafeString | str:
        if obj.priority > 0:
            return format_html(
                '<span class="hz-badge hz-badge-green" title="{}">{}</span>', obj.priority, gettext("绿卡")
            )
        return "—"

    @admin.display(description=_("办结时限"), ordering=F("deadline").asc(nulls_last=True))
    def deadline_display(self, obj: Application) -> SafeString | str:
        if obj.deadline is None:
            return "—"
        state = getattr(obj, "deadline_state", "")
        if state == "overdue":
            return format_html('<span class="hz-due hz-overdue" title="{}">{}</span>', gettext("已超期"), obj.deadline)
        if state == "soon":
            return format_html('<span class="hz-due hz-soon" title="{}">{}</span>', gettext("即将到期"), obj.deadline)
        return str(obj.deadline)

    # Change view (read-only displays)

    @admin.display(description=_("用人单位"))
    def enterprise_name(self, obj: Application) -> str:
        return str(obj.enterprise) if obj.enterprise_id else "—"

    @admin.display(description=_("提交时间"))
    def submitted_at_display(self, obj: Application) -> str:
        return local_time(obj.submitted_at)

    @admin.display(description=_("受理时间"))
    def accepted_at_display(self, obj: Application) -> str:
        return local_time(obj.accepted_at)

    @admin.display(description=_("决定时间"))
    def decided_at_display(self, obj: Application) -> str:
        return local_time(obj.decided_at)

    @admin.display(description=_("办结时间"))
    def completed_at_display(self, obj: Application) -> str:
        return local_time(obj.completed_at)

    @admin.display(description=_("身份证号码"))
    def applicant_id_number(self, obj: Application) -> str:
        talent = obj.applicant
        if getattr(obj, "shows_personal_data", False):
            return talent.id_number or "—"
        return talent.id_number_masked or "—"

    @admin.display(description=_("手机号码"))
    def applicant_phone(self, obj: Application) -> str:
        talent = obj.applicant
        if getattr(obj, "shows_personal_data", False):
            return talent.phone or "—"
        return talent.phone_masked or "—"

    @admin.display(description=_("工作单位"))
    def applicant_employer(self, obj: Application) -> str:
        employer = obj.applicant.employer
        green = " · " + gettext("人才绿卡持有人") if obj.applicant.is_green_card_holder else ""
        return f"{employer or '—'}{green}"

    @admin.display(description=_("办理结果"))
    def result_display(self, obj: Application) -> SafeString | str:
        return format_html('<pre class="hz-json">{}</pre>', _json(obj.result)) if obj.result else "—"

    @admin.display(description=_("申请内容"))
    def data_display(self, obj: Application) -> SafeString | str:
        if not obj.data:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td></tr>",
            ((key, value if isinstance(value, str) else _json(value)) for key, value in sorted(obj.data.items())),
        )
        return format_html('<table class="hz-data">{}</table>', rows)

    def _material_names(self, obj: Application) -> dict[str, str]:
        cache = getattr(obj, "_material_names", None)
        if cache is None:
            cache = dict(obj.service.materials.values_list("code", "name"))
            setattr(obj, "_material_names", cache)  # noqa: B010 - per request, on the instance
        return cache

    @admin.display(description=_("缺少的材料"))
    def missing_display(self, obj: Application) -> SafeString | str:
        if not obj.missing_materials:
            return "—"
        names = self._material_names(obj)
        return format_html(
            "<ul class='hz-list'>{}</ul>",
            format_html_join("", "<li>{}（{}）</li>", ((names.get(c, c), c) for c in obj.missing_materials)),
        )

    @admin.display(description=_("需补正的问题"))
    def problems_display(self, obj: Application) -> SafeString | str:
        if not obj.problems:
            return "—"
        return format_html(
            "<ol class='hz-list'>{}</ol>", format_html_join("", "<li>{}</li>", ((p,) for p in obj.problems))
        )

    @admin.display(description=_("最新版本材料"))
    def attachments_display(self, obj: Application) -> SafeString | str:
        latest = selectors.latest_attachments(obj)
        materials = list(obj.service.materials.all())
        rows = []
        for m in materials:
            att = latest.pop(m.code, None)
            rows.append((m, att))
        rows += [(None, att) for att in latest.values()]  # a material no longer in the catalog
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{m.name}（{m.code}）" if m else att.material_code,
                    gettext("必交") if m and m.required else gettext("选交"),
                    format_html(
                        '<a href="{}">v{} · {} · {} KB · {}</a>',
                        download_url(att),
                        att.version,
                        att.original_name or att.material_code,
                        max(1, att.size // 1024),
                        timezone.localtime(att.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                    )
                    if att
                    else format_html('<span class="hz-missing">{}</span>', gettext("未上传")),
                )
                for m, att in rows
            ),
        )
        return format_html('<table class="hz-data hz-materials">{}</table>', body)

    @admin.display(description=_("预审报告"))
    def precheck_display(self, obj: Application) -> SafeString | str:
        report = obj.precheck_report or {}
        if not report:
            return gettext("尚未预审")
        checked = gettext("预审时间：%(time)s") % {"time": local_time(report.get("checked_at"))}
        if report.get("ok"):
            return format_html('<span class="hz-ok">✔ {}</span> <small>{}</small>', gettext("预审无问题"), checked)
        names = self._material_names(obj)
        items = []
        for issue in selectors.precheck_report_shown(report).get("issues", []):
            details = []
            if issue.get("materials"):
                details.append(gettext("、").join(f"{names.get(c, c)}（{c}）" for c in issue["materials"]))
            for key in ("fields", "categories", "applications"):
                if issue.get(key):
                    details.append(f"{key}: {', '.join(str(v) for v in issue[key])}")
            items.append((issue.get("code", ""), issue.get("message", ""), gettext("；").join(details)))
        return format_html(
            '<ul class="hz-issues">{}</ul><small>{}</small>',
            format_html_join("", "<li><b>{}</b> {}<br><small>{}</small></li>", items),
            checked,
        )

    # Buttons and the action view

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_view_permission(request, obj):
            extra_context["workflow_actions"] = self.action_buttons(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def action_buttons(self, request: HttpRequest, obj: Application) -> list[dict[str, str]]:
        buttons = []
        for action in selectors.available_actions(request.user, obj):
            t = transition_for(obj, action)
            buttons.append(
                {
                    "action": action,
                    "label": (t.label if t else "") or action,
                    "url": reverse("admin:workflow_application_act", args=[obj.pk, action]),
                    "danger": action in ("reject", "return"),
                }
            )
        return buttons

    def get_urls(self) -> list:
        urls = [
            path(
                "<path:object_id>/act/<slug:action>/",
                self.admin_site.admin_view(self.act_view),
                name="workflow_application_act",
            ),
        ]
        return urls + super().get_urls()

    def act_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """One form for every action: the inputs its table row needs; the service decides."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        change_url = reverse("admin:workflow_application_change", args=[obj.pk])
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseRedirect(change_url)
        transition = transition_for(obj, action)
        if transition is None or action not in selectors.available_actions(request.user, obj):
            messages.error(request, refusal(request.user, obj, action))
            return HttpResponseRedirect(change_url)
        label = transition.label or action
        if request.method == "POST":
            form = ApplicationActionForm(request.POST, application=obj, transition=transition)
            if form.is_valid():
                try:
                    updated = services.application_act(
                        application_id=obj.pk,
                        action=action,
                        actor=request.user,
                        inputs=form.service_inputs(),
                        ip=request.META.get("REMOTE_ADDR"),
                    )
                except ValidationFailed as exc:
                    form.add_service_errors(exc)
                    messages.error(request, error_text(exc))
                except DomainError as exc:  # 403 role/duty, 404, 409 state or quota
                    messages.error(request, error_text(exc))
                    return HttpResponseRedirect(change_url)
                else:
                    done = {"number": updated.number, "action": label, "status": status_label(updated.status)}
                    messages.success(request, gettext("%(number)s：%(action)s → %(status)s") % done)
                    return HttpResponseRedirect(change_url)
            else:
                messages.error(request, gettext("请更正下列错误"))
        else:
            form = ApplicationActionForm(application=obj, transition=transition)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": f"{label} · {obj.number}",
            "subtitle": None,
            "original": obj,
            "application": obj,
            "action": action,
            "label": label,
            "transition": transition,
            "target_label": status_label(transition.target),
            "form": form,
            "change_url": change_url,
            "has_view_permission": True,
            "precheck": self.precheck_display(obj),
            "missing": self.missing_display(obj),
            "problems": self.problems_display(obj),
        }
        return TemplateResponse(request, "admin/workflow/application/act.html", context)

    # Assignment (bulk actions)

    def _assign(self, request: HttpRequest, queryset: QuerySet, assignee: Any) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        try:
            changed = services.applications_assign(application_ids=ids, assignee=assignee, actor=request.user)
        except DomainError as exc:
            messages.error(request, error_text(exc))
            return
        who = getattr(assignee, "username", None)
        if who:
            message = ngettext("已将 %(n)d 件申请分配给 %(who)s", "已将 %(n)d 件申请分配给 %(who)s", changed)
            messages.success(request, message % {"n": changed, "who": who})
        else:
            message = ngettext("已取消 %(n)d 件申请的分配", "已取消 %(n)d 件申请的分配", changed)
            messages.success(request, message % {"n": changed})

    @admin.action(description=_("分配给我"), permissions=["assign"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._assign(request, queryset, request.user)

    @admin.action(description=_("分配给…"), permissions=["assign"])
    def assign_to(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if request.POST.get("post"):
            form = AssignForm(request.POST)
            if form.is_valid():
                self._assign(request, queryset, form.cleaned_data["assignee"])
                return None
        else:
            form = AssignForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": _("分配经办人"),
            "subtitle": None,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/workflow/application/assign_to.html", context)

    @admin.action(description=_("取消分配"), permissions=["assign"])
    def unassign(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._assign(request, queryset, None)


# --- the catalog ---------------------------------------------------------------------------------


class MaterialRequirementInline(admin.TabularInline):
    model = MaterialRequirement
    form = MaterialRequirementForm
    fields = MaterialRequirementForm.Meta.fields
    extra = 0
    ordering = ("sort_order", "id")


@admin.register(ServiceDefinition)
class ServiceDefinitionAdmin(admin.ModelAdmin):
    """The service catalog, edited by district admins; others with the view permission may look."""

    form = ServiceDefinitionForm
    list_display = ("code", "name", "time_limit_days", "applicant_kinds_display", "material_count", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "description", "description_en", "active", "sort_order")}),
        (_("办事指南"), {"fields": GUIDE_FIELDS}),
        (
            _("办理规则"),
            {"fields": ("time_limit_days", "applicant_kinds", "eligible_categories", "config")},
        ),
    )
    filter_horizontal = ("eligible_categories",)
    inlines = [MaterialRequirementInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(material_count=Count("materials"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code is how the engine finds a service's steps: fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # applications refer to it; deactivate instead

    @admin.display(description=_("申请人类型"))
    def applicant_kinds_display(self, obj: ServiceDefinition) -> str:
        labels = dict(ServiceDefinition.ApplicantKind.choices)
        return gettext("、").join(str(labels.get(k, k)) for k in obj.applicant_kinds or [])

    @admin.display(description=_("材料数"), ordering="material_count")
    def material_count(self, obj: ServiceDefinition) -> int:
        return getattr(obj, "material_count", 0)  # annotated in get_queryset


# --- append-only records -------------------------------------------------------------------------


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only records: looked at, never added, changed or deleted by hand."""

    show_full_result_count = False


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "application", "action", "transition_display", "actor", "note", "ip")
    list_filter = ("action",)
    list_select_related = ("application", "actor")
    search_fields = ("=application__number",)
    ordering = ("-at", "-id")
    fields = ("application", "action", "from_status", "to_status", "actor", "note", "data_display", "ip", "at")
    readonly_fields = fields

    @admin.display(description=_("状态变化"))
    def transition_display(self, obj: ApplicationEvent) -> str:
        return f"{status_label(obj.from_status)} → {status_label(obj.to_status)}"

    @admin.display(description=_("数据"))
    def data_display(self, obj: ApplicationEvent) -> SafeString | str:
        return event_data_html(obj.data)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = (
        "application",
        "material_code",
        "version",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    list_filter = ("content_type",)
    list_select_related = ("application", "uploaded_by")
    search_fields = ("=application__number", "material_code")
    ordering = ("-uploaded_at", "-id")
    fields = (
        "application",
        "material_code",
        "version",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    readonly_fields = fields

    @admin.display(description=_("下载"))
    def download(self, obj: Attachment) -> SafeString:
        return format_html('<a href="{}">{}</a>', download_url(obj), gettext("下载"))


@admin.register(DeadlineNotice)
class DeadlineNoticeAdmin(ReadOnlyAdmin):
    list_display = ("at", "application", "kind", "deadline")
    list_filter = ("kind",)
    list_select_related = ("application",)
    search_fields = ("=application__number",)
    ordering = ("-at", "-id")
    fields = ("application", "kind", "deadline", "at")
    readonly_fields = fields
