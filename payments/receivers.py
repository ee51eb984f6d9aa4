"""Payments listens to letters: a paid letter that is cancelled or rejected is refunded."""

import logging

from .services import payment_refund_request

logger = logging.getLogger(__name__)

REFUND_ON = frozenset({"cancel", "reject"})


def refund_closed_letter(sender, *, letter_id: int, action: str, **kwargs) -> None:
    if action not in REFUND_ON:
        return
    try:
        marked = payment_refund_request(letter_id=letter_id)
    except Exception:
        # send_robust would swallow it silently; the reconciliation task cannot find a refund
        # that was never asked for, so say so loudly.
        logger.exception("could not ask for the refund of letter %s", letter_id)
        raise
    if marked:
        logger.info("refund asked for letter %s payments %s", letter_id, marked)
