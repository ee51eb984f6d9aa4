"""The replies' work for the worker: ids in, a service does the rest; safe to run twice."""

from celery import shared_task

from core.tasks import mail_task

from . import services


@mail_task
def send_reply_email(reply_id: int) -> bool:
    return services.reply_email_send(reply_id=reply_id)


@mail_task
def send_reply_scan_email(reply_id: int, request_id: int) -> bool:
    return services.reply_scan_email_send(reply_id=reply_id, request_id=request_id)


@mail_task
def send_lost_reply_emails() -> int:
    return services.replies_resend_lost() + services.reply_scan_emails_resend_lost()


@shared_task
def release_expired_reply_claims() -> int:
    return services.replies_release_expired()


@shared_task
def purge_replies() -> int:
    return services.replies_purge()
