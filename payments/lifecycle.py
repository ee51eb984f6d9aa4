"""A payment's life, defined once: its actions, which statuses each may start from and the
status it leads to. ``payments.services._transition`` reads this table for every change and
writes a ``PaymentEvent`` for it; the services ask ``can_start`` before acting on what Stripe
says, so a duplicate or out-of-order event finds nothing to do. Nothing here touches the
database.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from letters.events import code_words

from .models import EARLIER_NOTE, PaymentStatus

P = PaymentStatus

# The status of a payment not recorded yet: the actions that create one start here.
NEW = ""


class Action(StrEnum):
    OPEN = "open"  # the supporter starts paying by card
    RECORD = "record"  # a coordinator records postage paid by bank transfer or cash
    WAIVE = "waive"  # a coordinator waives the fee
    PAY = "pay"  # Stripe says the card payment went through
    FAIL = "fail"  # Stripe says it did not
    EXPIRE = "expire"  # the Checkout Session closed unpaid
    REFUND = "refund"  # the money went back through Stripe
    REFUND_BY_HAND = "refund_by_hand"  # a coordinator paid a manual payment back
    # Facts in a payment's history that leave its status where it is:
    REQUEST_REFUND = "request_refund"  # the money must go back (letter closed, paid twice)
    REFUND_FAILED = "refund_failed"  # a refund attempt did not work; it is tried again
    PART_REFUNDED = "part_refunded"  # part of the charge was refunded at Stripe
    AMOUNT_DIFFERS = "amount_differs"  # Stripe took another amount than we asked for


# Payments whose money came in, or may still come in: what Stripe can refund or report on.
CARD_STATES: frozenset[str] = frozenset({P.PENDING, P.PAID, P.FAILED, P.EXPIRED})

# action -> (statuses it may start from, status it leads to; None: the status stays)
TRANSITIONS: dict[Action, tuple[frozenset[str], str | None]] = {
    Action.OPEN: (frozenset({NEW}), P.PENDING),
    Action.RECORD: (frozenset({NEW}), P.PAID),
    Action.WAIVE: (frozenset({NEW}), P.WAIVED),
    Action.PAY: (frozenset({P.PENDING, P.FAILED, P.EXPIRED}), P.PAID),
    Action.FAIL: (frozenset({P.PENDING}), P.FAILED),
    Action.EXPIRE: (frozenset({P.PENDING}), P.EXPIRED),
    Action.REFUND: (CARD_STATES, P.REFUNDED),
    Action.REFUND_BY_HAND: (frozenset({P.PAID}), P.REFUNDED),
    Action.REQUEST_REFUND: (CARD_STATES, None),
    Action.REFUND_FAILED: (CARD_STATES, None),
    Action.PART_REFUNDED: (CARD_STATES | {P.REFUNDED}, None),
    Action.AMOUNT_DIFFERS: (CARD_STATES | {P.REFUNDED}, None),
}


def can_start(action: Action, status: str) -> bool:
    """Whether ``action`` may be taken on a payment in ``status``."""
    return status in TRANSITIONS[action][0]


def leads_to(action: Action, status: str) -> str:
    """The status a payment in ``status`` has after ``action``."""
    to = TRANSITIONS[action][1]
    return status if to is None else to


# What each action of a payment's history means, for the coordinators who read it.
ACTION_LABELS: dict[str, Promise] = {
    Action.OPEN: gettext_lazy("card payment started"),
    Action.RECORD: gettext_lazy("payment recorded by hand (transfer or cash)"),
    Action.WAIVE: gettext_lazy("fee waived"),
    Action.PAY: gettext_lazy("paid by card"),
    Action.FAIL: gettext_lazy("card payment failed"),
    Action.EXPIRE: gettext_lazy("time to pay ran out"),
    Action.REFUND: gettext_lazy("refunded through Stripe"),
    Action.REFUND_BY_HAND: gettext_lazy("paid back by hand"),
    Action.REQUEST_REFUND: gettext_lazy("refund requested"),
    Action.REFUND_FAILED: gettext_lazy("refund failed, to be tried again"),
    Action.PART_REFUNDED: gettext_lazy("part refunded at Stripe"),
    Action.AMOUNT_DIFFERS: gettext_lazy("Stripe took a different amount"),
    EARLIER_NOTE: gettext_lazy("note from before the history"),
}


def action_label(code: str) -> str:
    """What ``code`` means, in the active language; a code without a label reads as its words."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code_words(code)
