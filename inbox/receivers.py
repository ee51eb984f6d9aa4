"""Inbox listens to letters: when a letter's data is erased (at the supporter's request or
after the retention period), the e-mail it came in is erased in the same transaction."""

from django.dispatch import receiver

from letters.signals import letters_erased

from .services import inbound_forget_letters


@receiver(letters_erased, dispatch_uid="inbox.forget_with_letters")
def forget_with_letters(sender, *, letter_ids: list[int], reason: str, **kwargs) -> None:
    inbound_forget_letters(letter_ids=letter_ids, reason=reason)
