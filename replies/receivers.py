"""Replies listens to letters: when a letter's data is erased (at the supporter's request or
after the retention period), its replies are erased in the same transaction; and a scan's row
deleted takes its object in the private storage with it, once that is committed."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from core import storage
from letters.signals import letters_erased

from .models import ReplyPage
from .services import replies_forget_letters


@receiver(letters_erased, dispatch_uid="replies.forget_with_letters")
def forget_with_letters(sender, *, letter_ids: list[int], reason: str, **kwargs) -> None:
    replies_forget_letters(letter_ids=letter_ids, reason=reason)


@receiver(post_delete, sender=ReplyPage, dispatch_uid="replies.delete_scan")
def delete_scan(sender, *, instance: ReplyPage, **kwargs) -> None:
    transaction.on_commit(partial(storage.delete, instance.file_name), robust=True)
