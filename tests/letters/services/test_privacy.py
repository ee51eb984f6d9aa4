"""letters.services.privacy: forgetting a letter on the supporter's request and after the
retention period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from letters.models import Letter
from letters.services import privacy
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db
S = Letter.Status

# Everything that says who wrote a letter or what it says.
PERSONAL_FIELDS = {
    "supporter_name",
    "supporter_email",
    "supporter_email_hash",
    "supporter_country",
    "original_text",
    "translation",
    "signature_ru",
    "review_comment",
    "flag_reason",
    "rejection_reason",
}


def _ended_letter_with_every_text(ended_at) -> Letter:
    return LetterFactory(
        status=S.REJECTED,
        status_changed_at=ended_at,
        review_comment="Line 2 reads oddly.",
        flagged_at=ended_at,
        flag_reason="Mentions the case.",
        rejection_reason="Please write about everyday things.",
    )


def _row(letter: Letter) -> dict:
    return Letter.objects.filter(pk=letter.pk).values().get()


def _changed_fields(letter: Letter, before: dict) -> set[str]:
    return {name for name, value in _row(letter).items() if value != before[name]}


def test_erasure_on_request_and_after_retention_erase_the_same_fields(settings):
    # given two letters that ended long ago, every text and the supporter's details filled in
    settings.LETTERBRIDGE_RETENTION_DAYS = 90
    ended_at = timezone.now() - timedelta(days=100)
    asked, retained = (
        _ended_letter_with_every_text(ended_at),
        _ended_letter_with_every_text(ended_at),
    )
    before = {letter.pk: _row(letter) for letter in (asked, retained)}
    assert all(before[asked.pk][name] for name in PERSONAL_FIELDS)

    # when the supporter of one asks to be forgotten, and the retention purge finds the other
    privacy.letter_erase_supporter_data(letter_id=asked.pk)
    assert privacy.letters_purge_texts() == 1

    # then both lost exactly the same fields: every personal one, and nothing else but the time
    # of the erasure (and of the row's last change)
    expected = PERSONAL_FIELDS | {"texts_erased_at", "updated_at"}
    assert _changed_fields(asked, before[asked.pk]) == expected
    assert _changed_fields(retained, before[retained.pk]) == expected
    for letter in (asked, retained):
        letter.refresh_from_db()
        assert all(getattr(letter, name) == "" for name in PERSONAL_FIELDS)
        assert (letter.reference, letter.status) == (before[letter.pk]["reference"], S.REJECTED)
