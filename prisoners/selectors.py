from datetime import date

from django.utils import timezone

from .models import PrisonAddress, Prisoner


def prisoner_current_address(*, prisoner: Prisoner, on: date | None = None) -> PrisonAddress | None:
    """The address valid on ``on`` (today by default), or None while the prisoner is in transit."""
    if prisoner.status == Prisoner.Status.IN_TRANSIT:
        return None
    on = on or timezone.localdate()
    return (
        PrisonAddress.objects.filter(prisoner=prisoner, valid_from__lte=on)
        .exclude(valid_until__lt=on)
        .order_by("-valid_from")
        .first()
    )
