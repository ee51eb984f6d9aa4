"""What letters has to say on a letter's own page and on the confirmation after writing: the
timeline in the supporter's words, the next step, the fee, the return PDF. The pages themselves
are drawn above letters (pages.views), next to what payments says about the postage."""

from datetime import date
from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from prisoners.models import RECIPIENT_GAP_REASONS

from .events import HOLD_NO_ADDRESS, HOLD_NOT_ACCEPTING
from .forms import postage_fee_label
from .lifecycle import CLOSE_FOR_STATUS, CLOSED_UNSENT_STATES, Action, supporter_may_cancel
from .models import Letter, PostingBatch
from .selectors import (
    letter_by_token,
    letter_closed_for_prisoner,
    letter_timeline,
    letter_translation_approved,
    letter_translation_skipped,
)

S = Letter.Status

# What each step of a letter's life means to the supporter, by the action that caused it.
STEP_LABELS: dict[str, Promise] = {
    Action.SUBMIT: gettext_lazy("We received your letter"),
    Action.CLAIM: gettext_lazy("A volunteer started translating it"),
    Action.RELEASE: gettext_lazy("Back in the queue for a translator"),
    Action.EXPIRE_CLAIM: gettext_lazy("Back in the queue for a translator"),
    Action.HAND_IN: gettext_lazy("Translated; the translation is being checked"),
    Action.SEND_BACK: gettext_lazy("The translation is being improved"),
    Action.APPROVE: gettext_lazy("Translation checked and approved"),
    Action.SKIP_TRANSLATION: gettext_lazy("Approved; no translation was needed"),
    Action.HOLD: gettext_lazy("Waiting for the prisoner's new address"),
    Action.RELEASE_HOLD: gettext_lazy("The new address is known; ready to send"),
    Action.POST: gettext_lazy("Posted to the prison"),
    Action.RETURN: gettext_lazy("Sent back to you to post"),
    Action.CANCEL: gettext_lazy("Cancelled at your request"),
    Action.REJECT: gettext_lazy("Not sent"),
    Action.CLOSE_RELEASED: gettext_lazy("Not sent: the prisoner has been released"),
    Action.CLOSE_DECEASED: gettext_lazy("Not sent: we learned that the prisoner has died"),
}

# A hold by what it waits for: (the address, the «Кому» line's name and year).
HOLD_STEP_LABELS: dict[tuple[bool, bool], Promise] = {
    (True, False): STEP_LABELS[Action.HOLD],
    (False, True): gettext_lazy("Waiting for the prisoner's full name and year of birth"),
    (True, True): gettext_lazy(
        "Waiting for the prisoner's new address, full name and year of birth"
    ),
}
RELEASE_AFTER_DETAILS = gettext_lazy("The prisoner's details are complete; ready to send")
# A hold while the prisoner accepted no letters: said before anything else it also waited for
# (an address, the «Кому» line), as it matters most to the writer; and its release.
HOLD_NOT_ACCEPTING_LABEL = gettext_lazy(
    "Waiting: the prisoner cannot receive letters at the moment"
)
RELEASE_AFTER_NOT_ACCEPTING = gettext_lazy("The prisoner can receive letters again; ready to send")


def _hold_waits_for(note: str) -> tuple[bool, bool]:
    """What a hold's note (its reasons, in English) says it waits for: the address, the «Кому»
    line, or both. A note of neither (a coordinator's own) is read as the address, as before."""
    with translation.override("en"):
        details = any(str(reason) in note for reason in RECIPIENT_GAP_REASONS.values())
        address = str(HOLD_NO_ADDRESS) in note or "No current address." in note
    return (address or not details, details)


def _held_while_not_accepting(note: str) -> bool:
    """Whether a hold's note (its reasons, in English) says the prisoner accepted no letters."""
    with translation.override("en"):
        return str(HOLD_NOT_ACCEPTING) in note


def _step_labels(events: list) -> list[Promise]:
    """Each event's words; a hold's by what it waits for, and its release to match."""
    labels, held_for, paused = [], (True, False), False
    for event in events:
        label = STEP_LABELS.get(event.action, event.get_to_status_display())
        if event.action == Action.HOLD:
            held_for = _hold_waits_for(event.note)
            paused = _held_while_not_accepting(event.note)
            label = HOLD_NOT_ACCEPTING_LABEL if paused else HOLD_STEP_LABELS[held_for]
        elif event.action == Action.RELEASE_HOLD and paused:
            label = RELEASE_AFTER_NOT_ACCEPTING
        elif event.action == Action.RELEASE_HOLD and held_for == (False, True):
            label = RELEASE_AFTER_DETAILS
        labels.append(label)
    return labels


# What comes next, shown greyed under the timeline, for each state the letter can rest in.
NEXT_STEP: dict[str, Promise] = {
    S.RECEIVED: gettext_lazy("Next: a volunteer translates it into Russian."),
    S.IN_TRANSLATION: gettext_lazy("Next: another volunteer checks the translation."),
    S.TRANSLATED: gettext_lazy("Next: another volunteer checks the translation."),
    S.ON_HOLD: gettext_lazy("Next: we send it as soon as we know where the prisoner is."),
}


# What comes next while the prisoner accepts no letters at the moment (still in prison: a
# transfer nobody can trace, a pause, a prison refusing letters). The queue offers no waiting
# letter to translators then; one already taken is finished and checked, and then waits.
NEXT_WHILE_NOT_ACCEPTING: dict[str, Promise] = {
    S.RECEIVED: gettext_lazy(
        "Next: the prisoner cannot receive letters at the moment, so the translation waits "
        "until they can again."
    ),
    S.IN_TRANSLATION: gettext_lazy(
        "Next: the translation is finished and checked, and then your letter waits until the "
        "prisoner can receive letters again."
    ),
    S.APPROVED: gettext_lazy("Next: we send it as soon as the prisoner can receive letters again."),
}
# The "Now" of a held letter says what it waits for (the status's own label, for staff, only
# that it waits): the prisoner able to receive letters again, or their address or details.
ON_HOLD_WHILE_NOT_ACCEPTING = gettext_lazy("waiting until the prisoner can receive letters")
ON_HOLD_FOR_ADDRESS_OR_DETAILS = gettext_lazy("waiting for the prisoner's address or details")
NEXT_WHILE_NOT_ACCEPTING[S.TRANSLATED] = NEXT_WHILE_NOT_ACCEPTING[S.IN_TRANSLATION]
NEXT_WHILE_NOT_ACCEPTING[S.ON_HOLD] = NEXT_WHILE_NOT_ACCEPTING[S.APPROVED]
# A letter written in Russian needs no translator: it is read, then sent on.
NEXT_WHILE_NOT_ACCEPTING_RU = gettext_lazy(
    "Next: the prisoner cannot receive letters at the moment, so your letter waits until they "
    "can again."
)


def letter_or_404(token: str) -> Letter:
    letter = letter_by_token(token=token)
    if letter is None:
        raise Http404
    return letter


def prisoner_left_prison(letter: Letter) -> bool:
    """The letter's prisoner has been released or has died: no prison address is theirs."""
    return letter.prisoner.status in CLOSE_FOR_STATUS


def returned_pdf_ready(letter: Letter) -> bool:
    """A returned letter's PDF (translation and address sheet) can be drawn: never once its
    prisoner has been released or has died, so nobody posts it to a prison they have left."""
    return (
        letter.status == S.RETURNED
        and bool(letter.translation)
        and letter.texts_erased_at is None
        and not prisoner_left_prison(letter)
    )


def fee_label(letter: Letter) -> str:
    if letter.delivery != Letter.Delivery.POST_FOR_ME or not letter.postage_currency:
        return ""
    if letter.postage_currency not in settings.LETTERBRIDGE_POSTAGE_FEES:
        return letter.postage_currency
    return postage_fee_label(letter.postage_currency)


def replies_reach_us(letter: Letter) -> bool:
    """A letter we post carries our address, so the prisoner's reply comes to us, unless the
    letter never went."""
    return (
        letter.delivery == Letter.Delivery.POST_FOR_ME and letter.status not in CLOSED_UNSENT_STATES
    )


def _sent_back(events: list) -> bool:
    """The letter is in translation because a reviewer sent the translation back."""
    return bool(events) and events[-1].action == Action.SEND_BACK


def prisoner_not_accepting(letter: Letter) -> bool:
    """The letter's prisoner is still in prison (or in transit) but accepts no letters at the
    moment: a coordinator unticked «accepts letters now». Not someone released or deceased."""
    return not letter.prisoner.accepts_letters and not prisoner_left_prison(letter)


def _next_step(letter: Letter, events: list, translation_skipped: bool):
    if letter.status in NEXT_WHILE_NOT_ACCEPTING and prisoner_not_accepting(letter):
        if letter.status == S.RECEIVED and letter.language == "ru":
            return NEXT_WHILE_NOT_ACCEPTING_RU
        return NEXT_WHILE_NOT_ACCEPTING[letter.status]
    if letter.status == S.RECEIVED and letter.language == "ru":
        return gettext_lazy("Next: we read it before it goes on.")
    if letter.status == S.IN_TRANSLATION and _sent_back(events):
        return gettext_lazy("Next: the translator makes the changes, then it is checked again.")
    if letter.status == S.APPROVED:
        if letter.delivery == Letter.Delivery.RETURN_TO_ME and translation_skipped:
            return gettext_lazy("Next: we send you your letter and the address.")
        if letter.delivery == Letter.Delivery.RETURN_TO_ME:
            return gettext_lazy("Next: we send you the translation and the address.")
        if letter.postage == Letter.Postage.DUE:
            return gettext_lazy("Next: we post it once the postage is paid.")
        return gettext_lazy("Next: we post it with the next batch of letters.")
    if letter.status == S.ON_HOLD and not letter.prisoner.recipient_line_complete:
        # Held (also) for the «Кому» line: the prisoner's full name and year of birth.
        return gettext_lazy(
            "Next: we send it as soon as we have the prisoner's full name and year of birth, "
            "which Russian prisons need on the envelope."
        )
    return NEXT_STEP.get(letter.status)


def _status_label(letter: Letter) -> str | Promise:
    """The letter's state as the page's "Now" says it."""
    if letter.status == S.ON_HOLD:
        if prisoner_not_accepting(letter):
            return ON_HOLD_WHILE_NOT_ACCEPTING
        return ON_HOLD_FOR_ADDRESS_OR_DETAILS
    return letter.get_status_display()


def _posted_on(letter: Letter) -> date | None:
    if letter.status != S.POSTED or letter.posting_batch_id is None:
        return None
    return (
        PostingBatch.objects.filter(pk=letter.posting_batch_id)
        .values_list("posted_on", flat=True)
        .first()
    )


def letter_tracking(*, letter: Letter, token: str) -> dict:
    """Letters' part of the tracking page: the journey so far, what comes next, whether the
    supporter may still cancel, the fee and the return PDF."""
    events = list(letter_timeline(letter=letter))
    steps: list[dict[str, Any]] = [
        {
            "date": event.created_at,
            "label": label,
            "status": event.to_status,
            "reason": letter.rejection_reason if event.action == Action.REJECT else "",
        }
        for event, label in zip(events, _step_labels(events), strict=True)
    ]
    # "Posted" is the day the coordinator says the batch went to the post office, which may be
    # before the day they marked it (the event's moment): the supporter is told the first.
    # "date" stays the event's moment, by which the page orders all steps (a reply's among
    # them); "day" is what the posted step shows.
    posted_on = _posted_on(letter)
    for step in steps:
        if step["status"] == S.POSTED and posted_on is not None:
            step["day"] = posted_on
    translation_skipped = letter_translation_skipped(letter=letter, events=events)
    return {
        "letter": letter,
        "token": token,
        "status_label": _status_label(letter),
        "steps": steps,
        "next_step": _next_step(letter, events, translation_skipped),
        "can_cancel": supporter_may_cancel(letter.status),
        "postage_moot": _postage_moot(letter),
        "postage_word": postage_word(letter),
        "replies_reach_us": replies_reach_us(letter),
        "fee": fee_label(letter),
        "pdf_url": reverse("letters:returned_pdf", args=[token])
        if returned_pdf_ready(letter)
        else None,
        "translation_skipped": translation_skipped,
        # Closed because the prisoner was released or died: the checked translation stays
        # readable here, as the supporter's e-mail says.
        "closed_translation": letter.translation
        if letter_closed_for_prisoner(events=events)
        and letter_translation_approved(letter=letter, events=events)
        and letter.texts_erased_at is None
        else "",
        # Returned to post, and the prisoner has since left prison: say not to post it.
        "do_not_post": letter.status == S.RETURNED and prisoner_left_prison(letter),
    }


def _postage_moot(letter: Letter) -> bool:
    """Postage never paid for a letter that will not go: nothing is owed, so say nothing."""
    return letter.status in CLOSED_UNSENT_STATES and letter.postage == Letter.Postage.DUE


def postage_word(letter: Letter) -> str | Promise:
    """The postage's state as the supporter reads it: paid for a letter that will not go is
    being paid back (payments asks for the refund when the letter closes, or when the money
    comes after it did) until the refund is made."""
    if letter.status in CLOSED_UNSENT_STATES and letter.postage == Letter.Postage.PAID:
        return gettext_lazy("paid; we are paying it back")
    return letter.get_postage_display()


def letter_confirmation(*, letter: Letter, token: str) -> dict:
    """Letters' part of the confirmation after writing: the reference and the fee."""
    return {
        "letter": letter,
        "token": token,
        "fee": fee_label(letter),
        "replies_reach_us": replies_reach_us(letter),
        # Revisited after a cancel (the back button, the browser's history): as on the
        # letter's page, postage never paid for a letter that will not go is not "due".
        "postage_moot": _postage_moot(letter),
        "postage_word": postage_word(letter),
    }
