"""Reading which files belong to which letter when one reply answers several supporters."""

import pytest

from replies.forms import parse_files


@pytest.mark.parametrize(
    ("typed", "files"),
    [
        ("", None),
        ("  ", None),
        ("1", (0,)),
        ("1-2, 4", (0, 1, 3)),
        ("2-3,2", (1, 2)),
        (" 4 - 4 ", (3,)),
    ],
)
def test_file_numbers_are_read_from_one(typed, files):
    # when a coordinator types file numbers for a letter (of 4 uploaded), then they are read
    assert parse_files(typed, 4) == files


@pytest.mark.parametrize("typed", ["0", "5", "3-1", "1;2", "a", "1-", "-2", "1-2-3", "٣"])
def test_numbers_that_cannot_be_read_are_refused(typed):
    # when the numbers are outside 1 to 4, backwards or not numbers, then they are refused
    with pytest.raises(ValueError):
        parse_files(typed, 4)
