"""The notes payments appended to a text field become events in their history, then the field
goes. Each stamped line ("2026-11-30 14:05 The letter was closed; refunding.", written in UTC)
becomes an event at that time; the unstamped note written when a payment was recorded becomes
an event at the payment's creation; lines without a stamp belong to the entry above them. The
statuses those notes were written in were never kept, so the events carry none: their action is
"earlier_note". Going back writes the events of each payment into the field again (the events
stay: they are append-only), and coming up again leaves those payments as they are."""

import re
from datetime import UTC, datetime

from django.db import migrations

EARLIER_NOTE = "earlier_note"
STAMPED = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) (.*)$")


def _entries(note, created_at):
    """(time, text) for each entry of a payment's note, in the order written."""
    entries = []
    for line in note.splitlines():
        stamped = STAMPED.match(line)
        if stamped:
            at = datetime.strptime(stamped[1], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            entries.append((at, stamped[2]))
        elif entries:
            entries[-1] = (entries[-1][0], f"{entries[-1][1]}\n{line}")
        else:
            entries.append((created_at, line))
    return [(at, text.strip()) for at, text in entries if text.strip()]


def notes_to_events(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    PaymentEvent = apps.get_model("payments", "PaymentEvent")
    # A payment with events already came back down through events_to_notes: its note is them.
    carried = (
        Payment.objects.exclude(note="")
        .filter(events__isnull=True)
        .values_list("pk", "note", "created_at")
    )
    for payment_id, note, created_at in carried.iterator():
        PaymentEvent.objects.bulk_create(
            PaymentEvent(
                payment_id=payment_id,
                action=EARLIER_NOTE,
                source="system",
                note=text,
                created_at=at,
            )
            for at, text in _entries(note, created_at)
        )


def events_to_notes(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    PaymentEvent = apps.get_model("payments", "PaymentEvent")
    for payment in Payment.objects.filter(events__isnull=False).distinct().iterator():
        lines = [
            f"{event.created_at.astimezone(UTC):%Y-%m-%d %H:%M} {event.note or event.action}"
            for event in PaymentEvent.objects.filter(payment=payment).order_by("created_at", "pk")
        ]
        Payment.objects.filter(pk=payment.pk).update(note="\n".join(lines))


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_paymentevent")]
    operations = [
        migrations.RunPython(notes_to_events, events_to_notes),
        migrations.RemoveField(model_name="payment", name="note"),
    ]
