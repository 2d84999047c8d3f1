from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidencyConfig(AppConfig):
    name = "apps.residency"
    verbose_name = _("人才入户与人才绿卡")

    def ready(self) -> None:
        from apps.workflow import engine

        from .steps import GreenCardSteps, HukouSteps

        engine.register(HukouSteps(code="hukou"))
        engine.register(GreenCardSteps(code="green_card"))
