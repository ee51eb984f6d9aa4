"""The public pages are cached whole (core.pagecache); what they show of a prisoner must change
at once when the prisoner does. Any save or deletion of a prisoner or an address, and every
address change the prisoners app announces, makes every cached public page stale."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core import pagecache
from prisoners.models import PrisonAddress, Prisoner
from prisoners.signals import prisoner_addressee_changed


def _bump_after_commit(**_kwargs: Any) -> None:
    # Now, and again after commit: a page rendered between the two from the old rows is stale.
    pagecache.bump()
    transaction.on_commit(pagecache.bump, robust=True)


@receiver(post_save, sender=Prisoner, dispatch_uid="pagecache-prisoner-saved")
@receiver(post_delete, sender=Prisoner, dispatch_uid="pagecache-prisoner-deleted")
@receiver(post_save, sender=PrisonAddress, dispatch_uid="pagecache-address-saved")
@receiver(post_delete, sender=PrisonAddress, dispatch_uid="pagecache-address-deleted")
@receiver(prisoner_addressee_changed, dispatch_uid="pagecache-address-changed")
def public_pages_changed(**kwargs: Any) -> None:
    _bump_after_commit(**kwargs)
