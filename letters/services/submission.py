"""The supporter's side: a new letter, and withdrawing it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.text import is_blank, without_direction_controls
from prisoners.models import Prisoner
from prisoners.selectors import prisoner_accepts_letters

from .. import signature, tokens
from ..events import Recorded
from ..lifecycle import PERM_COORDINATE, Action
from ..models import Letter, LetterEvent
from .core import (
    NOTIFY,
    LetterError,
    NotAcceptingLetters,
    announce_after_commit,
    lock_letter,
    queue_notification,
    require_permission,
    save_letter,
    transition,
)

S = Letter.Status
CAME_BY_EMAIL = Recorded.CAME_BY_EMAIL  # the LetterEvent action of a letter entered from the Inbox


@dataclass(frozen=True)
class SubmittedLetter:
    letter: Letter
    token: str


def letter_submit(
    *,
    prisoner_id: int,
    supporter_name: str,
    supporter_email: str,
    language: str,
    original_text: str,
    delivery: str,
    postage_currency: str = "",
    supporter_country: str = "",
    locale: str = "en",
    source: str = Letter.Source.FORM,
    email_message_id: str = "",
    email_subject: str = "",
    actor: User | None = None,
    then: Callable[[Letter], None] | None = None,
) -> SubmittedLetter:
    """A supporter's new letter (see ``_letter_submit``), under a fresh reference.

    A reference already taken (rare: 31^8 choices) fails the insert, which rolls the
    whole transaction back; it is then tried again with a new reference. Retrying the
    transaction rather than wrapping the insert in a savepoint saves two round trips to the
    database on every letter."""
    arguments: dict[str, Any] = dict(
        prisoner_id=prisoner_id,
        supporter_name=supporter_name,
        supporter_email=supporter_email,
        language=language,
        original_text=original_text,
        delivery=delivery,
        postage_currency=postage_currency,
        supporter_country=supporter_country,
        locale=locale,
        source=source,
        email_message_id=email_message_id,
        email_subject=email_subject,
        actor=actor,
        then=then,
    )
    if source != Letter.Source.FORM:
        return _letter_submit_with_reference(arguments)
    # The same letter sent twice (a double click, or Back and Send again) is one letter: the
    # second sending is answered with the first one's page.
    key = _sending_key(arguments)
    earlier, held = _letter_sent_just_now(key, arguments)
    if earlier is not None:
        return earlier
    try:
        submitted = _letter_submit_with_reference(arguments)
    except BaseException:
        if held:  # a sending that waited in vain for a stuck first one leaves its key alone
            cache.delete(key)
        raise
    if held:
        cache.set(key, submitted.letter.pk, SAME_LETTER_SECONDS)
    return submitted


# How long a sending is remembered, so that the same letter sent again is not made twice.
SAME_LETTER_SECONDS = 10 * 60
# How long a second sending waits for the first one to be saved before making its own letter.
SAME_LETTER_WAIT_SECONDS = 3.0
_SENDING = "sending"  # the cache's value while the first sending is being saved


def _sending_key(arguments: dict[str, Any]) -> str:
    """One key per letter as the supporter sent it; the address only by its keyed hash."""
    parts = [
        crypto.lookup_hash(arguments["supporter_email"]),
        str(arguments["prisoner_id"]),
        arguments["supporter_name"].strip(),
        arguments["language"],
        arguments["delivery"],
        arguments["postage_currency"],
        arguments["original_text"].strip(),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"letters:sending:{digest}"


def _letter_sent_just_now(
    key: str, arguments: dict[str, Any]
) -> tuple[SubmittedLetter | None, bool]:
    """The letter this same sending made a moment ago, if any, and whether this sending now
    holds the key (it is the first). A first sending still being saved is waited for, briefly;
    if it is stuck, this one goes on without the key, which stays the first one's.

    The cache holds only the letter's number, so the letter found by it must still be this
    supporter's, to this prisoner: after a database is restored, or where two databases share
    one cache, the number can name someone else's letter, whose page must not be shown."""
    deadline = time.monotonic() + SAME_LETTER_WAIT_SECONDS
    while not cache.add(key, _SENDING, SAME_LETTER_SECONDS):
        earlier = cache.get(key)
        if earlier is None:
            continue  # it expired or the first sending failed: try to hold it again
        if earlier != _SENDING:
            letter = (
                Letter.objects.filter(
                    pk=earlier,
                    prisoner_id=arguments["prisoner_id"],
                    supporter_email_hash=crypto.lookup_hash(arguments["supporter_email"]),
                )
                .exclude(status=S.CANCELLED)
                .first()
            )
            if letter is None or letter.texts_erased_at is not None:
                cache.delete(key)
                continue  # cancelled, erased or not this sending's: it makes a new letter
            token = tokens.token_for(salt=letter.tracking_salt)
            return SubmittedLetter(letter=letter, token=token), False
        if time.monotonic() > deadline:
            return None, False  # the first sending is stuck: rather two letters than none
        time.sleep(0.05)
    return None, True


def _letter_submit_with_reference(arguments: dict[str, Any]) -> SubmittedLetter:
    for _attempt in range(4):
        reference = tokens.new_reference()
        try:
            return _letter_submit(reference=reference, **arguments)
        except IntegrityError:
            if not Letter.objects.filter(reference=reference).exists():
                raise
    return _letter_submit(reference=tokens.new_reference(), **arguments)


@transaction.atomic(durable=True)
def _letter_submit(
    *,
    reference: str,
    prisoner_id: int,
    supporter_name: str,
    supporter_email: str,
    language: str,
    original_text: str,
    delivery: str,
    postage_currency: str = "",
    supporter_country: str = "",
    locale: str = "en",
    source: str = Letter.Source.FORM,
    email_message_id: str = "",
    email_subject: str = "",
    actor: User | None = None,
    then: Callable[[Letter], None] | None = None,
) -> SubmittedLetter:
    """A supporter's new letter: saved as received, its tracking token returned once.

    A letter that came by e-mail (``source`` email) is entered by the coordinator (``actor``)
    who confirmed it in the Inbox; it keeps the e-mail's Message-ID and subject so that our
    e-mails answer in the supporter's thread, and its history says how it came.

    ``then`` runs inside the same transaction once the letter is saved (the Inbox links its
    e-mail there): if it raises, no letter was made."""
    if source == Letter.Source.EMAIL:
        require_permission(actor, PERM_COORDINATE)
    elif source != Letter.Source.FORM:
        raise LetterError(_("Unknown source of a letter."))
    accepts = prisoner_accepts_letters(prisoner_id=prisoner_id)
    if accepts is None:
        raise Prisoner.DoesNotExist(f"No prisoner {prisoner_id}.")
    if not accepts:
        raise NotAcceptingLetters()
    # A name or letter whose direction controls re-ordered what the desk, the PDF or the
    # censor shows is stored without them (core.text).
    supporter_name = without_direction_controls(supporter_name)
    text = without_direction_controls(original_text).strip()
    if is_blank(text):
        raise LetterError(_("The letter is empty."))
    if len(text) > settings.LETTERBRIDGE_MAX_LETTER_CHARS:
        raise LetterError(
            _("The letter is longer than %(max)d characters.")
            % {"max": settings.LETTERBRIDGE_MAX_LETTER_CHARS}
        )
    if delivery == Letter.Delivery.POST_FOR_ME:
        if postage_currency not in settings.LETTERBRIDGE_POSTAGE_FEES:
            raise LetterError(_("Choose the currency to pay the postage in."))
        postage = Letter.Postage.DUE
    elif delivery == Letter.Delivery.RETURN_TO_ME:
        postage, postage_currency = Letter.Postage.NOT_NEEDED, ""
    else:
        raise LetterError(_("Choose how the letter should be delivered."))

    now = timezone.now()
    salt = tokens.new_salt()
    token = tokens.token_for(salt=salt)
    letter = Letter(
        prisoner_id=prisoner_id,
        supporter_name=supporter_name.strip(),
        signature_ru=signature.signature_proposal_ru(supporter_name, language),
        supporter_email=supporter_email.strip(),
        supporter_email_hash=crypto.lookup_hash(supporter_email),
        original_length=len(text),
        supporter_country=supporter_country,
        locale=locale if locale in dict(settings.LANGUAGES) else "en",
        language=language,
        original_text=text,
        delivery=delivery,
        source=source,
        email_message_id=email_message_id.strip() if source == Letter.Source.EMAIL else "",
        email_subject=email_subject.strip() if source == Letter.Source.EMAIL else "",
        postage=postage,
        postage_currency=postage_currency,
        status=S.RECEIVED,
        status_changed_at=now,
        tracking_salt=salt,
        tracking_token_hash=tokens.token_hash(token),
    )
    letter.reference = reference
    letter.save()
    event = LetterEvent.objects.create(
        letter=letter, kind=LetterEvent.Kind.TRANSITION, to_status=S.RECEIVED, action=Action.SUBMIT
    )
    if source == Letter.Source.EMAIL:
        LetterEvent.objects.create(
            letter=letter,
            kind=LetterEvent.Kind.NOTE,
            action=CAME_BY_EMAIL,
            actor=actor,
            note="Came by e-mail; confirmed in the Inbox.",
        )
    if then is not None:
        then(letter)
    announce_after_commit(letter.pk, Action.SUBMIT, "", S.RECEIVED)
    queue_notification(letter, event, NOTIFY[Action.SUBMIT])
    return SubmittedLetter(letter=letter, token=token)


@transaction.atomic(durable=True)
def letter_cancel(*, letter_id: int) -> Letter:
    """The supporter withdraws the letter (the view has checked the tracking token)."""
    letter = lock_letter(letter_id)
    transition(letter, action=Action.CANCEL, actor=None, note="Cancelled by the supporter.")
    save_letter(letter)
    return letter
