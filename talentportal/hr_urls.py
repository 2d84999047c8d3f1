"""Pages of enterprise HR (``/hr/``): the enterprise, its talents and quotas, applications for talents."""

from django.urls import path

from apps.enterprises import web as enterprise_pages
from apps.schools import web as school_pages
from apps.workflow import web as application_pages

from .my_urls import application_routes

urlpatterns = [
    path("", application_pages.hr_home, name="hr-home"),
    path(
        "employment-claims/<int:talent_id>/confirm/",
        enterprise_pages.employment_confirm_page,
        name="hr-employment-confirm",
    ),
    path(
        "employment-claims/<int:talent_id>/refuse/",
        enterprise_pages.employment_refuse_page,
        name="hr-employment-refuse",
    ),
    path("nominations/", school_pages.nominations_page, name="hr-nominations"),
    path("nominations/<int:pk>/withdraw/", school_pages.nomination_withdraw_page, name="hr-nomination-withdraw"),
    *application_routes("hr"),
]
