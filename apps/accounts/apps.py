from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("账户与角色")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from . import authentication  # noqa: F401  (registers the token's OpenAPI security scheme)
        from .signals import remember_language_on_login, revoke_tokens_on_password_change

        user_logged_in.connect(remember_language_on_login, dispatch_uid="accounts.remember_language_on_login")
        post_save.connect(
            revoke_tokens_on_password_change,
            sender=self.get_model("User"),
            dispatch_uid="accounts.revoke_tokens_on_password_change",
        )
