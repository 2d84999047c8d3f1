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

from apps.accounts import access, roles
from apps.core.exceptions import NotFound, ValidationFailed
from apps.core.identifiers import resident_id_mask, resident_id_parse
from apps.core.parsers import FormParser, MultiPartParser
from apps.core.representation import moment
from apps.core.throttling import AddressRateThrottle
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
        # The permission matrix: staff reach every record, HR its enterprise's; a talent only its own.
        return access.may_list(request.user, access.TALENTS)


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

    def to_representation(self, instance: TalentCategoryHolding) -> dict[str, Any]:
        """The fields above written out (as ``apps.workflow.api.ApplicationSerializer`` does, and
        tested equal to DRF's generic rendering): a list of talents renders one per category held."""
        return {
            "code": instance.category.code,
            "name": str(instance.category.name),
            "year": instance.year,
            "issuing_body": instance.issuing_body,
            "verified": instance.verified,
            "has_evidence": self.get_has_evidence(instance),
            "evidence_url": self.get_evidence_url(instance),
        }

    def get_has_evidence(self, holding: TalentCategoryHolding) -> bool:
        return bool(holding.evidence)

    def get_evidence_url(self, holding: TalentCategoryHolding) -> str | None:
        if not holding.evidence:
            return None
        request = self.context.get("request")
        if request is not None and not access.may_download_evidence(
            request.user, talent_user_id=holding.talent.user_id
        ):
            return None  # the permission matrix withholds it (finance)
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
    employment_status = serializers.ChoiceField(
        choices=Talent.EmploymentStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="the employer is `claimed` (the talent's word, not yet confirmed), `confirmed` (by the "
        "enterprise's HR or district staff) or `refused` (by them); empty without an employer. Only a confirmed "
        "employment counts: for the enterprise's HR, applications and quotas.",
    )
    employment_confirmed_at = serializers.DateTimeField(allow_null=True, read_only=True)
    employment_refusal_reason = serializers.CharField(
        read_only=True, help_text="why the enterprise refused the employment; empty unless refused"
    )
    is_green_card_holder = serializers.BooleanField()
    categories = CategoryHeldSerializer(source="holdings", many=True)
    claimed = serializers.SerializerMethodField(help_text="the record belongs to an account")
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Talent) -> dict[str, Any]:
        """The fields above written out, in their order (tested equal to DRF's generic rendering):
        at a page of 20 the generic path's per-field look-ups were most of the list's time (issue 10)."""
        held = CategoryHeldSerializer(context=self.context)
        employer = instance.employer
        return {
            "id": instance.pk,
            "name": instance.name,
            "id_number_masked": instance.id_number_masked,
            "phone_masked": instance.phone_masked,
            "email": instance.email,
            "education": instance.education,
            "degree": instance.degree,
            "field": instance.field,
            "employer": instance.employer_id,
            "employer_name": employer.name if employer is not None else None,
            "employment_status": instance.employment_status,
            "employment_confirmed_at": moment(instance.employment_confirmed_at),
            "employment_refusal_reason": instance.employment_refusal_reason,
            "is_green_card_holder": instance.is_green_card_holder,
            "categories": [held.to_representation(holding) for holding in instance.holdings.all()],
            "claimed": self.get_claimed(instance),
            "updated_at": moment(instance.updated_at),
        }

    def get_claimed(self, talent: Talent) -> bool:
        return talent.user_id is not None


class TalentPersonalSerializer(TalentSerializer):
    """As ``TalentSerializer``, plus resident ID and phone in clear: only for district staff
    holding ``accounts.view_personal_data``."""

    id_number = serializers.CharField()
    phone = serializers.CharField()

    def to_representation(self, instance: Talent) -> dict[str, Any]:
        return {**super().to_representation(instance), "id_number": instance.id_number, "phone": instance.phone}


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
        queryset=Enterprise.objects.all(),
        required=False,
        allow_null=True,
        help_text="enterprise id; a new employer is a claim (`employment_status` `claimed`) until the "
        "enterprise's HR or district staff confirm it",
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


class TalentResidentIdEnteredSerializer(TalentSerializer):
    """The profile as saved, after a resident ID was entered, with what happens to the number."""

    detail = serializers.CharField(help_text="the same whether or not a record has this resident ID")


_TALENT_ME_SAVED: dict[Any, Any] = {
    200: TalentSerializer,
    201: TalentSerializer,
    202: TalentResidentIdEnteredSerializer,
}


class TalentMeView(APIView):
    """The caller's own talent profile.

    ``PUT`` replaces the profile (``name`` required; other fields left out are emptied, except the
    write-only ``id_number`` and ``phone`` and the ``categories``, which are kept as they are);
    ``PATCH`` changes only what is sent. ``categories``, when sent, is the complete set held
    (``[]`` removes them all).
    Either creates the profile when the account has none (201). ``is_green_card_holder`` is set by
    staff only.

    A resident ID other than the one on the profile answers 202 with the profile and the same
    ``detail`` whatever is on record for it, so that nobody learns who is in the talent database: a
    number no record holds is saved; one on an unclaimed imported record is not — a code goes by SMS
    to the phone on that record, entered at ``claim/confirm/`` — and one another account holds
    changes nothing; the other fields are saved in every case. A resident ID once saved is not
    changed here (400: district staff correct it). Such requests count against the claim limits:
    5 per account and 20 per address an hour (429).
    """

    permission_classes = [permissions.IsAuthenticated, IsTalent]

    def get_throttles(self) -> list[Any]:
        if self.request.method in ("PUT", "PATCH") and self._enters_resident_id():
            return resident_id_throttles()
        return []

    def _enters_resident_id(self) -> bool:
        data = self.request.data
        value = data.get("id_number") if isinstance(data, dict) else None
        if not isinstance(value, str) or not value.strip():
            return False
        try:
            return services.resident_id_is_new_for(self.request.user, value)
        except ValidationFailed:
            return False  # malformed: the 400 naming it follows, nothing is looked up

    @extend_schema(
        responses={200: TalentSerializer, 404: OpenApiResponse(description="no profile yet")}, tags=["talents"]
    )
    def get(self, request):
        talent = selectors.talent_for_user(request.user)
        if talent is None:
            raise NotFound(gettext("还没有人才档案，请先填写，或认领已导入的档案"))
        return Response(TalentSerializer(talent).data)

    @extend_schema(request=TalentMeInputSerializer, responses=_TALENT_ME_SAVED, tags=["talents"])
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(request=TalentMeInputSerializer, responses=_TALENT_ME_SAVED, tags=["talents"])
    def patch(self, request):
        return self._save(request, partial=True)

    def _save(self, request, *, partial: bool) -> Response:
        serializer = TalentMeInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial:
            data = {**_PUT_DEFAULTS, **data}
        existed = selectors.talent_for_user(request.user) is not None
        entered = bool(data.get("id_number")) and services.resident_id_is_new_for(request.user, data["id_number"])
        services.talent_profile_save_for_user(user=request.user, **data)
        talent = selectors.talent_for_user(request.user)
        if entered:
            # The number as entered, masked: the answer is the same whether it was saved or went to a claim.
            body = {
                **TalentSerializer(talent).data,
                "id_number_masked": resident_id_mask(resident_id_parse(data["id_number"]).number),
                "detail": str(services.RESIDENT_ID_ENTERED),
            }
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return Response(
            TalentSerializer(talent).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


class ClaimStartInputSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32)


class ResidentIdEnteredSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="the same whether or not a record has this resident ID")
    expires_at = serializers.DateTimeField(help_text="until when a code, if one was sent, is valid")


class ClaimAccountThrottle(UserRateThrottle):
    """Entering a resident ID (a claim, or on the profile) per account: each may text someone else's
    phone and draws a fresh code with fresh attempts (``talent_claim``, 5 an hour)."""

    scope = "talent_claim"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        # DRF sets the Django request's user too; a page (apps.core.throttling.page_throttle_wait)
        # wraps a Django request whose user the session gave.
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class ClaimAddressThrottle(AddressRateThrottle):
    """The same, per client address (``talent_claim_address``, 20 an hour): many accounts, one client."""

    scope = "talent_claim_address"


def resident_id_throttles() -> list[Any]:
    return [ClaimAccountThrottle(), ClaimAddressThrottle()]


class ClaimStartView(APIView):
    """Ask to take over the imported record with this resident ID. Always 202 with the same answer,
    whether a record has the number, another account holds it, or none does: who is in the talent
    database is never told. For an unclaimed record a code goes by SMS to the phone on that record
    (not the caller's, and never shown); a record without a phone is confirmed by district staff.
    Enter the code at ``claim/confirm/``.
    An account whose own profile has no resident ID yet may claim: when the claim completes, the
    record becomes its profile and the one without an ID is deleted — unless it has applications
    (409: contact district staff). A profile with a resident ID cannot claim another record (409).
    At most 5 per account and 20 per address an hour, resident IDs entered on the profile included
    (429 after)."""

    permission_classes = [permissions.IsAuthenticated, IsTalent]

    def get_throttles(self) -> list[Any]:
        return resident_id_throttles()

    @extend_schema(request=ClaimStartInputSerializer, responses={202: ResidentIdEnteredSerializer}, tags=["talents"])
    def post(self, request):
        data = ClaimStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expires_at = services.claim_start(user=request.user, id_number=data.validated_data["id_number"])
        body = {"detail": services.RESIDENT_ID_ENTERED, "expires_at": expires_at}
        return Response(ResidentIdEnteredSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class ClaimConfirmInputSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32, help_text="the resident ID the code was sent for")
    code = serializers.CharField(max_length=12)


class ClaimCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)


class ClaimConfirmView(APIView):
    """Enter the code sent for a resident ID: the record becomes the caller's profile (replacing the
    caller's profile without a resident ID, if any). Any failure — a wrong, expired or used-up code,
    or no claim for that number — answers the same 400 naming ``code``; after five wrong codes the
    claim is closed and must be started again."""

    permission_classes = [permissions.IsAuthenticated, IsTalent]

    @extend_schema(request=ClaimConfirmInputSerializer, responses={200: TalentSerializer}, tags=["talents"])
    def post(self, request):
        data = ClaimConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.claim_confirm_code(user=request.user, **data.validated_data)
        return Response(TalentSerializer(selectors.talent_for_user(request.user)).data)


class ClaimConfirmByIdView(APIView):
    """As ``claim/confirm/``, for clients that kept a claim's id: an id that is not the caller's
    pending claim answers the same 400 as a wrong code."""

    permission_classes = [permissions.IsAuthenticated, IsTalent]

    @extend_schema(
        operation_id="talents_me_claim_confirm_by_id",
        request=ClaimCodeInputSerializer,
        responses={200: TalentSerializer},
        tags=["talents"],
    )
    def post(self, request, claim_id: int):
        data = ClaimCodeInputSerializer(data=request.data)
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
    of the talent's enterprise. Anyone else — finance too, who sees the record but not its evidence
    (the permission matrix) — and a record without that file get 404."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=_EVIDENCE_DOWNLOAD, tags=["talents"])
    def get(self, request, pk: int, code: str):
        talent = selectors.talents_visible_to(request.user).filter(pk=pk).first()
        if talent is not None and not access.may_download_evidence(request.user, talent_user_id=talent.user_id):
            talent = None
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
