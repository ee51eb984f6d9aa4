"""Prisoners' selectors: the public directory, ordered by the counts it is given."""

import re

import pytest

from prisoners.models import Prisoner
from prisoners.selectors import prisoner_directory, prisoner_profile, word_start_pattern
from tests.factories import PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db


def test_the_directory_orders_by_name_or_by_the_fewest_letters_it_is_given():
    # given two people who accept letters and one who does not, and counts from elsewhere
    busy = PrisonerWithAddressFactory(name_en="Anna Busy")
    quiet = PrisonerWithAddressFactory(name_en="Zoya Quiet")
    closed = PrisonerFactory(
        name_en="Aaron Free", status=Prisoner.Status.RELEASED, accepts_letters=False
    )
    counts = {busy.pk: 3, closed.pk: 0}

    # when the directory is read by name and by the fewest letters
    by_name = prisoner_directory(letters_this_month=counts)
    fewest = prisoner_directory(letters_this_month=counts, sort="fewest")

    # then those who accept letters come first, each carrying its count (0 when not given)
    assert [p.name_en for p in by_name] == ["Anna Busy", "Zoya Quiet", closed.name_en]
    assert [p.name_en for p in fewest] == ["Zoya Quiet", "Anna Busy", closed.name_en]
    assert {p.pk: p.letters_this_month for p in fewest} == {quiet.pk: 0, busy.pk: 3, closed.pk: 0}


@pytest.mark.parametrize("slug", ["nobody", "a" * 300, "bad slug", "nul\x00"])
def test_a_profile_that_is_not_there_is_none(slug):
    PrisonerFactory()

    assert prisoner_profile(slug=slug) is None


@pytest.mark.parametrize(
    ("word", "name", "found"),
    [
        ("Zhilin", "Mikhail Zhilin", True),
        ("жилин", "Жилин Михаил", True),
        ("Murza", "Vladimir Kara-Murza", True),
        ("hilin", "Mikhail Zhilin", False),
        ("x" * 3000, "Mikhail Zhilin", False),
        ("(", "Mikhail Zhilin", False),
    ],
)
def test_the_name_search_works_where_python_runs_the_regular_expression(word, name, found):
    # given the pattern as built for SQLite, whose REGEXP is Python's re (make run's database;
    # PostgreSQL's \m was an error there, and every admin search of a name answered 500)
    pattern = word_start_pattern(word, vendor="sqlite")

    # then Python reads it, finding the word only at the start of a word of the name
    assert bool(re.search("(?i)" + pattern, name)) is found
    assert word_start_pattern(word, vendor="postgresql").startswith(r"\m")
