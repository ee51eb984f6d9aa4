from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    """Supporters' data rights: see everything we hold about them, and have it erased. Sits
    above letters and payments because a supporter's data spans both."""

    name = "rights"
    verbose_name = _("Supporters' data rights")
