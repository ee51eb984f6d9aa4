"""The Inbox's tasks: interfaces like views, taking ids and calling one function."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.core.cache import cache

from . import imap, services

logger = logging.getLogger(__name__)

POLL_LOCK = "inbox:poll-lock"


@shared_task(acks_late=True)
def poll_inbox() -> dict | None:
    """Fetch new mail from the organisation's mailbox (nothing when IMAP is not set up). One
    poll at a time: a slow mailbox must not let two beats' polls ingest side by side."""
    if not imap.imap_configured():
        return None
    if not cache.add(POLL_LOCK, 1, timeout=imap.POLL_LOCK_SECONDS):
        return None
    try:
        return imap.poll_mailbox().as_dict()
    finally:
        cache.delete(POLL_LOCK)


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def send_inbound_reply(email_id: int) -> None:
    services.inbound_reply_send(email_id=email_id)


@shared_task(acks_late=True)
def read_unread_inbound_emails() -> int:
    """Messages stored but never read (the process died in between) are read now."""
    return services.read_unread_emails()


@shared_task(acks_late=True)
def purge_inbound_emails() -> int:
    return services.inbound_purge()
