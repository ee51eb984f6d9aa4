"""payments.stripe_api against recorded Stripe responses, through the SDK's HTTP client seam:
what is sent (amount, currency, metadata, idempotency key, pinned version) and what is read."""

import json
import time

import pytest
import stripe

from payments import stripe_api
from tests.payments import stripe_fake


def test_checkout_session_create_sends_the_postage_and_an_idempotency_key(stripe_on):
    # given Stripe answering session creation with its documented object
    recorded = stripe_fake.checkout_session(id="cs_test_created", amount_total=220)
    stripe_on.on("POST", "/v1/checkout/sessions", recorded)

    # when a session is created for payment 41
    session = stripe_api.checkout_session_create(
        payment_id=41,
        letter_reference="LB-ABCDEFGH",
        amount=220,
        currency="GBP",
        product_name="Postage for letter LB-ABCDEFGH",
        success_url="https://lb.example/letters/track/t/?payment=done",
        cancel_url="https://lb.example/letters/track/t/?payment=cancelled",
        locale="en",
    )

    # then one request carried the amount, currency, metadata and the idempotency key
    (sent,) = stripe_on.calls("POST", "/v1/checkout/sessions")
    assert sent.params["mode"] == "payment"
    assert sent.params["line_items[0][price_data][unit_amount]"] == "220"
    assert sent.params["line_items[0][price_data][currency]"] == "gbp"
    assert sent.params["line_items[0][quantity]"] == "1"
    assert sent.params["metadata[letter_reference]"] == "LB-ABCDEFGH"
    assert sent.params["metadata[payment_id]"] == "41"
    assert sent.params["payment_intent_data[metadata][payment_id]"] == "41"
    assert sent.params["client_reference_id"] == "41"
    assert sent.params["success_url"].endswith("?payment=done")
    assert sent.headers["Idempotency-Key"] == "letterbridge-payment-41-checkout"
    assert sent.headers["Stripe-Version"] == stripe_api.API_VERSION
    assert sent.headers["Authorization"] == f"Bearer {stripe_fake.SECRET_KEY}"
    assert "X-Stripe-Client-Telemetry" not in sent.headers
    # and the answer is read into our own record
    assert session.id == "cs_test_created"
    assert session.url == recorded["url"]
    assert session.payment_status == "unpaid"
    assert session.payment_intent == "pi_1PgafyB7WZ01zgkWSjxsAJo3"


def test_refund_create_sends_the_payment_intent_amount_and_idempotency_key(stripe_on):
    stripe_on.on("POST", "/v1/refunds", stripe_fake.refund(id="re_test_1", amount=252))

    refund = stripe_api.refund_create(payment_id=7, payment_intent="pi_test_7", amount=252)

    (sent,) = stripe_on.calls("POST", "/v1/refunds")
    assert sent.params["payment_intent"] == "pi_test_7"
    assert sent.params["amount"] == "252"
    assert sent.params["metadata[payment_id]"] == "7"
    assert sent.headers["Idempotency-Key"] == "letterbridge-payment-7-refund"
    assert refund.id == "re_test_1" and refund.status == "succeeded"


def test_retrieve_reads_a_paid_session(stripe_on):
    stripe_on.on(
        "GET",
        r"/v1/checkout/sessions/(?P<sid>[\w]+)",
        lambda m, p: stripe_fake.checkout_session(
            id=m["sid"], status="complete", payment_status="paid", currency="eur"
        ),
    )

    session = stripe_api.checkout_session_retrieve("cs_test_x")

    assert (session.id, session.status, session.payment_status) == (
        "cs_test_x",
        "complete",
        "paid",
    )
    assert session.currency == "EUR"


def test_a_refusal_and_an_outage_are_told_apart(stripe_on):
    stripe_on.on(
        "POST",
        "/v1/refunds",
        (400, {"error": {"type": "invalid_request_error", "code": "charge_already_refunded"}}),
    )
    with pytest.raises(stripe_api.StripeRefused):
        stripe_api.refund_create(payment_id=1, payment_intent="pi_1", amount=220)

    stripe_on.on("POST", "/v1/refunds", lambda m, p: (503, {"error": {"type": "api_error"}}))
    stripe_on.sent.clear()
    with pytest.raises(stripe_api.StripeUnavailable):
        stripe_api.refund_create(payment_id=1, payment_intent="pi_1", amount=220)
    assert len(stripe_on.sent) == 3  # the SDK retried twice, with the same idempotency key
    assert {s.headers["Idempotency-Key"] for s in stripe_on.sent} == {
        "letterbridge-payment-1-refund"
    }


def test_without_a_secret_key_nothing_is_called(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert not stripe_api.is_configured()
    with pytest.raises(stripe_api.StripeUnavailable):
        stripe_api.checkout_session_retrieve("cs_test_x")


def _signed(payload: bytes, secret=stripe_fake.WEBHOOK_SECRET, timestamp=None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )


def test_webhook_event_accepts_a_signed_event(stripe_on):
    payload = json.dumps(stripe_fake.event("charge.refunded", stripe_fake.charge())).encode()
    event = stripe_api.webhook_event(payload=payload, signature=_signed(payload))
    assert event["type"] == "charge.refunded"


@pytest.mark.parametrize(
    "case",
    ["tampered", "wrong_secret", "missing_header", "too_old", "not_json", "not_an_event"],
)
def test_webhook_event_refuses_what_it_cannot_trust(stripe_on, case):
    payload = json.dumps(stripe_fake.event("charge.refunded", stripe_fake.charge())).encode()
    signature = _signed(payload)
    if case == "tampered":
        payload = payload.replace(b'"amount": 100', b'"amount": 1')
    elif case == "wrong_secret":
        signature = _signed(payload, secret="whsec_someone_else")
    elif case == "missing_header":
        signature = None
    elif case == "too_old":
        old = int(time.time()) - stripe_api.WEBHOOK_TOLERANCE_SECONDS - 60
        signature = _signed(payload, timestamp=old)
    elif case == "not_json":
        payload = b"\xff\xfe{not json"
        signature = _signed(payload.decode("latin-1").encode())
    elif case == "not_an_event":
        payload = b"[1, 2, 3]"
        signature = _signed(payload)
    with pytest.raises(stripe_api.BadWebhook):
        stripe_api.webhook_event(payload=payload, signature=signature)


def test_the_tolerance_is_stripes_default_never_zero():
    assert stripe_api.WEBHOOK_TOLERANCE_SECONDS == 300


def test_stripe_api_base_points_the_real_http_client_at_a_local_stripe(settings, monkeypatch):
    """STRIPE_API_BASE (for a local Stripe mock): the SDK's own HTTP client, over a socket."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qsl

    seen = []

    class LocalStripe(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append((self.path, dict(self.headers), dict(parse_qsl(body))))
            answer = json.dumps(stripe_fake.checkout_session(id="cs_test_local")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), LocalStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setattr(stripe_api, "http_client", None)

        session = stripe_api.checkout_session_create(
            payment_id=5,
            letter_reference="LB-LOCAL234",
            amount=273,
            currency="USD",
            product_name="Postage",
            success_url="http://testserver/s",
            cancel_url="http://testserver/c",
        )
    finally:
        server.shutdown()
        server.server_close()

    assert session.id == "cs_test_local"
    ((path, headers, params),) = seen
    assert path == "/v1/checkout/sessions"
    assert headers["Idempotency-Key"] == "letterbridge-payment-5-checkout"
    assert params["line_items[0][price_data][unit_amount]"] == "273"
    assert params["line_items[0][price_data][currency]"] == "usd"


def test_a_timestamp_no_calendar_can_hold_is_an_unreadable_value():
    # given an expiry far beyond the year 9999, as a malformed event might carry
    # when it is read, then it is a ValueError the webhook answers with 400, not an OSError
    with pytest.raises(ValueError):
        stripe_api._timestamp(10**13)
    assert stripe_api._timestamp(0) is None
    assert stripe_api._timestamp(1_796_474_138).year == 2026
