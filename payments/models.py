from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import AppendOnlyModel
from core.money import format_money
from letters.models import CURRENCIES, Letter


class PaymentProvider(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    MANUAL = "manual", _("manual (bank transfer, cash)")
    WAIVED = "waived", _("waived")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for payment")
    PAID = "paid", _("paid")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")
    REFUNDED = "refunded", _("refunded")
    WAIVED = "waived", _("waived")


class Payment(models.Model):
    Provider = PaymentProvider

    Status = PaymentStatus

    letter = models.ForeignKey(
        Letter,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=pgettext_lazy("admin field", "letter"),
    )
    provider = models.CharField(
        max_length=10,
        choices=Provider.choices,
        verbose_name=pgettext_lazy("admin field", "provider"),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        verbose_name=pgettext_lazy("admin field", "status"),
    )
    currency = models.CharField(
        max_length=3, choices=CURRENCIES, verbose_name=pgettext_lazy("admin field", "currency")
    )
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    stripe_checkout_session_id = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "stripe checkout session id"),
    )
    stripe_payment_intent_id = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "stripe payment intent id"),
    )
    stripe_refund_id = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "stripe refund id"),
    )
    created_at = models.DateTimeField(
        auto_now_add=True, verbose_name=pgettext_lazy("admin field", "created at")
    )
    updated_at = models.DateTimeField(
        auto_now=True, verbose_name=pgettext_lazy("admin field", "updated at")
    )
    paid_at = models.DateTimeField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "paid at")
    )
    refunded_at = models.DateTimeField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "refunded at")
    )
    # Stripe Checkout: where to send the supporter back to while the session is open.
    checkout_url = models.URLField(
        max_length=1000, blank=True, verbose_name=pgettext_lazy("admin field", "checkout url")
    )
    checkout_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "checkout expires at")
    )
    # Refunds: asked for when the letter is cancelled or rejected (or a second payment arrives
    # for a letter already settled); the last error stays visible to coordinators until it works.
    refund_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "refund requested at")
    )
    refund_attempts = models.PositiveSmallIntegerField(
        default=0, verbose_name=pgettext_lazy("admin field", "refund attempts")
    )
    refund_error = models.TextField(
        blank=True, verbose_name=pgettext_lazy("admin field", "refund error")
    )
    receipt_sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "receipt sent at")
    )

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "payment")
        verbose_name_plural = pgettext_lazy("admin model name", "payments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(provider__in=PaymentProvider.values), name="payment_provider_valid"
            ),
            models.CheckConstraint(
                condition=Q(currency__in=[c for c, _label in CURRENCIES]),
                name="payment_currency_valid",
            ),
            models.CheckConstraint(
                condition=Q(provider="waived", status="waived", amount=0)
                | (~Q(provider="waived") & ~Q(status="waived") & Q(amount__gt=0)),
                name="payment_waived_consistent",
            ),
            # A letter's postage is settled at most once.
            models.UniqueConstraint(
                fields=["letter"],
                condition=Q(status__in=["paid", "waived"]),
                name="one_settled_payment_per_letter",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payment_status_idx"),
            models.Index(
                fields=["refund_requested_at"],
                condition=Q(refund_requested_at__isnull=False, stripe_refund_id__isnull=True),
                name="payment_refund_due_idx",
            ),
        ]

    def __str__(self) -> str:
        # As the reader's language writes the sum and the status ("£2.20, paid").
        return f"{format_money(self.amount, self.currency)}, {self.get_status_display()}"


class PaymentEventSource(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    COORDINATOR = "coordinator", _("coordinator")
    SUPPORTER = "supporter", _("supporter")
    RECONCILE = "reconcile", _("reconciliation with Stripe")
    SYSTEM = "system", _("automatic")


# The action of an event carried over from the text notes payments kept before their history.
EARLIER_NOTE = "earlier_note"


class PaymentEvent(AppendOnlyModel):
    """Append-only history of a payment: every change of its status, and the facts that leave
    it where it is (a refund asked for, a refund that failed), each with where it came from.
    It holds no personal data of the supporter, so it outlives the erasure of their identity.
    Events with the action EARLIER_NOTE and no statuses are the notes payments kept in a text
    field before they had a history."""

    Source = PaymentEventSource

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(
        pgettext_lazy("payment status", "from"),
        max_length=10,
        choices=PaymentStatus.choices,
        blank=True,
    )
    to_status = models.CharField(
        pgettext_lazy("payment status", "to"),
        max_length=10,
        choices=PaymentStatus.choices,
        blank=True,
    )
    action = models.CharField(_("action"), max_length=30)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    stripe_event_id = models.CharField(_("Stripe event"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_events",
    )
    note = models.TextField(_("note"), blank=True)
    # Not auto_now_add: the notes carried over from before keep the time they were written.
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["payment", "created_at"], name="paymentevent_payment_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=PaymentEventSource.values), name="paymentevent_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(from_status__in=["", *PaymentStatus.values])
                & Q(to_status__in=["", *PaymentStatus.values]),
                name="paymentevent_status_valid",
            ),
            # Only the notes from before the history lack the status the payment was left in.
            models.CheckConstraint(
                condition=~Q(to_status="") | Q(action=EARLIER_NOTE),
                name="paymentevent_has_target",
            ),
            # Stripe's word comes with the id of the event that said it; nobody else's does.
            models.CheckConstraint(
                condition=Q(source="stripe", stripe_event_id__gt="")
                | (~Q(source="stripe") & Q(stripe_event_id="")),
                name="paymentevent_stripe_has_event_id",
            ),
            # A coordinator's change names the coordinator; nobody else is a user.
            models.CheckConstraint(
                condition=Q(source="coordinator", actor__isnull=False)
                | (~Q(source="coordinator") & Q(actor__isnull=True)),
                name="paymentevent_coordinator_has_actor",
            ),
        ]

    def __str__(self) -> str:
        # In words, as the admin shows it above each row of a payment's history.
        # (lifecycle reads this module: imported when called.)
        from .lifecycle import action_label

        return f"{self.payment_id}: {action_label(self.action)}"


class StripeEvent(models.Model):
    """Each Stripe event id, stored in the transaction that applies it: applied once only.
    Only ids and the type are kept; the payload (with the payer's details) is not."""

    stripe_id = models.CharField(
        max_length=255, unique=True, verbose_name=pgettext_lazy("admin field", "stripe id")
    )
    type = models.CharField(max_length=100, verbose_name=pgettext_lazy("admin field", "type"))
    livemode = models.BooleanField(
        default=False, verbose_name=pgettext_lazy("admin field", "livemode")
    )
    received_at = models.DateTimeField(
        auto_now_add=True, verbose_name=pgettext_lazy("admin field", "received at")
    )

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "Stripe event")
        verbose_name_plural = pgettext_lazy("admin model name", "Stripe events")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
