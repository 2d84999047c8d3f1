from django.urls import path

from . import api

urlpatterns = [
    path("enterprises/", api.EnterpriseListView.as_view(), name="enterprise-list"),
    path("enterprises/<int:pk>/", api.EnterpriseDetailView.as_view(), name="enterprise-detail"),
    path("enterprises/<int:pk>/quotas/", api.QuotaListView.as_view(), name="enterprise-quotas"),
    path(
        "enterprises/<int:pk>/employment-claims/",
        api.EmploymentClaimListView.as_view(),
        name="enterprise-employment-claims",
    ),
    path(
        "enterprises/<int:pk>/employment-claims/<int:talent_id>/confirm/",
        api.EmploymentClaimConfirmView.as_view(),
        name="enterprise-employment-confirm",
    ),
    path(
        "enterprises/<int:pk>/employment-claims/<int:talent_id>/refuse/",
        api.EmploymentClaimRefuseView.as_view(),
        name="enterprise-employment-refuse",
    ),
]
