"""Coordinators' postage desk in the admin: payments list and filters, waive / manual payment,
refund actions, and the ledger (collected vs spent by currency, per month and per batch)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter, PostingBatch
from payments import selectors
from payments.models import Payment
from tests.factories import LetterFactory
from tests.payments import stripe_fake
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db

P = Payment.Status


@pytest.fixture
def desk(client, coordinator):
    client.force_login(coordinator)
    return client


def test_the_payments_list_filters_failed_refunds(desk):
    # given one refund that failed and one ordinary paid payment
    broken = StripePaymentFactory(
        status=P.PAID,
        refund_requested_at=timezone.now(),
        refund_error="Stripe refused the refund: This charge is disputed.",
    )
    StripePaymentFactory(status=P.PAID)

    # when the coordinator filters on failed refunds
    response = desk.get(reverse("admin:payments_payment_changelist"), {"refund": "failed"})

    # then only the failed one is listed, with Stripe's reason
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert broken.letter.reference in response.content.decode()
    assert "This charge is disputed." in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"status": "paid"}, {"provider": "stripe"}, {"currency": "GBP"}, {"q": "LB-"}]
)
def test_the_payments_list_answers_every_filter(desk, params):
    StripePaymentFactory()
    assert desk.get(reverse("admin:payments_payment_changelist"), params).status_code == 200


def test_waive_a_fee_from_the_desk(desk):
    letter = LetterFactory()

    response = desk.post(
        reverse("admin:payments_payment_settle"),
        {"reference": letter.reference.lower(), "how": "waive", "note": "hardship"},
    )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.WAIVED
    assert Payment.objects.get(letter=letter).status == P.WAIVED


def test_record_a_bank_transfer_in_another_currency(desk):
    letter = LetterFactory()

    desk.post(
        reverse("admin:payments_payment_settle"),
        {"reference": letter.reference, "how": "manual", "amount": "3.00", "currency": "USD"},
    )

    payment = Payment.objects.get(letter=letter)
    assert (payment.provider, payment.status, payment.amount, payment.currency) == (
        "manual",
        "paid",
        300,
        "USD",
    )


def test_a_manual_payment_defaults_to_the_standard_fee(desk):
    letter = LetterFactory(postage_currency="EUR")
    desk.post(
        reverse("admin:payments_payment_settle"), {"reference": letter.reference, "how": "manual"}
    )
    assert Payment.objects.get(letter=letter).amount == 252


def test_the_desk_refuses_clearly_and_keeps_what_was_typed(desk, coordinator):
    letter = LetterFactory(postage=Letter.Postage.WAIVED)
    Payment.objects.create(
        letter=letter, provider="waived", status="waived", amount=0, currency="GBP"
    )

    response = desk.post(
        reverse("admin:payments_payment_settle"),
        {"reference": letter.reference, "how": "manual", "note": "paid at the stall"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "already settled" in body
    assert "paid at the stall" in body
    unknown = desk.post(
        reverse("admin:payments_payment_settle"), {"reference": "LB-NOPE", "how": "waive"}
    )
    assert "No letter has this reference." in unknown.content.decode()


def test_volunteers_cannot_use_the_desk(client, volunteer):
    client.force_login(volunteer)
    assert client.get(reverse("admin:payments_payment_settle")).status_code == 403


def test_retry_refund_action_queues_the_refund(desk, stripe_on, django_capture_on_commit_callbacks):
    payment = StripePaymentFactory(
        letter=LetterFactory(status=Letter.Status.CANCELLED, postage=Letter.Postage.PAID),
        status=P.PAID,
        paid_at=timezone.now(),
        stripe_payment_intent_id="pi_test_retry",
        refund_requested_at=timezone.now(),
        refund_error="Stripe could not be reached.",
    )
    stripe_on.on("POST", "/v1/refunds", stripe_fake.refund(id="re_test_retry"))

    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("admin:payments_payment_changelist"),
            {"action": "retry_refund", "_selected_action": [payment.pk]},
        )

    payment.refresh_from_db()
    assert payment.status == P.REFUNDED and payment.refund_error == ""
    assert len(stripe_on.calls("POST", "/v1/refunds")) == 1


def test_ledger_per_month_and_per_batch(desk, coordinator):
    # given, this month: two card payments in GBP (one later refunded), one in EUR, a waiver,
    # and a batch that spent 5.00 GBP posting two of the letters
    batch = PostingBatch.objects.create(
        created_by=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=500,
        postage_currency="GBP",
    )
    now = timezone.now()
    gbp1 = StripePaymentFactory(status=P.PAID, paid_at=now)
    gbp2 = StripePaymentFactory(status=P.REFUNDED, paid_at=now, refunded_at=now)
    StripePaymentFactory(
        letter=LetterFactory(postage_currency="EUR"), status=P.PAID, paid_at=now, amount=252
    )
    Payment.objects.create(
        letter=LetterFactory(), provider="waived", status="waived", amount=0, currency="GBP"
    )
    Letter.objects.filter(pk__in=[gbp1.letter_id, gbp2.letter_id]).update(posting_batch=batch)

    # when the ledger is read
    (month,) = selectors.ledger_by_month()
    (batch_period,) = selectors.ledger_by_batch()

    # then collected vs spent is shown per currency
    lines = {line.currency: line for line in month.lines}
    assert month.key == timezone.localdate().replace(day=1)
    assert (lines["GBP"].collected, lines["GBP"].refunded, lines["GBP"].spent) == (440, 220, 500)
    assert lines["GBP"].balance == 440 - 220 - 500
    assert lines["GBP"].waived == 1
    assert (lines["EUR"].collected, lines["EUR"].spent) == (252, 0)
    assert batch_period.letters == 2
    (batch_line,) = batch_period.lines
    assert (batch_line.currency, batch_line.net, batch_line.spent) == ("GBP", 220, 500)
    # and the page shows it
    response = desk.get(reverse("admin:payments_payment_ledger"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "4.40" in body and "5.00" in body and "-2.80" in body


def test_ledger_puts_older_months_apart(coordinator):
    old = timezone.now() - timedelta(days=62)
    StripePaymentFactory(status=P.PAID, paid_at=old)
    StripePaymentFactory(status=P.PAID, paid_at=timezone.now())
    assert len(selectors.ledger_by_month()) == 2


def test_the_coordinators_dashboard_gets_postage_collected_from_payments(coordinator):
    from letters import coordination

    StripePaymentFactory(status=P.PAID, paid_at=timezone.now())
    StripePaymentFactory(status=P.REFUNDED, paid_at=timezone.now(), refunded_at=timezone.now())
    PostingBatch.objects.create(
        created_by=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=150,
        postage_currency="GBP",
    )

    (gbp,) = coordination.postage_balance()

    assert gbp == {"currency": "GBP", "spent": 1.5, "collected": 2.2, "balance": 2.2 - 1.5}
