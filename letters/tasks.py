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
