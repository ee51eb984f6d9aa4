import factory

from payments.models import Payment
from tests.factories import LetterFactory


class StripePaymentFactory(factory.django.DjangoModelFactory):
    """A Stripe payment whose Checkout Session was created and not yet settled."""

    class Meta:
        model = Payment

    letter = factory.SubFactory(LetterFactory)
    provider = Payment.Provider.STRIPE
    status = Payment.Status.PENDING
    currency = factory.LazyAttribute(lambda o: o.letter.postage_currency or "GBP")
    amount = 220
    stripe_checkout_session_id = factory.Sequence(lambda n: f"cs_test_lb{n:08d}")
    checkout_url = factory.LazyAttribute(
        lambda o: f"https://checkout.stripe.com/c/pay/{o.stripe_checkout_session_id}"
    )
