"""API routes of engagement, under ``/api/v1/`` ahead of the workflow router (which owns ``applications/``)."""

from django.urls import path

from . import api

urlpatterns = [
    path("applications/<int:pk>/rating/", api.ApplicationRatingView.as_view(), name="application-rating"),
]
