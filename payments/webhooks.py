"""Stripe's webhook endpoint. It only parses: the signature is checked against the raw body,
the event id is stored in the same transaction that applies it (so an event is applied once,
and a handler that fails stores nothing and Stripe delivers again), and each event type is
handed to one service.

Answers: 200 applied, already applied, or ignored (a type we do not handle, or an object that
is not ours: a Checkout Session we never created, a charge with no PaymentIntent; neither is
stored); 400 a bad signature or body; 409 an event we cannot place yet (Stripe retries); 503 a
handler failed (Stripe retries). Never 500.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services, stripe_api
from .models import StripeEvent

logger = logging.getLogger(__name__)


# Each handler gets the event's object and its id (the payment's history names the event that
# changed it), and returns whether the event was about one of our payments.
def _session(obj: dict[str, Any], event_id: str) -> bool:
    session = stripe_api.session_from(obj)
    source = services.EventSource.stripe(event_id)
    return services.payment_apply_session(session=session, source=source) is not None


def _session_failed(obj: dict[str, Any], event_id: str) -> bool:
    session = stripe_api.session_from(obj)
    source = services.EventSource.stripe(event_id)
    return services.payment_apply_session(session=session, source=source, failed=True) is not None


def _charge_refunded(obj: dict[str, Any], event_id: str) -> bool:
    charge = stripe_api.charge_from(obj)
    source = services.EventSource.stripe(event_id)
    return services.payment_charge_refunded(charge=charge, source=source) is not None


HANDLERS: dict[str, Callable[[dict[str, Any], str], bool]] = {
    "checkout.session.completed": _session,
    "checkout.session.async_payment_succeeded": _session,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session,
    "charge.refunded": _charge_refunded,
}


def _answer(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = stripe_api.webhook_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except stripe_api.BadWebhook as error:
        logger.warning("stripe webhook refused: %s", error)
        return _answer(400, "bad signature or body")
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return _answer(200, "ignored")
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    StripeEvent.objects.create(
                        stripe_id=event["id"],
                        type=event["type"],
                        livemode=bool(event.get("livemode")),
                    )
            except IntegrityError:
                return _answer(200, "already applied")
            if not handler(event["data"]["object"], event["id"]):
                # Not ours: keep no record of it, so a redelivery is ignored again too.
                transaction.set_rollback(True)
                return _answer(200, "ignored")
    except services.NotLinkedYet:
        logger.info("stripe webhook %s: not linked to a payment yet", event["type"])
        return _answer(409, "not linked to a payment yet; deliver again later")
    except (KeyError, TypeError, ValueError, AttributeError, DataError):
        # A signed event whose object is not what Stripe sends (a list where a dict belongs, a
        # field too long or holding NUL to store): retrying would not help, so 400, not 503.
        logger.warning("stripe webhook %s: unreadable object", event["type"])
        return _answer(400, "unreadable event object")
    except Exception:
        logger.exception("stripe webhook %s: handler failed", event["type"])
        return _answer(503, "not applied; deliver again later")
    return _answer(200, "applied")
