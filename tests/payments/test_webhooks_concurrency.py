"""Stripe delivers the same event again while the first delivery is still running: five
threads, five connections, real PostgreSQL locks. One change, one letter event, one e-mail."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client

from letters.models import Letter, LetterEvent
from payments.models import Payment, StripeEvent
from tests.payments import stripe_fake
from tests.payments.factories import StripePaymentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_the_same_completed_event_from_five_threads_changes_things_once(stripe_on):
    # given a pending payment and one checkout.session.completed (paid) event
    payment = StripePaymentFactory()
    session = stripe_fake.session_for(payment, status="complete", payment_status="paid")
    evt = stripe_fake.event("checkout.session.completed", session, event_id="evt_test_race")
    mail.outbox = []
    barrier = threading.Barrier(5)
    statuses, errors = [], []

    def deliver():
        try:
            barrier.wait(timeout=30)
            statuses.append(stripe_fake.deliver(Client(), evt).status_code)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    # when Stripe delivers it five times at once
    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every delivery is acknowledged, and it was applied exactly once
    assert not errors, errors
    assert statuses == [200] * 5
    assert StripeEvent.objects.filter(stripe_id="evt_test_race").count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert Payment.objects.filter(letter_id=payment.letter_id).count() == 1
    letter = Letter.objects.get(pk=payment.letter_id)
    assert letter.postage == Letter.Postage.PAID
    assert LetterEvent.objects.filter(letter=letter, kind=LetterEvent.Kind.POSTAGE).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [letter.supporter_email]
