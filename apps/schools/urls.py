from django.urls import path

from . import api

urlpatterns = [
    path("", api.SchoolListView.as_view(), name="school-list"),
    path("rounds/", api.RoundListView.as_view(), name="school-round-list"),
    path("rounds/<int:pk>/", api.RoundDetailView.as_view(), name="school-round-detail"),
    path("rounds/<int:pk>/run/", api.RoundRunView.as_view(), name="school-round-run"),
    path("rounds/<int:pk>/assignment/", api.RoundAssignmentView.as_view(), name="school-round-assignment"),
    path("nominations/", api.NominationListView.as_view(), name="school-nomination-list"),
    path("nominations/<int:pk>/", api.NominationDetailView.as_view(), name="school-nomination-detail"),
    path("nominations/<int:pk>/withdraw/", api.NominationWithdrawView.as_view(), name="school-nomination-withdraw"),
]
