from django.urls import path

from . import api

urlpatterns = [
    path("stats/overview/", api.OverviewView.as_view(), name="stats-overview"),
]
