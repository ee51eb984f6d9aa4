"""Coordinators' postage desk in the admin: payments list and filters, waive / manual payment,
refund actions. The ledger's figures: tests/payments/test_selectors.py."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter
from payments import services
from payments.models import Payment
from tests.factories import LetterFactory, UserFactory
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
    # and its letter is one click away
    letter_url = reverse("admin:letters_letter_change", args=[broken.letter_id])
    assert f'<a href="{letter_url}">{broken.letter.reference}</a>' in response.content.decode()


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
        {
            "reference": letter.reference,
            "how": "bank_transfer",
            "amount": "3.00",
            "currency": "USD",
        },
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
        reverse("admin:payments_payment_settle"),
        {"reference": letter.reference, "how": "bank_transfer"},
    )
    assert Payment.objects.get(letter=letter).amount == 252


def test_a_letters_standard_fee_is_offered_as_a_price_is_written(desk):
    # given a letter whose supporter chose to pay in pounds
    letter = LetterFactory(postage_currency="GBP")
    # when a coordinator opens "Record payment or waiver" from it
    page = desk.get(reverse("admin:payments_payment_settle_letter", args=[letter.pk]))
    # then the amount reads 2.20 (not 2.2), each field in the admin's aligned rows
    html = page.content.decode()
    assert 'value="2.20"' in html and 'value="2.2"' not in html
    assert html.count('class="flex-container"') == 4  # how, amount, currency, note


def test_the_desk_refuses_clearly_and_keeps_what_was_typed(desk, coordinator):
    letter = LetterFactory(postage=Letter.Postage.WAIVED)
    Payment.objects.create(
        letter=letter, provider="waived", status="waived", amount=0, currency="GBP"
    )

    response = desk.post(
        reverse("admin:payments_payment_settle"),
        {"reference": letter.reference, "how": "bank_transfer", "note": "paid at the stall"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "already settled" in body
    assert "paid at the stall" in body
    unknown = desk.post(
        reverse("admin:payments_payment_settle"), {"reference": "LB-NOPE", "how": "waive"}
    )
    assert "No letter has this reference." in unknown.content.decode()
    no_how = desk.post(reverse("admin:payments_payment_settle"), {"reference": letter.reference})
    assert "Choose how the postage was paid, or waive the fee." in no_how.content.decode()
    assert "This field is required." not in no_how.content.decode()
    # an amount of nothing is refused in words that do not print Django's "0.01" in Russian
    desk.cookies["django_language"] = "ru"
    zero = desk.post(
        reverse("admin:payments_payment_settle"),
        {"reference": letter.reference, "how": "bank_transfer", "amount": "0"},
    ).content.decode()
    assert "Введите сумму больше нуля или оставьте поле пустым." in zero
    assert "больше либо равно 0.01" not in zero


def test_volunteers_cannot_use_the_desk(client, volunteer):
    client.force_login(volunteer)
    assert client.get(reverse("admin:payments_payment_settle")).status_code == 403


def _settle_letter_url(letter):
    return reverse("admin:payments_payment_settle_letter", args=[letter.pk])


def test_the_letters_page_offers_to_record_its_postage_only_while_it_is_due(desk):
    due = LetterFactory(status=Letter.Status.APPROVED)
    paid = LetterFactory(status=Letter.Status.APPROVED, postage=Letter.Postage.PAID)

    due_page = desk.get(reverse("admin:letters_letter_change", args=[due.pk])).content.decode()
    paid_page = desk.get(reverse("admin:letters_letter_change", args=[paid.pk])).content.decode()

    assert f'href="{_settle_letter_url(due)}"' in due_page
    assert "Record payment or waiver" in due_page
    assert _settle_letter_url(paid) not in paid_page


@pytest.mark.parametrize("status", ["cancelled", "rejected"])
def test_the_page_of_a_letter_that_will_not_go_offers_no_postage_to_record(desk, status):
    # given a letter whose postage was never paid, cancelled or rejected since
    letter = LetterFactory(status=status)

    # when a coordinator opens its admin page
    page = desk.get(reverse("admin:letters_letter_change", args=[letter.pk])).content.decode()

    # then there is nothing to settle
    assert _settle_letter_url(letter) not in page
    assert "Record payment or waiver" not in page


def test_the_letters_payment_page_is_filled_in_with_its_fee(desk):
    letter = LetterFactory(postage_currency="EUR")

    response = desk.get(_settle_letter_url(letter))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["how"].value() == "bank_transfer"
    assert (str(form["amount"].value()), form["currency"].value()) == ("2.52", "EUR")
    assert letter.reference in response.content.decode()


def test_record_a_bank_transfer_from_the_letter_then_go_back(desk, coordinator):
    # given an approved letter with postage due, reached from Prepare today's post
    letter = LetterFactory(status=Letter.Status.APPROVED, postage_currency="USD")
    prepare = reverse("letters_coordination:prepare")

    # when the coordinator records the standard fee as a bank transfer
    response = desk.post(
        _settle_letter_url(letter),
        {"how": "bank_transfer", "amount": "2.73", "currency": "USD", "next": prepare},
    )

    # then the payment is recorded through the service, the letter's postage is paid, and
    # the coordinator is back where they came from
    assert response.status_code == 302 and response["Location"] == prepare
    payment = Payment.objects.get(letter=letter)
    assert (payment.provider, payment.status, payment.amount, payment.currency) == (
        "manual",
        "paid",
        273,
        "USD",
    )
    (event,) = payment.events.all()
    assert (event.action, event.source, event.actor) == ("record", "coordinator", coordinator)
    assert event.note == "bank transfer"
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.PAID


def test_waive_from_the_letter_returns_to_its_page(desk):
    letter = LetterFactory(status=Letter.Status.APPROVED)

    response = desk.post(_settle_letter_url(letter), {"how": "waive", "note": "hardship"})

    assert response["Location"] == reverse("admin:letters_letter_change", args=[letter.pk])
    letter.refresh_from_db()
    assert letter.postage == Letter.Postage.WAIVED


def test_the_letters_payment_page_goes_back_only_to_this_site(desk):
    letter = LetterFactory()

    response = desk.post(
        _settle_letter_url(letter), {"how": "cash", "next": "https://evil.example/steal"}
    )

    assert response["Location"] == reverse("admin:letters_letter_change", args=[letter.pk])
    assert Payment.objects.get(letter=letter).amount == 220


def test_the_letters_payment_page_refuses_clearly_and_keeps_what_was_typed(desk):
    # given a letter the supporter posts themselves, so it has no postage
    letter = LetterFactory(delivery=Letter.Delivery.RETURN_TO_ME)

    # when a coordinator tries to record a payment for it, or sends nonsense
    refused = desk.post(
        _settle_letter_url(letter), {"how": "cash", "amount": "2.20", "note": "at the stall"}
    )
    nonsense = desk.post(
        _settle_letter_url(letter), {"how": "cheque", "amount": "-1", "currency": "XXX"}
    )

    # then the page says why, with the note still there, and nothing is recorded
    assert refused.status_code == 200
    assert "posts this letter themselves" in refused.content.decode()
    assert "at the stall" in refused.content.decode()
    assert nonsense.status_code == 200
    assert set(nonsense.context["form"].errors) == {"how", "amount", "currency"}
    assert not Payment.objects.exists()


def test_only_coordinators_reach_the_letters_payment_page(desk, volunteer):
    letter = LetterFactory()
    helper = Client()
    helper.force_login(volunteer)

    assert helper.get(_settle_letter_url(letter)).status_code == 403
    assert helper.post(_settle_letter_url(letter), {"how": "waive"}).status_code == 403
    assert not Payment.objects.exists()
    missing = reverse("admin:payments_payment_settle_letter", args=[10**9])
    assert desk.get(missing).status_code == 404


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


def test_a_payments_page_shows_its_history_to_coordinators_only(desk, coordinator):
    # given a manual payment a coordinator recorded, then paid back by hand
    payment = services.payment_record_manual(
        letter_id=LetterFactory().pk,
        coordinator=coordinator,
        method="cash",
        amount=220,
        currency="GBP",
        note="at the stall",
    )
    services.payment_mark_refunded_by_hand(
        payment_id=payment.pk, coordinator=coordinator, note="sent back"
    )
    url = reverse("admin:payments_payment_change", args=[payment.pk])

    # when a coordinator opens the payment's page
    page = desk.get(url)

    # then its history is there, oldest first, with who did it, and nothing to save
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("cash: at the stall") < body.index("sent back")
    assert coordinator.username in body
    assert 'name="_save"' not in body

    # and a staff member who may see payments but does not coordinate sees no history
    clerk = UserFactory()
    clerk.user_permissions.add(Permission.objects.get(codename="view_payment"))
    other = Client()
    other.force_login(clerk)
    page = other.get(url)
    assert page.status_code == 200
    assert "at the stall" not in page.content.decode()


def test_the_payments_page_cannot_save_the_row_over_a_service(desk):
    # given a pending card payment
    payment = StripePaymentFactory()
    url = reverse("admin:payments_payment_change", args=[payment.pk])

    # when its page is posted, as the Save button would
    response = desk.post(url, {"_save": "Save"})

    # then it is refused: every change goes through a service
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("language", "recorded", "paid_back"),
    [
        ("en", "payment recorded by hand (transfer or cash)", "paid back by hand"),
        ("ru", "оплата внесена вручную (перевод или наличные)", "деньги возвращены вручную"),
    ],
)
def test_a_payments_history_says_what_happened_in_words(
    desk, coordinator, language, recorded, paid_back
):
    # given a manual payment a coordinator recorded, then paid back by hand
    payment = services.payment_record_manual(
        letter_id=LetterFactory().pk,
        coordinator=coordinator,
        method="cash",
        amount=220,
        currency="GBP",
        note="at the stall",
    )
    services.payment_mark_refunded_by_hand(
        payment_id=payment.pk, coordinator=coordinator, note="sent back"
    )
    desk.cookies["django_language"] = language

    # when the coordinator opens the payment's page
    body = desk.get(reverse("admin:payments_payment_change", args=[payment.pk])).content.decode()

    # then each row says what happened in their language; the code is only in the tooltip
    assert f'<span title="record">{recorded}</span>' in body
    assert f'<span title="refund_by_hand">{paid_back}</span>' in body
    assert "refund_by_hand<" not in body and "refund_by_hand\n" not in body


@pytest.mark.parametrize("status", ["cancelled", "rejected"])
def test_a_bank_transfer_that_comes_after_the_letter_closed_is_recorded_to_pay_back(
    desk, status, outbox, django_capture_on_commit_callbacks
):
    # given a letter cancelled (or rejected) while the supporter's bank transfer was on its way
    letter = LetterFactory(status=status, postage_currency="GBP")

    # when the money arrives and a coordinator records it by the letter's reference
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            reverse("admin:payments_payment_settle"),
            {"reference": letter.reference, "how": "bank_transfer"},
            follow=True,
        )

    # then the ledger holds it, marked to be paid back by hand, and the coordinator is told so
    payment = Payment.objects.get(letter=letter)
    assert (payment.status, payment.amount, payment.refund_requested_at is not None) == (
        P.PAID,
        220,
        True,
    )
    assert "refund it by hand" in payment.refund_error
    assert "pay it back by hand, then mark the payment refunded" in response.content.decode()
    # and the supporter's receipt says the money goes back
    (receipt,) = outbox
    assert receipt.subject == f"Your postage payment goes back to you ({letter.reference})"
    assert "Your letter will not be sent, so we are paying this back to you." in receipt.body


def test_a_closed_letters_fee_is_not_waived(desk):
    letter = LetterFactory(status=Letter.Status.CANCELLED)

    response = desk.post(
        reverse("admin:payments_payment_settle"),
        {"reference": letter.reference, "how": "waive"},
    )

    assert response.status_code == 200
    assert "This letter is closed." in response.content.decode()
    assert not Payment.objects.exists()


def test_a_payments_page_names_it_in_the_readers_language(desk):
    # given a paid payment, and a coordinator reading the admin in Russian
    payment = StripePaymentFactory(status=Payment.Status.PAID, paid_at=timezone.now())

    # when they open it
    page = desk.get(
        reverse("admin:payments_payment_change", args=[payment.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    # then it is called as Russian writes a sum and a status, not "2.20 GBP (paid)"
    assert "2,20\xa0£, оплачено" in page
    assert "2.20 GBP (paid)" not in page
