"""Letters' counts per prisoner, read by the pages that show prisoners (pages.views) and by the
"Mark in transit" confirmation (pages.admin)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from letters.models import Letter
from letters.selectors import (
    letters_this_month_by_prisoner,
    letters_to_hold_by_prisoner,
    month_start,
)
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


def test_letters_this_month_count_only_letters_still_on_their_way():
    # given letters of every fate to one prisoner, one of them from last month
    prisoner = PrisonerWithAddressFactory()
    LetterFactory(prisoner=prisoner)
    LetterFactory(prisoner=prisoner, status=S.POSTED)
    LetterFactory(prisoner=prisoner, status=S.CANCELLED)
    LetterFactory(prisoner=prisoner, status=S.REJECTED)
    old = LetterFactory(prisoner=prisoner)
    Letter.objects.filter(pk=old.pk).update(created_at=month_start() - timedelta(seconds=1))
    other = PrisonerWithAddressFactory()

    # when the month's counts are read
    counts = letters_this_month_by_prisoner()

    # then only this month's letters that may still reach the prisoner count; nobody else has any
    assert counts == {prisoner.pk: 2}
    assert other.pk not in counts


def test_the_counts_are_cached_for_a_few_minutes(django_assert_num_queries):
    # given the counts read once
    LetterFactory()
    first = letters_this_month_by_prisoner()

    # when they are read again, then the database is not asked
    with django_assert_num_queries(0):
        assert letters_this_month_by_prisoner() == first


def test_letters_to_hold_are_the_approved_ones():
    # given approved letters, and letters in other states, to two prisoners
    moving = PrisonerWithAddressFactory()
    other = PrisonerWithAddressFactory()
    for status in (S.APPROVED, S.APPROVED, S.RECEIVED, S.ON_HOLD, S.POSTED):
        LetterFactory(prisoner=moving, status=status)
    LetterFactory(prisoner=other, status=S.APPROVED)

    # when the letters a move would hold are counted for one of them
    counts = letters_to_hold_by_prisoner(prisoner_ids=[moving.pk])

    # then only that prisoner's approved letters count
    assert counts == {moving.pk: 2}


def test_month_start_is_the_first_midnight_of_the_month():
    start = month_start()

    assert (start.day, start.hour, start.minute) == (1, 0, 0)
    assert start <= timezone.localtime()
