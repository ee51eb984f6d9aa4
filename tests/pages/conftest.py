"""The pages show payments' part: Stripe configured or not, as in the payments tests."""

from tests.payments.conftest import stripe_off, stripe_on

__all__ = ["stripe_off", "stripe_on"]
