"""Letters listens to prisoners (address changes, a release or a death) and to itself (a letter
reaching approved, a stored file's row deleted), and hands the work to the worker or the
storage. Receivers run after commit and only queue tasks by id (if the broker is down the sweep,
letters.tasks.sweep_side_effects, does it later) or delete a private object."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from core import storage
from prisoners.signals import prisoner_addressee_changed, prisoner_left_prison

from .models import Letter, LetterReturnPack, PostingBatchDocument
from .signals import letter_transitioned
from .tasks import close_letters_to_prisoner, return_letter, sync_prisoner_holds


@receiver(prisoner_addressee_changed, dispatch_uid="letters.sync_holds_on_addressee_change")
def sync_holds_on_addressee_change(sender, *, prisoner_id: int, **kwargs) -> None:
    sync_prisoner_holds.delay(prisoner_id)


@receiver(prisoner_left_prison, dispatch_uid="letters.close_on_left_prison")
def close_on_left_prison(sender, *, prisoner_id: int, **kwargs) -> None:
    """Released or deceased: the letters on their way to them close, in the worker."""
    close_letters_to_prisoner.delay(prisoner_id)


@receiver(letter_transitioned, dispatch_uid="letters.return_when_approved")
def return_when_approved(sender, *, letter_id: int, to_status: str, **kwargs) -> None:
    """An approved letter the supporter posts themselves is returned to them at once."""
    if to_status != Letter.Status.APPROVED:
        return
    if Letter.objects.filter(pk=letter_id, delivery=Letter.Delivery.RETURN_TO_ME).exists():
        return_letter.delay(letter_id)


@receiver(post_delete, sender=PostingBatchDocument, dispatch_uid="letters.delete_batch_pdf")
@receiver(post_delete, sender=LetterReturnPack, dispatch_uid="letters.delete_return_pack")
def delete_stored_file(sender, *, instance, **kwargs) -> None:
    """The row is gone (purge, erasure, a discarded batch or letter): its object goes too, once
    that is committed, so a rolled-back deletion never leaves a row without its file."""
    transaction.on_commit(partial(storage.delete, instance.file_name), robust=True)
