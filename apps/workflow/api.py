from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.exceptions import NotFound, ValidationFailed
from apps.core.parsers import FormParser, JSONParser, MultiPartParser
from apps.core.representation import day, moment

from . import actors, selectors, services
from .downloads import attachment_response
from .models import Application, ApplicationEvent, Attachment, MaterialRequirement, ServiceDefinition
from .notices import notices_for
from .public import NoticeLinkSerializer
from .states import Status

# --- catalog -----------------------------------------------------------------------------------


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialRequirement
        fields = ["code", "name", "required", "identity_document", "accepted_types", "max_size_mb"]


class ServiceSerializer(serializers.ModelSerializer):
    materials = MaterialSerializer(many=True, read_only=True)
    eligible_categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ServiceDefinition
        fields = [
            "code",
            "name",
            "name_en",
            "description",
            "materials",
            "time_limit_days",
            "applicant_kinds",
            "eligible_categories",
        ]


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """The service catalog: everything an applicant must bring, told once (一次性告知)."""

    serializer_class = ServiceSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"

    def get_queryset(self):
        return selectors.services_catalog()


# --- applications ------------------------------------------------------------------------------

# Pre-check details about other people's applications: staff only.
PRECHECK_STAFF_ONLY = frozenset({"applications"})


class AttachmentSerializer(serializers.ModelSerializer):
    """``download_url`` is null for a file the caller may not download (identity documents for
    finance: the permission matrix, ``apps.accounts.access``). Context: ``request``, and
    ``ordinary_codes`` (``selectors.ordinary_material_codes``) when listing."""

    material = serializers.CharField(source="material_code")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "material",
            "version",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, obj: Attachment) -> str | None:
        request = self.context.get("request")
        if request is not None and not selectors.attachment_downloadable(
            request.user, obj.application, obj, ordinary_codes=self.context.get("ordinary_codes")
        ):
            return None
        return f"/api/v1/applications/{obj.application_id}/attachments/{obj.pk}/download/"


class ApplicantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    is_green_card_holder = serializers.BooleanField()


class ApplicationSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.code")
    service_name = serializers.CharField(source="service.name")
    status_display = serializers.CharField(source="get_status_display")
    applicant = ApplicantSerializer()
    submitted_by = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    precheck_report = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "service",
            "service_name",
            "status",
            "status_display",
            "applicant",
            "submitted_by",
            "enterprise",
            "data",
            "available_actions",
            "priority",
            "assignee",
            "submitted_at",
            "accepted_at",
            "deadline",
            "supplement_deadline",
            "missing_materials",
            "problems",
            "reject_reason",
            "decided_at",
            "completed_at",
            "result",
            "precheck_report",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: Application) -> dict[str, Any]:
        """The fields above, as DRF's generic path renders them (``test_api_representation`` holds the
        two equal for applications in every state and for every kind of caller), written out: at a
        page of 20, the generic path's per-field look-ups were most of the list's time (issue 10)."""
        applicant = instance.applicant
        return {
            "id": instance.pk,
            "number": instance.number,
            "service": instance.service.code,
            "service_name": str(instance.service.name),
            "status": instance.status,
            "status_display": str(instance.get_status_display()),
            "applicant": {
                "id": applicant.pk,
                "name": applicant.name,
                "id_number_masked": applicant.id_number_masked,
                "is_green_card_holder": applicant.is_green_card_holder,
            },
            "submitted_by": self.get_submitted_by(instance),
            "enterprise": instance.enterprise_id,
            "data": instance.data,
            "available_actions": self.get_available_actions(instance),
            "priority": instance.priority,
            "assignee": self.get_assignee(instance),
            "submitted_at": moment(instance.submitted_at),
            "accepted_at": moment(instance.accepted_at),
            "deadline": day(instance.deadline),
            "supplement_deadline": day(instance.supplement_deadline),
            "missing_materials": instance.missing_materials,
            "problems": instance.problems,
            "reject_reason": instance.reject_reason,
            "decided_at": moment(instance.decided_at),
            "completed_at": moment(instance.completed_at),
            "result": instance.result,
            "precheck_report": self.get_precheck_report(instance),
            "created_at": moment(instance.created_at),
            "updated_at": moment(instance.updated_at),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, obj: Application) -> list[str]:
        return selectors.available_actions(self.context["request"].user, obj)

    def get_submitted_by(self, obj: Application) -> str | None:
        return actors.person_shown(self.context["request"].user, obj.submitted_by, obj, stage=obj.status)

    def get_assignee(self, obj: Application) -> str | None:
        """A staff member: their username for staff, the role their stage belongs to for anyone else."""
        return actors.person_shown(self.context["request"].user, obj.assignee, obj, stage=obj.status)

    @extend_schema_field(serializers.DictField())
    def get_precheck_report(self, obj: Application) -> dict[str, Any]:
        # The applicant sees everything to fix (which materials, profile fields, categories); only what
        # is about other people stays with staff: the numbers of applications under the same resident ID.
        report = selectors.precheck_report_shown(obj.precheck_report)
        if self.context["request"].user.is_district_staff:
            return report
        return {
            **report,
            "issues": [
                {k: v for k, v in issue.items() if k not in PRECHECK_STAFF_ONLY} for issue in report.get("issues", [])
            ],
        }


class ApplicationDetailSerializer(ApplicationSerializer):
    attachments = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = ApplicationSerializer.Meta.fields + ["attachments", "notices"]

    def to_representation(self, instance: Application) -> dict[str, Any]:
        return {
            **super().to_representation(instance),
            "attachments": self.get_attachments(instance),
            "notices": self.get_notices(instance),
        }

    @extend_schema_field(NoticeLinkSerializer(many=True))
    def get_notices(self, obj: Application) -> list[dict[str, str]]:
        """The formal notices issued so far (受理通知书, 一次性告知书, 不予受理/批准决定书), printable."""
        return notices_for(obj)

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj: Application) -> list[dict[str, Any]]:
        context = {**self.context, "ordinary_codes": selectors.ordinary_material_codes(obj.service_id)}
        return AttachmentSerializer(list(selectors.latest_attachments(obj).values()), many=True, context=context).data


class ApplicationCreateSerializer(serializers.Serializer):
    service = serializers.CharField()
    talent = serializers.IntegerField(required=False, help_text="HR only: the talent applied for")
    data = serializers.DictField(required=False, help_text="service-specific fields (may also be sent at top level)")


class ApplicationUpdateSerializer(serializers.Serializer):
    data = serializers.DictField()


class ActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    missing_materials = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=50)
    problems = serializers.ListField(child=serializers.CharField(max_length=1000), required=False, max_length=50)
    supplement_days = serializers.IntegerField(required=False)
    take_over = serializers.BooleanField(
        required=False,
        help_text=(
            "Staff actions only: make the caller the application's assignee (经办人) even when it is "
            "assigned to someone else. Without it a staff action assigns the caller only when nobody is "
            "assigned (so accepting assigns the accepting clerk); the event's data then names the new "
            "assignee. From an applicant: 400."
        ),
    )


class EventSerializer(serializers.ModelSerializer):
    """``actor``: a username for district staff; for anyone else the caller's own username, "申请人"
    for the other applicant side, a role label ("受理人员", "审核人员", "审批人员", "工作人员") for
    staff, null for the system. Needs ``request`` and ``application`` in the context."""

    actor = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "note", "data", "at"]

    def get_actor(self, obj: ApplicationEvent) -> str | None:
        return actors.event_actor_shown(self.context["request"].user, obj, self.context["application"])

    @extend_schema_field(serializers.DictField())
    def get_data(self, obj: ApplicationEvent) -> Any:
        return actors.event_data_shown(self.context["request"].user, obj)


class UploadSerializer(serializers.Serializer):
    material = serializers.CharField(max_length=50)
    file = serializers.FileField()


class ApplicationFilter(django_filters.FilterSet):
    # A column of the row itself, so no duplicates to remove: django-filter's default DISTINCT made
    # PostgreSQL sort every matching row, with every joined column, for each page (issue 10).
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    service = django_filters.CharFilter(field_name="service__code")

    class Meta:
        model = Application
        fields = ["status", "service"]


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = ApplicationFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = selectors.applications_visible_to(self.request.user).order_by("-id")
        # Reading: the columns a row shows (the detail's attachments and notices are queries of their own).
        return selectors.applications_listed(qs) if self.action in ("list", "retrieve") else qs

    def get_serializer_class(self):
        return ApplicationDetailSerializer if self.action == "retrieve" else ApplicationSerializer

    def _detail(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        application = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationDetailSerializer(application, context={"request": self.request}).data, status=code)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationDetailSerializer})
    def create(self, request):
        if not isinstance(request.data, dict):
            raise ValidationFailed("a JSON object is expected")
        body = ApplicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        extra = {k: v for k, v in request.data.items() if k not in ("service", "talent", "data")}
        application = services.application_create(
            user=request.user,
            service_code=body.validated_data["service"],
            talent_id=body.validated_data.get("talent"),
            data={**extra, **body.validated_data.get("data", {})},
        )
        return self._detail(application, status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationUpdateSerializer, responses=ApplicationDetailSerializer)
    def partial_update(self, request, pk=None):
        if not isinstance(request.data, dict):
            raise ValidationFailed("a JSON object is expected")
        data = request.data.get("data")
        if data is None:
            data = {k: v for k, v in request.data.items()}
        if not isinstance(data, dict):
            raise ValidationFailed({"data": ["an object of service fields"]})
        application = services.application_update(application_id=self._pk(pk), user=request.user, data=data)
        return self._detail(application)

    @staticmethod
    def _pk(pk: Any) -> int:
        try:
            return int(pk)
        except (TypeError, ValueError):
            raise NotFound()

    @extend_schema(
        request=ActionSerializer,
        responses={
            200: ApplicationDetailSerializer,
            409: OpenApiResponse(
                response=inline_serializer(
                    "ActionConflict",
                    {
                        "detail": serializers.CharField(),
                        "missing_materials": serializers.ListField(child=serializers.CharField(), required=False),
                    },
                ),
                description=(
                    "Wrong state for the action, a scarce thing exhausted, or `accept` with required "
                    "materials missing: then `detail` names them and points to `accept_with_missing` "
                    "(容缺受理), and `missing_materials` lists their codes."
                ),
            ),
        },
        description=(
            "Take a workflow action. `accept` needs every required material uploaded; otherwise use "
            "`accept_with_missing` with `missing_materials` and `supplement_days`. A staff action assigns "
            "the application to the caller when it is unassigned; `take_over: true` does so even when "
            "it is assigned to someone else."
        ),
        parameters=[
            OpenApiParameter(
                "action_name",
                str,
                OpenApiParameter.PATH,
                description="submit, withdraw, resubmit, accept, accept_with_missing, return, recommend, approve, reject, fulfil, or a service's own",
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]+)")
    def act(self, request, pk=None, action_name: str = ""):
        if not isinstance(request.data, dict):
            raise ValidationFailed("a JSON object is expected")
        body = ActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inputs = {**{k: v for k, v in request.data.items() if k not in body.fields}, **body.validated_data}
        application = services.application_act(
            application_id=self._pk(pk), action=action_name, actor=request.user, inputs=inputs, ip=_client_ip(request)
        )
        return self._detail(application)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        application = self.get_object()
        events = application.events.select_related("actor").order_by("at", "id")
        page = self.paginate_queryset(events)
        context = {**self.get_serializer_context(), "application": application}
        return self.get_paginated_response(EventSerializer(page, many=True, context=context).data)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer, 200: AttachmentSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        if request.method == "GET":
            application = self.get_object()
            context = {
                **self.get_serializer_context(),
                "ordinary_codes": selectors.ordinary_material_codes(application.service_id),
            }
            return Response(AttachmentSerializer(application.attachments.all(), many=True, context=context).data)
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = services.attachment_upload(
            application_id=self._pk(pk),
            user=request.user,
            material_code=body.validated_data["material"],
            upload=body.validated_data["file"],
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)/download")
    def download(self, request, pk=None, attachment_id=None):
        application = self.get_object()
        attachment = application.attachments.filter(pk=attachment_id).first()
        # A file the permission matrix withholds (an identity document from finance) is a 404 as
        # if it did not exist (API.md: an object the caller may not see).
        if attachment is None or not selectors.attachment_downloadable(request.user, application, attachment):
            raise NotFound()
        return attachment_response(application, attachment)


__all__ = ["ServiceViewSet", "ApplicationViewSet", "inline_serializer"]
