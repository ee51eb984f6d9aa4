"""Payments services: checkout, coordinators' waive and manual payments, the posting guard,
refunds of closed letters, reconciliation against Stripe."""

from datetime import timedelta

import pytest
from django.utils import timezone

from letters.models import Letter, LetterEvent
from letters.services import core, dispatch, submission, translation
from payments import services, tasks
from payments.models import Payment
from tests.factories import LetterFactory
from tests.payments import stripe_fake
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db

P = Payment.Status


def _created_session(match, params):
    sid = f"cs_test_for_{params['metadata[payment_id]']}"
    return stripe_fake.checkout_session(
        id=sid,
        url=f"https://checkout.stripe.com/c/pay/{sid}",
        metadata={k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
        client_reference_id=params["client_reference_id"],
        amount_total=int(params["line_items[0][price_data][unit_amount]"]),
        currency=params["line_items[0][price_data][currency]"],
        expires_at=int(timezone.now().timestamp()) + 24 * 3600,
    )


# --- checkout --------------------------------------------------------------------------------


def test_checkout_creates_a_payment_and_a_session_for_the_letters_currency(stripe_on):
    # given a letter whose supporter pays the postage in euros
    letter = LetterFactory(postage_currency="EUR")
    stripe_on.on("POST", "/v1/checkout/sessions", _created_session)

    # when the supporter starts checkout
    start = services.payment_checkout_start(letter_id=letter.pk)

    # then a pending payment of 2.52 EUR is recorded and Stripe was asked for exactly that
    payment = Payment.objects.get(letter=letter)
    assert (payment.status, payment.amount, payment.currency) == (P.PENDING, 252, "EUR")
    (sent,) = stripe_on.calls("POST", "/v1/checkout/sessions")
    assert sent.params["line_items[0][price_data][unit_amount]"] == "252"
    assert sent.params["line_items[0][price_data][currency]"] == "eur"
    assert sent.params["metadata[letter_reference]"] == letter.reference
    assert sent.params["metadata[payment_id]"] == str(payment.pk)
    assert sent.headers["Idempotency-Key"] == f"letterbridge-payment-{payment.pk}-checkout"
    assert "/letters/track/" in sent.params["success_url"]
    assert "/letters/track/" in sent.params["cancel_url"]
    assert start.outcome == "redirect"
    assert (
        start.url
        == payment.checkout_url
        == f"https://checkout.stripe.com/c/pay/cs_test_for_{payment.pk}"
    )
    assert payment.stripe_checkout_session_id == f"cs_test_for_{payment.pk}"


def test_a_second_click_reuses_the_open_session(stripe_on):
    letter = LetterFactory()
    stripe_on.on("POST", "/v1/checkout/sessions", _created_session)
    first = services.payment_checkout_start(letter_id=letter.pk)

    second = services.payment_checkout_start(letter_id=letter.pk)

    assert second.url == first.url
    assert len(stripe_on.calls("POST", "/v1/checkout/sessions")) == 1
    assert Payment.objects.filter(letter=letter).count() == 1


def test_after_a_failed_payment_trying_again_is_a_new_payment_and_key(stripe_on):
    letter = LetterFactory()
    failed = StripePaymentFactory(letter=letter, status=P.FAILED)
    stripe_on.on("POST", "/v1/checkout/sessions", _created_session)

    start = services.payment_checkout_start(letter_id=letter.pk)

    new = Payment.objects.exclude(pk=failed.pk).get(letter=letter)
    assert start.outcome == "redirect" and new.status == P.PENDING
    (sent,) = stripe_on.calls("POST", "/v1/checkout/sessions")
    assert sent.headers["Idempotency-Key"] == f"letterbridge-payment-{new.pk}-checkout"


def test_stripe_down_at_checkout_charges_nothing_and_the_retry_reuses_the_key(stripe_on):
    letter = LetterFactory()
    stripe_on.on("POST", "/v1/checkout/sessions", (503, {"error": {"type": "api_error"}}))

    start = services.payment_checkout_start(letter_id=letter.pk)

    assert start.outcome == "unavailable" and "try again" in start.message
    payment = Payment.objects.get(letter=letter)
    assert payment.status == P.PENDING and payment.stripe_checkout_session_id is None
    # when Stripe is back and the supporter clicks again: same payment, same idempotency key
    stripe_on.on("POST", "/v1/checkout/sessions", _created_session)
    assert services.payment_checkout_start(letter_id=letter.pk).outcome == "redirect"
    keys = {s.headers["Idempotency-Key"] for s in stripe_on.calls("POST", "/v1/checkout/sessions")}
    assert keys == {f"letterbridge-payment-{payment.pk}-checkout"}
    assert Payment.objects.filter(letter=letter).count() == 1


def test_without_stripe_keys_checkout_points_to_the_instructions(stripe_off):
    letter = LetterFactory()

    start = services.payment_checkout_start(letter_id=letter.pk)

    assert start.outcome == "unconfigured"
    assert "this page says how to pay instead" in start.message
    assert not Payment.objects.exists()
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.DUE


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delivery": Letter.Delivery.RETURN_TO_ME},
        {"status": Letter.Status.CANCELLED},
        {"postage": Letter.Postage.WAIVED},
    ],
)
def test_nothing_to_pay_means_no_checkout(stripe_on, kwargs):
    letter = LetterFactory(**kwargs)
    start = services.payment_checkout_start(letter_id=letter.pk)
    assert start.outcome in ("not_payable", "settled")
    assert stripe_on.sent == []


# --- coordinators and the posting guard ------------------------------------------------------


def _approved_letter(**kwargs):
    return LetterFactory(status=Letter.Status.APPROVED, **kwargs)


def test_a_letter_cannot_be_posted_while_postage_is_due(coordinator):
    letter = _approved_letter()
    with pytest.raises(core.PostageNotSettled):
        dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED


def test_a_pending_stripe_payment_does_not_let_it_be_posted(coordinator):
    letter = _approved_letter()
    StripePaymentFactory(letter=letter)
    with pytest.raises(core.PostageNotSettled):
        dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)


def test_a_manual_payment_lets_it_be_posted(
    coordinator, django_capture_on_commit_callbacks, outbox
):
    letter = _approved_letter()

    with django_capture_on_commit_callbacks(execute=True):
        payment = services.payment_record_manual(
            letter_id=letter.pk,
            coordinator=coordinator,
            method="cash",
            amount=220,
            currency="GBP",
            note="at the stall",
        )

    assert payment.provider == Payment.Provider.MANUAL and payment.status == P.PAID
    (event,) = payment.events.all()
    assert (event.action, event.to_status, event.actor, event.note) == (
        "record",
        P.PAID,
        coordinator,
        "cash: at the stall",
    )
    assert letter.events.filter(note="Postage paid (cash).").exists()
    assert len(outbox) == 1  # the supporter is thanked
    dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.POSTED and letter.postage == Letter.Postage.PAID


def test_a_waived_fee_lets_it_be_posted(coordinator):
    letter = _approved_letter()

    payment = services.payment_waive(letter_id=letter.pk, coordinator=coordinator, note="hardship")

    assert (payment.provider, payment.status, payment.amount) == ("waived", "waived", 0)
    dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.WAIVED and letter.status == Letter.Status.POSTED


def test_postage_is_settled_once(coordinator):
    letter = _approved_letter()
    services.payment_waive(letter_id=letter.pk, coordinator=coordinator)
    with pytest.raises(services.PaymentError):
        services.payment_record_manual(
            letter_id=letter.pk, coordinator=coordinator, method="cash", amount=220, currency="GBP"
        )
    assert Payment.objects.filter(letter=letter).count() == 1


def test_a_manual_payment_says_how_it_came(coordinator):
    letter = _approved_letter()
    with pytest.raises(services.PaymentError, match="bank transfer or cash"):
        services.payment_record_manual(
            letter_id=letter.pk, coordinator=coordinator, method="card", amount=220, currency="GBP"
        )
    assert not Payment.objects.exists()


def test_only_coordinators_waive_or_record(volunteer):
    letter = _approved_letter()
    with pytest.raises(services.PaymentError):
        services.payment_waive(letter_id=letter.pk, coordinator=volunteer)
    with pytest.raises(services.PaymentError):
        services.payment_record_manual(
            letter_id=letter.pk, coordinator=volunteer, method="cash", amount=220, currency="GBP"
        )
    assert not Payment.objects.exists()


def test_a_refunded_letter_cannot_be_posted(
    coordinator, stripe_on, django_capture_on_commit_callbacks
):
    letter = _approved_letter()
    payment = StripePaymentFactory(letter=letter, stripe_payment_intent_id="pi_test_r")
    session = stripe_fake.session_for(payment, status="complete", payment_status="paid")
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply_session(
            session=stripe_api_session(session), source=services.RECONCILE
        )
    charge = stripe_fake.charge(
        payment_intent="pi_test_r", refunded=True, amount=220, amount_refunded=220
    )
    services.payment_charge_refunded(
        charge=services.stripe_api.charge_from(charge),
        source=services.EventSource.stripe("evt_test_refunded"),
    )

    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.REFUNDED
    with pytest.raises(core.PostageNotSettled):
        dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)


def stripe_api_session(data):
    return services.stripe_api.session_from(data)


# --- refunds ---------------------------------------------------------------------------------


def _paid_stripe_letter(status=Letter.Status.TRANSLATED):
    letter = LetterFactory(status=status, postage=Letter.Postage.PAID)
    payment = StripePaymentFactory(
        letter=letter,
        status=P.PAID,
        paid_at=timezone.now(),
        stripe_payment_intent_id=f"pi_test_paid_{letter.pk}",
    )
    return letter, payment


def _refund_ok(stripe_on):
    stripe_on.on(
        "POST",
        "/v1/refunds",
        lambda m, p: stripe_fake.refund(
            id=f"re_test_{p['metadata[payment_id]']}", amount=int(p["amount"])
        ),
    )


def test_cancelling_a_paid_letter_refunds_it_once(stripe_on, django_capture_on_commit_callbacks):
    # given a letter whose postage was paid by card
    letter, payment = _paid_stripe_letter()
    _refund_ok(stripe_on)

    # when the supporter cancels it
    with django_capture_on_commit_callbacks(execute=True):
        submission.letter_cancel(letter_id=letter.pk)

    # then Stripe was asked once for the whole amount, under the payment's refund key
    (sent,) = stripe_on.calls("POST", "/v1/refunds")
    assert sent.params["payment_intent"] == payment.stripe_payment_intent_id
    assert sent.params["amount"] == "220"
    assert sent.headers["Idempotency-Key"] == f"letterbridge-payment-{payment.pk}-refund"
    payment.refresh_from_db()
    assert payment.status == P.REFUNDED and payment.stripe_refund_id == f"re_test_{payment.pk}"
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.REFUNDED

    # and running the refund again (a redelivered task) makes no second call
    assert tasks.refund_payment.delay(payment.pk).get() is False
    with django_capture_on_commit_callbacks(execute=True):
        assert services.payment_refund_request(letter_id=letter.pk) == []
    assert len(stripe_on.calls("POST", "/v1/refunds")) == 1


def test_rejecting_a_paid_letter_refunds_it(
    stripe_on, coordinator, django_capture_on_commit_callbacks
):
    letter, payment = _paid_stripe_letter(status=Letter.Status.APPROVED)
    _refund_ok(stripe_on)

    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_reject(letter_id=letter.pk, coordinator=coordinator, reason="Unsafe.")

    payment.refresh_from_db()
    assert payment.status == P.REFUNDED
    assert len(stripe_on.calls("POST", "/v1/refunds")) == 1


def test_refund_task_twice_makes_one_refund_call(stripe_on):
    letter, payment = _paid_stripe_letter(status=Letter.Status.CANCELLED)
    Payment.objects.filter(pk=payment.pk).update(refund_requested_at=timezone.now())
    _refund_ok(stripe_on)

    first = tasks.refund_payment.delay(payment.pk).get()
    second = tasks.refund_payment.delay(payment.pk).get()

    assert (first, second) == (True, False)
    assert len(stripe_on.calls("POST", "/v1/refunds")) == 1


def test_a_refused_refund_is_kept_for_coordinators(stripe_on, django_capture_on_commit_callbacks):
    letter, payment = _paid_stripe_letter()
    stripe_on.on(
        "POST",
        "/v1/refunds",
        (
            400,
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_disputed",
                    "message": "This charge is disputed.",
                }
            },
        ),
    )

    with django_capture_on_commit_callbacks(execute=True):
        submission.letter_cancel(letter_id=letter.pk)

    payment.refresh_from_db()
    assert payment.status == P.PAID
    assert payment.refund_requested_at is not None
    assert "disputed" in payment.refund_error
    assert payment.refund_attempts == 1


def test_stripe_down_during_a_refund_records_the_error_and_raises_for_a_retry(stripe_on):
    letter, payment = _paid_stripe_letter(status=Letter.Status.CANCELLED)
    Payment.objects.filter(pk=payment.pk).update(refund_requested_at=timezone.now())
    stripe_on.on("POST", "/v1/refunds", (503, {"error": {"type": "api_error"}}))

    with pytest.raises(services.stripe_api.StripeUnavailable):
        services.payment_refund(payment_id=payment.pk)

    payment.refresh_from_db()
    assert payment.status == P.PAID and payment.refund_error
    # every SDK retry of that call carried the same idempotency key
    assert {s.headers["Idempotency-Key"] for s in stripe_on.calls("POST", "/v1/refunds")} == {
        f"letterbridge-payment-{payment.pk}-refund"
    }


def test_a_manual_payment_of_a_cancelled_letter_is_flagged_for_a_refund_by_hand(
    coordinator, stripe_on, django_capture_on_commit_callbacks
):
    letter = LetterFactory()
    payment = services.payment_record_manual(
        letter_id=letter.pk, coordinator=coordinator, method="cash", amount=220, currency="GBP"
    )

    with django_capture_on_commit_callbacks(execute=True):
        submission.letter_cancel(letter_id=letter.pk)

    payment.refresh_from_db()
    assert payment.refund_requested_at is not None and "by hand" in payment.refund_error
    assert stripe_on.calls("POST", "/v1/refunds") == []
    services.payment_mark_refunded_by_hand(payment_id=payment.pk, coordinator=coordinator)
    payment.refresh_from_db()
    letter.refresh_from_db()
    assert payment.status == P.REFUNDED and letter.postage == Letter.Postage.REFUNDED


def test_a_payment_arriving_after_a_waiver_is_refunded(
    stripe_on, coordinator, django_capture_on_commit_callbacks
):
    letter = LetterFactory()
    payment = StripePaymentFactory(letter=letter)
    services.payment_waive(letter_id=letter.pk, coordinator=coordinator)
    _refund_ok(stripe_on)
    session = stripe_fake.session_for(payment, status="complete", payment_status="paid")

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply_session(
            session=services.stripe_api.session_from(session), source=services.RECONCILE
        )

    payment.refresh_from_db()
    assert payment.status == P.REFUNDED
    assert len(stripe_on.calls("POST", "/v1/refunds")) == 1
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.WAIVED


def test_a_payment_arriving_after_the_letter_was_cancelled_is_refunded(
    stripe_on, django_capture_on_commit_callbacks
):
    letter = LetterFactory()
    payment = StripePaymentFactory(letter=letter)
    with django_capture_on_commit_callbacks(execute=True):
        submission.letter_cancel(letter_id=letter.pk)
    _refund_ok(stripe_on)
    session = stripe_fake.session_for(payment, status="complete", payment_status="paid")

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply_session(
            session=services.stripe_api.session_from(session), source=services.RECONCILE
        )

    payment.refresh_from_db()
    assert payment.status == P.REFUNDED
    assert len(stripe_on.calls("POST", "/v1/refunds")) == 1


# --- reconciliation --------------------------------------------------------------------------


def _age(payments, minutes):
    Payment.objects.filter(pk__in=[p.pk for p in payments]).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_reconciliation_settles_thirty_paid_sessions_whose_webhooks_were_lost(
    stripe_on, django_capture_on_commit_callbacks, outbox
):
    # given thirty payments pending for two hours whose sessions Stripe shows as paid
    payments = [StripePaymentFactory() for _ in range(30)]
    _age(payments, 120)
    sessions = {
        p.stripe_checkout_session_id: stripe_fake.session_for(
            p, status="complete", payment_status="paid"
        )
        for p in payments
    }
    stripe_on.on("GET", r"/v1/checkout/sessions/(?P<sid>\w+)", lambda m, p: sessions[m["sid"]])

    # when reconciliation runs
    with django_capture_on_commit_callbacks(execute=True):
        changed = tasks.reconcile_payments.delay().get()

    # then all thirty are paid, each letter's postage paid, each supporter thanked once
    assert changed == 30
    assert Payment.objects.filter(status=P.PAID).count() == 30
    assert Letter.objects.filter(postage=Letter.Postage.PAID).count() == 30
    assert len(stripe_on.calls("GET", "/v1/checkout/sessions/")) == 30
    assert len(outbox) == 30
    events_before = LetterEvent.objects.count()

    # and a second run changes nothing and asks Stripe nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reconcile_payments.delay().get() == 0
    assert len(stripe_on.calls("GET", "/v1/checkout/sessions/")) == 30
    assert LetterEvent.objects.count() == events_before
    assert len(outbox) == 30


def test_reconciliation_leaves_young_and_open_sessions_and_expires_expired_ones(stripe_on):
    young = StripePaymentFactory()
    still_open = StripePaymentFactory()
    expired = StripePaymentFactory()
    _age([still_open, expired], 120)
    sessions = {
        still_open.stripe_checkout_session_id: stripe_fake.session_for(still_open, status="open"),
        expired.stripe_checkout_session_id: stripe_fake.session_for(
            expired, status="expired", payment_status="unpaid"
        ),
    }
    stripe_on.on("GET", r"/v1/checkout/sessions/(?P<sid>\w+)", lambda m, p: sessions[m["sid"]])

    assert services.payments_reconcile() == 1

    for payment in (young, still_open, expired):
        payment.refresh_from_db()
    assert (young.status, still_open.status, expired.status) == (P.PENDING, P.PENDING, P.EXPIRED)
    assert young.stripe_checkout_session_id not in {
        s.path.rsplit("/", 1)[-1] for s in stripe_on.sent
    }


def test_reconciliation_without_stripe_keys_does_nothing(stripe_off):
    payment = StripePaymentFactory()
    _age([payment], 120)
    assert services.payments_reconcile() == 0
    payment.refresh_from_db()
    assert payment.status == P.PENDING


def test_a_webhook_that_beats_the_checkout_response_still_finds_its_payment(
    stripe_on, client, django_capture_on_commit_callbacks
):
    # given Stripe delivering checkout.session.completed (paid) before its answer to the
    # session creation reaches us
    letter = LetterFactory()
    statuses = []

    def created_and_paid_at_once(match, params):
        session = _created_session(match, params)
        paid = dict(session, status="complete", payment_status="paid", payment_intent="pi_fast")
        evt = stripe_fake.event("checkout.session.completed", paid)
        statuses.append(stripe_fake.deliver(client, evt).status_code)
        return session

    stripe_on.on("POST", "/v1/checkout/sessions", created_and_paid_at_once)

    # when the supporter starts checkout
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_checkout_start(letter_id=letter.pk)

    # then the webhook found the payment by its metadata, and nothing was overwritten after
    assert statuses == [200]
    payment = Payment.objects.get(letter=letter)
    assert payment.status == P.PAID
    assert payment.stripe_checkout_session_id == f"cs_test_for_{payment.pk}"
    assert payment.stripe_payment_intent_id == "pi_fast"
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.PAID
