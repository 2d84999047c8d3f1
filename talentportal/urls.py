from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts import views as account_views
from apps.core import health
from apps.core import views as core_views
from apps.workflow import public_urls as workflow_public_urls

admin.site.site_header = _("海珠区人才服务平台 · 管理后台")
admin.site.site_title = _("海珠人才服务")
admin.site.index_title = _("区人社局工作台")

# Unmatched paths under /api/ answer JSON like every other API error.
handler404 = "apps.core.views.not_found"
handler403 = "apps.core.views.permission_denied"
handler500 = "apps.core.views.server_error"

api_v1: list = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (the CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.talents.urls")),
    path("", include("apps.enterprises.urls")),
    path("", include("apps.reports.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("schools/", include("apps.schools.urls")),
    path("apartments/", include("apps.apartments.urls")),
    path("", include(workflow_public_urls.api_urlpatterns)),
    path("", include("apps.engagement.urls")),
    path("", include("apps.workflow.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("health/", core_views.health, name="health"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/login/", account_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", account_views.PortalLogoutView.as_view(), name="logout"),
    path("accounts/register/", account_views.register_page, name="register"),
    path("accounts/register/verify/", account_views.register_verify_page, name="register-verify"),
    path("my/", include("talentportal.my_urls")),
    path("hr/", include("talentportal.hr_urls")),
    path("dashboard/", include("apps.reports.web_urls")),
    path("", include(workflow_public_urls.urlpatterns)),
    path("", core_views.home, name="home"),
]
