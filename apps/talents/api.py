"""Talent profiles over the API: a talent's own profile and claim (``/talents/me/``), and the
talent database for district staff and enterprise HR (``/talents/``). Thin: every write goes
through ``services``, every read through ``selectors``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from apps.accounts import roles
from apps.core.exceptions import NotFound
from apps.core.identifiers import phone_mask
from apps.core.parsers import FormParser, MultiPartParser
from apps.enterprises.models import Enterprise

from . import selectors, services
from .downloads import evidence_response
from .models import Talent, TalentCategoryHolding

# --- Who may call ------------------------------------------------------------------------------


class IsTalent(permissions.BasePermission):
    message = gettext_lazy("只有人才账户可以使用")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_role(roles.TALENT))


class IsStaffOrEnterpriseHR(permissions.BasePermission):
    message = gettext_lazy("只有区人社局工作人员和企业人事可以使用")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_district_staff or user.has_role(roles.ENTERPRISE_HR)))


# --- Output ------------------------------------------------------------------------------------


class CategoryHeldSerializer(serializers.Serializer):
    code = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    year = serializers.IntegerField(allow_null=True)
    issuing_body = serializers.CharField()
    verified = serializers.BooleanField()
    has_evidence = serializers.SerializerMethodField(help_text="an evidence file (证明材料) is on record")
    evidence_url = serializers.SerializerMethodField(
        help_text="where the evidence file is downloaded (the owner, district staff and the HR of the talent's "
        "enterprise may); null without a file"
    )

    def get_has_evidence(self, holding: TalentCategoryHolding) -> bool:
        return bool(holding.evidence)

    def get_evidence_url(self, holding: TalentCategoryHolding) -> str | None:
        if not holding.evidence:
            return None
        return reverse("talent-evidence", kwargs={"pk": holding.talent_id, "code": holding.category.code})


class TalentSerializer(serializers.Serializer):
    """A talent profile; resident ID and phone masked."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    phone_masked = serializers.CharField()
    email = serializers.CharField()
    education = serializers.CharField()
    degree = serializers.CharField()
    field = serializers.CharField()
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    employer_name = serializers.CharField(source="employer.name", allow_null=True)
    is_green_card_holder = serializers.BooleanField()
    categories = CategoryHeldSerializer(source="holdings", many=True)
    claimed = serializers.SerializerMethodField(help_text="the record belongs to an account")
    updated_at = serializers.DateTimeField()

    def get_claimed(self, talent: Talent) -> bool:
        return talent.user_id is not None


class TalentPersonalSerializer(TalentSerializer):
    """As ``TalentSerializer``, plus resident ID and phone in clear: only for district staff
    holding ``accounts.view_personal_data``."""

    id_number = serializers.CharField()
    phone = serializers.CharField()


# --- Input -------------------------------------------------------------------------------------


class CategoryInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=50)
    year = serializers.IntegerField(min_value=1900, max_value=2100, required=False, allow_null=True)
    issuing_body = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "category code"},
            {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "year": {"type": "integer", "nullable": True},
                    "issuing_body": {"type": "string"},
                },
                "required": ["code"],
            },
        ]
    }
)
class CategoryInputField(serializers.Field):
    """A category code, or ``{code, year, issuing_body}``."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            if not data.strip():
                raise serializers.ValidationError("a category code may not be blank")
            return data.strip()
        if isinstance(data, dict):
            item = CategoryInputSerializer(data=data)
            item.is_valid(raise_exception=True)
            return dict(item.validated_data)
        raise serializers.ValidationError("a category code or an object {code, year, issuing_body}")

    def to_representation(self, value: Any) -> Any:
        return value


class TalentMeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=32, help_text="居民身份证号码 (18 characters)"
    )
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    education = serializers.ChoiceField(choices=Talent.Education.choices, required=False, allow_blank=True)
    degree = serializers.CharField(required=False, allow_blank=True, max_length=50)
    field = serializers.CharField(required=False, allow_blank=True, max_length=100)
    employer = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True, help_text="enterprise id"
    )
    categories = serializers.ListField(
        child=CategoryInputField(),
        required=False,
        max_length=20,
        help_text="the complete set of categories held: each a code, or {code, year, issuing_body}; categories "
        "left out of the list are removed, and a bare code keeps what is recorded for it (verification included). "
        "Left out of the request — on PUT as on PATCH — the categories held stay as they are; send [] to remove "
        "them all.",
    )


# What a PUT (a whole new profile) sets when the field is left out. The resident ID and phone are
# write-only, so a client cannot send back what it read: left out, they are kept. So are the
# categories: the read form is not the input form (objects with verification), and a client that
# only edits its profile fields must not wipe holdings staff have verified.
_PUT_DEFAULTS: dict[str, Any] = {
    "email": "",
    "education": "",
    "degree": "",
    "field": "",
    "employer": None,
}


class TalentMeView(APIView):
    """The caller's own talent profile.

    ``PUT`` replaces the profile (``name`` required; other fields left out are emptied, except the
    write-only ``id_number`` and ``phone`` and the ``categories``, which are kept as they are);
    ``PATCH`` changes only what is sent. ``categories``, when sent, is the complete set held
    (``[]`` removes them all).
    Either creates the profile when the account has none (201). A resident ID already on an
    unclaimed imported record answers 409 (claim it through ``/talents/me/claim/``); one held by
    another account answers 400. ``is_green_card_holder`` is set by staff only.
    """

    permission_classes = [permissions.IsAuthenticated, IsTalent]

    @extend_schema(
        responses={200: TalentSerializer, 404: OpenApiResponse(description="no profile yet")}, tags=["talents"]
    )
    def get(self, request):
        talent = selectors.talent_for_user(request.user)
        if talent is None:
            raise NotFound(gettext("还没有人才档案，请先填写，或认领已导入的档案"))
        return Response(TalentSerializer(talent).data)

    @extend_schema(
        request=TalentMeInputSerializer, responses={200: TalentSerializer, 201: TalentSerializer}, tags=["talents"]
    )
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(
        request=TalentMeInputSerializer, responses={200: TalentSerializer, 201: TalentSerializer}, tags=["talents"]
    )
    def patch(self, request):
        return self._save(request, partial=True)

    def _save(self, request, *, partial: bool) -> Response:
        serializer = TalentMeInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial:
            data = {**_PUT_DEFAULTS, **data}
        existed = selectors.talent_for_user(request.user) is not None
        services.talent_profile_save_for_user(user=request.user, **data)
        talent = selectors.talent_for_user(request.user)
        return Response(
            TalentSerializer(talent).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


class ClaimStartInputSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32)


class ClaimStartOutputSerializer(serializers.Serializer):
    claim_id = serializers.IntegerField()
    sent_to = serializers.CharField(
        allow_null=True, help_text="the masked phone on the imported record the code went to; null: staff will confirm"
    )
    expires_at = serializers.DateTimeField()


class ClaimStartThrottle(UserRateThrottle):
    """Each start sends an SMS to someone else's phone and draws a fresh code with fresh attempts:
    a few per account and hour, or the limit of five wrong codes per claim would mean little."""

    scope = "talent_claim"
    rate = "5/hour"


class ClaimStartView(APIView):
    """Ask to take over the imported record with this resident ID. A code goes by SMS to the phone
    on that record (not the caller's); a record without a phone is confirmed by district staff.
    An account whose own profile has no resident ID yet may claim: when the claim completes, the
    record becomes its profile and the one without an ID is deleted — unless it has applications
    (409: contact district staff). A profile with a resident ID cannot claim another record (409).
    At most 5 starts per account and hour (429 after)."""

    permission_classes = [permissions.IsAuthenticated, IsTalent]
    throttle_classes = [ClaimStartThrottle]

    @extend_schema(request=ClaimStartInputSerializer, responses={201: ClaimStartOutputSerializer}, tags=["talents"])
    def post(self, request):
        data = ClaimStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_start(user=request.user, id_number=data.validated_data["id_number"])
        sent_to = phone_mask(claim.talent.phone) if claim.code_hash else None
        body = {"claim_id": claim.pk, "sent_to": sent_to, "expires_at": claim.expires_at}
        return Response(ClaimStartOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class ClaimConfirmInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)


class ClaimConfirmView(APIView):
    """Enter the code: the record becomes the caller's profile (replacing the caller's profile
    without a resident ID, if any). A wrong code answers 400; after five wrong codes, or once the
    code expired, the claim is closed (409) and must be started again."""

    permission_classes = [permissions.IsAuthenticated, IsTalent]

    @extend_schema(request=ClaimConfirmInputSerializer, responses={200: TalentSerializer}, tags=["talents"])
    def post(self, request, claim_id: int):
        data = ClaimConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.claim_confirm_code(user=request.user, claim_id=claim_id, code=data.validated_data["code"])
        return Response(TalentSerializer(selectors.talent_for_user(request.user)).data)


# --- Category evidence -------------------------------------------------------------------------


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="a PDF, JPEG or PNG (checked by its content), at most 10 MB")


_EVIDENCE_DOWNLOAD: dict[Any, Any] = {
    **{(200, mime): bytes for mime in services.EVIDENCE_TYPES},
    404: OpenApiResponse(description="no such file, or not visible to the caller"),
}


class TalentMeEvidenceView(APIView):
    """The evidence (证明材料) of a category the caller's own profile holds.

    ``POST`` (multipart ``file``) stores it — a PDF, JPEG or PNG judged by content, at most 10 MB,
    under a random name in private storage — and answers the category as read back. Replacing
    earlier evidence un-verifies the holding. ``GET`` downloads it. 404 without a profile, for a
    category not held, and (``GET``) when there is no file."""

    permission_classes = [permissions.IsAuthenticated, IsTalent]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=_EVIDENCE_DOWNLOAD, tags=["talents"])
    def get(self, request, code: str):
        talent = selectors.talent_for_user(request.user)
        return evidence_response(selectors.holding_evidence(talent=talent, category_code=code))

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={200: CategoryHeldSerializer, 404: OpenApiResponse(description="no profile or no such category")},
        tags=["talents"],
    )
    def post(self, request, code: str):
        talent = selectors.talent_for_user(request.user)
        if talent is None:
            raise NotFound(gettext("还没有人才档案"))
        holding = services.holding_evidence_upload(
            talent=talent, category_code=code, upload=request.FILES.get("file"), actor=request.user, source="api"
        )
        return Response(CategoryHeldSerializer(holding).data)


class TalentEvidenceView(APIView):
    """Download the evidence of a category a talent holds: for the talent, district staff and the HR
    of the talent's enterprise. Anyone else — and a record without that file — gets 404."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=_EVIDENCE_DOWNLOAD, tags=["talents"])
    def get(self, request, pk: int, code: str):
        talent = selectors.talents_visible_to(request.user).filter(pk=pk).first()
        return evidence_response(selectors.holding_evidence(talent=talent, category_code=code))


# --- The talent database -----------------------------------------------------------------------


class TalentFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(method="filter_category", help_text="category code, e.g. academician")
    # Bounded like a database id: a larger number is a 400 naming the field, not an overflow.
    employer = django_filters.NumberFilter(
        method="filter_employer", help_text="enterprise id", min_value=1, max_value=2**63 - 1
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="name (contains), or a full resident ID or mobile number"
    )

    class Meta:
        model = Talent
        fields: list[str] = []

    def filter_category(self, qs, name, value):
        return selectors.talents_filter(qs, category=value)

    def filter_employer(self, qs, name, value):
        return selectors.talents_filter(qs, employer=int(value))

    def filter_search(self, qs, name, value):
        return selectors.talents_filter(qs, search=value)


class _TalentVisibleMixin:
    permission_classes = [permissions.IsAuthenticated, IsStaffOrEnterpriseHR]
    request: Any

    def get_queryset(self):
        return selectors.talents_visible_to(self.request.user)

    def get_serializer_class(self):
        if selectors.can_view_personal_data(self.request.user):
            return TalentPersonalSerializer
        return TalentSerializer


@extend_schema(
    tags=["talents"],
    responses=TalentPersonalSerializer(many=True),
    description="District staff: every record; enterprise HR: its own enterprise's employees. "
    "`id_number` and `phone` appear (in clear) only for staff holding accounts.view_personal_data.",
)
class TalentListView(_TalentVisibleMixin, generics.ListAPIView):
    filterset_class = TalentFilter


@extend_schema(
    tags=["talents"],
    responses=TalentPersonalSerializer,
    description="One record, if the caller may see it: staff any, HR its enterprise's employees, a talent "
    "only its own; anything else answers 404 whether or not it exists. `id_number`/`phone` as in the list.",
)
class TalentDetailView(_TalentVisibleMixin, generics.RetrieveAPIView):
    # Any signed-in account may ask; the queryset decides what it sees, and the rest is a 404
    # (API.md: 404 for an object the caller may not see), never a 403 that confirms the id exists.
    permission_classes = [permissions.IsAuthenticated]
