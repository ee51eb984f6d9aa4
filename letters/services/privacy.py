"""Forgetting: a supporter's data erased at their request, or after the retention period once
the letter's life has ended. Both erase the same fields, through one function."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..events import Recorded
from ..lifecycle import FINAL_STATES, OPEN_STATES, Action
from ..models import Letter, LetterEvent, LetterReturnPack, PostingBatchDocument
from ..signals import letters_erased
from .core import lock_letter, save_letter, transition

logger = logging.getLogger(__name__)

# What forgetting a letter clears: who wrote it (the name, the e-mail address and its lookup
# hash, the country) and every text of it (the letter, its translation, the Cyrillic signature,
# the reviewer's comment, the flag's and the rejection's reasons, the subject and Message-ID of
# the e-mail it came in). The row, its reference,
# status, dates and history stay, so counts and accounts still add up: the privacy notice
# promises we keep only those.
ERASED_FIELDS: dict[str, str] = {
    "supporter_name": "",
    "supporter_email": "",
    "supporter_email_hash": "",
    "supporter_country": "",
    "original_text": "",
    "translation": "",
    "signature_ru": "",
    "review_comment": "",
    "flag_reason": "",
    "rejection_reason": "",
    "email_message_id": "",
    "email_subject": "",
}


def _erase(letter_ids: list[int], *, now: datetime, action: str, note: str) -> None:
    """Clear ERASED_FIELDS of these letters (locked by the caller), delete their return packs
    (the objects go after commit, letters.receivers), record why in each letter's history, and
    tell higher apps to forget what they keep of them (the e-mail a letter came in) in the same
    transaction."""
    letters_erased.send(sender=Letter, letter_ids=list(letter_ids), reason=action)
    Letter.objects.filter(pk__in=letter_ids).update(
        **ERASED_FIELDS, texts_erased_at=now, updated_at=now
    )
    LetterReturnPack.objects.filter(letter_id__in=letter_ids).delete()
    LetterEvent.objects.bulk_create(
        LetterEvent(letter_id=pk, kind=LetterEvent.Kind.NOTE, action=action, note=note)
        for pk in letter_ids
    )


@transaction.atomic(durable=True)
def letter_erase_supporter_data(*, letter_id: int) -> Letter:
    """The supporter asked us to forget them: an open letter is cancelled first (its postage is
    refunded through the cancellation), then the letter is erased."""
    letter = lock_letter(letter_id)
    if not letter.supporter_email and letter.texts_erased_at:
        return letter  # already erased: nothing left to forget
    if letter.status in OPEN_STATES:
        transition(letter, action=Action.CANCEL, actor=None, note="Cancelled at erasure.")
        save_letter(letter)
    _erase(
        [letter.pk],
        now=timezone.now(),
        action=Recorded.SUPPORTER_ERASED,
        note="The supporter's data was erased at their request.",
    )
    letter.refresh_from_db()
    return letter


def letters_purge_texts(*, now: datetime | None = None) -> int:
    """Erase letters that ended (posted, returned, cancelled, rejected) more than
    LETTERBRIDGE_RETENTION_DAYS ago (texts, the supporter's details, return packs), keeping the
    metadata and history; delete batch PDFs of the same age (rows, then their objects in the
    private storage after commit). Returns how many letters were erased; a second run erases
    none."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LETTERBRIDGE_RETENTION_DAYS)
    erased = 0
    while True:
        with transaction.atomic(durable=True):
            ids = list(
                Letter.objects.select_for_update(skip_locked=True)
                .filter(
                    status__in=FINAL_STATES,
                    status_changed_at__lt=cutoff,
                    texts_erased_at__isnull=True,
                )
                .values_list("pk", flat=True)[:500]
            )
            if not ids:
                break
            _erase(
                ids,
                now=now,
                action=Recorded.TEXTS_ERASED,
                note="Letter texts and the supporter's details erased after the retention period.",
            )
            erased += len(ids)
    documents, _by_model = PostingBatchDocument.objects.filter(
        batch__posted_on__lt=timezone.localdate(cutoff)
    ).delete()
    logger.info("retention purge letters=%s batch_pdfs=%s", erased, documents)
    return erased
