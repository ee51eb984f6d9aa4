"""The organisation's mailbox, polled over IMAP (imap-tools). Off unless
LETTERBRIDGE_IMAP_HOST is set.

Each message in the watched folder is fetched by UID without marking it seen, handed to
``ingest_raw_email``, and moved to the Processed folder (or Failed, when it needs a person),
never deleted. A message whose ingestion raised (the database was away) stays where it was
and is tried again at the next poll; a message fetched twice (the move was lost) is
recognised by its hash and Message-ID and makes nothing new."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from .models import InboundEmail
from .services import ingest_raw_email

logger = logging.getLogger(__name__)

POLL_LOCK_SECONDS = 10 * 60
TIMEOUT_SECONDS = 60


@dataclass
class PollResult:
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    failed: int = 0  # kept for a person, moved to the Failed folder
    errors: int = 0  # left in the mailbox for the next poll

    def as_dict(self) -> dict:
        return asdict(self)


def imap_configured() -> bool:
    return bool(settings.LETTERBRIDGE_IMAP_HOST)


def _connect() -> BaseMailBox:
    host, port = settings.LETTERBRIDGE_IMAP_HOST, settings.LETTERBRIDGE_IMAP_PORT
    security = settings.LETTERBRIDGE_IMAP_SECURITY
    if security == "ssl":
        mailbox: BaseMailBox = MailBox(host, port, timeout=TIMEOUT_SECONDS)
    elif security == "starttls":
        mailbox = MailBoxStartTls(host, port, timeout=TIMEOUT_SECONDS)
    else:  # "none": a server on this machine (the tests' Dovecot)
        mailbox = MailBoxUnencrypted(host, port, timeout=TIMEOUT_SECONDS)
    return mailbox.login(
        settings.LETTERBRIDGE_IMAP_USER,
        settings.LETTERBRIDGE_IMAP_PASSWORD,
        initial_folder=settings.LETTERBRIDGE_IMAP_FOLDER,
    )


def _fetch_raw(mailbox: BaseMailBox, uid: str) -> bytes | None:
    """The message exactly as the server holds it; BODY.PEEK leaves it unseen."""
    status, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def poll_mailbox(*, limit: int | None = None) -> PollResult:
    result = PollResult()
    processed = settings.LETTERBRIDGE_IMAP_PROCESSED_FOLDER
    failed = settings.LETTERBRIDGE_IMAP_FAILED_FOLDER
    with _connect() as mailbox:
        for folder in (processed, failed):
            if not mailbox.folder.exists(folder):
                mailbox.folder.create(folder)
        mailbox.folder.set(settings.LETTERBRIDGE_IMAP_FOLDER)
        uids = mailbox.uids("ALL")
        for uid in uids[:limit] if limit else uids:
            raw = _fetch_raw(mailbox, uid)
            if raw is None:
                continue
            result.fetched += 1
            try:
                ingested = ingest_raw_email(raw)
            except Exception as error:  # noqa: BLE001  the next message must still be read
                logger.error("inbound uid=%s not ingested: %s", uid, type(error).__name__)
                result.errors += 1
                continue
            result.new += ingested.created
            result.duplicates += not ingested.created
            is_failed = ingested.email.status == InboundEmail.Status.FAILED
            result.failed += is_failed
            mailbox.move(uid, failed if is_failed else processed)
    logger.info("inbox polled %s", result.as_dict())
    return result
