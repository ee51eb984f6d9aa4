"""Dates as a native reader writes them, where Django's own formats do not."""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from letters.models import Letter
from tests.factories import CoordinatorFactory, LetterFactory
from tests.payments.factories import StripePaymentFactory


def test_a_day_and_its_month_take_the_genitive_in_russian():
    day = datetime.date(2026, 12, 6)

    with translation.override("ru"):
        russian = formats.date_format(day, "MONTH_DAY_FORMAT")
        full = formats.date_format(day, "DATE_FORMAT")
    with translation.override("en"):
        english = formats.date_format(day, "MONTH_DAY_FORMAT")

    assert (russian, full, english) == ("6 декабря", "6 декабря 2026 г.", "6 December")


def test_english_dates_read_as_the_rest_of_the_site_writes_them():
    moment = datetime.datetime(2026, 12, 6, 15, 5, tzinfo=datetime.UTC)

    with translation.override("en"):
        written = formats.date_format(moment, "DATETIME_FORMAT"), formats.date_format(moment)

    assert written == ("6 December 2026, 15:05", "6 December 2026")


@pytest.mark.django_db
def test_a_letters_admin_page_writes_its_dates_as_its_history_does(client):
    # given a letter received at a known moment, and a coordinator reading the admin in English
    letter = LetterFactory()
    received = datetime.datetime(2026, 12, 6, 15, 5, tzinfo=datetime.UTC)
    Letter.objects.filter(pk=letter.pk).update(created_at=received)
    client.force_login(CoordinatorFactory())

    # when they open the letter's page
    page = client.get(reverse("admin:letters_letter_change", args=[letter.pk])).content.decode()

    # then "Created at" reads as the British write it, not "Dec. 6, 2026, 3:05 p.m."
    assert "6 December 2026, 15:05" in page
    assert "p.m." not in page


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
