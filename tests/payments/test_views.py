"""The supporter's side: the tracking page's postage block and the checkout button."""

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from letters import tokens
from letters.models import Letter
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


def test_without_stripe_the_button_says_postage_is_recorded_as_due(client, stripe_off):
    letter = LetterFactory()

    response = _checkout(client, letter)

    assert response.status_code == 302
    assert response["Location"] == reverse("letters:track", args=[_token(letter)])
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "recorded as due" in message
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
    assert client.get(reverse("payments:checkout", args=[_token(letter)])).status_code == 405
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
    assert "Postage due: 2.73 USD" in html
    assert "Pay 2.73 USD" in html
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


def test_block_without_stripe_says_a_coordinator_will_mark_it(stripe_off):
    html = _block(LetterFactory())
    assert "a coordinator will mark it paid or waived" in html
    assert "<form" not in html


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
    assert "Postage due: 2.20 GBP." in body
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
