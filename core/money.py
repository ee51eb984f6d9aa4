"""Sums of money as a reader of the active language writes them: "£2.20" in English, "2,20 £"
in Russian (the decimal comma, the symbol after the number, as Russian prints prices)."""

from django.utils.formats import number_format
from django.utils.translation import pgettext

SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}


def format_money(minor: int, currency: str, *, symbol: bool = True) -> str:
    """``minor`` units (pence, cents) of ``currency``: "£2.20" / "2,20 £"; with ``symbol=False``
    the code instead: "2.20 GBP" / "2,20 GBP"."""
    amount = number_format(minor / 100, decimal_pos=2)
    if symbol and currency in SYMBOLS:
        # Translators: how a price is written; {amount} is "2.20" (or "2,20"), {symbol} "£".
        return pgettext("a price", "{symbol}{amount}").format(
            symbol=SYMBOLS[currency], amount=amount
        )
    return f"{amount} {currency}"
