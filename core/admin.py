"""Admin pieces shared by the apps (this app registers no models)."""

from django.db.models import Model
from django.http import HttpRequest


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
