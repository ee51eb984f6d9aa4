"""A letter's life, defined once: its actions, which states each may start from and lead to, the
groups of states that pages and counts speak of, and who may take each action.

Everything that asks "is this letter still open?", "may this person claim it?" or "which letters
wait for someone?" reads it from here: the services, the desk, the admin, the tracking page,
the prisoners' counts and payments. Nothing here touches the database.
"""

from __future__ import annotations

from enum import StrEnum

from .models import Letter

S = Letter.Status


class Action(StrEnum):
    SUBMIT = "submit"
    CLAIM = "claim"
    RELEASE = "release"
    EXPIRE_CLAIM = "expire_claim"
    HAND_IN = "hand_in"
    SEND_BACK = "send_back"
    APPROVE = "approve"
    SKIP_TRANSLATION = "skip_translation"
    HOLD = "hold"
    RELEASE_HOLD = "release_hold"
    POST = "post"
    RETURN = "return"
    CANCEL = "cancel"
    REJECT = "reject"
    # The prisoner was released, or died: every letter still on its way to them closes
    # (cancelled, its postage refunded, its writer told in words fitting the news).
    CLOSE_RELEASED = "close_prisoner_released"
    CLOSE_DECEASED = "close_prisoner_deceased"


# Letters still open: nothing has left the building, so the supporter may cancel and a
# coordinator may reject.
OPEN_STATES: frozenset[str] = frozenset(
    {S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED, S.ON_HOLD}
)
# Letters whose life has ended, one way or another; their texts are purged after retention.
FINAL_STATES: frozenset[str] = frozenset({S.POSTED, S.RETURNED, S.CANCELLED, S.REJECTED})
# Ended without reaching the prisoner: postage paid for them is refunded.
CLOSED_UNSENT_STATES: frozenset[str] = frozenset({S.CANCELLED, S.REJECTED})
# Ended by reaching the prisoner or the supporter.
DELIVERED_STATES: frozenset[str] = frozenset({S.POSTED, S.RETURNED})
# Open letters waiting for a person (a translator, a reviewer, a coordinator, an address),
# in the order of the letter's life: the dashboard's rows and the stuck-letter digest.
WAITING_STATES: tuple[str, ...] = (
    S.RECEIVED,
    S.IN_TRANSLATION,
    S.TRANSLATED,
    S.APPROVED,
    S.ON_HOLD,
)

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[str], str]] = {
    Action.CLAIM: (frozenset({S.RECEIVED}), S.IN_TRANSLATION),
    Action.RELEASE: (frozenset({S.IN_TRANSLATION}), S.RECEIVED),
    Action.EXPIRE_CLAIM: (frozenset({S.IN_TRANSLATION}), S.RECEIVED),
    Action.HAND_IN: (frozenset({S.IN_TRANSLATION}), S.TRANSLATED),
    Action.SEND_BACK: (frozenset({S.TRANSLATED}), S.IN_TRANSLATION),
    Action.APPROVE: (frozenset({S.TRANSLATED}), S.APPROVED),
    Action.SKIP_TRANSLATION: (frozenset({S.RECEIVED}), S.APPROVED),
    Action.HOLD: (frozenset({S.APPROVED}), S.ON_HOLD),
    Action.RELEASE_HOLD: (frozenset({S.ON_HOLD}), S.APPROVED),
    Action.POST: (frozenset({S.APPROVED}), S.POSTED),
    Action.RETURN: (frozenset({S.APPROVED}), S.RETURNED),
    Action.CANCEL: (OPEN_STATES, S.CANCELLED),
    Action.REJECT: (OPEN_STATES, S.REJECTED),
    Action.CLOSE_RELEASED: (OPEN_STATES, S.CANCELLED),
    Action.CLOSE_DECEASED: (OPEN_STATES, S.CANCELLED),
}
# The closing action for a prisoner's status that ends their letters (prisoners.models).
CLOSE_FOR_STATUS: dict[str, Action] = {
    "released": Action.CLOSE_RELEASED,
    "deceased": Action.CLOSE_DECEASED,
}

# The permissions staff hold (letters.models.Letter.Meta.permissions).
PERM_TRANSLATE = "letters.translate_letter"
PERM_REVIEW = "letters.review_letter"
PERM_COORDINATE = "letters.coordinate_letters"

# Who may take each action: a staff permission, or one of the two who hold no account.
SUPPORTER = "supporter"  # whoever holds the letter's tracking link
SYSTEM = "system"  # the beat and the worker
ACTION_TAKER: dict[Action, str] = {
    Action.SUBMIT: SUPPORTER,
    Action.CANCEL: SUPPORTER,
    Action.CLAIM: PERM_TRANSLATE,
    Action.RELEASE: PERM_TRANSLATE,
    Action.HAND_IN: PERM_TRANSLATE,
    Action.SEND_BACK: PERM_REVIEW,
    Action.APPROVE: PERM_REVIEW,
    Action.SKIP_TRANSLATION: PERM_COORDINATE,
    Action.HOLD: PERM_COORDINATE,
    Action.RELEASE_HOLD: PERM_COORDINATE,
    Action.POST: PERM_COORDINATE,
    Action.RETURN: PERM_COORDINATE,
    Action.REJECT: PERM_COORDINATE,
    Action.EXPIRE_CLAIM: SYSTEM,
    Action.CLOSE_RELEASED: SYSTEM,  # after a coordinator marks the prisoner released
    Action.CLOSE_DECEASED: SYSTEM,
}


def can_start(action: Action, status: str) -> bool:
    """Whether ``action`` may be taken from ``status`` at all, whoever asks."""
    return status in TRANSITIONS[action][0]


def staff_actions(*, status: str, user) -> list[Action]:
    """The actions a staff member may take on a letter in ``status``, by state and permission
    only (a claim held by someone else, the claim limit or a flag are checked by the service)."""
    return [
        action
        for action, taker in ACTION_TAKER.items()
        if taker not in (SUPPORTER, SYSTEM)
        and action in TRANSITIONS
        and can_start(action, status)
        and user.has_perm(taker)
    ]


def supporter_may_cancel(status: str) -> bool:
    return can_start(Action.CANCEL, status)
