"""Prisoners' selectors: the public directory, ordered by the counts it is given."""

import pytest

from prisoners.models import Prisoner
from prisoners.selectors import prisoner_directory, prisoner_profile
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
