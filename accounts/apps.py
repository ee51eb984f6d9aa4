from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    """django-axes (sign-in lockouts) as it is, with a name a coordinator understands, in their
    language: the admin's sidebar and index said "Axes"."""

    verbose_name = _("Sign-in lockouts")


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff accounts and security")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import backends
        from .signals import remember_login_time

        user_logged_in.connect(remember_login_time, dispatch_uid="accounts.login_time")
        # The cached permissions (accounts.backends) go whenever they may have changed.
        user = get_user_model()
        for signal in (post_save, post_delete):
            signal.connect(backends.user_changed, sender=user, dispatch_uid="accounts.perms.u")
            for model in (Group, Permission):
                signal.connect(
                    backends.everyone_changed, sender=model, dispatch_uid=f"accounts.perms.{model}"
                )
        for through in (user.groups.through, user.user_permissions.through):
            m2m_changed.connect(
                backends.memberships_changed, sender=through, dispatch_uid=f"accounts.{through}"
            )
        m2m_changed.connect(
            backends.everyone_changed,
            sender=Group.permissions.through,
            dispatch_uid="accounts.perms.group_permissions",
        )
