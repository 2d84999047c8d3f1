"""Pages of enterprise HR (``/hr/``): the enterprise, its talents and quotas, applications for talents."""

from django.urls import path

from apps.workflow import web as application_pages

from .my_urls import application_routes

urlpatterns = [
    path("", application_pages.hr_home, name="hr-home"),
    *application_routes("hr"),
]
