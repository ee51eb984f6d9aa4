from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from letters import tasks
from letters.models import Letter, LetterEvent, PostingBatchDocument
from letters.services import dispatch, notifications, privacy
from prisoners.models import PrisonAddress, Prisoner
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


def _old(**kwargs) -> Letter:
    """A letter whose last change is long past the sweep's grace period."""
    return LetterFactory(status_changed_at=timezone.now() - timedelta(hours=2), **kwargs)


def test_sweep_finishes_side_effects_that_never_ran(coordinator, outbox):
    # given work whose tasks were lost: an approved return letter, a batch without its PDF,
    # a held letter whose prisoner has an address again, an approved one to a prisoner in transit
    to_return = _old(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME)
    ready = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    batch = dispatch.batch_prepare(coordinator=coordinator)  # on-commit render never ran
    batch.__class__.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    held = _old(status=S.ON_HOLD)
    transit = PrisonerWithAddressFactory(status=Prisoner.Status.IN_TRANSIT)
    to_hold = _old(status=S.APPROVED, postage=Letter.Postage.PAID, prisoner=transit)
    # when the sweep runs (Celery eager: the queued tasks run at once)
    counts = tasks.sweep_side_effects()
    # then everything reached its next state
    assert counts["returns"] == 1 and counts["batches"] == 1 and counts["prisoners"] == 2
    for letter, state in ((to_return, S.RETURNED), (held, S.APPROVED), (to_hold, S.ON_HOLD)):
        letter.refresh_from_db()
        assert letter.status == state
    assert PostingBatchDocument.objects.get(batch=batch).letter_count == 1
    ready.refresh_from_db()
    assert ready.posting_batch_id == batch.pk
    # and a second sweep finds nothing to do
    assert tasks.sweep_side_effects() == {
        "returns": 0,
        "batches": 0,
        "prisoners": 0,
        "notifications": 0,
    }


def test_sweep_leaves_fresh_work_to_its_own_task():
    LetterFactory(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME)
    assert tasks.sweep_side_effects()["returns"] == 0


def test_digest_lists_stuck_letters_per_state_once_a_day(coordinator, outbox):
    # given letters stuck 20 and 30 days, and a fresh one
    now = timezone.now()
    stuck = [
        LetterFactory(status=S.RECEIVED, status_changed_at=now - timedelta(days=30)),
        LetterFactory(status=S.ON_HOLD, status_changed_at=now - timedelta(days=20)),
    ]
    LetterFactory(status=S.RECEIVED)
    # when the digest runs twice on the same day
    sent = notifications.coordinators_digest(now=now)
    again = notifications.coordinators_digest(now=now)
    # then coordinators got one e-mail naming each stuck letter and the age of the oldest
    assert (sent, again) == (1, 0)
    (message,) = outbox
    assert coordinator.email in message.to
    assert all(letter.reference in message.body for letter in stuck)
    assert "received: 1 (oldest 30 days)" in message.body
    assert "waiting for the prisoner's new address: 1 (oldest 20 days)" in message.body


def test_digest_sends_nothing_when_nothing_is_stuck(coordinator, outbox):
    LetterFactory(status=S.RECEIVED)
    assert notifications.coordinators_digest() == 0
    assert outbox == []


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
    letter = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        batch = dispatch.batch_prepare(coordinator=coordinator)
    batch.posted_on = timezone.localdate() - timedelta(
        days=settings.LETTERBRIDGE_RETENTION_DAYS + 2
    )
    batch.save()
    assert letter.pk and PostingBatchDocument.objects.filter(batch=batch).exists()
    privacy.letters_purge_texts()
    assert not PostingBatchDocument.objects.filter(batch=batch).exists()
    assert PrisonAddress.objects.exists()
