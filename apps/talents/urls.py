from django.urls import path

from . import api

urlpatterns = [
    path("talents/me/", api.TalentMeView.as_view(), name="talent-me"),
    path("talents/me/claim/", api.ClaimStartView.as_view(), name="talent-claim"),
    path("talents/me/claim/confirm/", api.ClaimConfirmView.as_view(), name="talent-claim-code"),
    path("talents/me/claim/<int:claim_id>/confirm/", api.ClaimConfirmByIdView.as_view(), name="talent-claim-confirm"),
    path("talents/me/categories/<slug:code>/evidence/", api.TalentMeEvidenceView.as_view(), name="talent-me-evidence"),
    path("talents/", api.TalentListView.as_view(), name="talent-list"),
    path("talents/<int:pk>/", api.TalentDetailView.as_view(), name="talent-detail"),
    path("talents/<int:pk>/categories/<slug:code>/evidence/", api.TalentEvidenceView.as_view(), name="talent-evidence"),
]
