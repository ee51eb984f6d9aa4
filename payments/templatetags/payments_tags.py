from email.utils import parseaddr

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext

from core.money import format_money
from letters.lifecycle import OPEN_STATES
from letters.models import Letter
from payments import stripe_api
from payments.models import Payment

register = template.Library()


@register.simple_tag
def postage_state(letter: Letter) -> dict:
    """What the tracking page says about postage: paid, waived, refunded, waiting for payment,
    payment failed (try again), or due."""
    if letter.delivery != Letter.Delivery.POST_FOR_ME:
        return {"state": "none"}
    if letter.status not in OPEN_STATES and letter.postage == Letter.Postage.DUE:
        return {"state": "none"}  # closed without paying: nothing to say about postage
    latest = letter.payments.order_by("-created_at", "-pk").first()
    if letter.postage in (Letter.Postage.PAID, Letter.Postage.WAIVED, Letter.Postage.REFUNDED):
        state = letter.postage
    elif latest is not None and latest.status == Payment.Status.PENDING and latest.checkout_url:
        state = "waiting"
    elif latest is not None and latest.status in (Payment.Status.FAILED, Payment.Status.EXPIRED):
        state = "failed"
    else:
        state = "due"
    fee = settings.LETTERBRIDGE_POSTAGE_FEES.get(letter.postage_currency, 0)
    return {
        "state": state,
        "can_pay": letter.status in OPEN_STATES and state in ("due", "waiting", "failed"),
        "online": stripe_api.is_configured(),
        "amount": format_money(fee, letter.postage_currency),
    }


@register.simple_tag
def payment_instructions() -> str:
    """How to pay without Stripe: the organisation's own words, or else an invitation, in the
    supporter's language, to write to it."""
    if settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS.strip():
        return settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS.strip()
    return gettext(
        "Please write to %(organisation)s at %(email)s to arrange paying the postage by bank "
        "transfer or in cash."
    ) % {
        "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
        "email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
    }


@register.filter
def minor_units(value) -> str:
    """220 -> "2.20" ("2,20" on a Russian page): amounts are stored in pence and cents."""
    try:
        return number_format(int(value) / 100, decimal_pos=2)
    except (TypeError, ValueError):
        return ""
