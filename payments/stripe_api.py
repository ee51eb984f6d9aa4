"""The only module that talks to Stripe. Everything else in the project deals in the small,
plain records below, never in SDK objects.

* The API version is pinned here, not taken from the account's default, so a dashboard upgrade
  cannot change the shape of what we read.
* Keys come from settings (``STRIPE_SECRET_KEY``, ``STRIPE_WEBHOOK_SECRET``, ``STRIPE_API_BASE``).
  Without a secret key :func:`is_configured` is false and nothing here is called.
* Every create or refund call carries an idempotency key made from our payment id and the
  action, so a retried request (ours or the SDK's) cannot charge or refund twice.
* Tests answer the SDK's HTTP requests through the ``http_client`` seam (:data:`http_client`),
  with recorded JSON shaped as Stripe documents it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

API_VERSION = "2026-10-28.endive"
WEBHOOK_TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE  # 300; never 0

stripe.enable_telemetry = False  # no request metrics sent back to Stripe

# The SDK's HTTP seam. None means the SDK's default client; tests put a recording client here.
http_client: stripe.HTTPClient | None = None
_TIMEOUT_SECONDS = 20


class StripeUnavailable(Exception):
    """Stripe could not be reached or answered with a server error: worth retrying later."""


class StripeRefused(Exception):
    """Stripe answered, and said no (bad request, card error): retrying will not help."""


class BadWebhook(Exception):
    """A webhook body or signature we cannot trust or read."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    status: str  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    payment_intent: str | None
    amount_total: int | None
    currency: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    client_reference_id: str | None = None
    url: str | None = None
    expires_at: datetime | None = None

    @property
    def payment_id(self) -> int | None:
        raw = self.metadata.get("payment_id") or self.client_reference_id or ""
        return int(raw) if str(raw).isdigit() else None


@dataclass(frozen=True)
class Charge:
    id: str
    payment_intent: str | None
    amount: int
    amount_refunded: int
    refunded: bool
    currency: str
    refund_id: str | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    status: str  # pending | requires_action | succeeded | failed | canceled


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def webhooks_configured() -> bool:
    return bool(settings.STRIPE_WEBHOOK_SECRET)


def idempotency_key(*, payment_id: int, action: str) -> str:
    return f"letterbridge-payment-{payment_id}-{action}"


def _client() -> stripe.StripeClient:
    if not is_configured():
        raise StripeUnavailable("Stripe is not configured (no STRIPE_SECRET_KEY).")
    client = http_client or stripe.RequestsClient(timeout=_TIMEOUT_SECONDS)
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=API_VERSION,
        base_addresses={"api": settings.STRIPE_API_BASE},
        http_client=client,
        max_network_retries=2,
    )


def _call(what: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        logger.warning("stripe %s: not reachable (%s)", what, type(error).__name__)
        raise StripeUnavailable(str(error.user_message or error)) from error
    except stripe.APIError as error:  # Stripe's own 5xx
        logger.warning("stripe %s: server error", what)
        raise StripeUnavailable(str(error.user_message or error)) from error
    except stripe.StripeError as error:
        code = getattr(error, "code", None)
        logger.warning("stripe %s: refused (%s %s)", what, type(error).__name__, code)
        raise StripeRefused(str(error.user_message or error)) from error


def _timestamp(value: Any) -> datetime | None:
    """A Unix time from Stripe; one no calendar can hold is an unreadable value (ValueError)."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (OverflowError, OSError) as error:
        raise ValueError(f"timestamp out of range: {value!r}") from error


def _plain(obj: Any) -> dict[str, Any]:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj or {})


def session_from(obj: Any) -> CheckoutSession:
    data = _plain(obj)
    intent = data.get("payment_intent")
    if isinstance(intent, dict):  # expanded
        intent = intent.get("id")
    return CheckoutSession(
        id=str(data["id"]),
        status=str(data.get("status") or ""),
        payment_status=str(data.get("payment_status") or ""),
        payment_intent=intent or None,
        amount_total=data.get("amount_total"),
        currency=(data.get("currency") or "").upper() or None,
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        client_reference_id=data.get("client_reference_id"),
        url=data.get("url"),
        expires_at=_timestamp(data.get("expires_at")),
    )


def charge_from(obj: Any) -> Charge:
    data = _plain(obj)
    intent = data.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    refunds = ((data.get("refunds") or {}).get("data")) or []
    return Charge(
        id=str(data["id"]),
        payment_intent=intent or None,
        amount=int(data.get("amount") or 0),
        amount_refunded=int(data.get("amount_refunded") or 0),
        refunded=bool(data.get("refunded")),
        currency=(data.get("currency") or "").upper(),
        refund_id=(refunds[0].get("id") if refunds else None),
    )


# --- API calls -------------------------------------------------------------------------------


def checkout_session_create(
    *,
    payment_id: int,
    letter_reference: str,
    amount: int,
    currency: str,
    product_name: str,
    success_url: str,
    cancel_url: str,
    locale: str = "auto",
) -> CheckoutSession:
    """A Checkout Session (mode payment) for one letter's postage."""
    metadata = {"letter_reference": letter_reference, "payment_id": str(payment_id)}
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount,
                    "product_data": {"name": product_name},
                },
            }
        ],
        "client_reference_id": str(payment_id),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": locale,
    }
    client = _client()
    session = _call(
        "checkout.create",
        client.v1.checkout.sessions.create,
        params,
        {"idempotency_key": idempotency_key(payment_id=payment_id, action="checkout")},
    )
    return session_from(session)


def checkout_session_retrieve(session_id: str) -> CheckoutSession:
    client = _client()
    return session_from(
        _call("checkout.retrieve", client.v1.checkout.sessions.retrieve, session_id)
    )


def refund_create(*, payment_id: int, payment_intent: str, amount: int) -> Refund:
    client = _client()
    refund = _call(
        "refund.create",
        client.v1.refunds.create,
        {
            "payment_intent": payment_intent,
            "amount": amount,
            "reason": "requested_by_customer",
            "metadata": {"payment_id": str(payment_id)},
        },
        {"idempotency_key": idempotency_key(payment_id=payment_id, action="refund")},
    )
    data = _plain(refund)
    return Refund(id=str(data["id"]), status=str(data.get("status") or ""))


# --- webhooks --------------------------------------------------------------------------------


def webhook_event(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify a webhook against the raw body and return the event as plain data. Raises
    BadWebhook for a missing or wrong signature, a timestamp outside the tolerance, or a body
    that is not a Stripe event."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise BadWebhook("no webhook secret configured")
    if not signature:
        raise BadWebhook("no Stripe-Signature header")
    try:
        # verifies the v1 signature over the raw bytes and the timestamp, then parses
        event = stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
        data = event.to_dict()
    except stripe.SignatureVerificationError as error:
        raise BadWebhook("signature") from error
    except (ValueError, TypeError, AttributeError, KeyError) as error:  # not UTF-8 / JSON / event
        raise BadWebhook("body") from error
    if not isinstance(data, dict) or data.get("object") != "event":
        raise BadWebhook("not an event")
    # an empty id too: the payment's history names the event that changed it
    if not (isinstance(data.get("id"), str) and data["id"]) or not isinstance(
        data.get("type"), str
    ):
        raise BadWebhook("event without id or type")
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    if not isinstance(obj, dict):
        raise BadWebhook("event without data.object")
    return data
