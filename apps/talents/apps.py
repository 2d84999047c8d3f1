from django.apps import AppConfig


class TalentsConfig(AppConfig):
    name = "apps.talents"
    verbose_name = "人才信息库 Talents"
