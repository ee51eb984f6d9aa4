"""Reads of the Inbox: what waits for a coordinator, and what a supporter may export."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from letters.models import Letter

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


def inbound_waiting_summary() -> dict[str, int]:
    """For the coordinators' dashboard: how many e-mails wait in the Inbox, and how many of
    them a person must read (they could not be sorted as letters by themselves)."""
    return (
        inbound_waiting()
        .order_by()
        .aggregate(
            total=Count("pk"), failed=Count("pk", filter=Q(status=InboundEmail.Status.FAILED))
        )
    )


def inbound_export(*, letter_ids: list[int]) -> list[dict]:
    """The e-mails of the supporter of these letters (those the letters came in, and any other
    from the same address), for their export: as we received them (the raw message, decoded
    as text), what we read out of them, our answer, and the files that came with them."""
    hashes = (
        Letter.objects.filter(pk__in=letter_ids)
        .exclude(supporter_email_hash="")
        .values_list("supporter_email_hash", flat=True)
    )
    emails = (
        InboundEmail.objects.filter(Q(letter_id__in=letter_ids) | Q(sender_email_hash__in=hashes))
        .filter(erased_at__isnull=True)
        .select_related("letter")
        .prefetch_related("attachments")
        .order_by("received_at", "pk")
    )
    return [
        {
            "letter": email.letter.reference if email.letter else None,
            "received_at": email.received_at.isoformat(),
            "from": email.sender_email,
            "subject": email.subject,
            "text_we_read": email.text,
            "covering_note": email.note,
            "our_answer": email.reply_text,
            "message_as_received": bytes(email.raw).decode("utf-8", errors="replace"),
            "attachments": [
                {"name": a.filename, "type": a.content_type, "bytes": a.size}
                for a in email.attachments.all()
            ],
        }
        for email in emails
    ]
