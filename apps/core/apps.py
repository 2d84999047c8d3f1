from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("基础设置")

    def ready(self) -> None:
        # The request id on every log line, and its Celery signal receivers (see request_id.py).
        from . import request_id

        request_id.install_log_record_factory()
