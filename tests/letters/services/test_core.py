"""letters.services.core: the transition machinery. The letter's life as a table: every action
from every state is either allowed (and does exactly what the table says) or refused (and
changes nothing at all); and what every transition does besides."""

import ast
from pathlib import Path

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from letters import lifecycle
from letters.lifecycle import PERM_COORDINATE, TRANSITIONS, Action
from letters.models import Letter, LetterEvent
from letters.services import closure, core, dispatch, submission, translation
from letters.services.core import InvalidTransition
from tests.factories import CoordinatorFactory, LetterFactory, VolunteerFactory

S = Letter.Status
ALL_STATES = list(S)
# Submit creates letters and expire_claim has its own time condition (tests/letters/services/
# test_translation.py).
TABLE_ACTIONS = [a for a in TRANSITIONS if a is not Action.EXPIRE_CLAIM]
SERVICES_DIR = Path(core.__file__).parent


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
        case Action.CLOSE_RELEASED | Action.CLOSE_DECEASED:
            # The closing service leaves a letter no longer open alone (None), so that a rerun
            # closes nothing twice: refused all the same.
            closed = closure.letter_close_for_prisoner(letter_id=pk, action=action)
            if closed is None:
                raise InvalidTransition(action, letter.status)
            return closed
    raise AssertionError(action)


CASES = [(a, s) for a in TABLE_ACTIONS for s in ALL_STATES]


# --- the table -------------------------------------------------------------------------------


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
    # given the transition table
    # when the states each action may start from are put together
    reachable_from = set().union(*(allowed for allowed, _to in TRANSITIONS.values()))
    # then they are exactly the open states, and no action leaves a final state
    assert reachable_from == set(lifecycle.OPEN_STATES)
    for final in lifecycle.FINAL_STATES:
        assert all(final not in allowed for allowed, _to in TRANSITIONS.values())


# --- what every transition does besides -----------------------------------------------------


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


@pytest.mark.django_db
def test_transition_signal_is_sent_after_commit(django_capture_on_commit_callbacks, coordinator):
    # given a listener to the letters' announcements
    from letters.signals import letter_transitioned

    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    letter_transitioned.connect(listener)
    try:
        # when a letter is rejected, then nothing is announced before the commit
        letter = LetterFactory()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            translation.letter_reject(letter_id=letter.pk, coordinator=coordinator, reason="No.")
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        letter_transitioned.disconnect(listener)
    # and after it, the transition is announced with ids and states only
    assert {
        "letter_id": letter.pk,
        "action": "reject",
        "from_status": "received",
        "to_status": "rejected",
    }.items() <= received[0].items()


@pytest.mark.django_db
def test_letter_events_are_append_only_in_the_database():
    # given an event in a letter's history
    from django.db import connection
    from django.db.utils import DatabaseError

    letter = LetterFactory()
    event = LetterEvent.objects.create(letter=letter, to_status="received", action="submit")
    # when it is saved again or updated, then both are refused and the event is unchanged
    with pytest.raises(ValueError):
        event.save()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            LetterEvent.objects.filter(pk=event.pk).update(note="rewritten")
    assert LetterEvent.objects.get(pk=event.pk).note == ""


# --- the permission check --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_permission_check_lets_the_system_act_only_where_allowed():
    # given a coordinator and a volunteer
    coordinator, volunteer = CoordinatorFactory(), VolunteerFactory()
    # when each, and the system, ask to coordinate, then only the coordinator may, and the
    # system only where the service allows it
    core.require_permission(coordinator, PERM_COORDINATE)
    core.require_permission(None, PERM_COORDINATE, system_allowed=True)
    with pytest.raises(core.NotPermitted):
        core.require_permission(volunteer, PERM_COORDINATE)
    with pytest.raises(core.NotPermitted):
        core.require_permission(None, PERM_COORDINATE)


# --- transactions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_entry_point_refuses_to_run_inside_another_transaction():
    # given an open letter
    letter = LetterFactory()
    # when a caller cancels it inside a transaction of its own
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        submission.letter_cancel(letter_id=letter.pk)
    # then nothing changed: the service owns its transaction or does not run
    letter.refresh_from_db()
    assert letter.status == S.RECEIVED
    assert not letter.events.exists()


class PaymentFailed(Exception):
    """The payment's own write failing after the letter's."""


@pytest.mark.django_db
def test_postage_joins_the_transaction_of_payments_which_calls_it():
    # given an approved letter whose postage is due
    letter = LetterFactory(status=S.APPROVED)
    # when payments settles it inside its own transaction, which then fails
    with pytest.raises(PaymentFailed), transaction.atomic():
        dispatch.letter_set_postage(letter_id=letter.pk, postage=Letter.Postage.PAID)
        raise PaymentFailed
    # then the postage rolled back with it
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.DUE
    assert not letter.events.filter(kind="postage").exists()


def test_services_reach_tasks_only_from_on_commit_callbacks():
    # given every module of letters/services
    for path in sorted(SERVICES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text())
        # when its module-level imports are read
        imported = []
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                imported += [f"{node.module or ''}.{alias.name}" for alias in node.names]
                imported.append(node.module or "")
            elif isinstance(node, ast.Import):
                imported += [alias.name for alias in node.names]
        # then none is the tasks module: tasks import services, not the reverse
        assert not [name for name in imported if name.split(".")[-1] == "tasks"], path.name
