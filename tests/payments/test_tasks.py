"""Payments' Celery tasks: scheduled, idempotent, and they find work that was lost."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from payments import tasks
from payments.models import Payment
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db


def test_reconciliation_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-payments"]
    assert entry["task"] == tasks.reconcile_payments.name == "payments.tasks.reconcile_payments"


def test_a_lost_receipt_is_sent_by_the_next_sweep_and_only_once(stripe_off, outbox):
    # given a payment marked paid two hours ago whose receipt task never ran
    payment = StripePaymentFactory(
        status=Payment.Status.PAID, paid_at=timezone.now() - timedelta(hours=2)
    )

    # when the sweep runs twice
    tasks.reconcile_payments.delay().get()
    tasks.reconcile_payments.delay().get()

    # then the supporter got one receipt
    assert len(outbox) == 1
    assert outbox[0].to == [payment.letter.supporter_email]
    payment.refresh_from_db()
    assert payment.receipt_sent_at is not None


def test_a_receipt_task_run_twice_sends_once(outbox):
    payment = StripePaymentFactory(status=Payment.Status.PAID, paid_at=timezone.now())

    assert tasks.send_payment_receipt.delay(payment.pk).get() is True
    assert tasks.send_payment_receipt.delay(payment.pk).get() is False

    assert len(outbox) == 1
    assert "£2.20" in outbox[0].body
    # greeted by name, as every other e-mail about their letter is
    name = payment.letter.supporter_name
    assert outbox[0].body.startswith(f"Dear {name},")
    assert f"Dear {name},</p>" in outbox[0].alternatives[0][0]


def test_the_russian_receipt_names_the_prisoner_as_the_letter_goes_to_them(outbox):
    # given a supporter who reads Russian, writing to a prisoner with a name in the dative
    payment = StripePaymentFactory(
        status=Payment.Status.PAID,
        paid_at=timezone.now(),
        letter__locale="ru",
        letter__prisoner__name_en="Bakhrom Khamroev",
        letter__prisoner__name_ru_dative="Хамроеву Бахрому Мардоновичу",
    )

    # when the receipt is sent
    tasks.send_payment_receipt.delay(payment.pk).get()

    # then it says «письма Хамроеву Бахрому Мардоновичу», not the English spelling
    (message,) = outbox
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert "вашего письма Хамроеву Бахрому Мардоновичу" in text
        assert "Bakhrom Khamroev" not in text
        # and the amount is written as Russian writes it, as on the letter's page
        assert "2,20\xa0£" in text and "2.20 GBP" not in text


def test_no_receipt_for_a_payment_that_is_not_paid(outbox):
    payment = StripePaymentFactory()
    assert tasks.send_payment_receipt.delay(payment.pk).get() is False
    assert outbox == []


def test_a_stale_payment_whose_session_was_never_created_expires(stripe_on):
    payment = StripePaymentFactory(stripe_checkout_session_id=None, checkout_url="")
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(days=2))

    assert tasks.reconcile_payments.delay().get() == 1

    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert stripe_on.sent == []


def test_the_receipt_of_a_letter_held_for_the_komu_line_says_what_it_waits_for(outbox):
    # given a paid letter on hold because the prisoner's year of birth is missing
    payment = StripePaymentFactory(
        status=Payment.Status.PAID,
        paid_at=timezone.now(),
        letter__status="on_hold",
        letter__prisoner__birth_year=None,
    )

    # when the receipt is sent
    tasks.send_payment_receipt.delay(payment.pk).get()

    # then it says the letter waits for the prisoner's details, not a new address
    (message,) = outbox
    assert "full name and year of birth" in message.body
    assert "new address" not in message.body
