"""Postage payments: every change of a Payment happens here.

Locks are always taken letter first, then payment, so the webhook, the refund task, the
reconciliation task and a coordinator can meet on one letter without deadlocking. Every change
checks the payment's current state first: a duplicate or out-of-order Stripe event finds nothing
to do. Every change of a payment's status, and every fact in its history, goes through
``_transition``: it checks ``payments.lifecycle.TRANSITIONS`` and writes a ``PaymentEvent`` saying
where the change came from (a Stripe event, a coordinator, the supporter, reconciliation, or
Letterbridge itself). The letter hears where its postage stands through
``letters.services.dispatch.letter_set_postage`` (the posting guard reads that); its value is
derived from all of the letter's payments, so the same events in any order leave the same letter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from core.money import format_money
from letters.lifecycle import CLOSED_UNSENT_STATES, OPEN_STATES, PERM_COORDINATE
from letters.models import Letter
from letters.services.core import LetterError
from letters.services.dispatch import letter_set_postage
from letters.services.notifications import tracking_url

from . import stripe_api
from .lifecycle import NEW, Action, can_start, leads_to
from .models import Payment, PaymentEvent

logger = logging.getLogger(__name__)

P = Payment.Status
# A session still open for less than this is not handed out again; a new one is made.
CHECKOUT_REUSE_MARGIN_SECONDS = 5 * 60


class PaymentError(Exception):
    """A refused request, with a message fit to show the person who made it."""

    default_message = _("This cannot be done to this payment now.")

    def __init__(self, message=None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class PaymentTransitionRefused(PaymentError):
    """The lifecycle table does not allow this action from the payment's status."""

    def __init__(self, action: Action, status: str):
        self.action, self.status = action, status
        super().__init__(
            _("The payment is “%(status)s” now, so this cannot be done to it.")
            % {"status": Payment.Status(status).label if status else _("not recorded yet")}
        )


@dataclass(frozen=True)
class EventSource:
    """Where a change of a payment came from, as its event records it."""

    kind: str
    stripe_event_id: str = ""
    actor: User | None = None

    @classmethod
    def stripe(cls, event_id: str) -> EventSource:
        return cls(PaymentEvent.Source.STRIPE, stripe_event_id=event_id)

    @classmethod
    def coordinator(cls, user: User) -> EventSource:
        return cls(PaymentEvent.Source.COORDINATOR, actor=user)


SUPPORTER = EventSource(PaymentEvent.Source.SUPPORTER)
RECONCILE = EventSource(PaymentEvent.Source.RECONCILE)
SYSTEM = EventSource(PaymentEvent.Source.SYSTEM)


class NotLinkedYet(Exception):
    """A Stripe event about a payment we cannot identify yet (a refund that arrived before the
    checkout events that name its PaymentIntent). Answered non-2xx so Stripe delivers it again."""


@dataclass(frozen=True)
class CheckoutStart:
    outcome: str  # redirect | settled | unconfigured | not_payable | unavailable
    url: str = ""
    message: str = ""


def postage_fee(currency: str) -> int:
    return settings.LETTERBRIDGE_POSTAGE_FEES[currency]


def _require_coordinator(actor: User) -> None:
    if actor is None or not actor.has_perm(PERM_COORDINATE):
        raise PaymentError(_("You are not allowed to do that."))


def _lock_letter(letter_id: int) -> Letter:
    return Letter.objects.select_for_update(of=("self",)).get(pk=letter_id)


def _lock_payment(payment_id: int) -> tuple[Letter, Payment]:
    """Letter first, then the payment: the one lock order used everywhere."""
    letter_id = Payment.objects.filter(pk=payment_id).values_list("letter_id", flat=True).get()
    letter = _lock_letter(letter_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    return letter, payment


def _transition(
    payment: Payment,
    action: Action,
    *,
    source: EventSource,
    note: str = "",
    fields: Iterable[str] = (),
) -> PaymentEvent:
    """The one way a payment changes: refused unless the lifecycle table allows ``action`` from
    the payment's status; otherwise the payment takes the status the table gives, is saved (a
    new one inserted, an existing one with only its status and ``fields``), and an event
    records the change and where it came from."""
    adding = payment._state.adding
    from_status = NEW if adding else payment.status
    if not can_start(action, from_status):
        raise PaymentTransitionRefused(action, from_status)
    payment.status = leads_to(action, from_status)
    if adding:
        payment.save(force_insert=True)
    else:
        payment.save(update_fields=list(dict.fromkeys(["status", *fields, "updated_at"])))
    return PaymentEvent.objects.create(
        payment=payment,
        from_status=from_status,
        to_status=payment.status,
        action=action,
        source=source.kind,
        stripe_event_id=source.stripe_event_id,
        actor=source.actor,
        note=note,
    )


def _sync_letter_postage(letter: Letter, note: str, source: EventSource | None = None) -> None:
    """Tell the letter where its postage stands, from all of its payments; the letter's history
    names the coordinator when one made the change."""
    if letter.delivery != Letter.Delivery.POST_FOR_ME:
        return
    payments = Payment.objects.filter(letter_id=letter.pk)
    if payments.filter(status=P.PAID).exists():
        target = Letter.Postage.PAID
    elif payments.filter(status=P.WAIVED).exists():
        target = Letter.Postage.WAIVED
    else:
        latest = payments.order_by("-created_at", "-pk").values_list("status", flat=True).first()
        target = Letter.Postage.REFUNDED if latest == P.REFUNDED else Letter.Postage.DUE
    try:
        letter_set_postage(
            letter_id=letter.pk,
            postage=target,
            note=note,
            actor=source.actor if source is not None else None,
        )
    except LetterError as refusal:  # a posted letter keeps its settled postage
        logger.warning("letter %s postage stays (%s)", letter.pk, refusal.message)


def _request_refund(payment: Payment, *, source: EventSource, reason: str) -> None:
    """Mark a payment to be refunded and queue the refund after commit (idempotent)."""
    from .tasks import refund_payment

    if payment.refund_requested_at is None:
        payment.refund_requested_at = timezone.now()
        if payment.provider != Payment.Provider.STRIPE:
            payment.refund_error = _t("Paid by hand: refund it by hand, then mark it refunded.")
        _transition(
            payment,
            Action.REQUEST_REFUND,
            source=source,
            note=reason,
            fields=["refund_requested_at", "refund_error"],
        )
    if payment.provider == Payment.Provider.STRIPE:
        transaction.on_commit(partial(refund_payment.delay, payment.pk), robust=True)


def _queue_receipt(payment: Payment) -> None:
    from .tasks import send_payment_receipt

    transaction.on_commit(partial(send_payment_receipt.delay, payment.pk), robust=True)


def _settled_elsewhere(letter: Letter, payment: Payment) -> bool:
    return (
        Payment.objects.filter(letter_id=letter.pk, status__in=[P.PAID, P.WAIVED])
        .exclude(pk=payment.pk)
        .exists()
    )


def _pay(
    letter: Letter, payment: Payment, *, action: Action, source: EventSource, how: str, note: str
) -> None:
    """The money came in: the payment is paid, the letter hears it, the supporter is thanked,
    and a letter closed meanwhile gets the money back."""
    payment.paid_at = timezone.now()
    _transition(payment, action, source=source, note=note, fields=["paid_at"])
    _sync_letter_postage(letter, note=f"Postage paid ({how}).", source=source)
    _queue_receipt(payment)
    if letter.status in CLOSED_UNSENT_STATES:
        _request_refund(payment, source=source, reason="Paid after the letter was closed.")


def _mark_paid(letter: Letter, payment: Payment, *, source: EventSource) -> bool:
    """pending/failed/expired -> paid, unless the letter is settled by another payment already
    (then this money goes back). Returns whether anything changed."""
    if not can_start(Action.PAY, payment.status):
        return False
    if _settled_elsewhere(letter, payment):
        if payment.refund_requested_at is None:
            _request_refund(
                payment, source=source, reason="Paid after the postage was already settled."
            )
            return True
        return False
    _pay(letter, payment, action=Action.PAY, source=source, how="card, Stripe", note="")
    return True


# --- the supporter ---------------------------------------------------------------------------


def payment_checkout_start(*, letter_id: int) -> CheckoutStart:
    """Send the supporter to Stripe Checkout for the letter's postage. An open session is
    reused; a new attempt after a failed or expired one is a new Payment (and idempotency key).
    The Payment row is committed before Stripe is called, so a webhook never meets a session we
    do not know, and a repeated click reuses the same idempotency key."""
    if not stripe_api.is_configured():
        return CheckoutStart(
            "unconfigured",
            message=_t("Online payment is not available; this page says how to pay instead."),
        )
    with transaction.atomic():
        letter = _lock_letter(letter_id)
        if letter.delivery != Letter.Delivery.POST_FOR_ME or letter.status not in OPEN_STATES:
            return CheckoutStart("not_payable", message=_t("This letter needs no postage now."))
        if letter.postage in (Letter.Postage.PAID, Letter.Postage.WAIVED):
            return CheckoutStart("settled", message=_t("The postage for this letter is settled."))
        payment = (
            Payment.objects.filter(
                letter_id=letter.pk, provider=Payment.Provider.STRIPE, status=P.PENDING
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        now = timezone.now()
        if payment is not None and payment.checkout_url and payment.checkout_expires_at:
            left = (payment.checkout_expires_at - now).total_seconds()
            if left > CHECKOUT_REUSE_MARGIN_SECONDS:
                return CheckoutStart("redirect", url=payment.checkout_url)
        if payment is None or payment.stripe_checkout_session_id:
            # none yet, or its session is closing: the reconciliation task settles that one
            currency = letter.postage_currency
            payment = Payment(
                letter=letter,
                provider=Payment.Provider.STRIPE,
                currency=currency,
                amount=postage_fee(currency),
            )
            _transition(payment, Action.OPEN, source=SUPPORTER)
        base = tracking_url(letter)
        with translation.override(letter.locale):
            product = _t("Postage for letter %(reference)s") % {"reference": letter.reference}
        create_session = partial(
            stripe_api.checkout_session_create,
            payment_id=payment.pk,
            letter_reference=letter.reference,
            amount=payment.amount,
            currency=payment.currency,
            product_name=product,
            success_url=f"{base}?payment=done",
            cancel_url=f"{base}?payment=cancelled",
            locale=letter.locale if letter.locale in ("en", "ru") else "auto",
        )
    try:
        session = create_session()
    except (stripe_api.StripeUnavailable, stripe_api.StripeRefused):
        return CheckoutStart(
            "unavailable",
            message=_t(
                "The payment service could not be reached. Nothing was charged; please try "
                "again in a few minutes."
            ),
        )
    with transaction.atomic():
        _letter, payment = _lock_payment(payment.pk)
        # the webhook may have linked the session already (it can arrive before this)
        if payment.stripe_checkout_session_id in (None, session.id):
            payment.stripe_checkout_session_id = session.id
            linked = ["stripe_checkout_session_id"]
            if payment.status == P.PENDING:
                payment.checkout_url = session.url or ""
                payment.checkout_expires_at = session.expires_at
                linked += ["checkout_url", "checkout_expires_at"]
            payment.save(update_fields=[*linked, "updated_at"])
    return CheckoutStart("redirect", url=session.url or payment.checkout_url)


# --- Stripe's view of a payment (webhooks and reconciliation) --------------------------------


def _payment_id_for_session(session: stripe_api.CheckoutSession) -> int | None:
    found = (
        Payment.objects.filter(stripe_checkout_session_id=session.id)
        .values_list("pk", flat=True)
        .first()
    )
    if found is not None:
        return found
    candidate = (
        Payment.objects.filter(pk=session.payment_id, provider=Payment.Provider.STRIPE)
        .values("pk", "stripe_checkout_session_id", "letter__reference")
        .first()
        if session.payment_id
        else None
    )
    if candidate is None:
        return None
    if candidate["stripe_checkout_session_id"] not in (None, session.id):
        return None
    if session.metadata.get("letter_reference") != candidate["letter__reference"]:
        return None
    return candidate["pk"]


@transaction.atomic
def payment_apply_session(
    *, session: stripe_api.CheckoutSession, source: EventSource, failed: bool = False
) -> Payment | None:
    """Apply what a Checkout Session says: paid only when its payment_status is "paid";
    ``failed`` for checkout.session.async_payment_failed; expired when Stripe expired it.
    ``source`` is the Stripe event that said so, or the reconciliation that asked. Returns the
    payment, or None when the session is not ours."""
    payment_id = _payment_id_for_session(session)
    if payment_id is None:
        logger.info("stripe session not ours, ignored")
        return None
    letter, payment = _lock_payment(payment_id)
    linked = []
    if not payment.stripe_checkout_session_id:
        payment.stripe_checkout_session_id = session.id
        linked.append("stripe_checkout_session_id")
    if session.payment_intent and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = session.payment_intent
        linked.append("stripe_payment_intent_id")
    if linked:
        payment.save(update_fields=[*linked, "updated_at"])
    if session.payment_status == "paid":
        if session.amount_total is not None and (
            session.amount_total != payment.amount
            or (session.currency or payment.currency) != payment.currency
        ):
            _transition(
                payment,
                Action.AMOUNT_DIFFERS,
                source=source,
                note=f"Stripe reports {session.amount_total} {session.currency}.",
            )
        _mark_paid(letter, payment, source=source)
    elif failed and can_start(Action.FAIL, payment.status):
        _transition(payment, Action.FAIL, source=source, note="The payment failed at Stripe.")
    elif session.status == "expired" and can_start(Action.EXPIRE, payment.status):
        payment.checkout_url = ""
        _transition(payment, Action.EXPIRE, source=source, fields=["checkout_url"])
    return payment


@transaction.atomic
def payment_charge_refunded(*, charge: stripe_api.Charge, source: EventSource) -> Payment | None:
    """A charge was refunded at Stripe (by our refund task or from the dashboard), as the
    Stripe event ``source`` says."""
    if not charge.payment_intent:
        return None
    payment_id = (
        Payment.objects.filter(stripe_payment_intent_id=charge.payment_intent)
        .values_list("pk", flat=True)
        .first()
    )
    if payment_id is None:
        raise NotLinkedYet(charge.payment_intent)
    letter, payment = _lock_payment(payment_id)
    if not (charge.refunded or charge.amount_refunded >= payment.amount):
        if can_start(Action.PART_REFUNDED, payment.status):
            _transition(
                payment,
                Action.PART_REFUNDED,
                source=source,
                note=f"Partly refunded at Stripe: {charge.amount_refunded}.",
            )
        return payment
    if not can_start(Action.REFUND, payment.status):
        return payment  # refunded already, or never a card payment
    payment.refunded_at = timezone.now()
    payment.refund_error = ""
    if charge.refund_id and not payment.stripe_refund_id:
        taken = Payment.objects.filter(stripe_refund_id=charge.refund_id).exists()
        payment.stripe_refund_id = None if taken else charge.refund_id
    _transition(
        payment,
        Action.REFUND,
        source=source,
        fields=["refunded_at", "refund_error", "stripe_refund_id"],
    )
    _sync_letter_postage(letter, note="Postage refunded (Stripe).")
    return payment


# --- refunds ---------------------------------------------------------------------------------


def payment_refund_request(*, letter_id: int) -> list[int]:
    """The letter was cancelled or rejected: every payment that settled it goes back. Returns
    the ids of payments newly marked; a second call marks none."""
    marked = []
    with transaction.atomic():
        _lock_letter(letter_id)
        payments = Payment.objects.select_for_update().filter(
            letter_id=letter_id, status=P.PAID, refund_requested_at__isnull=True
        )
        for payment in payments:
            _request_refund(payment, source=SYSTEM, reason="The letter was closed.")
            marked.append(payment.pk)
    return marked


def payment_refund(*, payment_id: int) -> bool:
    """Refund one payment at Stripe, once. The row stays locked during the call, so a second
    run waits and then finds it refunded; the idempotency key covers a retried request. A
    refusal is kept on the payment for coordinators. Raises StripeUnavailable (after saving the
    error) so the task retries later."""
    unavailable: stripe_api.StripeUnavailable | None = None
    with transaction.atomic():
        letter, payment = _lock_payment(payment_id)
        if payment.status == P.REFUNDED or payment.stripe_refund_id:
            return False
        if payment.refund_requested_at is None:
            return False
        if payment.provider != Payment.Provider.STRIPE or not payment.stripe_payment_intent_id:
            payment.refund_error = _t("Paid by hand: refund it by hand, then mark it refunded.")
            payment.save(update_fields=["refund_error", "updated_at"])
            return False
        payment.refund_attempts += 1
        try:
            refund = stripe_api.refund_create(
                payment_id=payment.pk,
                payment_intent=payment.stripe_payment_intent_id,
                amount=payment.amount,
            )
        except stripe_api.StripeUnavailable as error:
            payment.refund_error = _t("Stripe could not be reached: %(error)s") % {"error": error}
            _refund_failed(payment, note=f"Stripe could not be reached: {error}")
            unavailable = error
        except stripe_api.StripeRefused as error:
            payment.refund_error = _t("Stripe refused the refund: %(error)s") % {"error": error}
            _refund_failed(payment, note=f"Stripe refused the refund: {error}")
            return False
        else:
            if refund.status in ("failed", "canceled"):
                payment.refund_error = _t("Stripe reports the refund %(status)s.") % {
                    "status": refund.status
                }
                _refund_failed(payment, note=f"Stripe reports the refund {refund.status}.")
                return False
            payment.stripe_refund_id = refund.id
            payment.refunded_at = timezone.now()
            payment.refund_error = ""
            _transition(
                payment,
                Action.REFUND,
                source=SYSTEM,
                note=f"Refunded at Stripe ({refund.id}).",
                fields=["stripe_refund_id", "refunded_at", "refund_error", "refund_attempts"],
            )
            _sync_letter_postage(letter, note="Postage refunded.")
            return True
    raise unavailable


def _refund_failed(payment: Payment, *, note: str) -> None:
    _transition(
        payment,
        Action.REFUND_FAILED,
        source=SYSTEM,
        note=note,
        fields=["refund_error", "refund_attempts"],
    )


# --- coordinators ----------------------------------------------------------------------------


def _ensure_unsettled(letter: Letter, *, closed_ok: bool = False) -> None:
    if letter.delivery != Letter.Delivery.POST_FOR_ME:
        raise PaymentError(_("The supporter posts this letter themselves; it has no postage."))
    if letter.status in CLOSED_UNSENT_STATES and not closed_ok:
        raise PaymentError(_("This letter is closed."))
    if Payment.objects.filter(letter_id=letter.pk, status__in=[P.PAID, P.WAIVED]).exists():
        raise PaymentError(_("The postage for this letter is already settled."))


@transaction.atomic
def payment_waive(*, letter_id: int, coordinator: User, note: str = "") -> Payment:
    """The organisation covers the postage."""
    _require_coordinator(coordinator)
    letter = _lock_letter(letter_id)
    _ensure_unsettled(letter)
    payment = Payment(
        letter=letter,
        provider=Payment.Provider.WAIVED,
        currency=letter.postage_currency,
        amount=0,
    )
    _transition(
        payment, Action.WAIVE, source=EventSource.coordinator(coordinator), note=note.strip()
    )
    _sync_letter_postage(
        letter, note="Postage waived by a coordinator.", source=EventSource.coordinator(coordinator)
    )
    return payment


# How postage paid by hand reached us, and the words kept for it in the payment's and the
# letter's history.
MANUAL_METHODS = {"bank_transfer": "bank transfer", "cash": "cash"}


@transaction.atomic
def payment_record_manual(
    *,
    letter_id: int,
    coordinator: User,
    method: str,
    amount: int,
    currency: str,
    note: str = "",
) -> Payment:
    """Postage paid by bank transfer or cash (``method``, a key of MANUAL_METHODS).

    Money that arrives for a letter cancelled or rejected meanwhile (a bank transfer takes
    days) is recorded too, so the ledger holds it: the payment is marked to be paid back by
    hand, and the supporter's receipt says it will be."""
    _require_coordinator(coordinator)
    if method not in MANUAL_METHODS:
        raise PaymentError(_("Choose how the postage was paid: bank transfer or cash."))
    if currency not in settings.LETTERBRIDGE_POSTAGE_FEES:
        raise PaymentError(_("Choose one of the currencies we take."))
    if amount <= 0:
        raise PaymentError(_("The amount must be more than zero."))
    letter = _lock_letter(letter_id)
    _ensure_unsettled(letter, closed_ok=True)
    how = MANUAL_METHODS[method]
    payment = Payment(
        letter=letter, provider=Payment.Provider.MANUAL, currency=currency, amount=amount
    )
    _pay(
        letter,
        payment,
        action=Action.RECORD,
        source=EventSource.coordinator(coordinator),
        how=how,
        note=f"{how}: {note.strip()}" if note.strip() else how,
    )
    return payment


@transaction.atomic
def payment_mark_refunded_by_hand(*, payment_id: int, coordinator: User, note: str = "") -> Payment:
    """A manual payment the organisation has paid back itself."""
    _require_coordinator(coordinator)
    letter, payment = _lock_payment(payment_id)
    if payment.provider != Payment.Provider.MANUAL or payment.status != P.PAID:
        raise PaymentError(_("Only a manual payment that is paid can be marked refunded."))
    payment.refunded_at = timezone.now()
    payment.refund_error = ""
    _transition(
        payment,
        Action.REFUND_BY_HAND,
        source=EventSource.coordinator(coordinator),
        note=note.strip(),
        fields=["refunded_at", "refund_error"],
    )
    _sync_letter_postage(
        letter, note="Postage refunded by hand.", source=EventSource.coordinator(coordinator)
    )
    return payment


def payment_refund_retry(*, payment_id: int, coordinator: User) -> None:
    """A coordinator asks for a failed refund to be tried again."""
    from .tasks import refund_payment

    _require_coordinator(coordinator)
    with transaction.atomic():
        _letter, payment = _lock_payment(payment_id)
        if payment.refund_requested_at is None or payment.status == P.REFUNDED:
            raise PaymentError(_("This payment is not waiting for a refund."))
        transaction.on_commit(partial(refund_payment.delay, payment.pk), robust=True)


# --- e-mail ----------------------------------------------------------------------------------


def payment_receipt_send(*, payment_id: int) -> bool:
    """Thank the supporter for the postage, once (the row lock makes a second run wait, then
    see it sent)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("letter", "letter__prisoner")
            .get(pk=payment_id)
        )
        if payment.receipt_sent_at is not None or payment.status != P.PAID:
            return False
        letter = payment.letter
        context = {
            "letter": letter,
            "prisoner": letter.prisoner,
            "payment": payment,
            "tracking_url": tracking_url(letter),
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
            "letter_closed_unsent": letter.status in CLOSED_UNSENT_STATES,
        }
        with translation.override(letter.locale):
            # "£2.20" / "2,20 £": the amount as the reader's language writes it
            context["amount"] = format_money(payment.amount, payment.currency)
            subject = render_to_string("payments/emails/receipt_subject.txt", context).strip()
            body = render_to_string("payments/emails/receipt.txt", context)
            html = render_to_string("payments/emails/receipt.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[letter.supporter_email])
        message.attach_alternative(html, "text/html")
        message.send()
        payment.receipt_sent_at = timezone.now()
        payment.save(update_fields=["receipt_sent_at", "updated_at"])
    logger.info("payment receipt sent payment=%s", payment_id)
    return True


# --- reconciliation --------------------------------------------------------------------------


@transaction.atomic
def _expire_sessionless(*, payment_id: int) -> bool:
    """A payment whose Checkout Session was never made expires, unless it moved meanwhile."""
    _letter, payment = _lock_payment(payment_id)
    if payment.stripe_checkout_session_id or not can_start(Action.EXPIRE, payment.status):
        return False
    _transition(
        payment,
        Action.EXPIRE,
        source=RECONCILE,
        note="No Checkout Session was made for it within a day.",
    )
    return True


def payments_reconcile() -> int:
    """Pending Stripe payments older than the threshold are checked against their Checkout
    Session and settled as Stripe says (webhooks lost or never configured). Refunds that were
    asked for but never made, and receipts never sent, are queued again. Returns how many
    payments changed; a second run finds them settled and changes nothing."""
    from .tasks import refund_payment, send_payment_receipt

    now = timezone.now()
    cutoff = now - settings.LETTERBRIDGE_PAYMENT_RECONCILE_AFTER
    # Receipts whose task was lost (broker down at commit) are handed to the worker again.
    unsent = Payment.objects.filter(
        status=P.PAID, receipt_sent_at__isnull=True, paid_at__lt=cutoff
    ).values_list("pk", flat=True)[:200]
    for pk in unsent:
        send_payment_receipt.delay(pk)
    if not stripe_api.is_configured():
        return 0
    pending = list(
        Payment.objects.filter(
            provider=Payment.Provider.STRIPE,
            status=P.PENDING,
            created_at__lt=cutoff,
            stripe_checkout_session_id__isnull=False,
        )
        .order_by("created_at")
        .values_list("pk", "stripe_checkout_session_id")[:500]
    )
    changed = 0
    for pk, session_id in pending:
        try:
            # never None: the query asks for payments with a session
            session = stripe_api.checkout_session_retrieve(cast(str, session_id))
        except stripe_api.StripeRefused:
            logger.warning("reconcile: Stripe refused to show the session of payment %s", pk)
            continue
        except stripe_api.StripeUnavailable:
            logger.warning("reconcile: Stripe unavailable; stopping this run")
            break
        payment = payment_apply_session(session=session, source=RECONCILE)
        if payment is not None and payment.status != P.PENDING:
            changed += 1
    # A session whose creation never came back (Stripe down) can no longer be paid after a day.
    stale = Payment.objects.filter(
        provider=Payment.Provider.STRIPE,
        status=P.PENDING,
        stripe_checkout_session_id__isnull=True,
        created_at__lt=now - timedelta(days=1),
    )
    for pk in stale.values_list("pk", flat=True)[:500]:
        changed += _expire_sessionless(payment_id=pk)
    lost_refunds = Payment.objects.filter(
        provider=Payment.Provider.STRIPE,
        refund_requested_at__lt=cutoff,
        stripe_refund_id__isnull=True,
        refund_attempts__lt=10,
    ).exclude(status=P.REFUNDED)
    for pk in lost_refunds.values_list("pk", flat=True)[:200]:
        refund_payment.delay(pk)
    return changed
