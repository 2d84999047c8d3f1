"""Routes of ``apps.workflow.public``.

``api_urlpatterns`` go under ``/api/v1/`` ahead of the workflow router (so ``applications/<id>/notices/``
is not taken for a router path); ``urlpatterns`` are pages at the site root."""

from django.urls import path

from . import public

api_urlpatterns = [
    path("lookup/", public.LookupView.as_view(), name="lookup"),
    path("applications/<int:pk>/notices/", public.ApplicationNoticesView.as_view(), name="application-notices"),
]

urlpatterns = [
    path("services/", public.services_page, name="public-services"),
    path("services/<slug:code>/", public.service_page, name="public-service"),
    path("lookup/", public.lookup_page, name="public-lookup"),
    path(
        "applications/<int:application_id>/notices/<str:kind>/",
        public.notice_page,
        name="application-notice",
    ),
]
