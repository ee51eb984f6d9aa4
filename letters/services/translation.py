"""The translation desk: claiming letters, drafts and the signature, handing in, review, flags
(and the rejection a flag may end in), and the reminders and expiry of claims."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from smtplib import SMTPException
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.compiled import CompiledQuery
from core.text import is_blank

from .. import signature
from ..events import Recorded
from ..lifecycle import OPEN_STATES, PERM_COORDINATE, PERM_REVIEW, PERM_TRANSLATE, Action
from ..models import Letter, LetterEvent, VolunteerProfile
from ..selectors import prisoners_accepting_none
from .core import (
    ClaimLimitReached,
    InvalidTransition,
    LetterError,
    NotAcceptingLetters,
    NothingToClaim,
    NotPermitted,
    StaleDraft,
    ensure_allowed,
    ensure_not_flagged,
    lock_letter,
    require_permission,
    save_letter,
    transition,
)
from .dispatch import hold_if_not_sendable
from .notifications import staff_mail_render

logger = logging.getLogger(__name__)

S = Letter.Status


# --- claims ----------------------------------------------------------------------------------


def _claim_expiry():
    return timezone.now() + timedelta(days=settings.LETTERBRIDGE_CLAIM_DAYS)


# A claim's three reads, compiled once per connection (core.compiled): writing their SQL had
# cost the ORM more than PostgreSQL spent answering them, on the desk's busiest button.
_locked_profile = CompiledQuery(
    lambda p: (
        VolunteerProfile.objects.select_for_update()
        .filter(user_id=p.user_id)
        .values_list("claim_limit", "languages")
    )
)
_held = CompiledQuery(
    lambda p: (
        Letter.objects.filter(claimed_by_id=p.user_id, status=S.IN_TRANSLATION)
        .order_by()
        .values_list("pk")
    )
)


def _check_claim_limit(volunteer: User) -> list[str]:
    """The volunteer's languages, their profile locked, once they may take one more letter.
    Locking the profile row serialises one volunteer's concurrent claims, so two tabs cannot
    both pass the limit check. One query for the lock (two the first time, when the profile is
    made)."""
    rows = _locked_profile(user_id=volunteer.pk)
    if not rows:
        VolunteerProfile.objects.get_or_create(
            user=volunteer, defaults={"claim_limit": settings.LETTERBRIDGE_DEFAULT_CLAIM_LIMIT}
        )
        rows = _locked_profile(user_id=volunteer.pk)
    claim_limit, languages = rows[0]
    if _held.count(user_id=volunteer.pk) >= claim_limit:
        raise ClaimLimitReached()
    return list(languages or [])


def _claim(letter: Letter, volunteer: User, *, action=Action.CLAIM) -> Letter:
    ensure_allowed(letter, action)
    ensure_not_flagged(letter)
    transition(letter, action=action, actor=volunteer)
    letter.claimed_by = volunteer
    letter.claimed_at = timezone.now()
    letter.claim_expires_at = _claim_expiry()
    letter.claim_reminded_at = None
    save_letter(letter)
    return letter


@transaction.atomic(durable=True)
def letter_claim(*, letter_id: int, volunteer: User) -> Letter:
    """Take one named letter. Whoever locks the row first wins; the rest get InvalidTransition."""
    require_permission(volunteer, PERM_TRANSLATE)
    _check_claim_limit(volunteer)
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.CLAIM)
    if not letter.prisoner.accepts_letters:  # a queue page opened before the prisoner changed
        raise NotAcceptingLetters()
    return _claim(letter, volunteer)


UNREAD_BY_A_CLAIM = (
    "supporter_name",
    "supporter_email",
    "original_text",
    "translation",
    "signature_ru",
    "email_message_id",
    "email_subject",
)
# A claim reads the state and writes the claim: the texts and the supporter's fields (encrypted,
# so each would be decrypted) are loaded only if someone reads them.
_READ_BY_A_CLAIM = [
    field.attname for field in Letter._meta.concrete_fields if field.name not in UNREAD_BY_A_CLAIM
]
_oldest_waiting = CompiledQuery(
    lambda p: (
        Letter.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=S.RECEIVED, language__in=p.languages, flagged_at__isnull=True)
        .exclude(prisoner_id__in=prisoners_accepting_none())  # as the queue
        .order_by("created_at", "pk")
        .values_list(*_READ_BY_A_CLAIM)[:1]
    )
)


@transaction.atomic(durable=True)
def letter_claim_next(*, volunteer: User) -> Letter:
    """Take the oldest waiting letter in the volunteer's languages, skipping rows another
    volunteer is locking at this moment so nobody waits on anybody."""
    require_permission(volunteer, PERM_TRANSLATE)
    languages = _check_claim_limit(volunteer)
    rows = _oldest_waiting(languages=languages)
    if not rows:
        raise NothingToClaim()
    # The instance the ORM would make of the row, the unread fields deferred.
    letter = Letter.from_db(Letter.objects.db, _READ_BY_A_CLAIM, rows[0])
    return _claim(letter, volunteer)


@transaction.atomic(durable=True)
def letter_release(*, letter_id: int, actor: User) -> Letter:
    """Give a claimed letter back to the queue (its claimant, or a coordinator)."""
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.RELEASE)
    if letter.claimed_by_id != actor.pk and not actor.has_perm(PERM_COORDINATE):
        raise NotPermitted(_("Only the volunteer holding this letter can release it."))
    transition(letter, action=Action.RELEASE, actor=actor)
    save_letter(letter)
    return letter


@transaction.atomic(durable=True)
def letter_expire_claim(*, letter_id: int) -> Letter | None:
    """Release a claim whose deadline has passed. None when it was handed in or renewed."""
    letter = lock_letter(letter_id)
    # a letter in translation always has a deadline (constraint letter_claimed_iff_in_translation)
    expires = cast(datetime, letter.claim_expires_at)
    if letter.status != S.IN_TRANSLATION or expires > timezone.now():
        return None
    transition(letter, action=Action.EXPIRE_CLAIM, actor=None, note="The claim expired.")
    save_letter(letter)
    return letter


def claims_release_expired() -> int:
    """Release every claim past its deadline; each release is its own transaction and event."""
    ids = list(
        Letter.objects.filter(status=S.IN_TRANSLATION, claim_expires_at__lte=timezone.now())
        .order_by("claim_expires_at")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(1 for pk in ids if letter_expire_claim(letter_id=pk) is not None)


# --- translating -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def letter_save_translation(
    *, letter_id: int, actor: User, translation: str, base_version: int
) -> Letter:
    """Save a draft. ``base_version`` is the version the editor started from: a stale tab
    (someone saved since) is refused instead of overwriting the newer text."""
    letter = lock_letter(letter_id)
    may_edit = (letter.status == S.IN_TRANSLATION and letter.claimed_by_id == actor.pk) or (
        letter.status == S.TRANSLATED and actor.has_perm(PERM_REVIEW)
    )
    if not may_edit:
        raise NotPermitted(_("You cannot edit this translation now."))
    if base_version != letter.translation_version:
        raise StaleDraft()
    letter.translation = translation
    letter.translation_version += 1
    letter.translation_saved_at = timezone.now()
    letter.save(
        update_fields=["translation", "translation_version", "translation_saved_at", "updated_at"]
    )
    return letter


def _set_signature(letter: Letter, signature_ru: str) -> None:
    value = signature.signature_normalise(signature_ru)
    problem = signature.signature_problem(value)
    if problem:
        raise LetterError(problem)
    letter.signature_ru = value


@transaction.atomic(durable=True)
def letter_save_signature(*, letter_id: int, actor: User, signature_ru: str) -> Letter:
    """The translator corrects the Cyrillic signature printed under the letter."""
    letter = lock_letter(letter_id)
    if not (letter.status == S.IN_TRANSLATION and letter.claimed_by_id == actor.pk):
        raise NotPermitted(_("You cannot edit this translation now."))
    _set_signature(letter, signature_ru)
    letter.save(update_fields=["signature_ru", "updated_at"])
    return letter


@transaction.atomic(durable=True)
def letter_hand_in(*, letter_id: int, volunteer: User, signature_ru: str | None = None) -> Letter:
    """The translation is done. The letter must carry its one signature, in Cyrillic: the one
    given here (as the volunteer confirmed it) or the one stored."""
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.HAND_IN)
    if letter.claimed_by_id != volunteer.pk:
        raise NotPermitted(_("Only the volunteer holding this letter can hand it in."))
    if is_blank(letter.translation):
        raise LetterError(_("The translation is empty."))
    _set_signature(letter, letter.signature_ru if signature_ru is None else signature_ru)
    if signature.signature_repeated(letter.translation, letter.signature_ru):
        raise LetterError(
            _(
                "The translation ends with the signature “%(signature)s”, and the signature is "
                "printed under the letter as well. Take the name out of the last line so the "
                "letter is signed once."
            )
            % {"signature": letter.signature_ru}
        )
    transition(letter, action=Action.HAND_IN, actor=volunteer)
    letter.translated_by = volunteer
    save_letter(letter, "translated_by", "signature_ru")
    return letter


# --- review ----------------------------------------------------------------------------------


def _require_reviewer(letter: Letter, reviewer: User) -> None:
    require_permission(reviewer, PERM_REVIEW)
    if letter.translated_by_id == reviewer.pk:
        raise NotPermitted(_("A translation is reviewed by someone other than its translator."))


@transaction.atomic(durable=True)
def letter_send_back(*, letter_id: int, reviewer: User, comment: str) -> Letter:
    """Return a translation to its translator with a comment they will see."""
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.SEND_BACK)
    _require_reviewer(letter, reviewer)
    if not comment.strip():
        raise LetterError(_("Tell the translator what to change."))
    translator = letter.translated_by
    transition(letter, action=Action.SEND_BACK, actor=reviewer, note=comment)
    letter.claimed_by = translator
    letter.claimed_at = timezone.now()
    letter.claim_expires_at = _claim_expiry()
    letter.review_comment = comment
    save_letter(letter, "review_comment")
    return letter


@transaction.atomic(durable=True)
def letter_approve(*, letter_id: int, reviewer: User) -> Letter:
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.APPROVE)
    _require_reviewer(letter, reviewer)
    ensure_not_flagged(letter)
    if is_blank(letter.translation):
        raise LetterError(_("The translation is empty."))
    approval = transition(letter, action=Action.APPROVE, actor=reviewer)
    hold_if_not_sendable(letter, actor=None, approval=approval)
    save_letter(letter)
    return letter


@transaction.atomic(durable=True)
def letter_skip_translation(*, letter_id: int, coordinator: User) -> Letter:
    """A letter already in Russian, or to a prisoner who reads its language, goes as written:
    signed as its writer signed it. The Cyrillic signature proposed from their name when it
    came is dropped, since no volunteer confirmed it (it would print «Анна Эксампле» under the
    letter's own «С уважением, Анна»)."""
    require_permission(coordinator, PERM_COORDINATE)
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.SKIP_TRANSLATION)
    ensure_not_flagged(letter)
    approval = transition(letter, action=Action.SKIP_TRANSLATION, actor=coordinator)
    letter.translation = letter.original_text
    letter.signature_ru = ""
    hold_if_not_sendable(letter, actor=None, approval=approval)
    save_letter(letter, "translation", "signature_ru")
    return letter


# --- flags and rejection ---------------------------------------------------------------------


class FlagDecision(StrEnum):
    REJECT = "reject"
    LET_GO_ON = "let_go_on"


@transaction.atomic(durable=True)
def letter_reject(*, letter_id: int, coordinator: User, reason: str) -> Letter:
    """Stop a letter that could harm the prisoner; the supporter is told why."""
    require_permission(coordinator, PERM_COORDINATE)
    return _reject(letter_id=letter_id, coordinator=coordinator, reason=reason)


def _reject(*, letter_id: int, coordinator: User, reason: str) -> Letter:
    if not reason.strip():
        raise LetterError(_("Give the supporter a reason."))
    letter = lock_letter(letter_id)
    transition(letter, action=Action.REJECT, actor=coordinator, note=reason)
    letter.rejection_reason = reason
    save_letter(letter, "rejection_reason")
    return letter


@transaction.atomic(durable=True)
def letter_flag(*, letter_id: int, volunteer: User, reason: str) -> Letter:
    """A volunteer fears the letter could harm the prisoner. It stops (no claim, no approval)
    until a coordinator rejects it or lets it go on; coordinators are e-mailed after commit."""
    if not (volunteer.has_perm(PERM_TRANSLATE) or volunteer.has_perm(PERM_REVIEW)):
        raise NotPermitted()
    reason = reason.strip()
    if not reason:
        raise LetterError(_("Say what worries you about this letter."))
    letter = lock_letter(letter_id)
    if letter.status not in OPEN_STATES:
        raise InvalidTransition("flag", letter.status)
    if letter.flagged_at is not None:
        raise LetterError(_("This letter is already flagged; a coordinator will decide."))
    letter.flagged_at = timezone.now()
    letter.flagged_by = volunteer
    letter.flag_reason = reason
    LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.NOTE,
        action=Recorded.FLAG,
        actor=volunteer,
        note=reason,
    )
    letter.save(update_fields=["flagged_at", "flagged_by", "flag_reason", "updated_at"])
    # robust: a broker that is down must not undo the flag; the sweep sends what was not queued.
    transaction.on_commit(partial(_announce_flag_task, letter.pk), robust=True)
    return letter


def _announce_flag_task(letter_id: int) -> None:
    # Imported when the callback runs: tasks import services, never the reverse.
    from ..tasks import notify_coordinators_of_flag

    notify_coordinators_of_flag.delay(letter_id)


@transaction.atomic(durable=True)
def letter_flag_clear(*, letter_id: int, coordinator: User, note: str = "") -> Letter:
    """The coordinator read the flagged letter and lets it go on. The flag's reason stays in
    the history."""
    require_permission(coordinator, PERM_COORDINATE)
    return _flag_clear(letter_id=letter_id, coordinator=coordinator, note=note)


def _flag_clear(*, letter_id: int, coordinator: User, note: str) -> Letter:
    letter = lock_letter(letter_id)
    if letter.flagged_at is None:
        raise LetterError(_("This letter is not flagged."))
    LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.NOTE,
        action=Recorded.FLAG_CLEARED,
        actor=coordinator,
        note=note.strip() or "Checked by a coordinator: the letter goes on.",
    )
    letter.flagged_at = None
    letter.flagged_by = None
    letter.flag_reason = ""
    letter.save(update_fields=["flagged_at", "flagged_by", "flag_reason", "updated_at"])
    return letter


@transaction.atomic(durable=True)
def letter_flag_decide(
    *, letter_id: int, coordinator: User, decision: str, reason: str = ""
) -> Letter:
    """Settle a flag: reject the letter (``reason`` is what the supporter is told) or let it
    go on (``reason`` is an optional note for the history)."""
    require_permission(coordinator, PERM_COORDINATE)
    if decision == FlagDecision.REJECT:
        letter = lock_letter(letter_id)
        if letter.flagged_at is None:
            raise LetterError(_("This letter is not flagged."))
        return _reject(letter_id=letter_id, coordinator=coordinator, reason=reason)
    if decision == FlagDecision.LET_GO_ON:
        return _flag_clear(letter_id=letter_id, coordinator=coordinator, note=reason)
    raise LetterError(_("Choose to reject the letter or to let it go on."))


# --- claim reminders -------------------------------------------------------------------------


def _claim_reminder_due(letter: Letter, now) -> bool:
    soon = now + timedelta(hours=settings.LETTERBRIDGE_CLAIM_REMINDER_HOURS)
    return (
        letter.status == S.IN_TRANSLATION
        and letter.claim_reminded_at is None
        and now < letter.claim_expires_at <= soon
    )


def _reserve_claim_reminder(letter_id: int) -> Letter | None:
    """Mark the claim reminded, if a reminder is due, so a second run leaves it alone. The
    letter is returned with its volunteer; None when no reminder is due."""
    with transaction.atomic(durable=True):
        letter = (
            Letter.objects.select_for_update(of=("self",))
            .select_related("prisoner", "claimed_by")
            .get(pk=letter_id)
        )
        now = timezone.now()
        if not _claim_reminder_due(letter, now):
            return None
        letter.claim_reminded_at = now
        letter.save(update_fields=["claim_reminded_at", "updated_at"])
    return letter


def _claim_reminder_message(letter: Letter, volunteer: User) -> EmailMultiAlternatives:
    context = {
        "letter": letter,
        "volunteer": volunteer,
        "translate_url": settings.LETTERBRIDGE_SITE_URL
        + reverse("admin:letters_letter_desk_translate", args=[letter.pk]),
    }
    subject, body = staff_mail_render("emails/claim_reminder", context)
    return EmailMultiAlternatives(subject=subject, body=body, to=[volunteer.email])


def letter_remind_claim(*, letter_id: int) -> bool:
    """E-mail the volunteer holding the letter that the claim ends soon, once per claim, and
    record it. False when no reminder is due (handed in, released, already reminded).

    The claim is marked reminded and committed first; the e-mail goes after, holding no lock,
    so a slow mail server never keeps the letter from its volunteer. If it cannot be sent the
    mark is taken back (the next run tries again) and the error is raised; the event is
    written only once the e-mail is sent."""
    letter = _reserve_claim_reminder(letter_id)
    if letter is None:
        return False
    volunteer = letter.claimed_by
    if volunteer is not None and volunteer.email:
        try:
            _claim_reminder_message(letter, volunteer).send()
        except Exception:
            Letter.objects.filter(pk=letter.pk, claim_reminded_at=letter.claim_reminded_at).update(
                claim_reminded_at=None
            )
            raise
        note = "Reminder e-mailed to the volunteer: the claim ends soon."
    else:
        note = "The claim ends soon; the volunteer has no e-mail address to remind."
    LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.CLAIM_REMINDER,
        action=Recorded.CLAIM_REMINDER,
        note=note,
    )
    logger.info("claim reminder letter=%s", letter.pk)
    return True


def claims_remind_expiring() -> int:
    """Remind every volunteer whose claim ends within LETTERBRIDGE_CLAIM_REMINDER_HOURS; each
    reminder is its own transaction and event, so a second run sends nothing twice."""
    now = timezone.now()
    soon = now + timedelta(hours=settings.LETTERBRIDGE_CLAIM_REMINDER_HOURS)
    ids = list(
        Letter.objects.filter(
            status=S.IN_TRANSLATION,
            claim_reminded_at__isnull=True,
            claim_expires_at__gt=now,
            claim_expires_at__lte=soon,
        )
        .order_by("claim_expires_at")
        .values_list("pk", flat=True)[:1000]
    )
    sent = 0
    for pk in ids:
        try:
            sent += letter_remind_claim(letter_id=pk)
        except (SMTPException, OSError):
            # One mailbox refusing must not hold up the others; this one is tried next run.
            logger.warning("claim reminder failed letter=%s", pk, exc_info=True)
    return sent
