"""Celery tasks: interfaces like views. They take ids, call one service, and are safe to run
twice because the database records what has been done. Tasks import services; a service queues
a task only from a ``transaction.on_commit`` callback, importing this module there."""

import logging
from smtplib import SMTPException

from celery import shared_task

from core.tasks import mail_task

from . import selectors
from .services import closure, dispatch, notifications, privacy, translation

logger = logging.getLogger(__name__)


@mail_task
def send_notification(notification_id: int) -> None:
    notifications.notification_send(notification_id=notification_id)


def _queue_lost_notifications() -> int:
    ids = selectors.notifications_lost()
    for pk in ids:
        send_notification.delay(pk)
    return len(ids)


@shared_task(acks_late=True)
def resend_lost_notifications() -> int:
    """Hand the worker again every notification whose task was lost; returns how many."""
    return _queue_lost_notifications()


@shared_task(acks_late=True)
def release_expired_claims() -> int:
    return translation.claims_release_expired()


@shared_task(acks_late=True)
def remind_expiring_claims() -> int:
    return translation.claims_remind_expiring()


# --- posting, returning, address changes, and the periodic pipeline --------------------------


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), max_retries=5)
def return_letter(letter_id: int) -> None:
    dispatch.letter_return_process(letter_id=letter_id)


@shared_task(acks_late=True)
def render_batch_pdf(batch_id: int) -> None:
    dispatch.batch_render_pdf(batch_id=batch_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), max_retries=5)
def sync_prisoner_holds(prisoner_id: int) -> None:
    dispatch.letters_sync_holds_for_prisoner(prisoner_id=prisoner_id)


@shared_task(acks_late=True, max_retries=5)
def close_letters_to_prisoner(prisoner_id: int) -> list[int]:
    """The prisoner was released or died: close their open letters (each e-mails its writer
    through the outbox and has its postage refunded by payments). Safe to run again."""
    return closure.letters_close_for_prisoner(prisoner_id=prisoner_id).closed


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), max_retries=5)
def notify_coordinators_of_flag(letter_id: int) -> None:
    notifications.letter_flag_notify_coordinators(letter_id=letter_id)


@shared_task(acks_late=True)
def sweep_side_effects() -> dict:
    """Queue again what should have happened and did not (the broker lost the task, the worker
    was killed): returns, batch PDFs, holds and releases after an address change, unsent
    e-mails, and flags coordinators were not told of. Each queued task checks the database
    first, so queueing twice does no harm."""
    overdue = selectors.side_effects_overdue()
    for pk in overdue.returns:
        return_letter.delay(pk)
    for pk in overdue.batches:
        render_batch_pdf.delay(pk)
    for pk in overdue.prisoners:
        sync_prisoner_holds.delay(pk)
    for pk in overdue.flags:
        notify_coordinators_of_flag.delay(pk)
    for pk in overdue.closures:
        close_letters_to_prisoner.delay(pk)
    counts = {
        "returns": len(overdue.returns),
        "batches": len(overdue.batches),
        "prisoners": len(overdue.prisoners),
        "notifications": _queue_lost_notifications(),
        "flags": len(overdue.flags),
        "closures": len(overdue.closures),
    }
    logger.info("side effects sweep %s", counts)
    return counts


@shared_task(acks_late=True)
def send_coordinators_digest() -> int:
    return notifications.coordinators_digest()


@shared_task(acks_late=True)
def purge_letter_texts() -> int:
    return privacy.letters_purge_texts()


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_letter_links(letter_ids: list[int], request_id: str, locale: str = "en") -> None:
    """Find my letters: ids only; the e-mail address is read from the letters."""
    notifications.letter_links_send(letter_ids=letter_ids, request_id=request_id, locale=locale)
