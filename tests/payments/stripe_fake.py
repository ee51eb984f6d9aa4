"""Stripe at its boundary, for tests: the SDK's HTTP client seam answered with recorded JSON
(Stripe's own example objects from tests/fixtures/stripe_fixtures3_subset.json, adjusted per
test), every request kept for assertions; and webhook deliveries signed the way Stripe signs
them, posted as raw bytes."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe
from django.urls import reverse

from payments import stripe_api

FIXTURES = json.loads(
    (
        Path(__file__).resolve().parent.parent / "fixtures" / "stripe_fixtures3_subset.json"
    ).read_text()
)["resources"]
WEBHOOK_SECRET = "whsec_test_letterbridge"
SECRET_KEY = "sk_test_letterbridge"
API_BASE = "https://stripe.invalid"


@dataclass
class Sent:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


Responder = Callable[[re.Match, dict[str, str]], tuple[int, dict[str, Any]] | dict[str, Any]]


class RecordedStripe(stripe.HTTPClient):
    """A stripe.HTTPClient that answers from recordings and remembers what it was asked."""

    name = "recorded"

    def __init__(self):
        super().__init__()
        self.sent: list[Sent] = []
        self._routes: list[tuple[str, re.Pattern, Responder]] = []

    def on(self, method: str, path_pattern: str, responder: Responder | dict | tuple) -> None:
        if not callable(responder):
            canned = responder
            responder = lambda match, params: canned  # noqa: E731
        self._routes.insert(0, (method.upper(), re.compile(path_pattern + "$"), responder))

    def calls(self, method: str, path_prefix: str) -> list[Sent]:
        return [s for s in self.sent if s.method == method and s.path.startswith(path_prefix)]

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        raw = post_data if post_data else parts.query
        if isinstance(raw, bytes):
            raw = raw.decode()
        params = dict(parse_qsl(raw or "", keep_blank_values=True))
        self.sent.append(Sent(method.upper(), parts.path, dict(headers or {}), params))
        for route_method, pattern, responder in self._routes:
            match = pattern.match(parts.path)
            if route_method == method.upper() and match:
                answer = responder(match, params)
                status, body = answer if isinstance(answer, tuple) else (200, answer)
                return json.dumps(body), status, {"Request-Id": f"req_test_{len(self.sent)}"}
        error = {"error": {"type": "invalid_request_error", "message": "No such resource."}}
        return json.dumps(error), 404, {"Request-Id": "req_test_404"}

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return 0.0  # the SDK's retries, without the wait

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError

    def close(self):
        pass


# --- recorded objects ------------------------------------------------------------------------


def checkout_session(**overrides) -> dict[str, Any]:
    obj = copy.deepcopy(FIXTURES["checkout.session"])
    obj.update(overrides)
    return obj


def session_for(payment, *, session_id=None, **overrides) -> dict[str, Any]:
    """The Checkout Session Stripe made for one of our payments."""
    sid = session_id or payment.stripe_checkout_session_id or f"cs_test_{payment.pk:06d}"
    return checkout_session(
        id=sid,
        url=f"https://checkout.stripe.com/c/pay/{sid}",
        amount_total=payment.amount,
        amount_subtotal=payment.amount,
        currency=payment.currency.lower(),
        client_reference_id=str(payment.pk),
        metadata={"letter_reference": payment.letter.reference, "payment_id": str(payment.pk)},
        payment_intent=overrides.pop("payment_intent", f"pi_test_{payment.pk:06d}"),
        expires_at=int(time.time()) + 23 * 3600,
        **overrides,
    )


def charge(**overrides) -> dict[str, Any]:
    obj = copy.deepcopy(FIXTURES["charge"])
    obj.update(overrides)
    return obj


def refund(**overrides) -> dict[str, Any]:
    obj = copy.deepcopy(FIXTURES["refund"])
    obj.update(overrides)
    return obj


def event(type_: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    evt = copy.deepcopy(FIXTURES["event"])
    evt.update(
        id=event_id or f"evt_test_{abs(hash((type_, obj.get('id')))) % 10**12:012d}",
        type=type_,
        api_version=stripe_api.API_VERSION,
        created=int(time.time()),
        data={"object": obj},
    )
    return evt


# --- deliveries ------------------------------------------------------------------------------


def webhook_url() -> str:
    return reverse("payments:stripe_webhook")


def deliver(client, evt: dict[str, Any] | bytes, *, secret=WEBHOOK_SECRET, timestamp=None):
    """Post an event as Stripe does: raw bytes, signed over the exact body."""
    payload = evt if isinstance(evt, bytes) else json.dumps(evt).encode()
    header = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )
    return client.post(
        webhook_url(), data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
