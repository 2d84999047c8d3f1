"""School places over the API (``/api/v1/schools/``, API.md "School places"): thin views over
``services`` and ``selectors``. Schools are public; rounds and nominations are for enterprise HR (its
own enterprise's nominations) and district staff; a round is created and run by a district admin.
An object the caller may not see answers 404; a list or action its role may not use, 403."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import access, roles
from apps.enterprises.selectors import enterprise_for_user

from . import selectors, services
from .models import Nomination, Round, RoundSeat, School


class IsStaffOrEnterpriseHR(permissions.BasePermission):
    message = gettext_lazy("只有区人社局工作人员和企业人事可以使用")

    def has_permission(self, request, view) -> bool:
        return access.may_list(request.user, access.ENTERPRISES)


class IsEnterpriseHR(permissions.BasePermission):
    message = gettext_lazy("只有企业人事可以提名")

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.has_role(roles.ENTERPRISE_HR))


class IsDistrictAdmin(permissions.BasePermission):
    message = gettext_lazy("只有区人社局管理员可以进行此操作")

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.has_role(roles.DISTRICT_ADMIN))


# --- serializers -------------------------------------------------------------------------------


class SchoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = ["id", "name", "stage", "address"]
        read_only_fields = fields


class SeatSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name")
    left = serializers.IntegerField(help_text="capacity - assigned")

    class Meta:
        model = RoundSeat
        fields = ["school", "school_name", "capacity", "assigned", "left"]
        read_only_fields = fields


class RoundSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="`open`, `closed` (after closes_on) or `run`")
    seats = SeatSerializer(many=True)
    seed_hex = serializers.CharField(
        source="published_seed", allow_null=True, help_text="revealed at the run; null before"
    )
    priority_rule = serializers.DictField(
        child=serializers.IntegerField(), help_text="{parent's verified category level: priority points}"
    )

    class Meta:
        model = Round
        fields = [
            "id",
            "name",
            "year",
            "status",
            "opens_on",
            "closes_on",
            "seats",
            "commitment",
            "seed_hex",
            "priority_rule",
            "previous",
            "run_at",
        ]
        read_only_fields = fields

    def get_status(self, obj: Round) -> str:
        return obj.current_status(timezone.localdate())


class SeatFigureSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    left = serializers.IntegerField()


class QuotaFigureSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    used = serializers.IntegerField()


class RoundFiguresSerializer(serializers.Serializer):
    participants = serializers.IntegerField(help_text="approved nominations that took part in the run")
    nominations = serializers.DictField(child=serializers.IntegerField(), help_text="{status: count}")
    first_choice_share = serializers.FloatField(help_text="percent of participants, 1 decimal")
    top3_share = serializers.FloatField()
    unassigned_share = serializers.FloatField()
    seats_left = SeatFigureSerializer(many=True)
    quota_used = QuotaFigureSerializer(
        many=True, help_text="school_place quota of the round's year per enterprise (HR: its own only)"
    )


class RoundDetailSerializer(RoundSerializer):
    figures = serializers.SerializerMethodField()

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "figures"]
        read_only_fields = fields

    @extend_schema_field(RoundFiguresSerializer)
    def get_figures(self, obj: Round) -> dict[str, Any]:
        user = self.context["request"].user
        enterprise_id = None
        if not access.sees_all(user, access.ENTERPRISES):
            enterprise = enterprise_for_user(user)
            enterprise_id = enterprise.pk if enterprise is not None else -1
        return RoundFiguresSerializer(selectors.round_figures(obj, enterprise_id=enterprise_id)).data


class SeatInputSerializer(serializers.Serializer):
    school = serializers.IntegerField(min_value=1)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)


class RoundInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    seats = serializers.ListField(child=SeatInputSerializer(), allow_empty=False, max_length=1000)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    priority_rule = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10_000),
        required=False,
        help_text="{category level (1 = highest): points}; default published with the round",
    )
    previous = serializers.IntegerField(
        min_value=1, required=False, help_text="a run round: this one offers at most its seats left"
    )


class NominationSerializer(serializers.ModelSerializer):
    talent_name = serializers.CharField(source="talent.name")
    enterprise_name = serializers.CharField(source="enterprise.name")
    child_id_number_masked = serializers.CharField()
    preferences = serializers.ListField(child=serializers.IntegerField(), help_text="school ids, best first")
    assigned_school_name = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = [
            "id",
            "number",
            "round",
            "enterprise",
            "enterprise_name",
            "talent",
            "talent_name",
            "child_name",
            "child_id_number_masked",
            "entry_grade",
            "preferences",
            "application",
            "status",
            "priority",
            "assigned_school",
            "assigned_school_name",
            "unassigned_reason",
        ]
        read_only_fields = fields

    def get_assigned_school_name(self, obj: Nomination) -> str | None:
        return obj.assigned_school.name if obj.assigned_school_id else None


class NominationInputSerializer(serializers.Serializer):
    round = serializers.IntegerField(min_value=1)
    talent = serializers.IntegerField(min_value=1, help_text="the parent: a confirmed employee of the enterprise")
    child_name = serializers.CharField(max_length=services.CHILD_NAME_MAX)
    child_id_number = serializers.CharField(max_length=30, help_text="18-character resident ID; stored encrypted")
    entry_grade = serializers.IntegerField(min_value=1, max_value=9, help_text="1..6 primary, 7..9 junior")
    preferences = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=services.MAX_PREFERENCES,
        help_text="school ids of the round, best first, no repeats",
    )


class StudentSerializer(serializers.Serializer):
    number = serializers.CharField()
    priority = serializers.IntegerField()
    preferences = serializers.ListField(child=serializers.IntegerField())


class SchoolCapacitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    capacity = serializers.IntegerField()


class AssignmentSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    seed_hex = serializers.CharField(allow_null=True, help_text="null until the run")
    commitment = serializers.CharField(help_text="sha256(seed_hex)")
    schools = SchoolCapacitySerializer(many=True)
    students = StudentSerializer(many=True, help_text="empty until the run")
    assignment = serializers.DictField(
        child=serializers.IntegerField(allow_null=True), help_text="{number: school id or null}"
    )


_ERRORS: dict[Any, Any] = {
    400: OpenApiResponse(description="bad input, naming the field"),
    403: OpenApiResponse(description="the caller's role may not do this"),
    404: OpenApiResponse(description="no such object visible to the caller"),
    409: OpenApiResponse(description="wrong state, or no place left"),
}


# --- views -------------------------------------------------------------------------------------


@extend_schema(tags=["schools"], description="The schools offering places: public.")
class SchoolListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = SchoolSerializer

    def get_queryset(self):
        return selectors.schools_active()


class RoundFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(min_value=1900, max_value=9999)

    class Meta:
        model = Round
        fields: list[str] = []


class RoundListView(generics.ListCreateAPIView):
    """Rounds, newest first (HR and district staff); a district admin creates one."""

    serializer_class = RoundSerializer
    filterset_class = RoundFilter

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), IsDistrictAdmin()]
        return [permissions.IsAuthenticated(), IsStaffOrEnterpriseHR()]

    def get_queryset(self):
        return selectors.rounds_visible_to(self.request.user)

    @extend_schema(tags=["schools"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["schools"],
        request=RoundInputSerializer,
        responses={201: RoundSerializer, **_ERRORS},
        description="District admin: the seed is drawn now and only its `commitment` published.",
    )
    def post(self, request, *args, **kwargs):
        data = RoundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        round_ = services.round_create(
            actor=request.user,
            year=v["year"],
            opens_on=v["opens_on"],
            closes_on=v["closes_on"],
            seats=[dict(s) for s in v["seats"]],
            priority_rule=v.get("priority_rule"),
            name=v.get("name", ""),
            previous_id=v.get("previous"),
        )
        round_ = selectors.rounds_visible_to(request.user).get(pk=round_.pk)
        return Response(RoundSerializer(round_).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["schools"],
    description="A round with its `figures`: shares assigned to the first choice, the top 3 and unassigned; "
    "seats left per school; quota used per enterprise (HR: its own).",
)
class RoundDetailView(generics.RetrieveAPIView):
    # Any signed-in account may ask; a round the caller may not see is a 404.
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RoundDetailSerializer

    def get_queryset(self):
        return selectors.rounds_visible_to(self.request.user)


class RoundRunView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDistrictAdmin]

    @extend_schema(
        tags=["schools"],
        request=None,
        responses={200: RoundSerializer, **_ERRORS},
        extensions={"x-no-body": True},
        description="District admin: deferred acceptance over the approved nominations, self-checked before "
        "publishing (409 and nothing stored on a problem); 409 if already run.",
    )
    def post(self, request, pk: int):
        generics.get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)
        services.round_run(round_id=pk, actor=request.user)
        return Response(RoundSerializer(selectors.rounds_visible_to(request.user).get(pk=pk)).data)


class RoundAssignmentView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["schools"],
        responses={200: AssignmentSerializer, 404: _ERRORS[404]},
        description="Everything needed to recheck the run: seed (after the run), commitment, schools with "
        "capacity, students (number, priority, preferences), assignment.",
    )
    def get(self, request, pk: int):
        round_ = generics.get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)
        return Response(AssignmentSerializer(selectors.assignment_record(round_)).data)


class NominationFilter(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="round_id", min_value=1, max_value=2**31 - 1)
    status = django_filters.ChoiceFilter(choices=Nomination.Status.choices)

    class Meta:
        model = Nomination
        fields: list[str] = []


class NominationListView(generics.ListCreateAPIView):
    """HR: its enterprise's nominations; district staff: all. HR nominates."""

    serializer_class = NominationSerializer
    filterset_class = NominationFilter

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), IsEnterpriseHR()]
        return [permissions.IsAuthenticated(), IsStaffOrEnterpriseHR()]

    def get_queryset(self):
        return selectors.nominations_visible_to(self.request.user)

    @extend_schema(tags=["schools"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["schools"],
        request=NominationInputSerializer,
        responses={201: NominationSerializer, **_ERRORS},
        description="Spends one `school_place` slot of the enterprise for the round's year (409 when none is "
        "left) and files a `school_place` application for staff to verify. 409 for a child already "
        "nominated in the round.",
    )
    def post(self, request, *args, **kwargs):
        data = NominationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        nomination = services.nomination_create(
            user=request.user,
            round_id=v["round"],
            talent_id=v["talent"],
            child_name=v["child_name"],
            child_id_number=v["child_id_number"],
            entry_grade=v["entry_grade"],
            preferences=v["preferences"],
        )
        nomination = selectors.nominations_visible_to(request.user).get(pk=nomination.pk)
        return Response(NominationSerializer(nomination).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["schools"])
class NominationDetailView(generics.RetrieveAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NominationSerializer

    def get_queryset(self):
        return selectors.nominations_visible_to(self.request.user)


class NominationWithdrawView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["schools"],
        request=None,
        responses={200: NominationSerializer, **_ERRORS},
        extensions={"x-no-body": True},
        description="HR, before the round's `closes_on`: withdraws the application and releases the slot.",
    )
    def post(self, request, pk: int):
        generics.get_object_or_404(selectors.nominations_visible_to(request.user), pk=pk)
        services.nomination_withdraw(user=request.user, nomination_id=pk)
        return Response(NominationSerializer(selectors.nominations_visible_to(request.user).get(pk=pk)).data)
