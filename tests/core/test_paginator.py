import pytest
from django.db import connection
from django.urls import reverse

from core.paginator import EXACT_BELOW, CappedCountPaginator, EstimatedCountPaginator
from letters.models import Letter
from tests.factories import CoordinatorFactory, LetterFactory

pytestmark = pytest.mark.django_db


def test_small_or_filtered_lists_count_exactly():
    LetterFactory.create_batch(3)
    assert EstimatedCountPaginator(Letter.objects.all(), 100).count == 3
    assert EstimatedCountPaginator(Letter.objects.filter(status="received"), 100).count == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="uses pg_class estimates")
def test_a_huge_unfiltered_table_uses_the_planner_estimate(monkeypatch):
    LetterFactory.create_batch(2)
    with connection.cursor() as cursor:  # pretend the planner last saw a very large table
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = 'letters_letter'::regclass",
            [EXACT_BELOW * 20],
        )
    assert EstimatedCountPaginator(Letter.objects.all(), 100).count == EXACT_BELOW * 20
    assert EstimatedCountPaginator(Letter.objects.filter(status="received"), 100).count == 2


def test_bounded_paginator_counts_no_further_than_its_bound():
    from core.paginator import BoundedPaginator

    LetterFactory.create_batch(7)

    class Small(BoundedPaginator):
        bound = 4

    paginator = Small(Letter.objects.order_by("pk"), 2)
    assert paginator.count == 5 and paginator.bounded  # one past the bound: "more than 4"
    assert paginator.num_pages == 2
    assert len(paginator.get_page(2).object_list) == 2
    unbounded = BoundedPaginator(Letter.objects.all(), 2)
    assert unbounded.count == 7 and not unbounded.bounded and unbounded.num_pages == 4


def test_a_filtered_count_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    LetterFactory.create_batch(3)

    capped = CappedCountPaginator(Letter.objects.filter(status="received"), 1)
    exact = CappedCountPaginator(Letter.objects.filter(status="cancelled"), 1)

    assert (capped.count, capped.capped, capped.num_pages) == (2, True, 2)
    assert (exact.count, exact.capped) == (0, False)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["more than 2 letters", "Select all matching letters (more than 2)",
                "All matching letters selected (more than 2)"]),
        ("ru", ["больше 2 писем", "Выбрать все подходящие письма (больше 2)",
                "Выбраны все подходящие письма (больше 2)"]),
    ],
)  # fmt: skip
def test_the_letters_list_says_more_than_the_cap(client, monkeypatch, language, words):
    # given more received letters than the list counts
    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    LetterFactory.create_batch(3)
    client.force_login(CoordinatorFactory())
    client.cookies["django_language"] = language

    # when a coordinator filters the list on them
    page = client.get(
        reverse("admin:letters_letter_changelist"), {"status__exact": "received"}
    ).content.decode()

    # then it says "more than", not a count it did not make
    assert all(word in page for word in words)
    assert "3 letters" not in page
