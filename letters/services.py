"""Every change of a letter's status happens here, and only here.

Each transition is one database transaction: the letter row is locked, the action's allowed-from
states are checked, a ``LetterEvent`` is written, and side effects (e-mails, PDFs, refunds) are
scheduled to run after commit. Callers (views, admin, tasks, webhooks) parse input, call one of
these, and render the result or the ``LetterError`` it raised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core import crypto
from prisoners.models import Prisoner
from prisoners.selectors import prisoner_current_address

from . import signature, tokens
from .lifecycle import (
    OPEN_STATES,
    PERM_COORDINATE,
    PERM_REVIEW,
    PERM_TRANSLATE,
    TRANSITIONS,
    Action,
)
from .models import Letter, LetterEvent, Notification, PostingBatch, VolunteerProfile
from .selectors import letter_translation_skipped
from .signals import letter_transitioned

logger = logging.getLogger(__name__)

S = Letter.Status


# Transitions the supporter hears about, and the e-mail each one sends.
NOTIFY: dict[Action, str] = {
    Action.SUBMIT: Notification.Kind.RECEIVED,
    Action.APPROVE: Notification.Kind.TRANSLATED,
    Action.SKIP_TRANSLATION: Notification.Kind.TRANSLATED,
    Action.HOLD: Notification.Kind.ON_HOLD,
    Action.POST: Notification.Kind.POSTED,
    Action.RETURN: Notification.Kind.RETURNED,
    Action.CANCEL: Notification.Kind.CANCELLED,
    Action.REJECT: Notification.Kind.REJECTED,
}


class LetterError(Exception):
    """A refused request, with a message fit to show the person who made it."""

    default_message = _("This cannot be done to this letter now.")

    def __init__(self, message: str | None = None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class InvalidTransition(LetterError):
    def __init__(self, action: str, status: str):
        self.action, self.status = action, status
        label = Letter.Status(status).label
        super().__init__(
            _("This letter is now “%(status)s”, so it cannot be changed that way.")
            % {"status": label}
        )


class NotPermitted(LetterError):
    default_message = _("You are not allowed to do that.")


class ClaimLimitReached(LetterError):
    default_message = _("You already hold as many letters as you may. Hand one in first.")


class NothingToClaim(LetterError):
    default_message = _("There is no letter waiting in your languages right now.")


class PostageNotSettled(LetterError):
    default_message = _("Postage for this letter is not paid or waived yet.")


class NoCurrentAddress(LetterError):
    default_message = _("The prisoner has no current address; the letter must wait.")


class NotAcceptingLetters(LetterError):
    default_message = _("This person cannot receive letters through us at the moment.")


class StaleDraft(LetterError):
    default_message = _(
        "This translation was saved elsewhere after you opened it. Reload to see the newer text."
    )


class LetterFlagged(LetterError):
    default_message = _(
        "A volunteer flagged this letter as possibly harmful; a coordinator decides before it "
        "goes on."
    )


@dataclass(frozen=True)
class SubmittedLetter:
    letter: Letter
    token: str


# --- helpers ---------------------------------------------------------------------------------


def _require(actor: AbstractBaseUser | None, perm: str, *, system_allowed: bool = False) -> None:
    if actor is None:
        if system_allowed:
            return
        raise NotPermitted()
    if not actor.has_perm(perm):
        raise NotPermitted()


def _lock(letter_id: int) -> Letter:
    return (
        Letter.objects.select_for_update(of=("self",)).select_related("prisoner").get(pk=letter_id)
    )


def _ensure_not_flagged(letter: Letter) -> None:
    if letter.flagged_at is not None:
        raise LetterFlagged()


def _ensure_allowed(letter: Letter, action: Action) -> None:
    """Check the state first, so a letter in the wrong state is refused as such before any
    check of who may act on it."""
    if letter.status not in TRANSITIONS[action][0]:
        raise InvalidTransition(action, letter.status)


def _transition(
    letter: Letter, *, action: Action, actor: AbstractBaseUser | None, note: str = ""
) -> LetterEvent:
    _ensure_allowed(letter, action)
    to = TRANSITIONS[action][1]
    now = timezone.now()
    event = LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.TRANSITION,
        from_status=letter.status,
        to_status=to,
        action=action,
        actor=actor,
        note=note,
    )
    from_status = letter.status
    letter.status = to
    letter.status_changed_at = now
    if to != S.IN_TRANSLATION:
        letter.claimed_by = None
        letter.claimed_at = None
        letter.claim_expires_at = None
        letter.claim_reminded_at = None
    _after_commit_announce(letter.pk, action, from_status, to)
    kind = _supporter_notification(letter, action)
    if kind:
        _queue_notification(letter, event, kind)
    return event


def _supporter_notification(letter: Letter, action: Action) -> str | None:
    """The e-mail this transition sends the supporter, if any. A letter they post themselves
    is returned straight after approval, and the return e-mail carries the PDF: a "ready"
    e-mail a second before it would say the same thing twice. (If it goes on hold instead,
    the hold e-mail tells them.)"""
    kind = NOTIFY.get(action)
    if kind == Notification.Kind.TRANSLATED and letter.delivery == Letter.Delivery.RETURN_TO_ME:
        return None
    return kind


def _save(letter: Letter, *fields: str) -> None:
    base = ["status", "status_changed_at", "claimed_by", "claimed_at", "claim_expires_at"]
    letter.save(update_fields=[*base, "claim_reminded_at", *fields, "updated_at"])


def _after_commit_announce(letter_id: int, action: str, from_status: str, to_status: str) -> None:
    transaction.on_commit(
        partial(
            letter_transitioned.send_robust,
            sender=Letter,
            letter_id=letter_id,
            action=str(action),
            from_status=str(from_status),
            to_status=str(to_status),
        )
    )


def _queue_notification(letter: Letter, event: LetterEvent, kind: str) -> Notification:
    from .tasks import send_notification

    notification = Notification.objects.create(letter=letter, event=event, kind=kind)
    # robust: a broker that is down must not turn a committed letter into an error page; the
    # periodic sweep (notifications_resend_lost) sends what was never queued.
    transaction.on_commit(partial(send_notification.delay, notification.pk), robust=True)
    return notification


def _claim_expiry():
    return timezone.now() + timedelta(days=settings.LETTERBRIDGE_CLAIM_DAYS)


def _hold_if_no_address(letter: Letter, *, actor: AbstractBaseUser | None) -> None:
    """An approved letter whose prisoner has no known address waits on hold."""
    if prisoner_current_address(prisoner=letter.prisoner) is None:
        _transition(letter, action=Action.HOLD, actor=actor, note="No current address.")


# --- the supporter ---------------------------------------------------------------------------


@transaction.atomic
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
) -> SubmittedLetter:
    """A supporter's new letter: saved as received, its tracking token returned once."""
    prisoner = Prisoner.objects.get(pk=prisoner_id)
    if not prisoner.accepts_letters:
        raise NotAcceptingLetters()
    text = original_text.strip()
    if not text:
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
        prisoner=prisoner,
        supporter_name=supporter_name.strip(),
        signature_ru=signature.signature_proposal_ru(supporter_name),
        supporter_email=supporter_email.strip(),
        supporter_email_hash=crypto.lookup_hash(supporter_email),
        original_length=len(text),
        supporter_country=supporter_country,
        locale=locale if locale in dict(settings.LANGUAGES) else "en",
        language=language,
        original_text=text,
        delivery=delivery,
        postage=postage,
        postage_currency=postage_currency,
        status=S.RECEIVED,
        status_changed_at=now,
        tracking_salt=salt,
        tracking_token_hash=tokens.token_hash(token),
    )
    for _attempt in range(5):  # a reference collision is rare; retry with a new one
        letter.reference = tokens.new_reference()
        try:
            with transaction.atomic():
                letter.save()
            break
        except IntegrityError:
            if Letter.objects.filter(reference=letter.reference).exists():
                continue
            raise
    event = LetterEvent.objects.create(
        letter=letter, kind=LetterEvent.Kind.TRANSITION, to_status=S.RECEIVED, action=Action.SUBMIT
    )
    _after_commit_announce(letter.pk, Action.SUBMIT, "", S.RECEIVED)
    _queue_notification(letter, event, NOTIFY[Action.SUBMIT])
    return SubmittedLetter(letter=letter, token=token)


@transaction.atomic
def letter_cancel(*, letter_id: int) -> Letter:
    """The supporter withdraws the letter (the view has checked the tracking token)."""
    letter = _lock(letter_id)
    _transition(letter, action=Action.CANCEL, actor=None, note="Cancelled by the supporter.")
    _save(letter)
    return letter


# --- volunteers ------------------------------------------------------------------------------


def _check_claim_limit(volunteer: AbstractBaseUser) -> None:
    # Locking the profile row serialises one volunteer's concurrent claims, so two tabs cannot
    # both pass the limit check.
    profile, _created = VolunteerProfile.objects.get_or_create(
        user=volunteer, defaults={"claim_limit": settings.LETTERBRIDGE_DEFAULT_CLAIM_LIMIT}
    )
    profile = VolunteerProfile.objects.select_for_update().get(pk=profile.pk)
    held = Letter.objects.filter(claimed_by=volunteer, status=S.IN_TRANSLATION).count()
    if held >= profile.claim_limit:
        raise ClaimLimitReached()


def _claim(letter: Letter, volunteer: AbstractBaseUser, *, action=Action.CLAIM) -> Letter:
    _ensure_allowed(letter, action)
    _ensure_not_flagged(letter)
    _transition(letter, action=action, actor=volunteer)
    letter.claimed_by = volunteer
    letter.claimed_at = timezone.now()
    letter.claim_expires_at = _claim_expiry()
    letter.claim_reminded_at = None
    _save(letter)
    return letter


@transaction.atomic
def letter_claim(*, letter_id: int, volunteer: AbstractBaseUser) -> Letter:
    """Take one named letter. Whoever locks the row first wins; the rest get InvalidTransition."""
    _require(volunteer, PERM_TRANSLATE)
    _check_claim_limit(volunteer)
    return _claim(_lock(letter_id), volunteer)


@transaction.atomic
def letter_claim_next(*, volunteer: AbstractBaseUser) -> Letter:
    """Take the oldest waiting letter in the volunteer's languages, skipping rows another
    volunteer is locking at this moment so nobody waits on anybody."""
    _require(volunteer, PERM_TRANSLATE)
    _check_claim_limit(volunteer)
    languages = volunteer.volunteer_profile.languages
    letter = (
        Letter.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("prisoner")
        .filter(status=S.RECEIVED, language__in=languages, flagged_at__isnull=True)
        .order_by("created_at", "pk")
        .first()
    )
    if letter is None:
        raise NothingToClaim()
    return _claim(letter, volunteer)


@transaction.atomic
def letter_release(*, letter_id: int, actor: AbstractBaseUser) -> Letter:
    """Give a claimed letter back to the queue (its claimant, or a coordinator)."""
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.RELEASE)
    if letter.claimed_by_id != actor.pk and not actor.has_perm(PERM_COORDINATE):
        raise NotPermitted(_("Only the volunteer holding this letter can release it."))
    _transition(letter, action=Action.RELEASE, actor=actor)
    _save(letter)
    return letter


@transaction.atomic
def letter_expire_claim(*, letter_id: int) -> Letter | None:
    """Release a claim whose deadline has passed. None when it was handed in or renewed."""
    letter = _lock(letter_id)
    if letter.status != S.IN_TRANSLATION or letter.claim_expires_at > timezone.now():
        return None
    _transition(letter, action=Action.EXPIRE_CLAIM, actor=None, note="The claim expired.")
    _save(letter)
    return letter


@transaction.atomic
def letter_save_translation(
    *, letter_id: int, actor: AbstractBaseUser, translation: str, base_version: int
) -> Letter:
    """Save a draft. ``base_version`` is the version the editor started from: a stale tab
    (someone saved since) is refused instead of overwriting the newer text."""
    letter = _lock(letter_id)
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


@transaction.atomic
def letter_save_signature(*, letter_id: int, actor: AbstractBaseUser, signature_ru: str) -> Letter:
    """The translator corrects the Cyrillic signature printed under the letter."""
    letter = _lock(letter_id)
    if not (letter.status == S.IN_TRANSLATION and letter.claimed_by_id == actor.pk):
        raise NotPermitted(_("You cannot edit this translation now."))
    _set_signature(letter, signature_ru)
    letter.save(update_fields=["signature_ru", "updated_at"])
    return letter


@transaction.atomic
def letter_hand_in(
    *, letter_id: int, volunteer: AbstractBaseUser, signature_ru: str | None = None
) -> Letter:
    """The translation is done. The letter must carry its one signature, in Cyrillic: the one
    given here (as the volunteer confirmed it) or the one stored."""
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.HAND_IN)
    if letter.claimed_by_id != volunteer.pk:
        raise NotPermitted(_("Only the volunteer holding this letter can hand it in."))
    if not letter.translation.strip():
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
    _transition(letter, action=Action.HAND_IN, actor=volunteer)
    letter.translated_by = volunteer
    _save(letter, "translated_by", "signature_ru")
    return letter


def _require_reviewer(letter: Letter, reviewer: AbstractBaseUser) -> None:
    _require(reviewer, PERM_REVIEW)
    if letter.translated_by_id == reviewer.pk:
        raise NotPermitted(_("A translation is reviewed by someone other than its translator."))


@transaction.atomic
def letter_send_back(*, letter_id: int, reviewer: AbstractBaseUser, comment: str) -> Letter:
    """Return a translation to its translator with a comment they will see."""
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.SEND_BACK)
    _require_reviewer(letter, reviewer)
    if not comment.strip():
        raise LetterError(_("Tell the translator what to change."))
    translator = letter.translated_by
    _transition(letter, action=Action.SEND_BACK, actor=reviewer, note=comment)
    letter.claimed_by = translator
    letter.claimed_at = timezone.now()
    letter.claim_expires_at = _claim_expiry()
    letter.review_comment = comment
    _save(letter, "review_comment")
    return letter


@transaction.atomic
def letter_approve(*, letter_id: int, reviewer: AbstractBaseUser) -> Letter:
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.APPROVE)
    _require_reviewer(letter, reviewer)
    _ensure_not_flagged(letter)
    if not letter.translation.strip():
        raise LetterError(_("The translation is empty."))
    _transition(letter, action=Action.APPROVE, actor=reviewer)
    _hold_if_no_address(letter, actor=None)
    _save(letter)
    return letter


@transaction.atomic
def letter_skip_translation(*, letter_id: int, coordinator: AbstractBaseUser) -> Letter:
    """A letter already in Russian, or to a prisoner who reads its language, goes as written."""
    _require(coordinator, PERM_COORDINATE)
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.SKIP_TRANSLATION)
    _ensure_not_flagged(letter)
    _transition(letter, action=Action.SKIP_TRANSLATION, actor=coordinator)
    letter.translation = letter.original_text
    _hold_if_no_address(letter, actor=None)
    _save(letter, "translation")
    return letter


# --- coordinators ----------------------------------------------------------------------------


@transaction.atomic
def letter_hold(*, letter_id: int, actor: AbstractBaseUser | None, note: str = "") -> Letter:
    _require(actor, PERM_COORDINATE, system_allowed=True)
    letter = _lock(letter_id)
    _transition(letter, action=Action.HOLD, actor=actor, note=note)
    _save(letter)
    return letter


@transaction.atomic
def letter_release_hold(*, letter_id: int, actor: AbstractBaseUser | None) -> Letter:
    """Back to approved once the prisoner's address is known."""
    _require(actor, PERM_COORDINATE, system_allowed=True)
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.RELEASE_HOLD)
    if prisoner_current_address(prisoner=letter.prisoner) is None:
        raise NoCurrentAddress()
    _transition(letter, action=Action.RELEASE_HOLD, actor=actor)
    _save(letter)
    return letter


@transaction.atomic
def letter_post(
    *, letter_id: int, coordinator: AbstractBaseUser, batch: PostingBatch | None = None
) -> Letter:
    """The letter went into the post. Only with postage paid or waived and an address known."""
    _require(coordinator, PERM_COORDINATE)
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.POST)
    if letter.delivery != Letter.Delivery.POST_FOR_ME:
        raise LetterError(_("The supporter posts this letter themselves; return it instead."))
    if letter.postage not in (Letter.Postage.PAID, Letter.Postage.WAIVED):
        raise PostageNotSettled()
    if prisoner_current_address(prisoner=letter.prisoner) is None:
        raise NoCurrentAddress()
    _transition(letter, action=Action.POST, actor=coordinator)
    letter.posting_batch = batch
    _save(letter, "posting_batch")
    return letter


@transaction.atomic
def letter_return(*, letter_id: int, coordinator: AbstractBaseUser | None) -> Letter:
    """Send the translation and the Russian address back for the supporter to post."""
    _require(coordinator, PERM_COORDINATE, system_allowed=True)
    letter = _lock(letter_id)
    _ensure_allowed(letter, Action.RETURN)
    if letter.delivery != Letter.Delivery.RETURN_TO_ME:
        raise LetterError(_("We post this letter; it cannot be returned."))
    if prisoner_current_address(prisoner=letter.prisoner) is None:
        raise NoCurrentAddress()
    _transition(letter, action=Action.RETURN, actor=coordinator)
    _save(letter)
    return letter


@transaction.atomic
def letter_reject(*, letter_id: int, coordinator: AbstractBaseUser, reason: str) -> Letter:
    """Stop a letter that could harm the prisoner; the supporter is told why."""
    _require(coordinator, PERM_COORDINATE)
    if not reason.strip():
        raise LetterError(_("Give the supporter a reason."))
    letter = _lock(letter_id)
    _transition(letter, action=Action.REJECT, actor=coordinator, note=reason)
    letter.rejection_reason = reason
    _save(letter, "rejection_reason")
    return letter


# --- postage (called by payments) ------------------------------------------------------------


@transaction.atomic
def letter_set_postage(*, letter_id: int, postage: str, note: str = "") -> Letter:
    """Payments tells letters where the postage stands; the posting guard reads this field."""
    if postage not in (
        Letter.Postage.DUE,
        Letter.Postage.PAID,
        Letter.Postage.WAIVED,
        Letter.Postage.REFUNDED,
    ):
        raise ValueError(postage)
    letter = _lock(letter_id)
    if letter.delivery != Letter.Delivery.POST_FOR_ME:
        raise LetterError(_("This letter needs no postage."))
    if letter.postage == postage:
        return letter
    if letter.status == S.POSTED and postage not in (Letter.Postage.PAID, Letter.Postage.WAIVED):
        raise LetterError(_("This letter has been posted; its postage stays settled."))
    LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.POSTAGE,
        action=f"postage_{postage}",
        note=note or f"Postage {letter.postage} → {postage}.",
    )
    letter.postage = postage
    letter.save(update_fields=["postage", "updated_at"])
    return letter


# --- notifications ---------------------------------------------------------------------------


# --- supporters' rights ----------------------------------------------------------------------


@transaction.atomic
def letter_erase_supporter_data(*, letter_id: int) -> Letter:
    """The supporter asked us to forget them: an open letter is cancelled first (its postage is
    refunded through the cancellation), then their identity and every text of the letter are
    erased. The row, its status and its dated history stay, so counts and accounts still add up."""
    letter = _lock(letter_id)
    if not letter.supporter_email and letter.texts_erased_at:
        return letter  # already erased: nothing left to forget
    if letter.status in OPEN_STATES:
        _transition(letter, action=Action.CANCEL, actor=None, note="Cancelled at erasure.")
        _save(letter)
    now = timezone.now()
    Letter.objects.filter(pk=letter.pk).update(
        supporter_name="",
        signature_ru="",
        supporter_email="",
        supporter_email_hash="",
        supporter_country="",
        original_text="",
        translation="",
        review_comment="",
        flag_reason="",
        rejection_reason="",
        texts_erased_at=now,
        updated_at=now,
    )
    LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.NOTE,
        action="supporter_erased",
        note="The supporter's data was erased at their request.",
    )
    letter.refresh_from_db()
    return letter


def tracking_url(letter: Letter) -> str:
    token = tokens.token_for(salt=letter.tracking_salt)
    return settings.LETTERBRIDGE_SITE_URL + reverse("letters:track", args=[token])


def notification_send(*, notification_id: int) -> bool:
    """Send one e-mail once. The row lock makes a second run wait, then see it sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("letter", "letter__prisoner", "event")
            .get(pk=notification_id)
        )
        if notification.sent_at is not None:
            return False
        letter = notification.letter
        if not letter.supporter_email:
            # The supporter had their data erased: there is nobody to write to any more.
            notification.sent_at = timezone.now()
            notification.save(update_fields=["sent_at"])
            return False
        context = {
            "letter": letter,
            "prisoner": letter.prisoner,
            "event": notification.event,
            "tracking_url": tracking_url(letter),
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
            "translation_skipped": letter_translation_skipped(letter=letter),
        }
        with translation.override(letter.locale):
            name = f"emails/letter_{notification.kind}"
            subject = render_to_string(f"{name}_subject.txt", context).strip()
            body = render_to_string(f"{name}.txt", context)
            html = render_to_string(f"{name}.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[letter.supporter_email])
        message.attach_alternative(html, "text/html")
        if notification.kind == Notification.Kind.RETURNED:
            from .pdf import PdfError, render_return_pdf

            # No address now (moved into transit since): send without it; the tracking page
            # offers the PDF once the address is known again.
            try:
                pdf = render_return_pdf(letter)
            except PdfError:
                logger.warning("return PDF not attached notification=%s", notification.pk)
            else:
                message.attach(f"{letter.reference}.pdf", pdf, "application/pdf")
        message.send()
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["sent_at", "attempts"])
        LetterEvent.objects.create(
            letter=letter,
            kind=LetterEvent.Kind.NOTIFIED,
            action=f"email_{notification.kind}",
            note=f"“{notification.get_kind_display()}” e-mail sent to the supporter.",
        )
    logger.info("notification sent id=%s kind=%s", notification.pk, notification.kind)
    return True


def notifications_resend_lost() -> int:
    """Hand the worker again every notification still unsent after the grace period: its task
    was lost (broker restarted, worker killed). Returns how many were queued."""
    from .tasks import send_notification

    cutoff = timezone.now() - settings.LETTERBRIDGE_NOTIFICATION_RESEND_AFTER
    ids = list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=20)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        send_notification.delay(pk)
    return len(ids)


def claims_release_expired() -> int:
    """Release every claim past its deadline; each release is its own transaction and event."""
    ids = list(
        Letter.objects.filter(status=S.IN_TRANSLATION, claim_expires_at__lte=timezone.now())
        .order_by("claim_expires_at")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(1 for pk in ids if letter_expire_claim(letter_id=pk) is not None)


# --- address changes (prisoners announces them; see letters.receivers) -----------------------


def letters_hold_for_prisoner(*, prisoner_id: int) -> list[int]:
    """Hold every approved letter to a prisoner who has no current address (in transit).
    Each hold is its own transaction; returns the ids held. Safe to run twice."""
    prisoner = Prisoner.objects.get(pk=prisoner_id)
    if prisoner_current_address(prisoner=prisoner) is not None:
        return []
    ids = list(
        Letter.objects.filter(prisoner_id=prisoner_id, status=S.APPROVED).values_list(
            "pk", flat=True
        )
    )
    held = []
    for pk in ids:
        try:
            letter_hold(letter_id=pk, actor=None, note="The prisoner has no current address.")
        except InvalidTransition:
            continue  # posted, cancelled or already held meanwhile
        held.append(pk)
    return held


def letters_release_holds_for_prisoner(*, prisoner_id: int) -> list[int]:
    """The prisoner's new address is known: every letter on hold goes back to approved.
    Returns the ids released; a second run finds none and releases nothing."""
    ids = list(
        Letter.objects.filter(prisoner_id=prisoner_id, status=S.ON_HOLD).values_list(
            "pk", flat=True
        )
    )
    released = []
    for pk in ids:
        try:
            letter_release_hold(letter_id=pk, actor=None)
        except (InvalidTransition, NoCurrentAddress):
            continue
        released.append(pk)
    return released


# --- "find my letters" -----------------------------------------------------------------------


def letter_links_send(*, letter_ids: list[int], request_id: str, locale: str = "en") -> bool:
    """E-mail the tracking links of these letters (found by their writer's address) to that
    address. ``request_id`` makes a task that runs twice send one e-mail. Returns whether an
    e-mail went out."""
    from django.core.cache import cache

    done_key = f"letter-links-sent:{request_id}"
    if cache.get(done_key):
        return False
    letters = list(
        Letter.objects.filter(pk__in=letter_ids)
        .select_related("prisoner")
        .order_by("-created_at", "-pk")
    )
    if not letters:
        return False
    address = letters[0].supporter_email
    letters = [letter for letter in letters if letter.supporter_email.lower() == address.lower()]
    context = {
        "items": [{"letter": letter, "url": tracking_url(letter)} for letter in letters],
        "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
    }
    with translation.override(locale if locale in dict(settings.LANGUAGES) else "en"):
        subject = render_to_string("emails/letter_links_subject.txt", context).strip()
        body = render_to_string("emails/letter_links.txt", context)
        html = render_to_string("emails/letter_links.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[address])
    message.attach_alternative(html, "text/html")
    message.send()
    cache.set(done_key, 1, timeout=7 * 24 * 3600)
    logger.info("letter links sent count=%s", len(letters))
    return True


# --- the translation desk: flags and claim reminders -----------------------------------------


class FlagDecision(StrEnum):
    REJECT = "reject"
    LET_GO_ON = "let_go_on"


@transaction.atomic
def letter_flag(*, letter_id: int, volunteer: AbstractBaseUser, reason: str) -> Letter:
    """A volunteer fears the letter could harm the prisoner. It stops (no claim, no approval)
    until a coordinator rejects it or lets it go on."""
    if not (volunteer.has_perm(PERM_TRANSLATE) or volunteer.has_perm(PERM_REVIEW)):
        raise NotPermitted()
    reason = reason.strip()
    if not reason:
        raise LetterError(_("Say what worries you about this letter."))
    letter = _lock(letter_id)
    if letter.status not in OPEN_STATES:
        raise InvalidTransition("flag", letter.status)
    if letter.flagged_at is not None:
        raise LetterError(_("This letter is already flagged; a coordinator will decide."))
    letter.flagged_at = timezone.now()
    letter.flagged_by = volunteer
    letter.flag_reason = reason
    LetterEvent.objects.create(
        letter=letter, kind=LetterEvent.Kind.NOTE, action="flag", actor=volunteer, note=reason
    )
    letter.save(update_fields=["flagged_at", "flagged_by", "flag_reason", "updated_at"])
    return letter


@transaction.atomic
def letter_flag_clear(*, letter_id: int, coordinator: AbstractBaseUser, note: str = "") -> Letter:
    """The coordinator read the flagged letter and lets it go on. The flag's reason stays in
    the history."""
    _require(coordinator, PERM_COORDINATE)
    letter = _lock(letter_id)
    if letter.flagged_at is None:
        raise LetterError(_("This letter is not flagged."))
    LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.NOTE,
        action="flag_cleared",
        actor=coordinator,
        note=note.strip() or "Checked by a coordinator: the letter goes on.",
    )
    letter.flagged_at = None
    letter.flagged_by = None
    letter.flag_reason = ""
    letter.save(update_fields=["flagged_at", "flagged_by", "flag_reason", "updated_at"])
    return letter


@transaction.atomic
def letter_flag_decide(
    *, letter_id: int, coordinator: AbstractBaseUser, decision: str, reason: str = ""
) -> Letter:
    """Settle a flag: reject the letter (``reason`` is what the supporter is told) or let it
    go on (``reason`` is an optional note for the history)."""
    _require(coordinator, PERM_COORDINATE)
    if decision == FlagDecision.REJECT:
        letter = _lock(letter_id)
        if letter.flagged_at is None:
            raise LetterError(_("This letter is not flagged."))
        return letter_reject(letter_id=letter_id, coordinator=coordinator, reason=reason)
    if decision == FlagDecision.LET_GO_ON:
        return letter_flag_clear(letter_id=letter_id, coordinator=coordinator, note=reason)
    raise LetterError(_("Choose to reject the letter or to let it go on."))


def _claim_reminder_due(letter: Letter, now) -> bool:
    soon = now + timedelta(hours=settings.LETTERBRIDGE_CLAIM_REMINDER_HOURS)
    return (
        letter.status == S.IN_TRANSLATION
        and letter.claim_reminded_at is None
        and now < letter.claim_expires_at <= soon
    )


@transaction.atomic
def letter_remind_claim(*, letter_id: int) -> bool:
    """E-mail the volunteer holding the letter that the claim ends soon, once per claim, and
    record it. False when no reminder is due (handed in, released, already reminded)."""
    letter = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("prisoner", "claimed_by")
        .get(pk=letter_id)
    )
    now = timezone.now()
    if not _claim_reminder_due(letter, now):
        return False
    volunteer = letter.claimed_by
    if volunteer.email:
        context = {
            "letter": letter,
            "volunteer": volunteer,
            "translate_url": settings.LETTERBRIDGE_SITE_URL
            + reverse("admin:letters_letter_desk_translate", args=[letter.pk]),
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
        }
        subject = render_to_string("emails/claim_reminder_subject.txt", context).strip()
        body = render_to_string("emails/claim_reminder.txt", context)
        EmailMultiAlternatives(subject=subject, body=body, to=[volunteer.email]).send()
        note = "Reminder e-mailed to the volunteer: the claim ends soon."
    else:
        note = "The claim ends soon; the volunteer has no e-mail address to remind."
    letter.claim_reminded_at = now
    letter.save(update_fields=["claim_reminded_at", "updated_at"])
    LetterEvent.objects.create(
        letter=letter, kind=LetterEvent.Kind.CLAIM_REMINDER, action="claim_reminder", note=note
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
