from django.urls import path

from . import api

urlpatterns = [
    path("enterprises/", api.EnterpriseListView.as_view(), name="enterprise-list"),
    path("enterprises/<int:pk>/", api.EnterpriseDetailView.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/quotas/", api.QuotaListView.as_view(), name="enterprise-quotas"),
]
