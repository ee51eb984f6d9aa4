"""The supporter's side: the postage blocks of the tracking and confirmation pages, the
checkout button with Stripe, the organisation's own payment instructions without it, and the
e-mails that mention paying."""

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from letters import tokens
from letters.models import Letter, LetterEvent, Notification
from letters.services import notifications
from payments.models import Payment
from tests.factories import LetterFactory
from tests.payments import stripe_fake
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db


def _token(letter):
    return tokens.token_for(salt=letter.tracking_salt)


def _checkout(client, letter):
    return client.post(reverse("payments:checkout", args=[_token(letter)]))


def test_the_pay_button_sends_the_supporter_to_stripe(client, stripe_on):
    letter = LetterFactory()
    session = stripe_fake.checkout_session(
        id="cs_test_view", url="https://checkout.stripe.com/c/pay/cs_test_view"
    )
    stripe_on.on("POST", "/v1/checkout/sessions", session)

    response = _checkout(client, letter)

    # a page that moves on to Stripe by itself (a redirect would break the CSP's form-action)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'content="0;url=https://checkout.stripe.com/c/pay/cs_test_view"' in body
    assert 'href="https://checkout.stripe.com/c/pay/cs_test_view"' in body
    assert Payment.objects.get(letter=letter).stripe_checkout_session_id == "cs_test_view"


def test_without_stripe_a_stale_pay_button_leads_back_to_the_instructions(client, stripe_off):
    # given a letter with postage due, and a tab still showing a pay button from when Stripe
    # was configured
    letter = LetterFactory()

    # when it is pressed
    response = _checkout(client, letter)

    # then the supporter is back on the letter's page, told to follow its instructions
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:track", args=[_token(letter)])
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "this page says how to pay instead" in message
    assert not Payment.objects.exists()


def test_stripe_unreachable_brings_the_supporter_back_with_a_message(client, stripe_on):
    letter = LetterFactory()
    stripe_on.on("POST", "/v1/checkout/sessions", (503, {"error": {"type": "api_error"}}))

    response = _checkout(client, letter)

    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Nothing was charged" in message


def test_checkout_refuses_get_and_unknown_tokens_without_a_500(client, stripe_on):
    letter = LetterFactory()
    # a GET (the address from the history) leads back to the letter's page, starting nothing
    token = _token(letter)
    response = client.get(reverse("payments:checkout", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:track", args=[token])
    assert client.get(reverse("payments:checkout", args=["x" * 43])).status_code == 404
    assert client.post(reverse("payments:checkout", args=["x" * 43])).status_code == 404
    assert client.post(reverse("payments:checkout", args=["x" * 300])).status_code == 404
    assert stripe_on.sent == []


def _block(letter, **request_get):
    request = RequestFactory().get("/letters/track/t/", request_get)
    return render_to_string(
        "payments/tracking_block.html",
        {"letter": letter, "token": _token(letter)},
        request=request,
    )


def test_block_due_offers_to_pay_the_fee(stripe_on):
    html = _block(LetterFactory(postage_currency="USD"))
    assert "Postage due: $2.73" in html
    assert "Pay $2.73" in html
    assert 'method="post"' in html


def test_block_waiting_for_payment(stripe_on):
    payment = StripePaymentFactory()
    html = _block(payment.letter, payment="done")
    assert "Waiting for payment." in html
    assert "it can take a minute" in html


def test_block_failed_offers_to_try_again(stripe_on):
    payment = StripePaymentFactory(status=Payment.Status.FAILED)
    html = _block(payment.letter)
    assert "Payment failed — try again." in html
    assert "Try again" in html


def test_block_paid_has_no_button(stripe_on):
    letter = LetterFactory(postage=Letter.Postage.PAID)
    StripePaymentFactory(letter=letter, status=Payment.Status.PAID, paid_at=timezone.now())
    html = _block(letter)
    assert "Paid." in html
    assert "<form" not in html


def test_block_without_stripe_gives_the_instructions_and_the_reference(stripe_off, settings):
    # given the organisation's own instructions, over two lines, and no Stripe
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = "Bank transfer to Letterbridge\nSort code 00-11-22"
    letter = LetterFactory()

    # when the tracking page's postage block is drawn
    html = _block(letter)

    # then it gives them, line for line, with the reference to quote, and offers no button
    assert "Postage due: £2.20." in html
    assert "Bank transfer to Letterbridge<br>Sort code 00-11-22" in html
    assert "Payment reference to quote:" in html and letter.reference in html
    assert "<form" not in html and "Pay £2.20" not in html
    assert "Online payment is not available" not in html


def test_without_instructions_the_supporter_is_asked_to_write_to_the_organisation(
    stripe_off, settings
):
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = ""
    settings.LETTERBRIDGE_ORGANISATION_NAME = "Write to Russia"
    settings.DEFAULT_FROM_EMAIL = "Write to Russia <post@example.org>"

    html = _block(LetterFactory())

    assert "Please write to Write to Russia at post@example.org" in html


def test_instructions_are_escaped(stripe_off, settings):
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = "<script>alert(1)</script>"

    html = _block(LetterFactory())

    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_block_with_stripe_gives_no_instructions(stripe_on, settings):
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = "Bank transfer to Letterbridge"

    html = _block(LetterFactory())

    assert "Pay £2.20" in html
    assert "Bank transfer" not in html and "Payment reference to quote" not in html


def _sent_page(client, letter) -> str:
    response = client.get(reverse("letters:sent", args=[_token(letter)]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_confirmation_offers_to_pay_with_stripe(client, stripe_on):
    letter = LetterFactory()

    html = _sent_page(client, letter)

    checkout = reverse("payments:checkout", args=[_token(letter)])
    assert f'<form method="post" action="{checkout}">' in html
    assert "Pay £2.20 postage" in html


def test_the_confirmation_without_stripe_gives_the_instructions_not_a_button(
    client, stripe_off, settings
):
    # given no Stripe and the organisation's instructions
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = "Bank transfer to Letterbridge"
    letter = LetterFactory()

    # when the supporter lands on the confirmation after writing
    html = _sent_page(client, letter)

    # then it says what the stamp costs and how to pay it, quoting the reference; no button
    assert "To post your letter we need £2.20 for the stamp." in html
    assert "Bank transfer to Letterbridge" in html
    assert "Payment reference to quote:" in html and letter.reference in html
    assert "Pay £2.20 postage" not in html
    assert reverse("payments:checkout", args=[_token(letter)]) not in html


@pytest.mark.parametrize("postage", [Letter.Postage.PAID, Letter.Postage.WAIVED])
def test_the_confirmation_of_a_settled_letter_asks_for_nothing(client, stripe_off, postage):
    html = _sent_page(client, LetterFactory(postage=postage))

    assert "How to pay the postage" not in html and "for the stamp" not in html


def _email(kind: str, status: str, locale: str = "en"):
    letter = LetterFactory(status=status, locale=locale)
    event = LetterEvent.objects.create(letter=letter, to_status=status, action="test")
    notification = Notification.objects.create(letter=letter, event=event, kind=kind)
    notifications.notification_send(notification_id=notification.pk)
    return letter


@pytest.mark.parametrize(
    ("kind", "status"), [("received", Letter.Status.RECEIVED), ("translated", "approved")]
)
def test_emails_without_stripe_give_the_instructions_and_the_reference(
    kind, status, outbox, stripe_off, settings
):
    # given no Stripe and instructions over two lines
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = "Bank transfer to Letterbridge\nSort code 00-11-22"

    # when the supporter is e-mailed about a letter whose postage is due
    letter = _email(kind, status)

    # then text and HTML say how to pay and what to quote, not to pay on the letter's page
    (message,) = outbox
    html = message.alternatives[0][0]
    assert "Bank transfer to Letterbridge\nSort code 00-11-22" in message.body
    assert "Bank transfer to Letterbridge<br>Sort code 00-11-22" in html
    quote = f"Please quote your letter's reference, {letter.reference}, with the payment."
    assert quote in message.body and quote in html
    assert "pay it from your letter's page" not in message.body
    assert "pay it from your letter's page" not in html


@pytest.mark.parametrize(
    ("kind", "status"), [("received", Letter.Status.RECEIVED), ("translated", "approved")]
)
def test_emails_with_stripe_send_the_supporter_to_the_letters_page(kind, status, outbox, stripe_on):
    _email(kind, status)

    (message,) = outbox
    assert "You can pay it from your letter's page." in message.body
    assert "Please quote" not in message.body


def test_the_instructions_email_reads_in_russian(outbox, stripe_off, settings):
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = ""

    letter = _email("received", Letter.Status.RECEIVED, locale="ru")

    (message,) = outbox
    assert "Как оплатить 2,20\xa0£:" in message.body
    assert f"укажите номер письма {letter.reference}" in message.body


def test_block_is_empty_for_letters_the_supporter_posts(stripe_on):
    letter = LetterFactory(delivery=Letter.Delivery.RETURN_TO_ME)
    assert _block(letter).strip() == ""


def test_the_tracking_page_shows_the_block_and_its_button(client, stripe_on):
    # given a letter whose postage is due, with Stripe configured
    letter = LetterFactory()
    token = _token(letter)

    # when the supporter opens the tracking page
    response = client.get(reverse("letters:track", args=[token]))

    # then the postage block offers to pay, posting to the checkout with the token
    body = response.content.decode()
    assert response.status_code == 200
    assert "Postage due: £2.20." in body
    assert f'action="{reverse("payments:checkout", args=[token])}"' in body


def test_the_pay_button_passes_csrf_checks_from_the_tracking_page(stripe_on):
    # given a browser on the tracking page, with CSRF checks enforced as in production
    letter = LetterFactory()
    session = stripe_fake.checkout_session(id="cs_test_csrf", url="https://checkout.stripe.com/x")
    stripe_on.on("POST", "/v1/checkout/sessions", session)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("letters:track", args=[_token(letter)]))
    csrf = page.context["csrf_token"]

    # when the pay button is pressed (same origin, with the form's token)
    response = browser.post(
        reverse("payments:checkout", args=[_token(letter)]),
        {"csrfmiddlewaretoken": str(csrf)},
        HTTP_ORIGIN="http://testserver",
    )

    # then the supporter goes to Stripe, and the token is not leaked to Stripe as a referrer
    assert response.status_code == 200
    assert "https://checkout.stripe.com/x" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    # and a forged post without the token is refused
    forged = Client(enforce_csrf_checks=True).post(
        reverse("payments:checkout", args=[_token(letter)])
    )
    assert forged.status_code == 403


@pytest.mark.parametrize("status", [Letter.Status.CANCELLED, Letter.Status.REJECTED])
def test_block_is_empty_for_a_closed_letter_that_never_paid(stripe_on, status):
    letter = LetterFactory(status=status)
    assert _block(letter).strip() == ""


def test_block_says_refunded_for_a_cancelled_letter_that_was_paid(stripe_on):
    letter = LetterFactory(status=Letter.Status.CANCELLED, postage=Letter.Postage.REFUNDED)
    html = _block(letter)
    assert "Refunded" in html and "<form" not in html
