from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "apps.schools"
    verbose_name = _("优质学位")

    def ready(self) -> None:
        from apps.workflow import engine

        from .steps import SchoolPlaceSteps

        engine.register(SchoolPlaceSteps(code="school_place"))
