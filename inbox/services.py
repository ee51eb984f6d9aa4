"""The e-mail path into the letter queue: an e-mail is stored, read, guessed at, and waits in
the coordinators' Inbox until a coordinator makes it a letter (through the letters' own
submission service, so it lives exactly as a form letter does), answers it or archives it.

``ingest_raw_email`` is the one way in: the IMAP poller calls it, and an inbound webhook can
call it later. It keeps the raw message (encrypted) before it reads a byte of it, so a message
that breaks the parser is kept for a person and never blocks the ones after it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.mail import is_reply_subject, reply_headers, reply_subject
from letters.lifecycle import PERM_COORDINATE
from letters.models import LANGUAGES, Letter
from letters.services.core import LetterError, require_permission
from letters.services.submission import letter_submit
from prisoners.models import Prisoner

from . import guessing, parsing
from .models import InboundAttachment, InboundEmail

logger = logging.getLogger(__name__)

Status = InboundEmail.Status
Reason = InboundEmail.Reason
# What a coordinator may still make a letter of, answer or archive.
OPEN = (Status.RECEIVED, Status.FAILED)
LANGUAGE_CODES = [code for code, _label in LANGUAGES]


class InboxError(LetterError):
    default_message = _("This e-mail has been dealt with already.")


@dataclass(frozen=True)
class Ingested:
    email: InboundEmail
    created: bool  # False: we had it already (re-polled or redelivered)


# --- intake ----------------------------------------------------------------------------------


def ingest_raw_email(raw_bytes: bytes) -> Ingested:
    """Keep one e-mail, read it and sort it. Safe to call twice with the same message: a
    message we already hold is not kept again, only read if it never was (the process died
    between keeping and reading it)."""
    raw = bytes(raw_bytes)
    email, created = _store(raw)
    if email.read_at is None:
        email = read_stored_email(email_id=email.pk)
    return Ingested(email, created=created)


def _store(raw: bytes) -> tuple[InboundEmail, bool]:
    """The raw message, encrypted and committed before a byte of it is parsed; or the row
    that holds it already (the same bytes, or the same Message-ID redelivered)."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = parsing.header_message_id(raw)
    id_hash = crypto.lookup_hash(message_id) if message_id else ""
    existing = _duplicate_of(digest, id_hash)
    if existing is not None:
        return existing, False
    oversized = len(raw) > settings.LETTERBRIDGE_INBOX_MAX_BYTES
    try:
        with transaction.atomic(durable=True):
            email = InboundEmail.objects.create(
                sha256=digest,
                message_id=message_id,
                message_id_hash=id_hash,
                # a message too large to accept is kept as its headers: who sent it, when
                raw=parsing.raw_headers(raw) if oversized else raw,
                size=len(raw),
            )
    except IntegrityError:  # another poller stored it a moment ago
        existing = _duplicate_of(digest, id_hash)
        if existing is None:
            raise
        return existing, False
    logger.info("inbound e-mail %s stored", email.pk)
    return email, True


def _duplicate_of(digest: str, id_hash: str) -> InboundEmail | None:
    found = InboundEmail.objects.filter(sha256=digest).first()
    if found is None and id_hash:
        found = InboundEmail.objects.filter(message_id_hash=id_hash).first()
    return found


def read_stored_email(*, email_id: int) -> InboundEmail:
    """Read a stored message from its stored raw and sort it, once (two callers at once: the
    second finds it read). A message that breaks the reading is kept for a person, as a
    failure saying where it broke, and never stops the messages after it. When the database
    fails instead, the message stays unread for the next poll or the sweep."""
    try:
        _read(email_id)
    except (OperationalError, InterfaceError):
        raise  # the database, not the message: left unread, read again by the next poll
    except Exception as error:  # noqa: BLE001  one bad message is kept for a person
        failure = _where_it_failed(error)
        logger.warning("inbound e-mail %s unreadable: %s", email_id, failure)
        _keep_unreadable(email_id, failure)
    email = InboundEmail.objects.get(pk=email_id)
    logger.info("inbound e-mail %s read status=%s reason=%s", email.pk, email.status, email.reason)
    return email


@transaction.atomic(durable=True)
def _keep_unreadable(email_id: int, failure: str) -> None:
    """Kept for a person: failed, saying where, with whose it is and its subject as far as
    the forgiving header reader can tell (the person downloads the message to read it)."""
    email = InboundEmail.objects.select_for_update().get(pk=email_id)
    if email.read_at is not None:
        return
    email.subject, name, address = parsing.loose_headers(bytes(email.raw))
    _set_sender(email, name, address)
    email.status, email.reason, email.failure = Status.FAILED, Reason.UNPARSEABLE, failure
    email.read_at = timezone.now()
    email.save()


def _where_it_failed(error: Exception) -> str:
    """The error's kind and the module it came from ("IndexError in
    email._header_value_parser"): enough for a person to report it, none of the message."""
    tb = error.__traceback__
    module = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", module)
        tb = tb.tb_next
    return f"{type(error).__name__} in {module}"[:200] if module else type(error).__name__


def read_unread_emails(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """The beat's sweep: messages stored but never read (the process died in between, and no
    poll brought them again, as with a webhook) are read now. Younger ones are left to the
    poll that is reading them."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundEmail.objects.filter(read_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )
    for email_id in ids:
        read_stored_email(email_id=email_id)
    if ids:
        logger.info("inbound e-mails read late: %s", len(ids))
    return len(ids)


@transaction.atomic(durable=True)
def _read(email_id: int) -> None:
    email = InboundEmail.objects.select_for_update().get(pk=email_id)
    if email.read_at is not None:  # read meanwhile (the poll and the sweep at once)
        return
    email.read_at = timezone.now()
    raw = bytes(email.raw)
    if email.size > settings.LETTERBRIDGE_INBOX_MAX_BYTES:
        _refuse_oversized(email, raw)
        return
    parsed = parsing.parse_email(raw)
    _set_sender(email, parsed.sender_name, parsed.sender_email)
    email.subject = parsed.subject
    email.is_reply = bool(parsed.in_reply_to) or is_reply_subject(parsed.subject)
    if parsed.automatic:
        email.status, email.reason = Status.IGNORED, parsed.automatic
        email.save()
        return
    email.text, email.note, email.forwarded = parsed.text, parsed.note, parsed.forwarded
    email.status, email.reason = _sorted(parsed)
    if email.status != Status.IGNORED:
        _guess(email)
    email.save()
    InboundAttachment.objects.bulk_create(
        InboundAttachment(
            email=email,
            filename=attachment.filename,
            content_type=attachment.content_type[:100],
            size=len(attachment.content),
            content=attachment.content,
            text_extracted=bool(attachment.text) and attachment.text in parsed.text,
            unreadable=attachment.unreadable,
        )
        for attachment in parsed.attachments
    )


def _set_sender(email: InboundEmail, name: str, address: str) -> None:
    email.sender_name, email.sender_email = name, address
    email.sender_email_hash = crypto.lookup_hash(address) if address else ""


def _sorted(parsed: parsing.ParsedEmail) -> tuple[str, str]:
    """(status, reason) as a person would sort it: a letter to confirm, or why it is not."""
    if parsed.encrypted:
        return Status.FAILED, Reason.ENCRYPTED
    if parsed.damaged:
        return Status.FAILED, Reason.DAMAGED
    if not parsed.sender_email:
        return Status.FAILED, Reason.NO_SENDER
    unreadable = any(a.unreadable for a in parsed.attachments)
    documents = any(a.text for a in parsed.attachments)
    if unreadable and not documents and len(parsed.text) < parsing.COVERING_NOTE_CHARS:
        # "my letter is attached", and the attachment cannot be read (an old .doc, or cut
        # off on the way): the covering note is not the letter
        return Status.FAILED, Reason.UNREADABLE_ATTACHMENT
    if not parsed.text:
        if any(a.is_image for a in parsed.attachments):
            return Status.FAILED, Reason.IMAGES_ONLY
        return Status.FAILED, Reason.NO_TEXT
    if len(parsed.text) > settings.LETTERBRIDGE_MAX_LETTER_CHARS:
        return Status.FAILED, Reason.TOO_LONG
    return Status.RECEIVED, ""


def _guess(email: InboundEmail) -> None:
    prisoners = [
        guessing.NamedPrisoner(pk=pk, names=(name_en, name_ru, dative))
        for pk, name_en, name_ru, dative in Prisoner.objects.filter(
            accepts_letters=True
        ).values_list("pk", "name_en", "name_ru", "name_ru_dative")
    ]
    words = "\n".join((email.note, email.text))
    email.guessed_prisoner_id = guessing.guess_prisoner(
        subject=email.subject, text=words, prisoners=prisoners
    )
    email.guessed_language = guessing.guess_language(email.text, allowed=LANGUAGE_CODES)
    email.guessed_delivery = guessing.guess_delivery(f"{email.subject}\n{words}")


def _refuse_oversized(email: InboundEmail, raw: bytes) -> None:
    """Too large to accept: keep who sent it, and tell them politely (unless a machine sent
    it: an answer to an auto-reply starts a loop). Only the headers are kept, so the language
    is guessed from them; a Russian (or Ukrainian) sender is answered in Russian, then in
    English."""
    headers = parsing.parse_headers(raw)
    sender = parsing.sender_of(headers)
    _set_sender(email, *sender)
    email.subject = " ".join(str(headers.get("Subject", "")).split())[:998]
    automatic = parsing.automatic_kind(headers, email.sender_email, email.subject)
    email.status = Status.IGNORED if automatic else Status.FAILED
    email.reason = automatic or Reason.TOO_LARGE
    if automatic:
        email.save()
        return
    email.guessed_language = _language_of_headers(email, headers)
    if email.sender_email:
        locales = ("ru", "en") if email.guessed_language in ("ru", "uk") else ("en",)
        email.reply_text = "\n\n* * *\n\n".join(
            _too_large_text(locale, size=email.size) for locale in locales
        )
        _queue_reply(email.pk)
    email.save()


def _language_of_headers(email: InboundEmail, headers) -> str:
    """The language of a message we hold only the headers of: its subject and the sender's
    name, its Content-Language, or else what the sender wrote in before."""
    for words in (email.subject, email.sender_name):  # many Russians' names are in Latin
        guessed = guessing.guess_language(words, allowed=LANGUAGE_CODES)
        if guessed:
            return guessed
    declared = str(headers.get("Content-Language", "")).strip().lower()[:2]
    if declared in LANGUAGE_CODES:
        return declared
    if email.sender_email_hash:
        return (
            InboundEmail.objects.filter(sender_email_hash=email.sender_email_hash)
            .exclude(pk=email.pk)
            .exclude(guessed_language="")
            .order_by("-received_at")
            .values_list("guessed_language", flat=True)
            .first()
            or ""
        )
    return ""


def _too_large_text(locale: str, *, size: int) -> str:
    with translation.override(locale):
        return render_to_string(
            "inbox/emails/too_large.txt",
            {
                "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
                "limit_mb": settings.LETTERBRIDGE_INBOX_MAX_BYTES // (1024 * 1024),
                "size": size / (1024 * 1024),
            },
        ).strip()


# --- triage: a coordinator decides ------------------------------------------------------------


def _lock_open(email_id: int) -> InboundEmail:
    email = InboundEmail.objects.select_for_update().get(pk=email_id)
    if email.status not in OPEN:
        raise InboxError()
    return email


def inbound_confirm(
    *,
    email_id: int,
    actor: User,
    prisoner_id: int,
    language: str,
    delivery: str,
    postage_currency: str,
    supporter_name: str,
    supporter_email: str,
    text: str,
) -> Letter:
    """Make the e-mail a letter, as the coordinator confirmed or corrected it. The letter is
    created by letters' submission service (received, with the e-mail's Message-ID so our
    "we have your letter" answers in the supporter's thread); the e-mail is linked to it in
    the same transaction, so two coordinators confirming at once make one letter."""
    require_permission(actor, PERM_COORDINATE)
    email = InboundEmail.objects.only("message_id", "subject").get(pk=email_id)

    def link(letter: Letter) -> None:
        locked = _lock_open(email_id)
        locked.status, locked.reason, locked.letter = Status.LETTER, "", letter
        locked.handled_by, locked.handled_at = actor, timezone.now()
        locked.save(update_fields=["status", "reason", "letter", "handled_by", "handled_at"])

    submitted = letter_submit(
        prisoner_id=prisoner_id,
        supporter_name=supporter_name,
        supporter_email=supporter_email,
        language=language,
        original_text=text,
        delivery=delivery,
        postage_currency=postage_currency,
        locale="ru" if language in ("ru", "uk") else "en",
        source=Letter.Source.EMAIL,
        email_message_id=email.message_id,
        email_subject=email.subject,
        actor=actor,
        then=link,
    )
    logger.info("inbound e-mail %s made letter %s", email_id, submitted.letter.pk)
    return submitted.letter


@transaction.atomic(durable=True)
def inbound_archive(*, email_id: int, actor: User) -> InboundEmail:
    """Not a letter, and nothing to answer: out of the Inbox (kept until the retention purge)."""
    require_permission(actor, PERM_COORDINATE)
    email = _lock_open(email_id)
    _close(email, actor, Reason.NOT_A_LETTER)
    return email


@transaction.atomic(durable=True)
def inbound_answer(*, email_id: int, actor: User, text: str) -> InboundEmail:
    """Answer a message that is not a letter (a question, a reply to our e-mail) in its
    thread; the worker sends it after commit. The message leaves the Inbox."""
    require_permission(actor, PERM_COORDINATE)
    text = text.strip()
    if not text:
        raise LetterError(_("Write the answer first."))
    email = _lock_open(email_id)
    if not email.sender_email:
        raise LetterError(_("This e-mail has no sender address to answer."))
    email.reply_text = text
    _close(email, actor, Reason.ANSWERED, "reply_text")
    _queue_reply(email.pk)
    return email


def _close(email: InboundEmail, actor: User, reason: str, *fields: str) -> None:
    email.status, email.reason = Status.ARCHIVED, reason
    email.handled_by, email.handled_at = actor, timezone.now()
    email.save(update_fields=["status", "reason", "handled_by", "handled_at", *fields])


def _send_reply_task(email_id: int) -> None:
    from .tasks import send_inbound_reply  # tasks import services, never the reverse

    send_inbound_reply.delay(email_id)


def _queue_reply(email_id: int) -> None:
    transaction.on_commit(partial(_send_reply_task, email_id), robust=True)


def inbound_reply_send(*, email_id: int) -> bool:
    """Send our answer to this e-mail once, in the sender's thread. False when there is
    nothing (left) to send."""
    with transaction.atomic(durable=True):
        email = InboundEmail.objects.select_for_update().get(pk=email_id)
        if email.reply_sent_at is not None or not email.reply_text or not email.sender_email:
            return False
        subject = reply_subject(email.subject) or str(
            _("Your e-mail to %(organisation)s")
            % {"organisation": settings.LETTERBRIDGE_ORGANISATION_NAME}
        )
        EmailMessage(
            subject=subject,
            body=email.reply_text,
            to=[email.sender_email],
            headers=reply_headers(email.message_id),
        ).send()
        email.reply_sent_at = timezone.now()
        email.save(update_fields=["reply_sent_at"])
    logger.info("inbound e-mail %s answered", email_id)
    return True


# --- forgetting ------------------------------------------------------------------------------

ERASED_FIELDS = {
    "raw": b"",
    "message_id": "",
    "sender_name": "",
    "sender_email": "",
    "sender_email_hash": "",
    "subject": "",
    "text": "",
    "note": "",
    "reply_text": "",
}


def _erase(emails, *, now: datetime) -> int:
    """Forget what these e-mails said and who sent them. The hashes that de-duplicate stay,
    so a message polled again after erasure is still known and never made a letter again."""
    ids = list(emails.filter(erased_at__isnull=True).values_list("pk", flat=True))
    InboundAttachment.objects.filter(email_id__in=ids).delete()
    InboundEmail.objects.filter(pk__in=ids).update(**ERASED_FIELDS, erased_at=now)
    return len(ids)


def inbound_forget_letters(*, letter_ids: list[int], reason: str) -> int:
    """Letters' data is being erased (in the caller's transaction): erase the e-mails they
    came in. At the supporter's request, every other e-mail from the same address goes too."""
    emails = InboundEmail.objects.filter(letter_id__in=letter_ids)
    if reason == "supporter_erased":
        hashes = set(
            Letter.objects.filter(pk__in=letter_ids)
            .exclude(supporter_email_hash="")
            .values_list("supporter_email_hash", flat=True)
        )
        emails = emails | InboundEmail.objects.filter(sender_email_hash__in=hashes)
    return _erase(emails, now=timezone.now())


def inbound_purge(*, now: datetime | None = None) -> int:
    """The retention purge for e-mails that never became letters (those that did are erased
    with their letter): older than LETTERBRIDGE_RETENTION_DAYS, whatever became of them."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LETTERBRIDGE_RETENTION_DAYS)
    with transaction.atomic(durable=True):
        erased = _erase(
            InboundEmail.objects.filter(letter__isnull=True, received_at__lt=cutoff), now=now
        )
    logger.info("inbound retention purge emails=%s", erased)
    return erased
