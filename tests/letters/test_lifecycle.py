"""The lifecycle's definitions agree with each other and with the model's states."""

import pytest
from django.contrib.auth.models import Permission

from letters import lifecycle
from letters.lifecycle import Action
from letters.models import Letter
from tests.factories import CoordinatorFactory, VolunteerFactory

S = Letter.Status


def test_every_state_is_either_open_or_final_and_waiting_lists_the_open_ones_in_order():
    # given the state sets
    # then they split the model's states in two, and the waiting rows are the open states
    assert not lifecycle.OPEN_STATES & lifecycle.FINAL_STATES
    assert lifecycle.OPEN_STATES | lifecycle.FINAL_STATES == frozenset(S.values)
    assert frozenset(lifecycle.WAITING_STATES) == lifecycle.OPEN_STATES
    assert len(lifecycle.WAITING_STATES) == len(lifecycle.OPEN_STATES)
    assert lifecycle.CLOSED_UNSENT_STATES | lifecycle.DELIVERED_STATES == lifecycle.FINAL_STATES


def test_every_transition_starts_and_ends_in_a_real_state_and_has_a_taker():
    for action, (sources, target) in lifecycle.TRANSITIONS.items():
        assert sources <= frozenset(S.values), action
        assert target in S.values, action
        assert action in lifecycle.ACTION_TAKER, action
    # and every action but submitting changes a state
    assert set(lifecycle.ACTION_TAKER) - set(lifecycle.TRANSITIONS) == {Action.SUBMIT}


def test_no_transition_leaves_a_final_state():
    for action, (sources, _target) in lifecycle.TRANSITIONS.items():
        assert not sources & lifecycle.FINAL_STATES, action


@pytest.mark.django_db
def test_every_staff_permission_named_exists():
    # given the permissions the lifecycle names
    named = {
        taker
        for taker in lifecycle.ACTION_TAKER.values()
        if taker not in (lifecycle.SUPPORTER, lifecycle.SYSTEM)
    }
    # then each is a real permission of the letters app
    codenames = {perm.split(".", 1)[1] for perm in named}
    found = set(
        Permission.objects.filter(
            content_type__app_label="letters", codename__in=codenames
        ).values_list("codename", flat=True)
    )
    assert found == codenames


@pytest.mark.django_db
def test_staff_actions_follow_state_and_permission():
    # given a volunteer and a coordinator
    volunteer, coordinator = VolunteerFactory(), CoordinatorFactory()
    # when each asks what they may do with a received letter
    # then the volunteer may claim it; the coordinator may also skip, and reject
    assert lifecycle.staff_actions(status=S.RECEIVED, user=volunteer) == [Action.CLAIM]
    coordinator_may = set(lifecycle.staff_actions(status=S.RECEIVED, user=coordinator))
    assert {Action.SKIP_TRANSLATION, Action.REJECT} <= coordinator_may
    # and nobody may do anything with a posted letter
    assert lifecycle.staff_actions(status=S.POSTED, user=coordinator) == []
    assert lifecycle.supporter_may_cancel(S.ON_HOLD)
    assert not lifecycle.supporter_may_cancel(S.POSTED)
