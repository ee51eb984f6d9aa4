import pytest

from payments import stripe_api
from tests.payments import stripe_fake


@pytest.fixture
def stripe_on(settings, monkeypatch):
    """Stripe configured, its HTTP API answered by recordings (returned for routes and
    assertions)."""
    settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_fake.API_BASE
    fake = stripe_fake.RecordedStripe()
    monkeypatch.setattr(stripe_api, "http_client", fake)
    return fake


@pytest.fixture
def stripe_off(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
