"""Coordinators' postage desk: payments with filters, waive a fee or record a manual payment
(from the letter itself, or by typing a reference), retry or close refunds, and the postage
ledger. Every change goes through payments.services."""

from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminRadioSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.admin import ReadOnlyAdminMixin
from core.money import format_money
from letters.lifecycle import PERM_COORDINATE
from letters.models import CURRENCIES, Letter

from . import selectors, services
from .lifecycle import action_label
from .models import Payment, PaymentEvent, StripeEvent

CENTS = Decimal("0.01")


def _money(minor: int, currency: str) -> str:
    return format_money(minor, currency, symbol=False)  # "2.20 GBP", "2,20 GBP"


class RefundProblemFilter(admin.SimpleListFilter):
    title = _("refund")
    parameter_name = "refund"

    def lookups(self, request, model_admin):
        return [
            ("failed", _("refund failed (needs attention)")),
            ("waiting", _("refund asked for, not done")),
        ]

    def queryset(self, request, queryset):
        waiting = Q(refund_requested_at__isnull=False) & ~Q(status=Payment.Status.REFUNDED)
        if self.value() == "failed":
            return queryset.filter(waiting & ~Q(refund_error=""))
        if self.value() == "waiting":
            return queryset.filter(waiting)
        return queryset


class PostageForm(forms.Form):
    """How a letter's postage was settled: paid by hand (amount and currency) or waived."""

    HOW = [
        ("bank_transfer", _("Paid by bank transfer")),
        ("cash", _("Paid in cash")),
        ("waive", _("Waive the fee (we pay the postage)")),
    ]
    how = forms.ChoiceField(
        label=_("How"),
        choices=HOW,
        widget=AdminRadioSelect,
        error_messages={
            "required": _("Choose how the postage was paid, or waive the fee."),
        },
    )
    amount = forms.DecimalField(
        label=_("Amount received"),
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("For a manual payment. Empty means the standard fee."),
        # Django's own message prints its limit as "0.01" in every language.
        error_messages={"min_value": _("Enter an amount above zero, or leave it empty.")},
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[("", _("the letter's currency"))] + list(CURRENCIES),
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Kept in the payment's history for good, after the supporter's data is erased: "
            "say how and why, not who paid."
        ),
    )

    @classmethod
    def for_letter(cls, letter: Letter) -> "PostageForm":
        """Unbound, filled in with the standard fee in the currency the supporter chose."""
        currency = letter.postage_currency or "GBP"
        # In pounds, dollars or euros with their cents, as a person writes a price (2.20).
        fee = (Decimal(settings.LETTERBRIDGE_POSTAGE_FEES[currency]) / 100).quantize(CENTS)
        return cls(initial={"how": "bank_transfer", "amount": fee, "currency": currency})


class SettlePostageForm(PostageForm):
    """The same, for a letter named by its reference (a transfer that quotes it)."""

    field_order = ["reference"]
    reference = forms.CharField(label=_("Letter reference"), max_length=20)

    letter: Letter | None = None

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        self.letter = Letter.objects.filter(reference=reference).first()
        if self.letter is None:
            raise forms.ValidationError(_("No letter has this reference."))
        return reference


def _each_payment(modeladmin, request, queryset, service: Callable[..., object], done) -> None:
    """Call ``service`` on each selected payment as this coordinator; say how each went."""
    for payment in queryset:
        try:
            service(payment_id=payment.pk, coordinator=request.user)
        except services.PaymentError as error:
            modeladmin.message_user(request, f"{payment.letter}: {error.message}", messages.WARNING)
        else:
            modeladmin.message_user(request, f"{payment.letter}: {done}")


@admin.action(description=_("Try the refund again"), permissions=["coordinate"])
def retry_refund(modeladmin, request, queryset):
    _each_payment(modeladmin, request, queryset, services.payment_refund_retry, _("refund queued"))


@admin.action(description=_("Mark refunded (paid back by hand)"), permissions=["coordinate"])
def mark_refunded_by_hand(modeladmin, request, queryset):
    _each_payment(
        modeladmin,
        request,
        queryset,
        services.payment_mark_refunded_by_hand,
        _("marked refunded"),
    )


class PaymentEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The payment's history on its page, for coordinators: every change, read-only."""

    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "what_happened", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    ordering = ["created_at", "pk"]
    verbose_name_plural = _("history")

    @admin.display(description=pgettext_lazy("admin field", "what happened"))
    def what_happened(self, event: PaymentEvent) -> str:
        # The words; the code stays in the tooltip, for whoever looks it up in the logs.
        return format_html('<span title="{}">{}</span>', event.action, action_label(event.action))

    @admin.display(description=_("by"))
    def by(self, event) -> str:
        if event.actor_id:
            return f"{event.get_source_display()} {event.actor.get_username()}"
        if event.stripe_event_id:
            return f"Stripe {event.stripe_event_id}"
        return event.get_source_display()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PERM_COORDINATE)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only: every change goes through a service (the actions, the settle page); the form
    # would save the whole row over whatever a webhook wrote meanwhile.
    list_display = [
        "created_at",
        "letter_link",
        "provider",
        "status",
        "amount_display",
        "paid_at",
        "refund_state",
    ]
    list_filter = ["status", "provider", "currency", RefundProblemFilter]
    search_fields = [
        "letter__reference",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "stripe_refund_id",
    ]
    list_select_related = ["letter"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [PaymentEventInline]
    actions = [retry_refund, mark_refunded_by_hand]
    change_list_template = "admin/payments/payment/change_list.html"

    @admin.display(description=_("letter"), ordering="letter__reference")
    def letter_link(self, obj):
        """The letter's reference, opening the letter: where a coordinator goes next."""
        url = reverse("admin:letters_letter_change", args=[obj.letter_id])
        return format_html('<a href="{}">{}</a>', url, obj.letter.reference)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return _money(obj.amount, obj.currency)

    @admin.display(description=_("refund"))
    def refund_state(self, obj):
        if obj.status == Payment.Status.REFUNDED:
            return _("refunded")
        if obj.refund_requested_at is None:
            return ""
        if obj.refund_error:
            return format_html('<strong class="errornote">{}</strong>', obj.refund_error)
        return _("asked for")

    def has_coordinate_permission(self, request) -> bool:
        return request.user.has_perm(PERM_COORDINATE)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("settle/", view(self.settle_view), name="payments_payment_settle"),
            path(
                "settle/<int:letter_id>/",
                view(self.settle_letter_view),
                name="payments_payment_settle_letter",
            ),
            path("ledger/", view(self.ledger_view), name="payments_payment_ledger"),
            *super().get_urls(),
        ]

    def _require_coordinator(self, request):
        if not request.user.has_perm(PERM_COORDINATE):
            raise PermissionDenied

    def _settle(self, request, letter: Letter, form: PostageForm) -> bool:
        """Hand a valid form to the payments service; its refusal becomes a form error."""
        data = form.cleaned_data
        try:
            if data["how"] == "waive":
                services.payment_waive(
                    letter_id=letter.pk, coordinator=request.user, note=data["note"]
                )
            else:
                currency = data["currency"] or letter.postage_currency or "GBP"
                amount = (
                    int(data["amount"] * 100)
                    if data["amount"]
                    else settings.LETTERBRIDGE_POSTAGE_FEES[currency]
                )
                payment = services.payment_record_manual(
                    letter_id=letter.pk,
                    coordinator=request.user,
                    method=data["how"],
                    amount=amount,
                    currency=currency,
                    note=data["note"],
                )
                if payment.refund_requested_at is not None:
                    self.message_user(
                        request,
                        _(
                            "Payment for %(ref)s recorded. The letter is closed, so the money "
                            "goes back: pay it back by hand, then mark the payment refunded."
                        )
                        % {"ref": letter.reference},
                        messages.WARNING,
                    )
                    return True
        except services.PaymentError as error:
            form.add_error(None, error.message)
            return False
        self.message_user(request, _("Postage for %(ref)s recorded.") % {"ref": letter.reference})
        return True

    def _settle_page(self, request, form: PostageForm, letter: Letter | None = None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record payment or waiver")
            if letter
            else _("Waive a fee or record a manual payment"),
            "form": form,
            "letter": letter,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "fees": [
                _money(amount, currency)
                for currency, amount in settings.LETTERBRIDGE_POSTAGE_FEES.items()
            ],
        }
        return TemplateResponse(request, "admin/payments/settle.html", context)

    def settle_view(self, request):
        """Waive a letter's fee, or record postage paid by bank transfer or cash."""
        self._require_coordinator(request)
        if request.method == "POST":
            form = SettlePostageForm(request.POST)
            letter = form.letter if form.is_valid() else None  # found by the form's clean
            if letter is not None and self._settle(request, letter, form):
                url = reverse("admin:payments_payment_changelist")
                return redirect(f"{url}?q={letter.reference}")
        else:
            form = SettlePostageForm(initial={"reference": request.GET.get("reference", "")})
        return self._settle_page(request, form)

    def settle_letter_view(self, request, letter_id: int):
        """The same for one letter, reached from its admin page or from Prepare today's post
        (``next``), filled in with its standard fee."""
        self._require_coordinator(request)
        letter = get_object_or_404(Letter.objects.select_related("prisoner"), pk=letter_id)
        if request.method == "POST":
            form = PostageForm(request.POST)
            if form.is_valid() and self._settle(request, letter, form):
                back = request.POST.get("next", "")
                if not url_has_allowed_host_and_scheme(
                    back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                ):
                    back = reverse("admin:letters_letter_change", args=[letter.pk])
                return redirect(back)
        else:
            form = PostageForm.for_letter(letter)
        return self._settle_page(request, form, letter)

    def ledger_view(self, request):
        """Postage collected vs spent, by currency, per month and per posting batch."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Postage ledger"),
            "months": selectors.ledger_by_month(),
            "batches": selectors.ledger_by_batch(),
        }
        return TemplateResponse(request, "admin/payments/ledger.html", context)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "stripe_id", "type", "livemode"]
    list_filter = ["type", "livemode"]
    search_fields = ["stripe_id"]
