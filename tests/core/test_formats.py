"""Dates as a native reader writes them, where Django's own formats do not."""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from tests.factories import CoordinatorFactory
from tests.payments.factories import StripePaymentFactory


def test_a_day_and_its_month_take_the_genitive_in_russian():
    day = datetime.date(2026, 12, 6)

    with translation.override("ru"):
        russian = formats.date_format(day, "MONTH_DAY_FORMAT")
        full = formats.date_format(day, "DATE_FORMAT")
    with translation.override("en"):
        english = formats.date_format(day, "MONTH_DAY_FORMAT")

    assert (russian, full, english) == ("6 декабря", "6 декабря 2026 г.", "December 6")


@pytest.mark.django_db
def test_the_admins_date_drill_down_reads_6_dekabrya(client):
    # given a payment made today, and a coordinator reading the admin in Russian
    payment = StripePaymentFactory()
    client.force_login(CoordinatorFactory())
    client.cookies["django_language"] = "ru"
    day = timezone.localdate(payment.created_at)

    # when they open the payments list by its month
    page = client.get(
        reverse("admin:payments_payment_changelist"),
        {"created_at__year": day.year, "created_at__month": day.month},
    ).content.decode()

    # then the day's link reads with the month in the genitive
    months = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]  # fmt: skip
    assert f"{day.day} {months[day.month - 1]}" in page
