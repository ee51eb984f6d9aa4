"""Money as each language writes it: "£2.20" in English; "2,20 £" in Russian (decimal comma, the
symbol after the number, joined by a no-break space so a line never ends between them)."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.money import format_money


def test_english_and_russian_prices():
    with translation.override("en"):
        assert format_money(220, "GBP") == "£2.20"
        assert format_money(273, "USD") == "$2.73"
        assert format_money(-280, "GBP", symbol=False) == "-2.80 GBP"
    with translation.override("ru"):
        assert format_money(220, "GBP") == "2,20\u00a0£"
        assert format_money(252, "EUR") == "2,52\u00a0€"
        assert format_money(440, "GBP", symbol=False) == "4,40 GBP"


def test_a_currency_without_a_symbol_is_named():
    with translation.override("en"):
        assert format_money(500, "CHF") == "5.00 CHF"


@pytest.mark.django_db
def test_the_russian_letter_form_offers_the_postage_as_russian_prints_prices(client):
    from tests.factories import PrisonerWithAddressFactory

    prisoner = PrisonerWithAddressFactory()
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("letters:write") + f"?to={prisoner.slug}").content.decode()
    assert "2,20\u00a0£" in page and "£2.20" not in page
