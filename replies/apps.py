from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = _("Replies from prisoners")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (forgets replies with their letters; deletes scans)
