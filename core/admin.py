"""Admin pieces shared by the apps (this app registers no models)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


class LetterbridgeAdminSite(admin.AdminSite):
    """Django's admin site, with the list of apps built only when a page shows it.

    ``each_context`` gives every admin page ``available_apps`` for the sidebar, and Django
    builds it at once: every registered model's permissions asked and its URLs reversed, about
    half a millisecond a page. The sidebar's HTML is kept per permissions and language
    (``{% nav_sidebar %}`` in core_tags), so most pages never read the list."""

    def get_app_list(self, request, app_label=None):
        return SimpleLazyObject(
            lambda: super(LetterbridgeAdminSite, self).get_app_list(request, app_label)
        )


class LetterbridgeAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``LetterbridgeAdminSite`` as ``admin.site``."""

    default_site = "core.admin.LetterbridgeAdminSite"


class ReadOnlyAdminMixin:
    """For a model admin or an inline that shows rows and changes none: histories, logs, and
    rows that only a service may write (a form would save the whole row over what the service
    wrote meanwhile). Put it before ``admin.ModelAdmin`` (or the inline class) in the bases."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
