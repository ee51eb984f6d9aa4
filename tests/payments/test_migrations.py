"""The notes payments kept in a text field become events of their history (0004), and going
back writes them into the field again."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payments.models import EARLIER_NOTE, PaymentEvent
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("payments", "0003_paymentevent")]
AFTER = [("payments", "0004_payment_notes_to_events")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_migration():
    """Leave the database at payments' newest migration, not at 0004: a later migration left
    unapplied would make every test after this one run on an out-of-date schema (the backup
    test's `migrate --check` saw it)."""
    yield
    graph = MigrationExecutor(connection).loader.graph
    _migrate([node for node in graph.leaf_nodes() if node[0] == "payments"])


def test_old_notes_become_dated_events_and_come_back_on_the_way_down():
    # given, before the history existed, a manual payment with its note: the line written
    # when it was recorded (unstamped, two lines long), then a stamped line
    old_apps = _migrate(BEFORE)
    try:
        letter = LetterFactory()
        OldPayment = old_apps.get_model("payments", "Payment")
        payment = OldPayment.objects.create(
            letter_id=letter.pk,
            provider="manual",
            status="refunded",
            currency="GBP",
            amount=220,
            note="Recorded by alice: cash. at the stall\nsecond line\n"
            "2026-11-30 14:05 Refunded by hand (alice).",
        )
        recorded_at = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
        OldPayment.objects.filter(pk=payment.pk).update(created_at=recorded_at)
        quiet = OldPayment.objects.create(
            letter_id=LetterFactory().pk, provider="stripe", currency="GBP", amount=220
        )
    finally:
        # when the migration runs
        _migrate(AFTER)

    # then each entry is an event at the time it was written, with no statuses
    events = list(PaymentEvent.objects.filter(payment_id=payment.pk))
    assert [(e.action, e.source, e.from_status, e.to_status) for e in events] == [
        (EARLIER_NOTE, "system", "", "")
    ] * 2
    assert events[0].note == "Recorded by alice: cash. at the stall\nsecond line"
    assert events[0].created_at == recorded_at
    assert events[1].note == "Refunded by hand (alice)."
    assert events[1].created_at == datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    assert not PaymentEvent.objects.filter(payment_id=quiet.pk).exists()

    # and going back writes them into the field again, stamped
    old_apps = _migrate(BEFORE)
    try:
        note = old_apps.get_model("payments", "Payment").objects.get(pk=payment.pk).note
        assert note == (
            "2026-11-29 10:00 Recorded by alice: cash. at the stall\nsecond line\n"
            "2026-11-30 14:05 Refunded by hand (alice)."
        )
    finally:
        _migrate(AFTER)
    # and coming up again copies nothing twice
    assert PaymentEvent.objects.filter(payment_id=payment.pk).count() == 2
