"""Reads of the Inbox: what waits for a coordinator, and what a supporter may export."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import InboundEmail


def inbound_waiting() -> QuerySet[InboundEmail]:
    """E-mails not yet letters, answered or archived: the coordinators' Inbox, oldest first."""
    return (
        InboundEmail.objects.filter(
            status__in=[InboundEmail.Status.RECEIVED, InboundEmail.Status.FAILED]
        )
        .select_related("guessed_prisoner")
        .order_by("received_at", "pk")
    )


def inbound_waiting_count() -> int:
    return inbound_waiting().count()


def inbound_export(*, letter_ids: list[int]) -> list[dict]:
    """The e-mails these letters came in, for the supporter's export: as we received them
    (the raw message, decoded as text), what we read out of them, and the files."""
    emails = (
        InboundEmail.objects.filter(letter_id__in=letter_ids, erased_at__isnull=True)
        .select_related("letter")
        .prefetch_related("attachments")
        .order_by("received_at", "pk")
    )
    return [
        {
            "letter": email.letter.reference,
            "received_at": email.received_at.isoformat(),
            "from": email.sender_email,
            "subject": email.subject,
            "text_we_read": email.text,
            "covering_note": email.note,
            "message_as_received": email.raw.decode("utf-8", errors="replace"),
            "attachments": [
                {"name": a.filename, "type": a.content_type, "bytes": a.size}
                for a in email.attachments.all()
            ],
        }
        for email in emails
    ]
