"""Celery tasks: interfaces like views. They take ids, call one service, and are safe to run
twice because the database records what has been done."""

from smtplib import SMTPException

from celery import shared_task


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_notification(notification_id: int) -> None:
    from .services import notification_send

    notification_send(notification_id=notification_id)


@shared_task(acks_late=True)
def resend_lost_notifications() -> int:
    from .services import notifications_resend_lost

    return notifications_resend_lost()


@shared_task(acks_late=True)
def release_expired_claims() -> int:
    from .services import claims_release_expired

    return claims_release_expired()


# --- posting, returning, address changes, and the periodic pipeline (issue 6) ---------------


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), max_retries=5)
def return_letter(letter_id: int) -> None:
    from .posting import letter_return_process

    letter_return_process(letter_id=letter_id)


@shared_task(acks_late=True)
def render_batch_pdf(batch_id: int) -> None:
    from .posting import batch_render_pdf

    batch_render_pdf(batch_id=batch_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), max_retries=5)
def sync_prisoner_holds(prisoner_id: int) -> None:
    from .pipeline import letters_sync_holds_for_prisoner

    letters_sync_holds_for_prisoner(prisoner_id=prisoner_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, ConnectionError), max_retries=5)
def notify_coordinators_of_flag(letter_id: int) -> None:
    from .pipeline import letter_flag_notify_coordinators

    letter_flag_notify_coordinators(letter_id=letter_id)


@shared_task(acks_late=True)
def sweep_side_effects() -> dict:
    from .pipeline import side_effects_sweep

    return side_effects_sweep()


@shared_task(acks_late=True)
def send_coordinators_digest() -> int:
    from .pipeline import coordinators_digest

    return coordinators_digest()


@shared_task(acks_late=True)
def purge_letter_texts() -> int:
    from .pipeline import letters_purge_texts

    return letters_purge_texts()


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_letter_links(letter_ids: list[int], request_id: str, locale: str = "en") -> None:
    """Find my letters: ids only; the e-mail address is read from the letters."""
    from .services import letter_links_send

    letter_links_send(letter_ids=letter_ids, request_id=request_id, locale=locale)


@shared_task(acks_late=True)
def remind_expiring_claims() -> int:
    from .services import claims_remind_expiring

    return claims_remind_expiring()
