"""API routes of the apartments app, under ``/api/v1/apartments/``."""

from django.urls import path

from . import api

urlpatterns = [
    path("units/", api.UnitListView.as_view(), name="apartment-units"),
    path("batches/", api.BatchListView.as_view(), name="apartment-batches"),
    path("batches/<int:pk>/", api.BatchDetailView.as_view(), name="apartment-batch-detail"),
    path("batches/<int:pk>/freeze/", api.BatchFreezeView.as_view(), name="apartment-batch-freeze"),
    path("batches/<int:pk>/draw/", api.BatchDrawView.as_view(), name="apartment-batch-draw"),
    path("batches/<int:pk>/redraw/", api.BatchRedrawView.as_view(), name="apartment-batch-redraw"),
    path("offers/", api.OfferListView.as_view(), name="apartment-offers"),
    path("offers/<int:pk>/accept/", api.OfferAcceptView.as_view(), name="apartment-offer-accept"),
    path("offers/<int:pk>/decline/", api.OfferDeclineView.as_view(), name="apartment-offer-decline"),
    path("leases/", api.LeaseListView.as_view(), name="apartment-leases"),
    path("leases/<int:pk>/renewal/", api.LeaseRenewalView.as_view(), name="apartment-lease-renewal"),
    path("leases/<int:pk>/move-out/", api.LeaseMoveOutView.as_view(), name="apartment-lease-move-out"),
    path("renewals/<int:pk>/decide/", api.RenewalDecideView.as_view(), name="apartment-renewal-decide"),
    path("occupancy/", api.OccupancyView.as_view(), name="apartment-occupancy"),
]
