"""Pages of a talent's own side of the portal (``/my/``) and, with ``hr_urls``, of enterprise HR."""

from django.urls import path

from apps.accounts import views as account_pages
from apps.apartments import web as apartment_pages
from apps.notifications import web as notification_pages
from apps.talents import web as talent_pages
from apps.workflow import web as application_pages


def application_routes(side: str) -> list:
    """The application pages, the same views under /my/ and /hr/ (``side`` picks role and URL names)."""
    kw = {"side": side}
    return [
        path("applications/new/", application_pages.application_new, kw, name=f"{side}-application-new"),
        path("applications/<int:pk>/", application_pages.application_detail, kw, name=f"{side}-application"),
        path("applications/<int:pk>/edit/", application_pages.application_edit, kw, name=f"{side}-application-edit"),
        path(
            "applications/<int:pk>/materials/",
            application_pages.application_materials,
            kw,
            name=f"{side}-application-materials",
        ),
        path(
            "applications/<int:pk>/review/", application_pages.application_review, kw, name=f"{side}-application-review"
        ),
        path(
            "applications/<int:pk>/actions/<slug:action>/",
            application_pages.application_action,
            kw,
            name=f"{side}-application-action",
        ),
        path(
            "applications/<int:pk>/attachments/<int:attachment_id>/",
            application_pages.attachment_download,
            kw,
            name=f"{side}-attachment",
        ),
        path("applications/<int:pk>/rating/", application_pages.application_rate, kw, name=f"{side}-application-rate"),
    ]


urlpatterns = [
    path("", application_pages.my_home, name="my-home"),
    path("profile/", talent_pages.profile_page, name="my-profile"),
    path("contact/", account_pages.contact_change_page, name="my-contact"),
    path("notifications/", notification_pages.notifications_page, name="my-notifications"),
    path("notifications/<int:pk>/read/", notification_pages.notification_read, name="my-notification-read"),
    path("offers/", apartment_pages.offers_page, name="my-offers"),
    path("offers/<int:pk>/accept/", apartment_pages.offer_answer, {"answer": "accept"}, name="my-offer-accept"),
    path("offers/<int:pk>/decline/", apartment_pages.offer_answer, {"answer": "decline"}, name="my-offer-decline"),
    path("leases/<int:pk>/renewal/", apartment_pages.lease_renewal, name="my-lease-renewal"),
    *application_routes("my"),
]
