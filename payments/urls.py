from django.urls import path

from . import views, webhooks

app_name = "payments"
urlpatterns = [
    path("checkout/<str:token>/", views.checkout, name="checkout"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
