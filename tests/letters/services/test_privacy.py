"""letters.services.privacy: forgetting a letter on the supporter's request and after the
retention period."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from letters.models import Letter, LetterEvent, PostingBatchDocument
from letters.services import dispatch, privacy
from prisoners.models import PrisonAddress
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


def test_purge_erases_texts_after_retention_keeping_metadata_and_second_run_changes_nothing(
    settings,
):
    # given a letter posted 100 days ago, one posted yesterday, and one still open
    settings.LETTERBRIDGE_RETENTION_DAYS = 90
    now = timezone.now()
    old = LetterFactory(status=S.POSTED, status_changed_at=now - timedelta(days=100))
    recent = LetterFactory(status=S.POSTED, status_changed_at=now - timedelta(days=1))
    open_letter = LetterFactory(status=S.APPROVED, status_changed_at=now - timedelta(days=200))
    # when the purge runs
    with time_machine.travel(now, tick=False):
        assert privacy.letters_purge_texts() == 1
    # then only the old letter's texts are erased, with the time and an event
    old.refresh_from_db()
    assert (old.original_text, old.translation) == ("", "")
    assert old.texts_erased_at == now
    assert (old.reference, old.status, old.supporter_email) != ("", "", "")
    assert old.events.filter(action="texts_erased").count() == 1
    for letter in (recent, open_letter):
        letter.refresh_from_db()
        assert letter.original_text and letter.texts_erased_at is None
    # and a second run changes nothing
    events = LetterEvent.objects.count()
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        assert privacy.letters_purge_texts() == 0
    old.refresh_from_db()
    assert old.texts_erased_at == now
    assert LetterEvent.objects.count() == events


def test_purge_deletes_old_batch_pdfs(coordinator, settings, django_capture_on_commit_callbacks):
    # given a batch printed and posted longer ago than the retention period
    letter = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        batch = dispatch.batch_prepare(coordinator=coordinator)
    batch.posted_on = timezone.localdate() - timedelta(
        days=settings.LETTERBRIDGE_RETENTION_DAYS + 2
    )
    batch.save()
    assert letter.pk and PostingBatchDocument.objects.filter(batch=batch).exists()
    # when the purge runs
    privacy.letters_purge_texts()
    # then its PDF is gone, and the prisoners' addresses are not
    assert not PostingBatchDocument.objects.filter(batch=batch).exists()
    assert PrisonAddress.objects.exists()
