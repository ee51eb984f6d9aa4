"""Read-only views of payments: the postage ledger (collected vs spent, by currency)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, DateField, Sum
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils.dateformat import format as format_date

from letters.models import CURRENCIES, Letter, PostingBatch

from .models import Payment

P = Payment.Status


@dataclass
class LedgerLine:
    """One currency's money in one period (a month or a posting batch), in minor units."""

    currency: str
    collected: int = 0
    refunded: int = 0
    spent: int = 0
    waived: int = 0  # how many letters had their fee waived

    @property
    def net(self) -> int:
        return self.collected - self.refunded

    @property
    def balance(self) -> int:
        return self.net - self.spent


@dataclass
class LedgerPeriod:
    label: str
    key: object
    lines: list[LedgerLine] = field(default_factory=list)
    letters: int | None = None
    note: str = ""


def _month(value) -> date:
    return value.date().replace(day=1) if hasattr(value, "date") else value.replace(day=1)


def ledger_by_month(*, limit: int = 24) -> list[LedgerPeriod]:
    """Per calendar month and currency: card and manual payments collected (by when they were
    paid), refunds (by when they were refunded), postage spent (posting batches, by the day
    posted) and fees waived. Newest month first."""
    table: dict[date, dict[str, LedgerLine]] = defaultdict(dict)

    def line(month, currency) -> LedgerLine:
        month = _month(month)
        return table[month].setdefault(currency, LedgerLine(currency=currency))

    collected = (
        Payment.objects.filter(status__in=[P.PAID, P.REFUNDED])
        .exclude(provider=Payment.Provider.WAIVED)
        .annotate(month=TruncMonth(Coalesce("paid_at", "refunded_at", "created_at")))
        .values("month", "currency")
        .annotate(total=Sum("amount"))
    )
    for row in collected:
        line(row["month"], row["currency"]).collected += row["total"]
    refunded = (
        Payment.objects.filter(status=P.REFUNDED)
        .annotate(month=TruncMonth(Coalesce("refunded_at", "updated_at")))
        .values("month", "currency")
        .annotate(total=Sum("amount"))
    )
    for row in refunded:
        line(row["month"], row["currency"]).refunded += row["total"]
    waived = (
        Payment.objects.filter(status=P.WAIVED)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "currency")
        .annotate(n=Count("pk"))
    )
    for count in waived:
        line(count["month"], count["currency"]).waived += count["n"]
    spent = (
        PostingBatch.objects.annotate(
            day=Coalesce("posted_on", Cast("created_at", output_field=DateField()))
        )
        .annotate(month=TruncMonth("day", output_field=DateField()))
        .values("month", "postage_currency")
        .annotate(total=Sum("postage_spent"))
    )
    for batch in spent:
        line(batch["month"], batch["postage_currency"]).spent += batch["total"]
    months = sorted(table, reverse=True)[:limit]
    return [
        LedgerPeriod(
            label=format_date(month, "F Y"),  # "September 2026", "Сентябрь 2026"
            key=month,
            lines=[table[month][c] for c in sorted(table[month])],
        )
        for month in months
    ]


def ledger_by_batch(*, limit: int = 50) -> list[LedgerPeriod]:
    """Per posting batch: what its letters' supporters paid (less refunds), by currency, against
    the postage spent on the batch."""
    batches = list(PostingBatch.objects.order_by("-created_at", "-pk")[:limit])
    ids = [b.pk for b in batches]
    lines: dict[int, dict[str, LedgerLine]] = defaultdict(dict)

    def line(batch_id, currency) -> LedgerLine:
        return lines[batch_id].setdefault(currency, LedgerLine(currency=currency))

    money = (
        Payment.objects.filter(letter__posting_batch_id__in=ids)
        .values("letter__posting_batch_id", "currency", "status")
        .annotate(total=Sum("amount"), n=Count("pk"))
    )
    for row in money:
        target = line(row["letter__posting_batch_id"], row["currency"])
        if row["status"] in (P.PAID, P.REFUNDED) and row["total"]:
            target.collected += row["total"]
        if row["status"] == P.REFUNDED:
            target.refunded += row["total"]
        if row["status"] == P.WAIVED:
            target.waived += row["n"]
    counts = dict(
        Letter.objects.filter(posting_batch_id__in=ids)
        .values("posting_batch_id")
        .annotate(n=Count("pk"))
        .values_list("posting_batch_id", "n")
    )
    periods = []
    for batch in batches:
        line(batch.pk, batch.postage_currency).spent += batch.postage_spent
        periods.append(
            LedgerPeriod(
                label=str(batch),
                key=batch.pk,
                lines=[lines[batch.pk][c] for c in sorted(lines[batch.pk])],
                letters=counts.get(batch.pk, 0),
                note=batch.note,
            )
        )
    return periods


def postage_balance() -> list[dict]:
    """Per currency, in major units: postage collected and kept (paid, less refunds) against
    postage spent on posted batches, and the balance; the coordinators' dashboard shows it.
    Currencies with neither are left out."""
    collected = dict(
        Payment.objects.filter(status=P.PAID)
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    spent = dict(
        PostingBatch.objects.filter(posted_on__isnull=False)
        .values("postage_currency")
        .annotate(total=Sum("postage_spent"))
        .values_list("postage_currency", "total")
    )
    rows = []
    for currency, _label in CURRENCIES:
        row = {
            "currency": currency,
            "spent": spent.get(currency, 0) / 100,
            "collected": collected.get(currency, 0) / 100,
        }
        row["balance"] = row["collected"] - row["spent"]
        if row["spent"] or row["collected"]:
            rows.append(row)
    return rows
