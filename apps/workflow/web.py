"""The application pages of talents (``/my/``) and of enterprise HR applying for them (``/hr/``).

A wizard keeps the draft (service fields → materials → check answers → submit), then the application's
own page shows its progress, materials, notices and what the applicant may do now. Every write calls
the same service as the API (``application_create``, ``application_update``, ``attachment_upload``,
``application_act``); visibility is ``selectors.applications_visible_to``, so someone else's application
is a 404 here exactly as in the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import roles
from apps.core.exceptions import DomainError, NotFound
from apps.core.forms import form_errors_from
from apps.core.templatetags.portal import localized
from apps.enterprises.selectors import enterprise_for_user
from apps.talents.selectors import employment_claims_pending, talent_for_user, talents_visible_to

from . import actors, engine, selectors, services
from .downloads import attachment_response
from .models import Application, ServiceDefinition
from .notices import notices_for
from .states import CLOCK_RUNNING, OPEN, Status

HR_APPLICATIONS_PER_PAGE = 50
HR_TALENTS_SHOWN = 200  # the /hr/ page lists this many of the enterprise's talents, by name
HR_CLAIMS_SHOWN = 50  # and this many employment claims waiting for HR, longest waiting first

# Sides of the portal an application page lives on; URL names are "<side>-<page>".
MY, HR = "my", "hr"
SIDE_ROLE = {MY: roles.TALENT, HR: roles.ENTERPRISE_HR}
# The actions an applicant takes from these pages (the engine decides which are available now).
APPLICANT_ACTIONS = ("submit", "resubmit", "withdraw")

# Shown on the public timeline of an application: assignment is staff housekeeping.
HIDDEN_EVENTS = frozenset({"assign"})

STATUS_TONE: dict[str, str] = {
    Status.DRAFT: "action",
    Status.RETURNED: "action",
    Status.SUBMITTED: "open",
    Status.PRE_REVIEW: "open",
    Status.UNDER_REVIEW: "open",
    Status.PENDING_APPROVAL: "open",
    Status.PUBLICITY: "open",
    Status.APPROVED: "done",
    Status.COMPLETED: "done",
    Status.REJECTED: "bad",
    Status.WITHDRAWN: "closed",
}


def next_step(application: Application) -> str:
    """What the applicant should do or expect now, in plain words."""
    status = application.status
    if status == Status.DRAFT:
        return _("上传材料后提交申请。")
    if status == Status.RETURNED:
        return _("请按一次性告知书补正材料后重新提交。")
    if status in (Status.SUBMITTED, Status.PRE_REVIEW):
        return _("已提交，等待窗口受理。")
    if status in CLOCK_RUNNING and application.missing_materials:
        return _("已容缺受理：请在补正期限前上传缺少的材料。")
    if status in (Status.UNDER_REVIEW, Status.PENDING_APPROVAL, Status.PUBLICITY):
        return _("审核中，无需操作。")
    if status == Status.APPROVED:
        return _("已批准，等待办结。")
    if status == Status.COMPLETED:
        return _("已办结。欢迎对本次服务作出评价。")
    if status == Status.REJECTED:
        return _("不予批准，理由见决定书。")
    return _("已撤回。")


@dataclass
class Side:
    code: str

    def url(self, page: str, *args: Any) -> str:
        return reverse(f"{self.code}-{page}", args=args)


def _side(request: HttpRequest, side: str) -> Side:
    """The user must hold the side's role (a talent on /my/, HR on /hr/): anyone else gets 403."""
    if not request.user.has_role(SIDE_ROLE[side]):
        raise PermissionDenied
    return Side(side)


def _application(request: HttpRequest, pk: int) -> Application:
    application = selectors.applications_visible_to(request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def _own(request: HttpRequest, pk: int, side: Side) -> Application:
    """An application the user is the applicant of (visible and theirs): staff pages are the admin."""
    application = _application(request, pk)
    if not selectors.is_applicant(request.user, application):
        raise Http404
    return application


def _wizard_context(application: Application, side: Side, step: str) -> dict[str, Any]:
    steps = [
        ("edit", _("申请信息")),
        ("materials", _("上传材料")),
        ("review", _("核对并提交")),
    ]
    order = [code for code, _label in steps]
    return {
        "application": application,
        "side": side,
        "steps": [
            {
                "code": code,
                "label": label,
                "url": side.url(f"application-{code}", application.pk),
                "done": order.index(code) < order.index(step),
            }
            for code, label in steps
        ],
        "step": step,
    }


def _editable(application: Application) -> bool:
    return application.status in (Status.DRAFT, Status.RETURNED)


# --- forms -------------------------------------------------------------------------------------


class ApplicationFieldsForm(forms.Form):
    """The service fields every service shares today; a service with fields of its own (a subsidy's
    programme and amount, an apartment batch) adds its form here when it is built."""

    remarks = forms.CharField(
        label=gettext_lazy("补充说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("需要向窗口说明的情况，最多500字"),
    )


class HrApplicationForm(ApplicationFieldsForm):
    talent = forms.TypedChoiceField(label=gettext_lazy("为哪位人才申请"), coerce=int)
    field_order = ["talent", "remarks"]

    def __init__(self, *args: Any, talents: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["talent"]).choices = [("", _("请选择")), *talents]


class UploadForm(forms.Form):
    """One material's file; the form's prefix is the material's code, so each row posts its own name."""

    file = forms.FileField(label=gettext_lazy("选择文件"))


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("您对本次服务的评价"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[],
    )
    comment = forms.CharField(
        label=gettext_lazy("意见和建议"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any):
        from apps.engagement.models import ServiceRating

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["score"]).choices = sorted(ServiceRating.Score.choices, reverse=True)


def _remarks_data(form: forms.Form) -> dict[str, Any]:
    remarks = form.cleaned_data.get("remarks", "").strip()
    return {"remarks": remarks} if remarks else {}


def _error_text(exc: DomainError) -> str:
    """A service's refusal as one message for the applicant (field names are for the API and staff)."""
    return " ".join(m for messages_ in exc.messages_by_field().values() for m in messages_)


def _services_for(kind: str) -> list[ServiceDefinition]:
    """The active services this kind of applicant (a talent, or HR for a talent) may apply for."""
    return [s for s in selectors.services_catalog() if kind in s.applicant_kinds]


def _service_or_none(code: str | None) -> ServiceDefinition | None:
    if not code:
        return None
    return selectors.services_catalog().filter(code=code).first()


def _rows(applications: Any) -> list[dict[str, Any]]:
    """Applications as table rows with their status tone and next step."""
    return [
        {"application": a, "tone": STATUS_TONE.get(a.status, "open"), "next_step": next_step(a)} for a in applications
    ]


# --- talent home ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def my_home(request: HttpRequest) -> HttpResponse:
    """A talent's applications with their status, deadline and what to do next."""
    side = _side(request, MY)
    applications = _rows(
        selectors.applications_visible_to(request.user).filter(applicant__user=request.user).order_by("-id")
    )
    services_offered = _services_for(ServiceDefinition.ApplicantKind.TALENT)
    return render(
        request,
        "workflow/my/home.html",
        {
            "side": side,
            "applications": applications,
            "services": services_offered,
            "talent": talent_for_user(request.user),
            "open_states": OPEN,
        },
    )


# --- wizard --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def application_new(request: HttpRequest, side: str) -> HttpResponse:
    """Step 1 for a new application: pick the service (and, for HR, the talent), then the draft is kept."""
    portal = _side(request, side)
    kind = ServiceDefinition.ApplicantKind.TALENT if side == MY else ServiceDefinition.ApplicantKind.ENTERPRISE_HR
    service = _service_or_none(request.GET.get("service") or request.POST.get("service"))
    if service is None or kind not in service.applicant_kinds:
        offered = _services_for(kind)
        return render(request, "workflow/my/choose_service.html", {"side": portal, "services": offered})
    talents: list[tuple[int, str]] = []
    if side == MY:
        if talent_for_user(request.user) is None:
            messages.warning(request, _("申请前请先填写个人信息。"))
            return redirect(f"{reverse('my-profile')}?next={reverse('my-application-new')}?service={service.code}")
        form: forms.Form = ApplicationFieldsForm(request.POST or None)
    else:
        talents = [
            (t.pk, f"{t.name}（{t.id_number_masked}）") for t in talents_visible_to(request.user).order_by("name")
        ]
        form = HrApplicationForm(request.POST or None, talents=talents)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = services.application_create(
                    user=request.user,
                    service_code=service.code,
                    talent_id=form.cleaned_data.get("talent"),
                    data=_remarks_data(form),
                )
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("草稿已保存。请逐项上传材料。"))
                return redirect(portal.url("application-materials", application.pk))
        status = 400
    return render(
        request,
        "workflow/my/new.html",
        {"side": portal, "service": service, "form": form, "no_talents": side == HR and not talents},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def application_edit(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    """Step 1 again for a kept draft (or a returned application): its service fields."""
    portal = _side(request, side)
    application = _own(request, pk, portal)
    if not _editable(application):
        return redirect(portal.url("application", application.pk))
    form = ApplicationFieldsForm(request.POST or None, initial={"remarks": application.data.get("remarks", "")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.application_update(
                    application_id=application.pk,
                    user=request.user,
                    data={"remarks": form.cleaned_data["remarks"].strip()},
                )
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                return redirect(portal.url("application-materials", application.pk))
        status = 400
    context = _wizard_context(application, portal, "edit")
    context["form"] = form
    return render(request, "workflow/my/edit.html", context, status=status)


def _material_rows(application: Application) -> list[dict[str, Any]]:
    latest = selectors.latest_attachments(application)
    asked = set(application.missing_materials or [])
    return [
        {
            "material": material,
            "attachment": latest.get(material.code),
            "asked": material.code in asked,
            "form": UploadForm(prefix=material.code),
        }
        for material in application.service.materials.all()
    ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def application_materials(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    """Step 2 (and answering a return or a 容缺 request): every material as a task, uploaded or not.
    Each upload is one form posting one file; a second upload of a material is a new version."""
    portal = _side(request, side)
    application = _own(request, pk, portal)
    supplementing = application.status in CLOCK_RUNNING and bool(application.missing_materials)
    can_upload = _editable(application) or supplementing
    status = 200
    rows = _material_rows(application)
    for each in rows:
        # After 容缺受理 only the materials still missing are taken (the service refuses others too).
        each["can_upload"] = can_upload and (not supplementing or each["asked"])
    if request.method == "POST":
        code = request.POST.get("material", "")
        row: dict[str, Any] | None = next((r for r in rows if r["material"].code == code), None)
        if row is None:
            raise Http404
        if not row["can_upload"]:
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES, prefix=code)
        if form.is_valid():
            try:
                services.attachment_upload(
                    application_id=application.pk,
                    user=request.user,
                    material_code=code,
                    upload=form.cleaned_data["file"],
                )
            except DomainError as exc:
                exc_data = exc.as_data()
                for message in (
                    exc_data.get("file", [])
                    + exc_data.get("material", [])
                    + ([exc_data["detail"]] if "detail" in exc_data else [])
                ):
                    form.add_error("file", message)
            else:
                messages.success(request, _("已上传：%(name)s") % {"name": localized(row["material"], "name")})
                application.refresh_from_db()
                target = "application-materials" if _editable(application) else "application"
                return redirect(f"{portal.url(target, application.pk)}#material-{code}")
        row["form"] = form
        status = 400
    context = _wizard_context(application, portal, "materials")
    context.update(rows=rows, can_upload=can_upload, wizard=_editable(application))
    context["missing_required"] = [r for r in rows if r["material"].required and r["attachment"] is None]
    return render(request, "workflow/my/materials.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def application_review(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    """Step 3: check answers, then submit (or resubmit a returned application)."""
    portal = _side(request, side)
    application = _own(request, pk, portal)
    if not _editable(application):
        return redirect(portal.url("application", application.pk))
    rows = _material_rows(application)
    context = _wizard_context(application, portal, "review")
    context.update(
        rows=rows,
        missing_required=[r for r in rows if r["material"].required and r["attachment"] is None],
        actions=selectors.available_actions(request.user, application),
    )
    return render(request, "workflow/my/review.html", context)


# --- the application's page ------------------------------------------------------------------------


def _timeline(application: Application) -> list[dict[str, Any]]:
    events = application.events.select_related("actor").order_by("at", "id")
    items = []
    for event in events:
        if event.action in HIDDEN_EVENTS:
            continue
        if event.actor_id is None:
            who = _("系统")
        elif event.actor_id in (application.submitted_by_id, application.applicant.user_id):
            who = str(actors.APPLICANT_LABEL)
        else:
            # Never a staff member's login name: the role of the step, as the API shows it too.
            who = actors.staff_role_label(action=event.action, stage=event.from_status)
        items.append(
            {
                "label": engine.event_label(application.service.code, event.action, event.from_status),
                "at": event.at,
                "who": who,
                "note": event.note if event.action in ("return", "reject", "accept", "accept_with_missing") else "",
                "status": Status(event.to_status).label
                if event.to_status in Status.values and event.to_status != event.from_status
                else "",
            }
        )
    return items


@login_required
@require_http_methods(["GET", "HEAD"])
def application_detail(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    portal = _side(request, side)
    application = _own(request, pk, portal)
    actions = [a for a in selectors.available_actions(request.user, application) if a in APPLICANT_ACTIONS]
    material_names = {m.code: m for m in application.service.materials.all()}
    versions = list(application.attachments.order_by("material_code", "-version"))
    rating = None
    rating_form = None
    if application.status == Status.COMPLETED:
        from apps.engagement.selectors import rating_for

        rating = rating_for(application)
        if rating is None:
            rating_form = RatingForm()
    return render(
        request,
        "workflow/my/detail.html",
        {
            "side": portal,
            "application": application,
            "tone": STATUS_TONE.get(application.status, "open"),
            "next_step": next_step(application),
            "actions": actions,
            "timeline": _timeline(application),
            "versions": versions,
            "material_names": material_names,
            "asked": [material_names[c] for c in application.missing_materials or [] if c in material_names],
            "notices": notices_for(application),
            "editable": _editable(application),
            "supplementing": application.status in CLOCK_RUNNING and bool(application.missing_materials),
            # Categories that would count once staff verify them: as of now, while it is open.
            "categories_waiting": (
                selectors.unverified_categories_message(application) if application.status in OPEN else ""
            ),
            "rating": rating,
            "rating_form": rating_form,
        },
    )


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str, side: str) -> HttpResponse:
    portal = _side(request, side)
    application = _own(request, pk, portal)
    if action not in APPLICANT_ACTIONS:
        raise Http404
    try:
        services.application_act(
            application_id=application.pk,
            action=action,
            actor=request.user,
            inputs={"note": request.POST.get("note", "")[:2000]} if request.POST.get("note") else {},
            ip=request.META.get("REMOTE_ADDR"),
        )
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        target = "application-review" if _editable(application) and action in ("submit", "resubmit") else "application"
        return redirect(portal.url(target, application.pk))
    done = {
        "submit": _("申请已提交。系统将自动预审，之后由窗口受理；进度变化会通知您。"),
        "resubmit": _("已重新提交，等待窗口受理。"),
        "withdraw": _("申请已撤回。"),
    }
    messages.success(request, done[action])
    return redirect(portal.url("application", application.pk))


@login_required
@require_http_methods(["GET", "HEAD"])
def attachment_download(request: HttpRequest, pk: int, attachment_id: int, side: str) -> HttpResponse:
    portal = _side(request, side)
    application = _own(request, pk, portal)
    attachment = application.attachments.filter(pk=attachment_id).first()
    if attachment is None or not selectors.attachment_downloadable(request.user, application, attachment):
        raise Http404
    return attachment_response(application, attachment)


@login_required
@require_POST
def application_rate(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    from apps.engagement.services import rating_submit

    portal = _side(request, side)
    application = _own(request, pk, portal)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating_submit(
                application_id=application.pk,
                user=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except NotFound:
            raise Http404
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("感谢您的评价。"))
    elif "score" in form.errors:
        messages.error(request, _("请选择一项评价。"))
    else:
        # The score was fine: say what is wrong with the comment (too long, a character not allowed).
        messages.error(request, " ".join(str(e) for e in form.errors.get("comment", [])) or _("请选择一项评价。"))
    return redirect(f"{portal.url('application', application.pk)}#rating")


# --- HR home ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def hr_home(request: HttpRequest) -> HttpResponse:
    """The enterprise, the employment claims waiting for HR to confirm or refuse, its talents (confirmed
    employees only), its quotas as usage bars and the applications HR submitted."""
    from apps.enterprises.selectors import quotas_for_enterprise

    side = _side(request, HR)
    enterprise = enterprise_for_user(request.user)
    quotas = list(quotas_for_enterprise(enterprise_id=enterprise.pk)) if enterprise else []
    talents_qs = talents_visible_to(request.user)
    talents = list(talents_qs.order_by("name")[:HR_TALENTS_SHOWN]) if enterprise else []
    talent_count = talents_qs.count() if enterprise else 0
    claims = list(employment_claims_pending(enterprise_id=enterprise.pk)[: HR_CLAIMS_SHOWN + 1]) if enterprise else []
    submitted = selectors.applications_visible_to(request.user).filter(submitted_by=request.user).order_by("-id")
    applications_page = Paginator(submitted, HR_APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    applications = _rows(applications_page.object_list)
    services_offered = _services_for(ServiceDefinition.ApplicantKind.ENTERPRISE_HR)
    return render(
        request,
        "workflow/hr/home.html",
        {
            "side": side,
            "enterprise": enterprise,
            "quotas": quotas,
            "talents": talents,
            "talent_count": talent_count,
            "claims": claims[:HR_CLAIMS_SHOWN],
            "claims_more": len(claims) > HR_CLAIMS_SHOWN,
            "applications": applications,
            "applications_page": applications_page,
            "services": services_offered,
        },
    )
