"""Payments listens to letters: a paid letter that is cancelled or rejected is refunded."""

import logging

from letters.lifecycle import CLOSED_UNSENT_STATES

from .services import payment_refund_request

logger = logging.getLogger(__name__)


def refund_closed_letter(sender, *, letter_id: int, to_status: str, **kwargs) -> None:
    if to_status not in CLOSED_UNSENT_STATES:
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
