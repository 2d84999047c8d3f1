from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("账户与角色")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .signals import remember_language_on_login

        user_logged_in.connect(remember_language_on_login, dispatch_uid="accounts.remember_language_on_login")
