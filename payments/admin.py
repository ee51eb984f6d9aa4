from django.contrib import admin

from .models import Payment, StripeEvent


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "letter", "provider", "status", "amount", "currency", "paid_at"]
    list_filter = ["status", "provider", "currency"]
    search_fields = ["letter__reference", "stripe_checkout_session_id", "stripe_payment_intent_id"]
    list_select_related = ["letter"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "stripe_id", "type", "livemode"]
    list_filter = ["type", "livemode"]
    search_fields = ["stripe_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
