"""The letter's life as a table: every action from every state is either allowed (and does
exactly what the table says) or refused (and changes nothing at all)."""

import pytest
from django.forms.models import model_to_dict

from letters import lifecycle
from letters.lifecycle import TRANSITIONS, Action
from letters.models import Letter, LetterEvent
from letters.services import dispatch, submission, translation
from letters.services.core import InvalidTransition
from tests.factories import LetterFactory

S = Letter.Status
ALL_STATES = list(S)
# Submit creates letters and expire_claim has its own time condition (tested below).
TABLE_ACTIONS = [a for a in TRANSITIONS if a is not Action.EXPIRE_CLAIM]


def _letter_for(action: Action, status: str) -> Letter:
    # Returning needs a return_to_me letter; a posted letter can only have been post_for_me.
    returnable = action is Action.RETURN and status != S.POSTED
    delivery = Letter.Delivery.RETURN_TO_ME if returnable else Letter.Delivery.POST_FOR_ME
    letter = LetterFactory(status=status, delivery=delivery)
    if action is Action.POST:
        letter.postage = Letter.Postage.PAID
        letter.save(update_fields=["postage"])
    if status == S.IN_TRANSLATION:
        letter.translation = "Черновик перевода."
        letter.save(update_fields=["translation"])
    return letter


def _perform(action: Action, letter: Letter, coordinator, reviewer):
    pk = letter.pk
    match action:
        case Action.CLAIM:
            return translation.letter_claim(letter_id=pk, volunteer=coordinator)
        case Action.RELEASE:
            return translation.letter_release(letter_id=pk, actor=letter.claimed_by or coordinator)
        case Action.HAND_IN:
            return translation.letter_hand_in(
                letter_id=pk, volunteer=letter.claimed_by or coordinator
            )
        case Action.SEND_BACK:
            return translation.letter_send_back(letter_id=pk, reviewer=reviewer, comment="Line 2?")
        case Action.APPROVE:
            return translation.letter_approve(letter_id=pk, reviewer=reviewer)
        case Action.SKIP_TRANSLATION:
            return translation.letter_skip_translation(letter_id=pk, coordinator=coordinator)
        case Action.HOLD:
            return dispatch.letter_hold(letter_id=pk, actor=coordinator, note="этап")
        case Action.RELEASE_HOLD:
            return dispatch.letter_release_hold(letter_id=pk, actor=coordinator)
        case Action.POST:
            return dispatch.letter_post(letter_id=pk, coordinator=coordinator)
        case Action.RETURN:
            return dispatch.letter_return(letter_id=pk, coordinator=coordinator)
        case Action.CANCEL:
            return submission.letter_cancel(letter_id=pk)
        case Action.REJECT:
            return translation.letter_reject(
                letter_id=pk, coordinator=coordinator, reason="Harmful."
            )
    raise AssertionError(action)


CASES = [(a, s) for a in TABLE_ACTIONS for s in ALL_STATES]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_action_from_every_state(action, status, coordinator, reviewer):
    # given a letter in `status`
    letter = _letter_for(action, status)
    before_row = model_to_dict(Letter.objects.get(pk=letter.pk))
    before_events = list(LetterEvent.objects.filter(letter=letter).values_list("pk", flat=True))
    allowed_from, to = TRANSITIONS[action]

    if status in allowed_from:
        # when the action is allowed, then the letter moves and one event records it
        _perform(action, letter, coordinator, reviewer)
        letter.refresh_from_db()
        assert letter.status == to
        event = LetterEvent.objects.filter(letter=letter, kind="transition").latest("pk")
        assert (event.from_status, event.to_status, event.action) == (status, to, action)
        assert letter.status_changed_at >= event.created_at.replace(microsecond=0)
        if to == S.IN_TRANSLATION:
            assert letter.claimed_by is not None and letter.claim_expires_at is not None
        else:
            assert letter.claimed_by is None and letter.claim_expires_at is None
    else:
        # when it is refused, then neither the row nor its history changes
        with pytest.raises(InvalidTransition):
            _perform(action, letter, coordinator, reviewer)
        assert model_to_dict(Letter.objects.get(pk=letter.pk)) == before_row
        after = list(LetterEvent.objects.filter(letter=letter).values_list("pk", flat=True))
        assert after == before_events


def test_table_covers_every_state_and_final_states_are_final():
    reachable_from = set().union(*(allowed for allowed, _to in TRANSITIONS.values()))
    assert reachable_from == set(lifecycle.OPEN_STATES)
    for final in lifecycle.FINAL_STATES:
        assert all(final not in allowed for allowed, _to in TRANSITIONS.values())


@pytest.mark.django_db
def test_the_status_changes_at_the_instant_its_event_records(coordinator):
    # given a letter waiting for a translator
    letter = LetterFactory()
    # when a coordinator rejects it
    translation.letter_reject(letter_id=letter.pk, coordinator=coordinator, reason="Harmful.")
    # then the letter's last change and the event that records it carry the same time
    letter.refresh_from_db()
    event = letter.events.get(action="reject")
    assert letter.status_changed_at == event.created_at
