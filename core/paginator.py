"""Admin lists over tables of millions of rows: an exact COUNT(*) of the whole table costs
a full scan on PostgreSQL, so an unfiltered list shows PostgreSQL's own estimate instead.
Filtered lists (the ones people page through) keep exact counts; ``CappedCountPaginator``
counts them only up to a bound ("more than 1,000 letters")."""

from collections.abc import Callable

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

EXACT_BELOW = 50_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or queryset.query.where or queryset.query.distinct:
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        estimate = row[0] if row else -1
        if estimate < EXACT_BELOW:  # small, or never analysed (-1): count exactly
            return super().count
        return estimate


class BoundedPaginator(Paginator):
    """Pages through at most ``bound`` items: counting a queue of a hundred thousand letters
    costs a scan, and nobody pages past the first thousand of a list sorted oldest first.
    ``bounded`` says whether there are more than that."""

    bound = 1000
    object_list: QuerySet  # a query, so that counting can stop at the bound

    @cached_property
    def count(self) -> int:
        if hasattr(self.object_list, "bounded_count"):  # e.g. letters.selectors.WaitingLetters
            return self.object_list.bounded_count(self.bound)
        # Only the keys: an index that holds the filter's and the order's columns answers it
        # alone (letters' letter_waiting_idx for the queue), and no join or annotation is read.
        return self.object_list.values("pk")[: self.bound + 1].count()

    @property
    def bounded(self) -> bool:
        return self.count > self.bound

    @cached_property
    def num_pages(self) -> int:
        pages = super().num_pages
        return min(pages, -(-self.bound // self.per_page))


class CappedCountPaginator(EstimatedCountPaginator):
    """A filtered list counted up to ``cap`` rows and no further: counting every letter
    received at a million letters reads a hundred thousand index entries on every page view,
    for a number nobody pages through. Past the cap, ``count`` is the cap (so the pages run to
    it) and ``capped`` is True, for the page to say "more than 1,000 letters". The unfiltered
    list keeps PostgreSQL's estimate."""

    cap = 1000
    capped = False
    # How the capped query is counted, given what builds it; core.admin_list gives one that
    # compiles it once per shape (and then builds it no more).
    counter: Callable[[Callable[[], QuerySet]], int] | None = None

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not queryset.query.where:
            return super().count

        # Only the keys, unordered, and no more than one past the cap.
        def counted() -> QuerySet:
            return queryset.order_by().values("pk")[: self.cap + 1]

        seen = counted().count() if self.counter is None else self.counter(counted)
        if seen > self.cap:
            self.capped = True
            return self.cap
        return seen
