"""A payment's life as a table: every action from every status is either allowed (and does
exactly what the table says, with one event saying where it came from) or refused (and changes
nothing at all). Then each source as it happens: a signed Stripe webhook, a coordinator, the
supporter, the reconciliation task and the refund task."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone, translation

from letters.models import Letter, LetterEvent
from letters.services import submission
from payments import services, tasks
from payments.lifecycle import (
    ACTION_LABELS,
    NEW,
    TRANSITIONS,
    Action,
    action_label,
    can_start,
    leads_to,
)
from payments.models import EARLIER_NOTE, Payment, PaymentEvent
from tests.factories import LetterFactory
from tests.payments import stripe_fake
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db

P = Payment.Status
ALL_STATUSES = [NEW, *P.values]
CREATING = {Action.OPEN: "stripe", Action.RECORD: "manual", Action.WAIVE: "waived"}


def _payment_in(status: str, action: Action) -> Payment:
    """A payment in ``status``; for NEW, one not recorded yet, of the kind ``action`` makes."""
    if status == NEW:
        provider = CREATING.get(action, "stripe")
        return Payment(
            letter=LetterFactory(),
            provider=provider,
            currency="GBP",
            amount=0 if provider == "waived" else 220,
        )
    if status == P.WAIVED:
        return Payment.objects.create(
            letter=LetterFactory(), provider="waived", status=P.WAIVED, currency="GBP", amount=0
        )
    return StripePaymentFactory(status=status, stripe_payment_intent_id="pi_test_table")


def _rows(payment: Payment):
    """The payment's row and its events as stored, or nothing for one never recorded."""
    if payment.pk is None:
        return None, list(PaymentEvent.objects.values_list("pk", flat=True))
    row = model_to_dict(Payment.objects.get(pk=payment.pk))
    return row, list(PaymentEvent.objects.filter(payment=payment).values_list("pk", flat=True))


CASES = [(a, s) for a in TRANSITIONS for s in ALL_STATUSES]


@pytest.mark.parametrize(
    ("action", "status"), CASES, ids=[f"{a}-from-{s or 'new'}" for a, s in CASES]
)
def test_every_action_from_every_status(action, status):
    # given a payment in `status`
    payment = _payment_in(status, action)
    before_row, before_events = _rows(payment)
    allowed_from, to = TRANSITIONS[action]

    if status in allowed_from:
        # when the action is allowed, then the payment takes the table's status and one
        # event records the change
        services._transition(payment, action, source=services.SYSTEM, note="table")
        payment.refresh_from_db()
        assert payment.status == (status if to is None else to) == leads_to(action, status)
        (event,) = PaymentEvent.objects.filter(payment=payment).exclude(pk__in=before_events)
        assert (event.from_status, event.to_status, event.action) == (
            status,
            payment.status,
            action,
        )
        assert (event.source, event.actor, event.stripe_event_id, event.note) == (
            "system",
            None,
            "",
            "table",
        )
    else:
        # when it is refused, then neither the row nor its history changes
        with pytest.raises(services.PaymentTransitionRefused) as refused:
            services._transition(payment, action, source=services.SYSTEM)
        assert refused.value.message  # a sentence a coordinator can read
        assert _rows(payment) == (before_row, before_events)


def test_every_status_can_be_reached_and_only_waived_and_refunded_are_final():
    reached = {
        leads_to(action, status) for action, (froms, _to) in TRANSITIONS.items() for status in froms
    }
    assert reached == set(P.values)
    moves_from = {
        status for action, (froms, to) in TRANSITIONS.items() if to is not None for status in froms
    }
    assert set(ALL_STATUSES) - moves_from == {P.WAIVED, P.REFUNDED}


def test_payment_events_are_append_only_in_the_database():
    payment = StripePaymentFactory()
    event = PaymentEvent.objects.create(
        payment=payment, to_status=P.PENDING, action=Action.OPEN, source="supporter"
    )
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            PaymentEvent.objects.filter(pk=event.pk).update(note="rewritten")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            PaymentEvent.objects.filter(pk=event.pk).delete()
    assert PaymentEvent.objects.get(pk=event.pk).note == ""


# --- Stripe ----------------------------------------------------------------------------------


def _completed(payment, *, event_id: str):
    session = stripe_fake.session_for(payment, status="complete", payment_status="paid")
    return stripe_fake.event("checkout.session.completed", session, event_id=event_id)


def _charge_refunded(payment, *, event_id: str, amount_refunded=None):
    refunded = payment.amount if amount_refunded is None else amount_refunded
    charge = stripe_fake.charge(
        amount=payment.amount,
        amount_refunded=refunded,
        refunded=refunded >= payment.amount,
        currency=payment.currency.lower(),
        payment_intent=payment.stripe_payment_intent_id,
        refunds={"object": "list", "data": [stripe_fake.refund(id=f"re_test_{payment.pk}")]},
    )
    return stripe_fake.event("charge.refunded", charge, event_id=event_id)


def test_a_payment_applied_by_a_signed_webhook_names_the_stripe_event(
    client, stripe_on, django_capture_on_commit_callbacks
):
    # given a pending card payment
    payment = StripePaymentFactory()

    # when Stripe delivers checkout.session.completed, paid, signed
    with django_capture_on_commit_callbacks(execute=True):
        response = stripe_fake.deliver(client, _completed(payment, event_id="evt_test_paid_1"))

    # then the payment's history has one change, from Stripe, naming the event
    assert response.status_code == 200
    (event,) = PaymentEvent.objects.filter(payment=payment)
    assert (event.action, event.from_status, event.to_status) == ("pay", P.PENDING, P.PAID)
    assert (event.source, event.stripe_event_id, event.actor) == ("stripe", "evt_test_paid_1", None)

    # and a redelivery, or another event saying the same, adds nothing
    stripe_fake.deliver(client, _completed(payment, event_id="evt_test_paid_1"))
    stripe_fake.deliver(client, _completed(payment, event_id="evt_test_paid_2"))
    assert PaymentEvent.objects.filter(payment=payment).count() == 1


def test_a_failed_card_payment_is_recorded_from_its_stripe_event(client, stripe_on):
    payment = StripePaymentFactory()
    session = stripe_fake.session_for(payment, status="complete", payment_status="unpaid")
    evt = stripe_fake.event(
        "checkout.session.async_payment_failed", session, event_id="evt_test_failed"
    )

    stripe_fake.deliver(client, evt)

    (event,) = PaymentEvent.objects.filter(payment=payment)
    assert (event.action, event.from_status, event.to_status) == ("fail", P.PENDING, P.FAILED)
    assert (event.source, event.stripe_event_id) == ("stripe", "evt_test_failed")


def test_a_refund_made_at_the_stripe_dashboard_is_recorded_from_its_event(client, stripe_on):
    # given a paid card payment
    payment = StripePaymentFactory(
        status=P.PAID, paid_at=timezone.now(), stripe_payment_intent_id="pi_test_dashboard"
    )

    # when Stripe first reports part of it refunded, then all of it
    stripe_fake.deliver(
        client, _charge_refunded(payment, event_id="evt_test_part", amount_refunded=100)
    )
    stripe_fake.deliver(client, _charge_refunded(payment, event_id="evt_test_whole"))

    # then the history shows both, each naming its Stripe event
    part, whole = PaymentEvent.objects.filter(payment=payment)
    assert (part.action, part.from_status, part.to_status) == ("part_refunded", P.PAID, P.PAID)
    assert part.stripe_event_id == "evt_test_part" and "100" in part.note
    assert (whole.action, whole.from_status, whole.to_status) == ("refund", P.PAID, P.REFUNDED)
    assert (whole.source, whole.stripe_event_id) == ("stripe", "evt_test_whole")


def test_a_webhook_event_without_an_id_is_refused(client, stripe_on):
    payment = StripePaymentFactory()

    nameless = dict(_completed(payment, event_id="evt_test_named"), id="")

    response = stripe_fake.deliver(client, nameless)

    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == P.PENDING and not PaymentEvent.objects.exists()


# --- the supporter and coordinators ----------------------------------------------------------


def test_starting_checkout_opens_a_payment_from_the_supporter(stripe_on):
    letter = LetterFactory()
    stripe_on.on(
        "POST",
        "/v1/checkout/sessions",
        lambda m, p: stripe_fake.checkout_session(id="cs_test_open", url="https://x.test/c"),
    )

    services.payment_checkout_start(letter_id=letter.pk)

    (event,) = PaymentEvent.objects.filter(payment__letter=letter)
    assert (event.action, event.from_status, event.to_status) == ("open", "", P.PENDING)
    assert (event.source, event.actor) == ("supporter", None)


def test_a_coordinators_manual_payment_is_one_event_naming_them(
    coordinator, django_capture_on_commit_callbacks
):
    # given a letter whose supporter paid in cash at a stall
    letter = LetterFactory()

    # when a coordinator records it
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.payment_record_manual(
            letter_id=letter.pk,
            coordinator=coordinator,
            method="cash",
            amount=220,
            currency="GBP",
            note="at the stall",
        )

    # then one event says who recorded what, and how the money came
    (event,) = payment.events.all()
    assert (event.action, event.from_status, event.to_status) == ("record", "", P.PAID)
    assert (event.source, event.actor, event.note) == (
        "coordinator",
        coordinator,
        "cash: at the stall",
    )


def test_a_coordinators_waiver_and_refund_by_hand_are_recorded(coordinator):
    # given one letter whose fee a coordinator waives, and one paid by bank transfer
    waived = services.payment_waive(
        letter_id=LetterFactory().pk, coordinator=coordinator, note="hardship"
    )
    manual = services.payment_record_manual(
        letter_id=LetterFactory().pk,
        coordinator=coordinator,
        method="bank_transfer",
        amount=220,
        currency="GBP",
    )

    # when the transfer is paid back by hand
    services.payment_mark_refunded_by_hand(
        payment_id=manual.pk, coordinator=coordinator, note="sent back"
    )

    # then each change names the coordinator
    (waive,) = waived.events.all()
    assert (waive.action, waive.to_status, waive.actor, waive.note) == (
        "waive",
        P.WAIVED,
        coordinator,
        "hardship",
    )
    record, by_hand = manual.events.all()
    assert (record.action, record.note) == ("record", "bank transfer")
    assert (by_hand.action, by_hand.from_status, by_hand.to_status) == (
        "refund_by_hand",
        P.PAID,
        P.REFUNDED,
    )
    assert (by_hand.source, by_hand.actor, by_hand.note) == (
        "coordinator",
        coordinator,
        "sent back",
    )

    # and each letter's own history names them too, not "the system"
    postage_events = LetterEvent.objects.filter(kind=LetterEvent.Kind.POSTAGE)
    assert {(e.letter_id, e.action, e.actor) for e in postage_events} == {
        (waived.letter_id, "postage_waived", coordinator),
        (manual.letter_id, "postage_paid", coordinator),
        (manual.letter_id, "postage_refunded", coordinator),
    }


def test_a_refused_refund_by_hand_changes_nothing(coordinator):
    # given a card payment, which Stripe refunds, not a coordinator
    payment = StripePaymentFactory(status=P.PAID, paid_at=timezone.now())
    before = model_to_dict(Payment.objects.get(pk=payment.pk))

    # when a coordinator marks it refunded by hand, then it is refused and nothing changes
    with pytest.raises(services.PaymentError):
        services.payment_mark_refunded_by_hand(payment_id=payment.pk, coordinator=coordinator)
    assert model_to_dict(Payment.objects.get(pk=payment.pk)) == before
    assert not PaymentEvent.objects.exists()


# --- the tasks -------------------------------------------------------------------------------


def test_the_reconcile_task_records_its_changes_as_reconciliation(
    stripe_on, django_capture_on_commit_callbacks
):
    # given a payment pending for two hours whose session Stripe shows as paid, and one whose
    # session was never made, two days old
    paid = StripePaymentFactory()
    sessionless = StripePaymentFactory(stripe_checkout_session_id=None, checkout_url="")
    Payment.objects.filter(pk=paid.pk).update(created_at=timezone.now() - timedelta(hours=2))
    Payment.objects.filter(pk=sessionless.pk).update(created_at=timezone.now() - timedelta(days=2))
    session = stripe_fake.session_for(paid, status="complete", payment_status="paid")
    stripe_on.on("GET", r"/v1/checkout/sessions/\w+", session)

    # when the reconciliation task runs
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reconcile_payments.delay().get() == 2

    # then each change is recorded as the reconciliation's, with no Stripe event id
    (pay,) = PaymentEvent.objects.filter(payment=paid)
    assert (pay.action, pay.from_status, pay.to_status) == ("pay", P.PENDING, P.PAID)
    assert (pay.source, pay.stripe_event_id) == ("reconcile", "")
    (expire,) = PaymentEvent.objects.filter(payment=sessionless)
    assert (expire.action, expire.to_status, expire.source) == ("expire", P.EXPIRED, "reconcile")

    # and a second run records nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reconcile_payments.delay().get() == 0
    assert PaymentEvent.objects.count() == 2


def test_a_closed_letters_refund_is_asked_for_then_made(
    stripe_on, django_capture_on_commit_callbacks, client
):
    # given a letter whose postage was paid by card
    letter = LetterFactory(status=Letter.Status.TRANSLATED, postage=Letter.Postage.PAID)
    payment = StripePaymentFactory(
        letter=letter,
        status=P.PAID,
        paid_at=timezone.now(),
        stripe_payment_intent_id="pi_test_closed",
    )
    stripe_on.on("POST", "/v1/refunds", stripe_fake.refund(id="re_test_closed", amount=220))

    # when the supporter cancels it (the refund task runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        submission.letter_cancel(letter_id=letter.pk)

    # then the history says the refund was asked for, then made, both by Letterbridge
    asked, refunded = PaymentEvent.objects.filter(payment=payment)
    assert (asked.action, asked.from_status, asked.to_status) == ("request_refund", P.PAID, P.PAID)
    assert (asked.source, asked.note) == ("system", "The letter was closed.")
    assert (refunded.action, refunded.to_status, refunded.source) == (
        "refund",
        P.REFUNDED,
        "system",
    )
    assert "re_test_closed" in refunded.note

    # and Stripe's charge.refunded for that refund adds nothing
    stripe_fake.deliver(client, _charge_refunded(payment, event_id="evt_test_ours"))
    assert PaymentEvent.objects.filter(payment=payment).count() == 2


def test_a_refused_refund_is_recorded_each_time_it_fails(stripe_on):
    # given a paid card payment whose refund was asked for
    payment = StripePaymentFactory(
        status=P.PAID,
        paid_at=timezone.now(),
        stripe_payment_intent_id="pi_test_disputed",
        refund_requested_at=timezone.now(),
    )
    refusal = {"error": {"type": "invalid_request_error", "message": "This charge is disputed."}}
    stripe_on.on("POST", "/v1/refunds", (400, refusal))

    # when the refund task runs twice
    assert tasks.refund_payment.delay(payment.pk).get() is False
    assert tasks.refund_payment.delay(payment.pk).get() is False

    # then each attempt is in the history, with Stripe's reason, and the payment stays paid
    failures = PaymentEvent.objects.filter(payment=payment)
    assert [(e.action, e.to_status, e.source) for e in failures] == [
        ("refund_failed", P.PAID, "system")
    ] * 2
    assert all("disputed" in e.note for e in failures)
    payment.refresh_from_db()
    assert payment.status == P.PAID and payment.refund_attempts == 2


def test_a_payments_history_outlives_the_erasure_of_its_supporter(
    client, stripe_on, django_capture_on_commit_callbacks
):
    from rights.services import supporter_erase

    # given an open letter whose postage was paid through a signed webhook
    letter = LetterFactory(supporter_name="Zinaida Quill", supporter_email="zq@example.org")
    payment = StripePaymentFactory(letter=letter)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_fake.deliver(client, _completed(payment, event_id="evt_test_before_erasure"))
    stripe_on.on("POST", "/v1/refunds", stripe_fake.refund(id="re_test_erased", amount=220))

    # when the supporter has their data erased (the open letter is cancelled, so refunded)
    with django_capture_on_commit_callbacks(execute=True):
        supporter_erase(letter_ids=[letter.pk])

    # then the payment's whole history is still there, and none of it names the supporter
    events = PaymentEvent.objects.filter(payment=payment)
    assert [e.action for e in events] == ["pay", "request_refund", "refund"]
    for event in events.values():
        assert not any("Zinaida" in str(v) or "zq@example.org" in str(v) for v in event.values())


# --- every Stripe-driven action against every status, through the services -------------------

CARD_CASES = [
    (action, status)
    for action in (Action.PAY, Action.FAIL, Action.EXPIRE, Action.REFUND)
    for status in P.values
    if status != P.WAIVED  # a waived payment has nothing at Stripe to be told about
]


def _tell(payment: Payment, action: Action) -> None:
    source = services.EventSource.stripe(f"evt_test_{action}")
    session = services.stripe_api.session_from(
        stripe_fake.session_for(
            payment,
            status="expired" if action is Action.EXPIRE else "complete",
            payment_status="paid" if action is Action.PAY else "unpaid",
            payment_intent=payment.stripe_payment_intent_id,
        )
    )
    if action is Action.REFUND:
        charge = _charge_refunded(payment, event_id="evt_unused")["data"]["object"]
        services.payment_charge_refunded(
            charge=services.stripe_api.charge_from(charge), source=source
        )
    else:
        services.payment_apply_session(session=session, source=source, failed=action is Action.FAIL)


@pytest.mark.parametrize(
    ("action", "status"), CARD_CASES, ids=[f"{a}-from-{s}" for a, s in CARD_CASES]
)
def test_stripe_says_it_and_the_services_follow_the_table(
    action, status, stripe_on, django_capture_on_commit_callbacks
):
    # given a card payment in `status`
    payment = StripePaymentFactory(status=status, stripe_payment_intent_id="pi_test_card")
    before_row, before_events = _rows(payment)

    # when Stripe says the action happened
    with django_capture_on_commit_callbacks(execute=True):
        _tell(payment, action)

    payment.refresh_from_db()
    if can_start(action, status):
        # then the payment moves as the table says, and the history names the Stripe event
        assert payment.status == leads_to(action, status)
        event = PaymentEvent.objects.filter(payment=payment).latest("pk")
        assert (event.action, event.from_status, event.to_status) == (
            action,
            status,
            payment.status,
        )
        assert event.stripe_event_id == f"evt_test_{action}"
    else:
        # then a payment the action cannot start from is left as it was, history and all
        assert _rows(payment) == (before_row, before_events)


def test_every_action_of_a_payments_history_has_words_in_english_and_russian():
    # every action the lifecycle can write, and the notes carried over from before, has words
    assert sorted({*Action, EARLIER_NOTE} - set(ACTION_LABELS)) == []
    with translation.override("en"):
        english = {code: action_label(code) for code in ACTION_LABELS}
    with translation.override("ru"):
        assert [code for code in ACTION_LABELS if action_label(code) == english[code]] == []
        # and a code nobody gave words to reads as its words
        assert action_label("chargeback_lost") == "chargeback lost"
