"""Closing the letters still on their way to someone who has been released, or has died.

Each letter closes in its own transaction (``transition``): it is cancelled with the action that
says why (``Action.CLOSE_RELEASED`` / ``CLOSE_DECEASED``), which queues the supporter's e-mail in
words fitting the news and announces the change, on which payments refunds postage paid (the
same path as any cancelled letter). A letter closed already is left alone, so running it twice
(a retried task, the sweep, a coordinator marking the person again) closes, e-mails and refunds
nothing twice.

A letter sent back to its writer to post lately (``RETURN_WARNING_DAYS``) may still lie on their
desk with the prison address on it: its writer is e-mailed, once, not to post it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from prisoners.models import Prisoner

from ..events import Recorded
from ..lifecycle import CLOSE_FOR_STATUS, OPEN_STATES, Action
from ..models import Letter, LetterEvent, Notification
from .core import InvalidTransition, lock_letter, queue_notification, save_letter, transition

logger = logging.getLogger(__name__)
S = Letter.Status

# A letter returned to post longer ago than this has been posted or put aside: its writer is
# not written to again.
RETURN_WARNING_DAYS = 90

# The note each closing event carries (in English, as every note is).
CLOSE_NOTES: dict[Action, str] = {
    Action.CLOSE_RELEASED: "Closed: the prisoner has been released.",
    Action.CLOSE_DECEASED: "Closed: the prisoner has died.",
}


@dataclass
class Closed:
    """What one run closed: the letters' ids, and those left open (changed meanwhile)."""

    closed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)  # returned letters: "do not post it"


@transaction.atomic(durable=True)
def letter_close_for_prisoner(*, letter_id: int, action: Action) -> Letter | None:
    """Close one letter whose prisoner was released or died. None when it is no longer open
    (posted, returned, cancelled or closed already)."""
    if action not in CLOSE_NOTES:
        raise ValueError(action)
    letter = lock_letter(letter_id)
    try:
        transition(letter, action=action, actor=None, note=CLOSE_NOTES[action])
    except InvalidTransition:
        return None
    save_letter(letter)
    return letter


def letters_close_for_prisoner(*, prisoner_id: int) -> Closed:
    """Close every letter still open to a prisoner marked released or deceased. Nothing is done
    for anybody else (their status may have been corrected back meanwhile)."""
    status = Prisoner.objects.values_list("status", flat=True).get(pk=prisoner_id)
    result = Closed()
    action = CLOSE_FOR_STATUS.get(status)
    if action is None:
        return result
    ids = list(
        Letter.objects.filter(prisoner_id=prisoner_id, status__in=OPEN_STATES)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        if letter_close_for_prisoner(letter_id=pk, action=action) is None:
            result.skipped.append(pk)
        else:
            result.closed.append(pk)
    since = timezone.now() - timedelta(days=RETURN_WARNING_DAYS)
    returned = list(
        Letter.objects.filter(
            prisoner_id=prisoner_id,
            status=S.RETURNED,
            status_changed_at__gte=since,
            texts_erased_at__isnull=True,
        )
        .exclude(events__action=Recorded.DO_NOT_POST)
        .order_by("status_changed_at", "pk")
        .values_list("pk", flat=True)
    )
    result.warned = [pk for pk in returned if letter_warn_not_to_post(letter_id=pk, action=action)]
    logger.info(
        "letters closed for prisoner=%s status=%s closed=%s skipped=%s warned=%s",
        prisoner_id,
        status,
        len(result.closed),
        len(result.skipped),
        len(result.warned),
    )
    return result


@transaction.atomic(durable=True)
def letter_warn_not_to_post(*, letter_id: int, action: Action) -> bool:
    """Tell the writer of a letter returned to them to post that its prisoner was released or
    died, and not to post it; once (the event records it). False when told already, or when
    there is nobody to tell (the writer's data erased)."""
    letter = lock_letter(letter_id)
    told = letter.events.filter(action=Recorded.DO_NOT_POST).exists()
    if told or letter.status != S.RETURNED or not letter.supporter_email:
        return False
    event = LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.NOTE,
        action=Recorded.DO_NOT_POST,
        note=CLOSE_NOTES[action],
    )
    queue_notification(letter, event, Notification.Kind.DO_NOT_POST)
    return True
