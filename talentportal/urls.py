from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import views as core_views
from apps.workflow import public_urls as workflow_public_urls

admin.site.site_header = "海珠区人才服务平台 · 管理后台"
admin.site.site_title = "海珠人才服务"
admin.site.index_title = "区人社局工作台 District staff"

# Unmatched paths under /api/ answer JSON like every other API error.
handler404 = "apps.core.views.not_found"

api_v1: list = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.talents.urls")),
    path("", include("apps.enterprises.urls")),
    path("", include("apps.reports.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("", include(workflow_public_urls.api_urlpatterns)),
    path("", include("apps.workflow.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("health/", core_views.health, name="health"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", include("apps.reports.web_urls")),
    path("", include(workflow_public_urls.urlpatterns)),
    path("", core_views.home, name="home"),
]
