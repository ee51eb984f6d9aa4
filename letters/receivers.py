"""Letters listens to prisoners (address changes) and to itself (a letter reaching approved),
and hands the work to the worker. Receivers run after commit and only queue tasks by id; if the
broker is down the sweep (letters.tasks.sweep_side_effects) does it later."""

from django.dispatch import receiver

from prisoners.signals import prisoner_address_changed

from .models import Letter
from .signals import letter_transitioned
from .tasks import return_letter, sync_prisoner_holds


@receiver(prisoner_address_changed, dispatch_uid="letters.sync_holds_on_address_change")
def sync_holds_on_address_change(sender, *, prisoner_id: int, **kwargs) -> None:
    sync_prisoner_holds.delay(prisoner_id)


@receiver(letter_transitioned, dispatch_uid="letters.return_when_approved")
def return_when_approved(sender, *, letter_id: int, to_status: str, **kwargs) -> None:
    """An approved letter the supporter posts themselves is returned to them at once."""
    if to_status != Letter.Status.APPROVED:
        return
    if Letter.objects.filter(pk=letter_id, delivery=Letter.Delivery.RETURN_TO_ME).exists():
        return_letter.delay(letter_id)
