from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApartmentsConfig(AppConfig):
    name = "apps.apartments"
    verbose_name = _("人才公寓")

    def ready(self) -> None:
        from apps.workflow import engine

        from .steps import ApartmentSteps

        engine.register(ApartmentSteps(code="apartment"))
