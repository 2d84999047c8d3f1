from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentsConfig(AppConfig):
    name = "apps.talents"
    verbose_name = _("人才信息库")
