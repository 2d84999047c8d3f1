from django.apps import AppConfig


class ResidencyConfig(AppConfig):
    name = "apps.residency"
    verbose_name = "人才入户与人才绿卡 Residency"

    def ready(self) -> None:
        from apps.workflow import engine

        from .steps import GreenCardSteps, HukouSteps

        engine.register(HukouSteps(code="hukou"))
        engine.register(GreenCardSteps(code="green_card"))
