"""System checks for letters' settings."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def reply_address_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Every letter we post tells the prisoner where to reply; without an address it cannot.
    Posting ("post it for me") is always offered, so production should have one. A warning in
    ``check --deploy``, not an error: the letters still print, without the reply lines."""
    if settings.LETTERBRIDGE_REPLY_ADDRESS.strip():
        return []
    return [
        checks.Warning(
            "LETTERBRIDGE_REPLY_ADDRESS is empty: the letters we post will not say where the "
            "prisoner can reply, and the reply kit is left out of posting batches.",
            hint="Set it to the organisation's postal address, one row a line ('\\n' between "
            "rows), the addressee first and the country last.",
            id="letters.W001",
        )
    ]
