"""The transition machinery every letter service is built from.

Each transition is one database transaction: the letter row is locked, the action's allowed-from
states (``letters.lifecycle.TRANSITIONS``) are checked, a ``LetterEvent`` is written, and side
effects (the supporter's e-mail, the announcement other apps listen to) are scheduled to run
after commit. Callers (views, admin, tasks, webhooks) parse input, call one service, and render
the result or the ``LetterError`` it raised.
"""

from __future__ import annotations

from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..lifecycle import TRANSITIONS, Action
from ..models import Letter, LetterEvent, Notification
from ..signals import letter_transitioned

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
    Action.CLOSE_RELEASED: Notification.Kind.PRISONER_RELEASED,
    Action.CLOSE_DECEASED: Notification.Kind.PRISONER_DECEASED,
}


# --- errors ----------------------------------------------------------------------------------


class LetterError(Exception):
    """A refused request, with a message fit to show the person who made it."""

    default_message = _("This cannot be done to this letter now.")

    def __init__(self, message: str | Promise | None = None):
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


class RecipientLineIncomplete(LetterError):
    default_message = _(
        "The prisoner's «Кому» line lacks the year of birth or the full name in the dative; the "
        "letter must wait."
    )


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


# --- the steps of a transition ---------------------------------------------------------------


def require_permission(actor: User | None, perm: str, *, system_allowed: bool = False) -> None:
    """Refuse (``NotPermitted``) an actor without ``perm``. ``actor`` None is the system (the
    beat, the worker): allowed only where ``system_allowed`` says so."""
    if actor is None:
        if system_allowed:
            return
        raise NotPermitted()
    if not actor.has_perm(perm):
        raise NotPermitted()


def lock_letter(letter_id: int) -> Letter:
    return (
        Letter.objects.select_for_update(of=("self",)).select_related("prisoner").get(pk=letter_id)
    )


def ensure_not_flagged(letter: Letter) -> None:
    if letter.flagged_at is not None:
        raise LetterFlagged()


def ensure_allowed(letter: Letter, action: Action) -> None:
    """Check the state first, so a letter in the wrong state is refused as such before any
    check of who may act on it."""
    if letter.status not in TRANSITIONS[action][0]:
        raise InvalidTransition(action, letter.status)


def transition(
    letter: Letter,
    *,
    action: Action,
    actor: User | None,
    note: str = "",
    notify: bool = True,
) -> LetterEvent:
    """Move a locked letter along ``action``: the event, the new status, the claim cleared when
    it leaves translation, the announcement and the supporter's e-mail after commit. The caller
    saves the letter (``save_letter``). ``notify`` False: the e-mail of the step this transition
    is part of tells the supporter of it too (a hold at approval: see
    ``dispatch.hold_if_not_sendable``)."""
    ensure_allowed(letter, action)
    to = TRANSITIONS[action][1]
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
    letter.status_changed_at = event.created_at  # the same instant the history shows
    if to != S.IN_TRANSLATION:
        letter.claimed_by = None
        letter.claimed_at = None
        letter.claim_expires_at = None
        letter.claim_reminded_at = None
    announce_after_commit(letter.pk, action, from_status, to)
    kind = _supporter_notification(letter, action) if notify else None
    if kind:
        queue_notification(letter, event, kind)
    return event


def _supporter_notification(letter: Letter, action: Action) -> str | None:
    """The e-mail this transition sends the supporter, if any. A letter they post themselves
    is returned straight after approval, and the return e-mail carries the PDF: a "ready"
    e-mail a second before it would say the same thing twice. (If it goes on hold instead,
    the hold e-mail tells them: ``dispatch.hold_if_not_sendable``.)"""
    kind = NOTIFY.get(action)
    if kind == Notification.Kind.TRANSLATED and letter.delivery == Letter.Delivery.RETURN_TO_ME:
        return None
    return kind


def save_letter(letter: Letter, *fields: str) -> None:
    """Save what ``transition`` changed, and ``fields`` besides."""
    base = ["status", "status_changed_at", "claimed_by", "claimed_at", "claim_expires_at"]
    letter.save(update_fields=[*base, "claim_reminded_at", *fields, "updated_at"])


def announce_after_commit(letter_id: int, action: str, from_status: str, to_status: str) -> None:
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


def _send_notification_task(notification_id: int) -> None:
    # Imported when the callback runs: tasks import services, never the reverse.
    from ..tasks import send_notification

    send_notification.delay(notification_id)


def queue_notification(letter: Letter, event: LetterEvent, kind: str) -> Notification:
    notification = Notification.objects.create(letter=letter, event=event, kind=kind)
    # robust: a broker that is down must not turn a committed letter into an error page; the
    # periodic sweep (letters.tasks.resend_lost_notifications) sends what was never queued.
    transaction.on_commit(partial(_send_notification_task, notification.pk), robust=True)
    return notification
