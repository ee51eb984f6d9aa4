"""payments.selectors: the ledger (collected vs spent by currency, per month and per batch)
and the postage balance on the dashboard."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter, PostingBatch
from payments import selectors
from payments.models import Payment
from tests.factories import LetterFactory
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db

P = Payment.Status


@pytest.fixture
def desk(client, coordinator):
    client.force_login(coordinator)
    return client


def test_ledger_per_month_and_per_batch(desk, coordinator):
    # given, this month: two card payments in GBP (one later refunded), one in EUR, a waiver,
    # and a batch that spent 5.00 GBP posting two of the letters
    batch = PostingBatch.objects.create(
        created_by=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=500,
        postage_currency="GBP",
    )
    now = timezone.now()
    gbp1 = StripePaymentFactory(status=P.PAID, paid_at=now)
    gbp2 = StripePaymentFactory(status=P.REFUNDED, paid_at=now, refunded_at=now)
    StripePaymentFactory(
        letter=LetterFactory(postage_currency="EUR"), status=P.PAID, paid_at=now, amount=252
    )
    Payment.objects.create(
        letter=LetterFactory(), provider="waived", status="waived", amount=0, currency="GBP"
    )
    Letter.objects.filter(pk__in=[gbp1.letter_id, gbp2.letter_id]).update(posting_batch=batch)

    # when the ledger is read
    (month,) = selectors.ledger_by_month()
    (batch_period,) = selectors.ledger_by_batch()

    # then collected vs spent is shown per currency
    lines = {line.currency: line for line in month.lines}
    assert month.key == timezone.localdate().replace(day=1)
    assert (lines["GBP"].collected, lines["GBP"].refunded, lines["GBP"].spent) == (440, 220, 500)
    assert lines["GBP"].balance == 440 - 220 - 500
    assert lines["GBP"].waived == 1
    assert (lines["EUR"].collected, lines["EUR"].spent) == (252, 0)
    assert batch_period.letters == 2
    (batch_line,) = batch_period.lines
    assert (batch_line.currency, batch_line.net, batch_line.spent) == ("GBP", 220, 500)
    # and the page shows it
    response = desk.get(reverse("admin:payments_payment_ledger"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "4.40" in body and "5.00" in body and "-2.80" in body


def test_ledger_puts_older_months_apart(coordinator):
    old = timezone.now() - timedelta(days=62)
    StripePaymentFactory(status=P.PAID, paid_at=old)
    StripePaymentFactory(status=P.PAID, paid_at=timezone.now())
    assert len(selectors.ledger_by_month()) == 2


def test_the_postage_balance_sets_what_was_kept_against_what_was_spent(coordinator):
    # given a payment kept, one refunded, and a posted batch
    StripePaymentFactory(status=P.PAID, paid_at=timezone.now())
    StripePaymentFactory(status=P.REFUNDED, paid_at=timezone.now(), refunded_at=timezone.now())
    PostingBatch.objects.create(
        created_by=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=150,
        postage_currency="GBP",
    )

    # when the balance is read
    (gbp,) = selectors.postage_balance()

    # then only the kept payment counts as collected
    assert gbp == {"currency": "GBP", "spent": 1.5, "collected": 2.2, "balance": 2.2 - 1.5}


def test_a_months_label_is_in_the_readers_language(coordinator):
    from django.utils import translation

    StripePaymentFactory(status=P.PAID, paid_at=timezone.now())
    months_ru = [
        "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
        "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
    ]  # fmt: skip
    with translation.override("ru"):
        (month,) = selectors.ledger_by_month()
    assert month.label == f"{months_ru[month.key.month - 1]} {month.key.year}"
    with translation.override("en"):
        (month,) = selectors.ledger_by_month()
    assert month.label == month.key.strftime("%B %Y")  # "December 2026"


def test_the_ledgers_amounts_use_the_readers_decimal_mark():
    from django.utils import translation

    from payments.templatetags.payments_tags import minor_units

    with translation.override("en"):
        assert (minor_units(220), minor_units(-280), minor_units("x")) == ("2.20", "-2.80", "")
    with translation.override("ru"):
        assert (minor_units(220), minor_units(-280)) == ("2,20", "-2,80")


def test_a_batchs_label_in_the_ledger_is_in_the_readers_language(desk, coordinator):
    # given a posted batch
    PostingBatch.objects.create(
        created_by=coordinator,
        posted_on=timezone.localdate().replace(month=12, day=7),
        postage_spent=440,
        postage_currency="GBP",
    )

    # when a coordinator reads the ledger in Russian
    page = desk.get(
        reverse("admin:payments_payment_ledger"), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    # then the batch is named in Russian, not "Batch 1 (2026-12-07)"
    assert "отправлена 7 декабря" in page
    assert "Batch " not in page
