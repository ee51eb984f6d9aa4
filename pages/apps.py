from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The pages that show several apps together (a letter with its postage, a prisoner with
    their letters, the coordinators' dashboard), drawn above all of them: each view calls the
    apps' selectors and renders one template that includes each app's part by name."""

    name = "pages"
    verbose_name = _("Pages")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the page cache's invalidation)
