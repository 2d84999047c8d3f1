"""The rating of an application (好差评) over the API: thin; the rules live in ``services``."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import NotFound, ValidationFailed
from apps.core.parsers import JSONParser
from apps.workflow import selectors as workflow_selectors

from . import selectors, services

# The schema is written in one language: the five named levels of models.ServiceRating.Score.
SCORE_HELP = "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意"


class ServiceRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5, help_text=SCORE_HELP)
    score_display = serializers.CharField(source="get_score_display", help_text="非常满意 .. 非常不满意")
    comment = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class ServiceRatingInputSerializer(serializers.Serializer):
    """A rating: a score and, if the applicant wishes, a comment."""

    # Documents the body only: services.rating_submit checks it, so the web form gets the same answers.
    score = serializers.IntegerField(min_value=1, max_value=5, help_text=SCORE_HELP)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=services.COMMENT_MAX_CHARS, default="")


class ApplicationRatingView(APIView):
    """The applicant's rating of a completed application: one per application."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="applications_rating_retrieve",
        responses={
            200: ServiceRatingSerializer,
            404: OpenApiResponse(description="not rated yet, or no such application visible to the caller"),
        },
        tags=["applications"],
    )
    def get(self, request, pk: int):
        application = workflow_selectors.applications_visible_to(request.user).filter(pk=pk).first()
        rating = selectors.rating_for(application) if application is not None else None
        if rating is None:
            raise NotFound(gettext("该申请尚无评价"))
        return Response(ServiceRatingSerializer(rating).data)

    @extend_schema(
        operation_id="applications_rating_create",
        request=ServiceRatingInputSerializer,
        responses={
            201: ServiceRatingSerializer,
            400: OpenApiResponse(description="bad score or comment, named"),
            403: OpenApiResponse(description="the caller is not the applicant (staff do not rate)"),
            404: OpenApiResponse(description="no such application visible to the caller"),
            409: OpenApiResponse(description="the application is not completed, or is rated already"),
        },
        tags=["applications"],
    )
    def post(self, request, pk: int):
        if not isinstance(request.data, dict):
            raise ValidationFailed(gettext("请求内容须为JSON对象"))
        rating = services.rating_submit(
            application_id=pk,
            user=request.user,
            score=request.data.get("score"),
            comment=request.data.get("comment", ""),
        )
        return Response(ServiceRatingSerializer(rating).data, status=status.HTTP_201_CREATED)
