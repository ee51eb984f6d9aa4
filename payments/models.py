from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    currency = models.CharField(max_length=3, choices=CURRENCIES)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    stripe_checkout_session_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # Stripe Checkout: where to send the supporter back to while the session is open.
    checkout_url = models.URLField(max_length=1000, blank=True)
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    # Refunds: asked for when the letter is cancelled or rejected (or a second payment arrives
    # for a letter already settled); the last error stays visible to coordinators until it works.
    refund_requested_at = models.DateTimeField(null=True, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(default=0)
    refund_error = models.TextField(blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        return f"{self.amount / 100:.2f} {self.currency} ({self.status})"


class StripeEvent(models.Model):
    """Each Stripe event id, stored in the transaction that applies it: applied once only.
    Only ids and the type are kept; the payload (with the payer's details) is not."""

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
