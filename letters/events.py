"""The codes a letter's history is written with (``LetterEvent.action``), and the words people
read for them.

A code is the lifecycle's ``Action`` for a change of status, one of ``Recorded`` for a fact
that leaves the status where it is, or a family built from a value: ``postage_<Letter.Postage>``
(payments moving the postage through ``letter_set_postage``) and
``email_<Notification.Kind>`` (the supporter's e-mail sent). The code stays in the database
and in filters; the admin's "what happened" and the supporter's data export show
``action_label(code)``, in the language active when it is called. Nothing here touches the
database.
"""

from __future__ import annotations

import re
from enum import StrEnum

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from prisoners.models import RECIPIENT_GAP_REASONS

from .lifecycle import Action
from .models import Letter, LetterEvent, Notification

POSTAGE_PREFIX = "postage_"
EMAIL_PREFIX = "email_"


class Recorded(StrEnum):
    """Facts in a letter's history that are not a change of its status."""

    CAME_BY_EMAIL = "came_by_email"  # a letter entered from the Inbox
    FLAG = "flag"  # a volunteer flagged it as possibly harmful
    FLAG_CLEARED = "flag_cleared"  # a coordinator let it go on
    FLAG_ANNOUNCED = "flag_announced"  # coordinators were e-mailed about the flag
    CLAIM_REMINDER = "claim_reminder"  # the volunteer was reminded their claim ends soon
    BATCH_ADD = "batch_add"  # put in a posting batch
    BATCH_REMOVE = "batch_remove"  # taken out of one (or the batch was discarded)
    SUPPORTER_ERASED = "supporter_erased"  # erased at the supporter's request
    TEXTS_ERASED = "texts_erased"  # erased after the retention period
    DO_NOT_POST = "do_not_post"  # a returned letter's writer told not to post it (prisoner gone)


def postage_action(postage: str) -> str:
    """The code of the event that records the postage moving to ``postage``."""
    return f"{POSTAGE_PREFIX}{postage}"


def email_action(kind: str) -> str:
    """The code of the event that records the supporter's ``kind`` e-mail sent."""
    return f"{EMAIL_PREFIX}{kind}"


_P = Letter.Postage
_K = Notification.Kind

ACTION_LABELS: dict[str, Promise] = {
    # changes of status
    Action.SUBMIT: gettext_lazy("letter received"),
    Action.CLAIM: gettext_lazy("taken for translation"),
    Action.RELEASE: gettext_lazy("given back to the queue"),
    Action.EXPIRE_CLAIM: gettext_lazy("claim expired, back in the queue"),
    Action.HAND_IN: gettext_lazy("translation handed in"),
    Action.SEND_BACK: gettext_lazy("translation sent back for more work"),
    Action.APPROVE: gettext_lazy("translation approved"),
    Action.SKIP_TRANSLATION: gettext_lazy("approved without translation"),
    Action.HOLD: gettext_lazy("put on hold"),
    Action.RELEASE_HOLD: gettext_lazy("released from hold"),
    Action.POST: gettext_lazy("posted to the prison"),
    Action.RETURN: gettext_lazy("sent back to the supporter to post"),
    Action.CANCEL: gettext_lazy("letter cancelled"),
    Action.REJECT: gettext_lazy("letter rejected"),
    Action.CLOSE_RELEASED: gettext_lazy("closed: the prisoner was released"),
    Action.CLOSE_DECEASED: gettext_lazy("closed: the prisoner died"),
    # facts
    Recorded.CAME_BY_EMAIL: gettext_lazy("came by e-mail"),
    Recorded.FLAG: gettext_lazy("flagged as possibly harmful"),
    Recorded.FLAG_CLEARED: gettext_lazy("flag cleared, the letter goes on"),
    Recorded.FLAG_ANNOUNCED: gettext_lazy("coordinators told of the flag"),
    Recorded.CLAIM_REMINDER: gettext_lazy("claim reminder sent"),
    Recorded.BATCH_ADD: gettext_lazy("put in a posting batch"),
    Recorded.BATCH_REMOVE: gettext_lazy("taken out of a posting batch"),
    Recorded.SUPPORTER_ERASED: gettext_lazy("supporter's data erased at their request"),
    Recorded.TEXTS_ERASED: gettext_lazy("texts erased after the retention period"),
    Recorded.DO_NOT_POST: gettext_lazy("writer told not to post the returned letter"),
    # postage (letter_set_postage never moves it back to "not needed")
    postage_action(_P.DUE): gettext_lazy("postage due"),
    postage_action(_P.PAID): gettext_lazy("postage paid"),
    postage_action(_P.WAIVED): gettext_lazy("postage waived"),
    postage_action(_P.REFUNDED): gettext_lazy("postage refunded"),
    # e-mails to the supporter
    email_action(_K.RECEIVED): gettext_lazy("supporter e-mailed: letter received"),
    email_action(_K.TRANSLATED): gettext_lazy("supporter e-mailed: letter translated"),
    email_action(_K.POSTED): gettext_lazy("supporter e-mailed: letter posted"),
    email_action(_K.RETURNED): gettext_lazy("supporter e-mailed: letter returned to post"),
    email_action(_K.CANCELLED): gettext_lazy("supporter e-mailed: letter cancelled"),
    email_action(_K.REJECTED): gettext_lazy("supporter e-mailed: letter rejected"),
    email_action(_K.ON_HOLD): gettext_lazy("supporter e-mailed: letter on hold"),
    email_action(_K.PRISONER_RELEASED): gettext_lazy(
        "supporter e-mailed: closed, the prisoner was released"
    ),
    email_action(_K.PRISONER_DECEASED): gettext_lazy(
        "supporter e-mailed: closed, the prisoner died"
    ),
    email_action(_K.DO_NOT_POST): gettext_lazy(
        "supporter e-mailed: do not post the returned letter"
    ),
}


# A family's translated head, for a code of it that has no label yet.
_FAMILIES = (
    (POSTAGE_PREFIX, gettext_lazy("postage")),
    (EMAIL_PREFIX, gettext_lazy("supporter e-mailed")),
)


def action_label(code: str) -> str:
    """What ``code`` means, in the active language. A code without a label of its own (one
    written before its label, or one nobody foresaw) reads as its words rather than failing:
    a known family keeps its translated head ("postage: lost in the post"), anything else its
    words ("some code")."""
    label = ACTION_LABELS.get(code)
    if label is not None:
        return str(label)
    for prefix, head in _FAMILIES:
        if code.startswith(prefix) and code != prefix:
            return f"{head}: {code_words(code.removeprefix(prefix))}"
    return code_words(code)


def event_label(event: LetterEvent) -> str:
    """What happened at ``event``, in the active language: its action's words, or its kind's
    for an event written without an action."""
    return action_label(event.action) if event.action else str(event.get_kind_display())


def code_words(code: str) -> str:
    """A code as words, for one that has no label: "some_new_code" reads "some new code"."""
    return " ".join(code.replace("_", " ").split())


# Why a letter was put on hold: each written into the hold event's note in English (the site's
# language, as every note is), one sentence after the other, and read in the reader's language.
HOLD_NO_ADDRESS = gettext_lazy("The prisoner has no current address.")
# A coordinator unticked «accepts letters now» for someone still in prison or in transit (a
# transfer nobody can trace, a pause they asked for, a prison refusing letters). Released or
# deceased people are not held for it: their letters close (services.closure).
HOLD_NOT_ACCEPTING = gettext_lazy("The prisoner cannot receive letters at the moment.")
HOLD_REASONS: tuple[Promise, ...] = (
    HOLD_NOT_ACCEPTING,
    HOLD_NO_ADDRESS,
    *RECIPIENT_GAP_REASONS.values(),
)
# Notes of holds written before the reasons were translatable.
_OLD_HOLD_NOTES = {"No current address.": HOLD_NO_ADDRESS}


def hold_note(reasons: list[Promise]) -> str:
    """The note a hold is written with: its reasons in English."""
    with translation.override("en"):
        return " ".join(str(reason) for reason in reasons)


# Notes Letterbridge itself writes (in English, as every note is), read in the reader's
# language: the fixed ones word for word, the e-mail and batch ones by their pattern. A note a
# person wrote (a reason, a comment) matches none and is shown as written.
_FIXED_NOTES: tuple[Promise, ...] = (
    gettext_lazy("Cancelled by the supporter."),
    gettext_lazy("Cancelled at erasure."),
    gettext_lazy("The supporter's data was erased at their request."),
    gettext_lazy("Letter texts and the supporter's details erased after the retention period."),
    gettext_lazy("Came by e-mail; confirmed in the Inbox."),
    gettext_lazy("The claim expired."),
    gettext_lazy("Coordinators e-mailed about the flag."),
    gettext_lazy("Postage waived by a coordinator."),
    gettext_lazy("Postage refunded."),
    gettext_lazy("Postage refunded (Stripe)."),
    gettext_lazy("Postage refunded by hand."),
    gettext_lazy("Posted outside its batch."),
    gettext_lazy("Closed: the prisoner has been released."),
    gettext_lazy("Closed: the prisoner has died."),
)
_PATTERN_NOTES: tuple[tuple[re.Pattern[str], Promise], ...] = (
    (
        re.compile(r"“(?P<kind>[^”]+)” e-mail sent to the supporter\."),
        gettext_lazy("“%(kind)s” e-mail sent to the supporter."),
    ),
    (
        re.compile(r"Posted with batch (?P<batch>\d+)\."),
        gettext_lazy("Posted with batch %(batch)s."),
    ),
    (
        re.compile(r"Put in posting batch (?P<batch>\d+)\."),
        gettext_lazy("Put in posting batch %(batch)s."),
    ),
    (
        re.compile(r"Posting batch (?P<batch>\d+) was discarded\."),
        gettext_lazy("Posting batch %(batch)s was discarded."),
    ),
)


def _system_note(note: str) -> str | None:
    """``note`` in the active language if Letterbridge wrote it, else None."""
    with translation.override("en"):
        fixed = {str(text): text for text in _FIXED_NOTES}
        kinds = {str(label): label for _value, label in Notification.Kind.choices}
    if note in fixed:
        return str(fixed[note])
    for pattern, text in _PATTERN_NOTES:
        match = pattern.fullmatch(note)
        if match is not None:
            words = match.groupdict()
            if "kind" in words:
                words["kind"] = str(kinds.get(words["kind"], words["kind"]))
            return str(text) % words
    return None


def note_text(event: LetterEvent) -> str:
    """The event's note for a reader: a hold's reasons and the notes Letterbridge writes in the
    active language, any other note as it was written."""
    if not event.note:
        return event.note
    if event.action != Action.HOLD:
        system = _system_note(event.note)
        return event.note if system is None else system
    with translation.override("en"):
        english = {str(reason): reason for reason in HOLD_REASONS} | _OLD_HOLD_NOTES
    note = event.note
    for sentence, reason in english.items():
        note = note.replace(sentence, str(reason))
    return note
