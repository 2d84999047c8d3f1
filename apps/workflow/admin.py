"""Staff review in the Django admin.

Applications are read-only here: every change goes through ``services``. The buttons on an
application are exactly ``selectors.available_actions`` for the signed-in user (the same workflow
table the API reads), each opening one form view (``<id>/act/<action>/``) with the inputs that
action needs. Django model permissions only decide who may *look*; who may *act* is the table's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from apps.accounts import access, roles
from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.admin_paging import FastChangeListMixin
from apps.core.crypto import pii_hash
from apps.core.exceptions import DomainError, NotFound, NotPermitted, ValidationFailed
from apps.core.identifiers import IdentifierError, resident_id_parse
from apps.core.templatetags.portal import localized
from apps.core.workdays import add_working_days, working_days_between, working_days_from
from apps.talents.models import Talent
from apps.talents.selectors import can_verify_holdings, holdings_for_review

from . import engine, records, selectors, services
from .admin_forms import (
    GUIDE_FIELDS,
    ApplicationActionForm,
    AssignForm,
    MaterialRequirementForm,
    ServiceDefinitionForm,
)
from .models import Application, ApplicationEvent, Attachment, DeadlineNotice, MaterialRequirement, ServiceDefinition
from .notices import notices_for
from .states import OPEN, Status

PERSONAL_DATA_PERM = "accounts.view_personal_data"
NUMBER_PREFIX = re.compile(r"^HZ[0-9-]*$", re.IGNORECASE)  # HZ2026-000123, or its beginning
DUE_SOON_WORKING_DAYS = selectors.DUE_SOON_WORKING_DAYS

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


def lines_html(lines: list[tuple[str, str]]) -> SafeString | str:
    """Labelled lines (``records``) as a definition list."""
    if not lines:
        return "—"
    return format_html('<dl class="hz-event-data">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", lines))


def event_data_html(event: ApplicationEvent) -> SafeString | str:
    """An event's data as labelled lines: material names, dates and counts in words, no hashes."""
    return lines_html(records.reader_for(event.application).lines(event.data))


# --- filters -------------------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """Open applications by default (API.md's "open"); every state, and all of them, one click away."""

    title = _("状态")
    parameter_name = "status"
    OPEN_VALUE = "open"
    ALL_VALUE = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(self.OPEN_VALUE, _("办理中（默认）")), (self.ALL_VALUE, _("全部")), *Status.choices]

    @classmethod
    def _known(cls, value: str | None) -> str:
        return value if value in (cls.OPEN_VALUE, cls.ALL_VALUE, *Status.values) else cls.OPEN_VALUE

    @classmethod
    def open_only(cls, request: HttpRequest) -> bool:
        """Whether the list holds open applications only (the queue's own order then applies)."""
        value = cls._known(request.GET.get(cls.parameter_name))
        return value == cls.OPEN_VALUE or value in OPEN

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self._known(self.value())
        if value == self.ALL_VALUE:
            return queryset
        if value == self.OPEN_VALUE:
            return queryset.filter(status__in=sorted(OPEN))
        return queryset.filter(status=value)

    def choices(self, changelist: Any) -> Any:
        # No "All" that drops the parameter: without it the list is the open one.
        current = self._known(self.value())
        for value, label in self.lookup_choices:
            yield {
                "selected": current == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


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

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        # The service's name in the reader's language (name_en for English), as on the portal's pages.
        return [(str(service.pk), localized(service, "name")) for service in ServiceDefinition.objects.order_by("id")]


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
        # A prefetch, not a join: every event then shares one application instance, so the names its
        # data needs (``records.reader_for``) are looked up once for the whole timeline.
        return super().get_queryset(request).select_related("actor").prefetch_related("application__service__materials")

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
        return engine.event_label(obj.application.service.code, obj.action, obj.from_status)

    @admin.display(description=_("状态变化"))
    def transition_display(self, obj: ApplicationEvent) -> str:
        if obj.from_status == obj.to_status:
            return status_label(obj.to_status)
        return f"{status_label(obj.from_status)} → {status_label(obj.to_status)}"

    @admin.display(description=_("数据"))
    def data_display(self, obj: ApplicationEvent) -> SafeString | str:
        return event_data_html(obj)


# --- applications --------------------------------------------------------------------------------


@admin.register(Application)
class ApplicationAdmin(FastChangeListMixin, admin.ModelAdmin):
    # What a clerk decides by, narrow enough for 1280 px with the sidebar open (workflow_admin.css):
    # the masked resident ID under the applicant's name, the badge beside it.
    list_display = (
        "number",
        "service_name",
        "applicant_name",
        "status_display",
        "deadline_display",
        "supplement_deadline_display",
        "assignee_name",
    )
    list_display_links = ("number",)
    list_select_related = ("service", "applicant", "assignee")
    list_filter = (StatusFilter, QueueFilter, ("service", ServiceFilter), DeadlineFilter)
    ordering = selectors.queue_ordering(open_only=False)
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
        (_("人才类别"), {"fields": ("categories_display",)}),
        (_("申请内容"), {"fields": ("data_display",)}),
        (_("缺少材料与需补正问题"), {"fields": ("missing_display", "problems_display")}),
        (_("申请材料"), {"fields": ("attachments_display",)}),
        (_("预审报告"), {"fields": ("precheck_display",)}),
        (_("文书"), {"fields": ("notices_display",)}),
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
        "categories_display",
        "data_display",
        "missing_display",
        "problems_display",
        "attachments_display",
        "precheck_display",
        "notices_display",
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

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # Working days left for the page's rows with one calendar, not one per row.
        rows = list(changelist.result_list)
        left = working_days_from(timezone.localdate(), [r.deadline for r in rows if r.deadline])
        for row in rows:
            row.working_days_left = left.get(row.deadline) if row.deadline else None
        changelist.result_list = rows
        return changelist

    def get_ordering(self, request: HttpRequest) -> Any:
        # Over open applications only (the default), the plain columns; otherwise priority counts
        # for the open ones alone (a withdrawn case keeps its old priority but not its place).
        return selectors.queue_ordering(open_only=StatusFilter.open_only(request))

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
        if NUMBER_PREFIX.match(term):
            # An application number, whole or its beginning: the number's index answers, where
            # LIKE '%…%' over every application joined to its applicant reads them all.
            return queryset.filter(number__startswith=term.upper()), False
        if term:
            # A name: the talents who bear it first (one scan of the talents, not one for the count and
            # another for the page), then their applications through the applicant index.
            talents = list(Talent.objects.filter(name__icontains=term).values_list("pk", flat=True))
            return queryset.filter(applicant_id__in=talents), False
        return super().get_search_results(request, queryset, search_term)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Application | None:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # Per request, on the instance: read-only displays get no request.
            setattr(obj, "shows_personal_data", request.user.has_perm(PERSONAL_DATA_PERM))  # noqa: B010
            # The permission matrix: finance sees the application but not its identity documents.
            setattr(obj, "shows_identity_documents", access.sees_all(request.user, access.IDENTITY_DOCUMENTS))  # noqa: B010
            setattr(obj, "verifies_categories", can_verify_holdings(request.user))  # noqa: B010
            # The evidence opens through the talent admin's download view, which lets these in.
            sees_talents = request.user.has_perm("talents.view_talent") or request.user.has_perm(
                "talents.change_talent"
            )
            setattr(obj, "shows_category_evidence", sees_talents)  # noqa: B010
        return obj

    # List columns

    @admin.display(description=_("服务事项"), ordering="service__sort_order")
    def service_name(self, obj: Application) -> str:
        return localized(obj.service, "name")

    @admin.display(description=_("状态"), ordering="status")
    def status_display(self, obj: Application) -> SafeString:
        return format_html("<span>{}</span>", obj.get_status_display())

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
    def applicant_name(self, obj: Application) -> SafeString:
        """The name, the green-card badge (queue priority, open applications only) and the masked ID."""
        badge = self.priority_badge(obj)
        badge = "" if badge == "—" else badge
        masked = obj.applicant.id_number_masked
        return format_html(
            '<span class="hz-nowrap">{}</span> {}{}',
            obj.applicant.name,
            badge,
            format_html('<br><small class="hz-quiet hz-nowrap">{}</small>', masked) if masked else "",
        )

    @admin.display(description=_("身份证号码"))
    def applicant_id_masked(self, obj: Application) -> str:
        return obj.applicant.id_number_masked or "—"

    @admin.display(description=_("优先级"), ordering="-priority")
    def priority_badge(self, obj: Application) -> SafeString | str:
        # Queue priority counts while the application is open (selectors.queue_ordering).
        if obj.priority > 0 and obj.status in OPEN:
            return format_html(
                '<span class="hz-badge hz-badge-green" title="{}">{}</span>',
                gettext("人才绿卡持有人优先"),
                gettext("绿卡"),
            )
        return "—"

    @admin.display(description=_("办结时限"), ordering=F("deadline").asc(nulls_last=True))
    def deadline_display(self, obj: Application) -> SafeString | str:
        if obj.deadline is None:
            return "—"
        left = getattr(obj, "working_days_left", None)
        if left is None:  # a row from outside the changelist
            left = working_days_between(timezone.localdate(), obj.deadline)
        if left < 0:
            days = ngettext("超期%(n)d个工作日", "超期%(n)d个工作日", -left) % {"n": -left}
        elif left == 0:
            days = gettext("今天到期")
        else:
            days = ngettext("剩%(n)d个工作日", "剩%(n)d个工作日", left) % {"n": left}
        state = getattr(obj, "deadline_state", "")
        if state == "overdue":
            date = format_html('<span class="hz-due hz-overdue" title="{}">{}</span>', gettext("已超期"), obj.deadline)
        elif state == "soon":
            date = format_html('<span class="hz-due hz-soon" title="{}">{}</span>', gettext("即将到期"), obj.deadline)
        else:
            date = format_html('<span class="hz-nowrap">{}</span>', obj.deadline)
        return format_html('{}<br><small class="hz-quiet hz-days">{}</small>', date, days)

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

    @admin.display(description=_("人才类别"))
    def categories_display(self, obj: Application) -> SafeString | str:
        """The applicant's categories with their verification: only verified ones count for
        eligibility, card class and priority. A reviewer verifies or un-verifies each with a button
        of the page's own form (it carries the CSRF token) posted to ``category_verify_view``."""
        holdings = holdings_for_review(obj.applicant_id)
        if not holdings:
            return gettext("未申报人才类别")
        verifies = getattr(obj, "verifies_categories", False)
        shows_evidence = getattr(obj, "shows_category_evidence", False)
        head = format_html_join(
            "",
            "<th scope='col'>{}</th>",
            (
                (label,)
                for label in (
                    gettext("人才类别"),
                    gettext("入选年度"),
                    gettext("认定机构"),
                    gettext("核验"),
                    gettext("证明材料"),
                    *([gettext("操作")] if verifies else []),
                )
            ),
        )
        rows = []
        for holding in holdings:
            cells = [
                localized(holding.category, "name"),
                holding.year or "—",
                holding.issuing_body or "—",
                self._verification_html(holding),
                self._evidence_html(holding, shows_evidence),
            ]
            if verifies:
                url = reverse("admin:workflow_application_category_verify", args=[obj.pk, holding.pk])
                label = gettext("撤销核验") if holding.verified else gettext("核验通过")
                cells.append(
                    format_html(
                        '<button type="submit" class="button" formaction="{}" formmethod="post" name="verified" '
                        'value="{}" data-holding="{}">{}</button>',
                        url,
                        "0" if holding.verified else "1",
                        holding.pk,
                        label,
                    )
                )
            rows.append(format_html_join("", "<td>{}</td>", ((cell,) for cell in cells)))
        return format_html(
            '<table class="hz-data hz-categories"><thead><tr>{}</tr></thead><tbody>{}</tbody></table><small>{}</small>',
            head,
            format_html_join("", "<tr>{}</tr>", ((row,) for row in rows)),
            gettext("只有已核验的人才类别计入申请资格、绿卡类别和办理优先级。"),
        )

    @staticmethod
    def _verification_html(holding: Any) -> SafeString:
        if not holding.verified:
            return format_html('<span class="hz-missing">{}</span>', gettext("未核验"))
        who = holding.verified_by
        if who is None:
            by = gettext("工作人员")
        else:
            # The groups are prefetched (holdings_for_review): no query per holding.
            labels = [str(roles.ROLE_LABELS[g.name]) for g in who.groups.all() if g.name in roles.STAFF_ROLES]
            by = f"{gettext('、').join(labels) or gettext('工作人员')}（{who.get_full_name() or who.username}）"
        return format_html(
            '<span class="hz-ok">✔ {}</span><br><small>{} · {}</small>',
            gettext("已核验"),
            by,
            local_time(holding.verified_at),
        )

    @staticmethod
    def _evidence_html(holding: Any, shows_evidence: bool) -> SafeString | str:
        if not holding.evidence:
            return format_html('<span class="hz-missing">{}</span>', gettext("未上传"))
        if not shows_evidence:
            return gettext("已上传")
        url = reverse("admin:talents_talent_evidence", args=[holding.talent_id, holding.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("下载"))

    @admin.display(description=_("办理结果"))
    def result_display(self, obj: Application) -> SafeString | str:
        return lines_html(records.reader_for(obj).result_lines())

    @admin.display(description=_("申请内容"))
    def data_display(self, obj: Application) -> SafeString | str:
        lines = records.reader_for(obj).lines(obj.data)
        if not lines:
            return "—"
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", lines)
        return format_html('<table class="hz-data">{}</table>', rows)

    @admin.display(description=_("缺少的材料"))
    def missing_display(self, obj: Application) -> SafeString | str:
        if not obj.missing_materials:
            return "—"
        reader = records.reader_for(obj)
        return format_html(
            "<ul class='hz-list'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((reader.material(c),) for c in obj.missing_materials)),
        )

    @admin.display(description=_("文书"))
    def notices_display(self, obj: Application) -> SafeString | str:
        """The printable notices issued so far, as the applicant gets them."""
        notices = notices_for(obj)
        if not notices:
            return gettext("尚未出具文书")
        return format_html(
            "<ul class='hz-list hz-notices'>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}" target="_blank" rel="noopener">{}</a></li>',
                ((n["url"], n["title"]) for n in notices),
            ),
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
        # Identity documents (and a material no longer in the catalog) only for those the matrix lets.
        shows_identity = getattr(obj, "shows_identity_documents", False)
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    m.name if m else att.material_code,
                    gettext("必交") if m and m.required else gettext("选交"),
                    format_html(
                        '<a href="{}">v{} · {} · {} KB · {}</a>',
                        download_url(att),
                        att.version,
                        att.original_name or att.material_code,
                        max(1, att.size // 1024),
                        timezone.localtime(att.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                    )
                    if att and (shows_identity or (m is not None and not m.identity_document))
                    else format_html("v{} · {}", att.version, gettext("身份证件，无权下载"))
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
        reader = records.reader_for(obj)
        items = [
            (item["message"], lines_html(item["details"]) if item["details"] else "")
            for item in reader.precheck_items(selectors.precheck_report_shown(report))
        ]
        return format_html(
            '<ul class="hz-issues">{}</ul><small>{}</small>',
            format_html_join("", "<li><b>{}</b>{}</li>", items),
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
            # Not admin_view: that sends whoever is not staff to the login page; this answers 403.
            path(
                "<path:object_id>/categories/<int:holding_id>/verify/",
                csrf_protect(never_cache(self.category_verify_view)),
                name="workflow_application_category_verify",
            ),
        ]
        return urls + super().get_urls()

    def category_verify_view(self, request: HttpRequest, object_id: str, holding_id: int) -> HttpResponse:
        """POST ``verified=1`` verifies one of the applicant's categories, ``verified=0`` takes the
        verification back, through ``services.application_category_verify`` (reviewers, and staff who
        may change holdings). 403 for anyone else and for any other method; 404 for a holding that
        is not the applicant's; 400 for a ``verified`` that is neither."""
        if not is_district_staff(request) or request.method != "POST":
            raise PermissionDenied
        application_id = unquote(object_id)
        if not application_id.isdigit():
            raise Http404
        choice = request.POST.get("verified")
        if choice not in ("0", "1"):
            return HttpResponseBadRequest(gettext("verified：须为 1（核验通过）或 0（撤销核验）"))
        try:
            holding = services.application_category_verify(
                application_id=int(application_id),
                holding_id=holding_id,
                verified=choice == "1",
                actor=request.user,
            )
        except NotPermitted:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        name = localized(holding.category, "name")
        if holding.verified:
            messages.success(request, gettext("已核验人才类别『%(name)s』") % {"name": name})
        else:
            messages.success(request, gettext("已撤销人才类别『%(name)s』的核验") % {"name": name})
        return HttpResponseRedirect(reverse("admin:workflow_application_change", args=[int(application_id)]))

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
        status = 200
        # accept with required materials missing: the service's 409, shown before anything is posted,
        # with 容缺受理 offered instead (its form starts from those materials).
        incomplete = self._materials_refusal(obj, action)
        if request.method == "POST" and incomplete is not None:
            status = 409
        elif request.method == "POST":
            form = ApplicationActionForm(request.POST, application=obj, transition=transition, user=request.user)
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
                except engine.MaterialsMissing as exc:  # the catalog changed since the page was shown
                    incomplete, status = exc, 409
                except DomainError as exc:  # 403 role/duty, 404, 409 state or quota
                    messages.error(request, error_text(exc))
                    return HttpResponseRedirect(change_url)
                else:
                    done = {"number": updated.number, "action": label, "status": status_label(updated.status)}
                    messages.success(request, gettext("%(number)s：%(action)s → %(status)s") % done)
                    return HttpResponseRedirect(change_url)
            else:
                messages.error(request, gettext("请更正下列错误"))
        if request.method != "POST" or incomplete is not None:
            form = ApplicationActionForm(application=obj, transition=transition, user=request.user)
        offer = None
        if incomplete is not None and engine.MISSING_MATERIALS_WAY in selectors.available_actions(request.user, obj):
            way = transition_for(obj, engine.MISSING_MATERIALS_WAY)
            offer = {
                "url": reverse("admin:workflow_application_act", args=[obj.pk, engine.MISSING_MATERIALS_WAY]),
                "label": (way.label if way else "") or engine.MISSING_MATERIALS_WAY,
            }
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
            "incomplete": incomplete,
            "offer": offer,
        }
        return TemplateResponse(request, "admin/workflow/application/act.html", context, status=status)

    @staticmethod
    def _materials_refusal(obj: Application, action: str) -> engine.MaterialsMissing | None:
        try:
            selectors.complete_materials_check(obj, action)
        except engine.MaterialsMissing as exc:
            return exc
        return None

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
        return event_data_html(obj)


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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        qs = super().get_queryset(request)
        if access.sees_all(request.user, access.IDENTITY_DOCUMENTS):
            return qs
        # The permission matrix withholds identity documents (and materials no longer in the
        # catalog) from this user: marked in the same query, the link is left out.
        ordinary = MaterialRequirement.objects.filter(
            service=OuterRef("application__service"), code=OuterRef("material_code"), identity_document=False
        )
        return qs.annotate(download_withheld=~Exists(ordinary))

    @admin.display(description=_("下载"))
    def download(self, obj: Attachment) -> SafeString | str:
        if getattr(obj, "download_withheld", False):
            return gettext("身份证件，无权下载")
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
