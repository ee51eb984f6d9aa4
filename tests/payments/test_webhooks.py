"""The Stripe webhook: signed raw bodies, each event applied once, in any order, never a 500."""

import itertools
import json
import time

import pytest
from django.core import mail

from letters.models import Letter, LetterEvent
from payments import webhooks
from payments.models import Payment, StripeEvent
from tests.payments import stripe_fake
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(stripe_on):
    return StripePaymentFactory()


def _completed(payment, *, paid: bool, event_id="evt_test_completed"):
    session = stripe_fake.session_for(
        payment, status="complete", payment_status="paid" if paid else "unpaid"
    )
    return stripe_fake.event("checkout.session.completed", session, event_id=event_id)


def _async_succeeded(payment, event_id="evt_test_async_ok"):
    session = stripe_fake.session_for(payment, status="complete", payment_status="paid")
    return stripe_fake.event("checkout.session.async_payment_succeeded", session, event_id=event_id)


def _refunded(payment, event_id="evt_test_refunded"):
    charge = stripe_fake.charge(
        id=f"ch_test_{payment.pk}",
        amount=payment.amount,
        amount_refunded=payment.amount,
        refunded=True,
        currency=payment.currency.lower(),
        payment_intent=f"pi_test_{payment.pk:06d}",
        refunds={"object": "list", "data": [stripe_fake.refund(id=f"re_test_{payment.pk}")]},
    )
    return stripe_fake.event("charge.refunded", charge, event_id=event_id)


def _postage_events(letter):
    return LetterEvent.objects.filter(letter=letter, kind=LetterEvent.Kind.POSTAGE)


def test_completed_and_paid_settles_the_payment_and_the_letter_once(
    client, payment, django_capture_on_commit_callbacks, outbox
):
    # given a pending Stripe payment
    # when Stripe says its session completed, paid
    with django_capture_on_commit_callbacks(execute=True):
        response = stripe_fake.deliver(client, _completed(payment, paid=True))

    # then the payment is paid, the letter may be posted, and the supporter thanked once
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.paid_at is not None
    assert payment.stripe_payment_intent_id == f"pi_test_{payment.pk:06d}"
    assert Letter.objects.get(pk=payment.letter_id).postage == Letter.Postage.PAID
    assert _postage_events(payment.letter).count() == 1
    assert len(outbox) == 1 and payment.letter.reference in outbox[0].subject
    assert StripeEvent.objects.filter(stripe_id="evt_test_completed").count() == 1


def test_completed_but_unpaid_is_not_paid(client, payment):
    response = stripe_fake.deliver(client, _completed(payment, paid=False))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.stripe_payment_intent_id  # linked, for the refund that may follow
    assert Letter.objects.get(pk=payment.letter_id).postage == Letter.Postage.DUE


def test_async_payment_failed_marks_it_failed(client, payment):
    session = stripe_fake.session_for(payment, status="complete", payment_status="unpaid")
    evt = stripe_fake.event("checkout.session.async_payment_failed", session)

    assert stripe_fake.deliver(client, evt).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Letter.objects.get(pk=payment.letter_id).postage == Letter.Postage.DUE


def test_expired_session_marks_it_expired(client, payment):
    session = stripe_fake.session_for(payment, status="expired", payment_status="unpaid")

    response = stripe_fake.deliver(client, stripe_fake.event("checkout.session.expired", session))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED


def test_a_session_that_is_not_ours_is_ignored_and_changes_nothing(client, stripe_on):
    # given a paid Checkout Session we never created (say, a donation on the same account)
    session = stripe_fake.checkout_session(id="cs_test_someone_else", payment_status="paid")
    evt = stripe_fake.event("checkout.session.completed", session)

    # when Stripe delivers its signed event, twice
    first = stripe_fake.deliver(client, evt)
    second = stripe_fake.deliver(client, evt)

    # then both are acknowledged as ignored, not applied, and nothing is stored or created
    assert (first.status_code, second.status_code) == (200, 200)
    assert json.loads(first.content)["detail"] == "ignored"
    assert json.loads(second.content)["detail"] == "ignored"
    assert not Payment.objects.exists()
    assert not StripeEvent.objects.exists()


def test_a_session_naming_our_payment_but_another_letter_is_ignored(client, payment):
    # given a session whose metadata claims our payment's id for a letter it is not for
    session = stripe_fake.session_for(payment, session_id="cs_test_forged", payment_status="paid")
    session["metadata"]["letter_reference"] = "LB-NOTOURS"

    # when it is delivered
    response = stripe_fake.deliver(client, stripe_fake.event("checkout.session.completed", session))

    # then it is ignored and the payment stays as it was
    assert json.loads(response.content)["detail"] == "ignored"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.stripe_checkout_session_id != "cs_test_forged"


def test_a_refund_of_a_charge_without_a_payment_intent_is_ignored(client, stripe_on):
    charge = stripe_fake.charge(id="ch_test_other", payment_intent=None, refunded=True)

    response = stripe_fake.deliver(client, stripe_fake.event("charge.refunded", charge))

    assert response.status_code == 200
    assert json.loads(response.content)["detail"] == "ignored"
    assert not StripeEvent.objects.exists()


def test_the_same_event_twice_is_applied_once(
    client, payment, django_capture_on_commit_callbacks, outbox
):
    evt = _completed(payment, paid=True)
    with django_capture_on_commit_callbacks(execute=True):
        first = stripe_fake.deliver(client, evt)
        second = stripe_fake.deliver(client, evt)

    assert (first.status_code, second.status_code) == (200, 200)
    assert json.loads(second.content)["detail"] == "already applied"
    assert StripeEvent.objects.count() == 1
    assert _postage_events(payment.letter).count() == 1
    assert len(outbox) == 1


ORDERS = list(itertools.permutations(["completed_unpaid", "async_succeeded", "refunded", "dup"]))


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_four_events_in_any_order_end_the_same_and_never_paid_while_unpaid(
    client, payment, order, django_capture_on_commit_callbacks
):
    # given the events of a bank payment that succeeded later and was then refunded, with the
    # success delivered twice
    events = {
        "completed_unpaid": _completed(payment, paid=False),
        "async_succeeded": _async_succeeded(payment),
        "refunded": _refunded(payment),
        "dup": _async_succeeded(payment),  # same event id: a redelivery
    }
    queue = list(order)
    delivered: set[str] = set()
    attempts = 0
    # when Stripe delivers them in this order, and again later any it was told to retry
    with django_capture_on_commit_callbacks(execute=True):
        while queue:
            attempts += 1
            assert attempts < 20
            name = queue.pop(0)
            response = stripe_fake.deliver(client, events[name])
            assert response.status_code in (200, 409)
            if response.status_code == 409:
                queue.append(name)  # Stripe retries
                continue
            delivered.add(name)
            payment.refresh_from_db()
            letter = Letter.objects.get(pk=payment.letter_id)
            # then it is never "paid" before Stripe said the money arrived
            money_arrived = {"async_succeeded", "dup"} & delivered
            if not money_arrived:
                assert payment.status != Payment.Status.PAID
                assert letter.postage != Letter.Postage.PAID

    # and every order ends in the same state
    payment.refresh_from_db()
    letter = Letter.objects.get(pk=payment.letter_id)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.stripe_payment_intent_id == f"pi_test_{payment.pk:06d}"
    assert payment.stripe_refund_id == f"re_test_{payment.pk}"
    assert letter.postage == Letter.Postage.REFUNDED
    assert StripeEvent.objects.count() == 3


def test_a_refund_before_the_payment_is_linked_is_asked_for_again(client, payment):
    response = stripe_fake.deliver(client, _refunded(payment))

    assert response.status_code == 409
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.parametrize("case", ["tampered", "wrong_secret", "missing_header", "too_old"])
def test_untrusted_deliveries_get_400_and_store_nothing(client, payment, case):
    evt = _completed(payment, paid=True)
    payload = json.dumps(evt).encode()
    secret, timestamp = stripe_fake.WEBHOOK_SECRET, None
    if case == "wrong_secret":
        secret = "whsec_not_ours"
    if case == "too_old":
        timestamp = int(time.time()) - 301
    header = stripe_fake.stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )
    if case == "tampered":
        tampered = payload.replace(b'"payment_status": "paid"', b'"payment_status":"paid" ')
        assert tampered != payload
        payload = tampered
    extra = {} if case == "missing_header" else {"HTTP_STRIPE_SIGNATURE": header}

    response = client.post(
        stripe_fake.webhook_url(), data=payload, content_type="application/json", **extra
    )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not _postage_events(payment.letter).exists()


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"\xff\xfe\x00", b"[]", b'{"object": "event"}', b'{"id": 1}', b""],
)
def test_bad_bodies_even_signed_get_400_never_500(client, stripe_on, body):
    header = stripe_fake.stripe.WebhookSignature.generate_signature_header(
        body.decode("latin-1"), stripe_fake.WEBHOOK_SECRET
    )
    response = client.post(
        stripe_fake.webhook_url(),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_signed_event_with_an_unreadable_object_gets_400(client, stripe_on):
    evt = stripe_fake.event("checkout.session.completed", {"object": "checkout.session"})
    response = stripe_fake.deliver(client, evt)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_types_we_ignore_get_200_and_are_not_stored(client, stripe_on):
    evt = stripe_fake.event("plan.created", {"id": "price_1", "object": "plan"})

    response = stripe_fake.deliver(client, evt)

    assert response.status_code == 200
    assert json.loads(response.content)["detail"] == "ignored"
    assert not StripeEvent.objects.exists()


def test_a_handler_that_raises_stores_no_event_and_answers_non_2xx(client, payment, monkeypatch):
    def broken(obj, event_id):
        raise RuntimeError("database went away")

    monkeypatch.setitem(webhooks.HANDLERS, "checkout.session.completed", broken)

    response = stripe_fake.deliver(client, _completed(payment, paid=True))

    assert response.status_code == 503
    assert not StripeEvent.objects.exists()
    # and when Stripe delivers it again, with the handler working, it is applied
    monkeypatch.undo()
    monkeypatch.setattr("payments.stripe_api.http_client", stripe_fake.RecordedStripe())
    assert stripe_fake.deliver(client, _completed(payment, paid=True)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_a_handler_that_fails_after_changing_things_rolls_them_back(client, payment, monkeypatch):
    from payments import services

    def settle_then_fail(obj, event_id):
        services.payment_apply_session(
            session=webhooks.stripe_api.session_from(obj),
            source=services.EventSource.stripe(event_id),
        )
        raise RuntimeError("after the change")

    monkeypatch.setitem(webhooks.HANDLERS, "checkout.session.completed", settle_then_fail)

    response = stripe_fake.deliver(client, _completed(payment, paid=True))

    assert response.status_code == 503
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not StripeEvent.objects.exists()
    assert not _postage_events(payment.letter).exists()
    assert mail.outbox == []


def test_get_is_refused_without_a_500(client):
    assert client.get(stripe_fake.webhook_url()).status_code == 405


def test_without_a_webhook_secret_every_delivery_is_refused(client, settings, stripe_on):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payment = StripePaymentFactory()
    assert stripe_fake.deliver(client, _completed(payment, paid=True)).status_code == 400
    assert not StripeEvent.objects.exists()
