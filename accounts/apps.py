from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff accounts and security")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .signals import remember_login_time

        user_logged_in.connect(remember_login_time, dispatch_uid="accounts.login_time")
