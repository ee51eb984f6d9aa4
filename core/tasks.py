"""Task options shared by the apps (this module defines no task of its own)."""

from smtplib import SMTPException

from celery import shared_task

# A task that sends an e-mail: tried again, with a growing pause of up to an hour, while the
# mail server cannot be reached or refuses for now; acknowledged only once it has run.
mail_task = shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=3600,
    max_retries=8,
)
