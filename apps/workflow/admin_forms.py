"""Forms of the staff admin: the inputs of one workflow action, assignment, and the catalog.

The action form asks for exactly what ``services.application_act`` needs for that action; the
service still validates everything (the form only makes the page usable), and its field errors are
put back on the form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts import roles
from apps.core.exceptions import DomainError
from apps.core.uploads import MIME_BY_TYPE

from . import engine, selectors
from .models import Application, MaterialRequirement, ServiceDefinition
from .services import MAX_SUPPLEMENT_DAYS

DEFAULT_SUPPLEMENT_DAYS = 5


def action_fields(
    transition: engine.Transition, application: Application | None = None, user: Any = None
) -> tuple[str, ...]:
    """The inputs an action takes, as ``services._clean_inputs`` reads them; ``take_over`` when the
    application is assigned to someone other than ``user`` (unassigned, the action assigns it anyway)."""
    fields = ["note"]
    if transition.action == "reject" or "reason" in transition.inputs:
        fields.append("reason")
    if transition.action in ("return", "accept_with_missing"):
        fields += ["missing_materials", "problems"]
    if transition.action == "accept_with_missing" or "supplement_days" in transition.inputs:
        fields.append("supplement_days")
    if (
        application is not None
        and application.assignee_id is not None
        and application.assignee_id != getattr(user, "pk", None)
        and transition.roles & roles.STAFF_ROLES
    ):
        fields.append("take_over")
    return tuple(fields)


def precheck_missing(application: Application) -> list[str]:
    for issue in (application.precheck_report or {}).get("issues", []):
        if issue.get("code") == "missing_materials":
            return [str(code) for code in issue.get("materials", [])]
    return []


class ApplicationActionForm(forms.Form):
    """The inputs of one action on one application; built from the action's table row."""

    note = forms.CharField(label=_("办理意见"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))
    reason = forms.CharField(
        label=_("不予批准理由"), required=True, widget=forms.Textarea(attrs={"rows": 3, "cols": 80})
    )
    missing_materials = forms.MultipleChoiceField(
        label=_("缺少的材料"), required=False, widget=forms.CheckboxSelectMultiple
    )
    problems = forms.CharField(
        label=_("需补正的问题"),
        required=False,
        help_text=_("每行一个问题；一次性告知全部问题"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
    )
    supplement_days = forms.IntegerField(
        label=_("补正期限（工作日）"),
        min_value=1,
        max_value=MAX_SUPPLEMENT_DAYS,
        initial=DEFAULT_SUPPLEMENT_DAYS,
    )
    take_over = forms.BooleanField(label=_("接手本件（经办人改为我）"), required=False)

    def __init__(
        self, *args: Any, application: Application, transition: engine.Transition, user: Any = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.application = application
        self.transition = transition
        wanted = action_fields(transition, application, user)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "missing_materials" in self.fields:
            field = cast(forms.MultipleChoiceField, self.fields["missing_materials"])
            field.choices = [
                (m.code, f"{m.name}（{m.code}）" + ("" if m.required else " · " + gettext("非必交")))
                for m in application.service.materials.all()
            ]
            # Start from what is known to be missing: the list already given, else the required
            # materials not uploaded (what the pre-check reported, unless the catalog changed since).
            field.initial = list(
                application.missing_materials
                or [m.code for m in selectors.required_materials_missing(application)]
                or precheck_missing(application)
            )
        if "take_over" in self.fields and application.assignee is not None:
            who = application.assignee.get_full_name() or application.assignee.username
            self.fields["take_over"].help_text = gettext("现经办人：%(who)s") % {"who": who}

    def service_inputs(self) -> dict[str, Any]:
        """``cleaned_data`` in the shape ``application_act`` takes."""
        data = self.cleaned_data
        inputs: dict[str, Any] = {"note": data.get("note", "")}
        if "reason" in self.fields:
            inputs["reason"] = data.get("reason", "")
        if "missing_materials" in self.fields:
            inputs["missing_materials"] = list(data.get("missing_materials") or [])
            inputs["problems"] = [line.strip() for line in (data.get("problems") or "").splitlines() if line.strip()]
        if "supplement_days" in self.fields:
            inputs["supplement_days"] = data.get("supplement_days")
        if "take_over" in self.fields:
            inputs["take_over"] = bool(data.get("take_over"))
        return inputs

    def add_service_errors(self, error: DomainError) -> None:
        """Put a service's 400 field errors on the matching fields (others on the form)."""
        for field, messages in error.as_data().items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, str(message))


def assignable_staff() -> QuerySet:
    User = get_user_model()
    return (
        User.objects.filter(Q(groups__name__in=sorted(roles.STAFF_ROLES)) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
        .prefetch_related("groups")
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("经办人"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["assignee"])
        field.queryset = assignable_staff()
        field.label_from_instance = _staff_label


def _staff_label(user: Any) -> str:
    staff_roles = sorted(g.name for g in user.groups.all() if g.name in roles.STAFF_ROLES)  # prefetched
    names = gettext("、").join(str(roles.ROLE_LABELS.get(r, r)) for r in staff_roles)
    return f"{user.get_full_name() or user.username}（{user.username}）" + (f" · {names}" if names else "")


FILE_TYPES = [(t, t) for t in MIME_BY_TYPE if t != "jpg"]


# The 办事指南 the public service page shows, each text with its English twin.
GUIDE_FIELDS = (
    "policy_basis",
    "policy_basis_en",
    "conditions",
    "conditions_en",
    "process",
    "process_en",
    "fee",
    "fee_en",
    "location",
    "location_en",
    "office_hours",
    "office_hours_en",
    "phone",
)


class ServiceDefinitionForm(forms.ModelForm):
    applicant_kinds = forms.MultipleChoiceField(
        label=_("申请人类型"),
        choices=ServiceDefinition.ApplicantKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ServiceDefinition
        fields = (
            "code",
            "name",
            "name_en",
            "description",
            "description_en",
            *GUIDE_FIELDS,
            "time_limit_days",
            "applicant_kinds",
            "eligible_categories",
            "config",
            "active",
            "sort_order",
        )

    def clean_config(self) -> dict:
        config = self.cleaned_data.get("config")
        if config in (None, ""):
            return {}
        if not isinstance(config, dict):
            raise forms.ValidationError(_("业务参数须为JSON对象"))
        return config


class MaterialRequirementForm(forms.ModelForm):
    accepted_types = forms.MultipleChoiceField(
        label=_("允许的文件类型"), choices=FILE_TYPES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = MaterialRequirement
        fields = (
            "code",
            "name",
            "name_en",
            "required",
            "identity_document",
            "accepted_types",
            "max_size_mb",
            "sort_order",
        )
        # Narrow inputs keep the inline table within a 1280 px screen.
        widgets = {
            "code": forms.TextInput(attrs={"size": 14}),
            "name": forms.TextInput(attrs={"size": 22}),
            "name_en": forms.TextInput(attrs={"size": 22}),
            "max_size_mb": forms.NumberInput(attrs={"style": "width: 4em"}),
            "sort_order": forms.NumberInput(attrs={"style": "width: 4em"}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Attachments and missing-material lists refer to the code: fixed once created.
            self.fields["code"].disabled = True
