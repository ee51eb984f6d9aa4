"""letters.tasks that do more than call one service: the sweep that queues again what never
happened, and the resending of lost e-mails."""

from datetime import timedelta

import pytest
from django.utils import timezone

from letters import tasks
from letters.models import Letter, Notification, PostingBatchDocument
from letters.services import dispatch
from prisoners.models import Prisoner
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

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
        "flags": 0,
        "closures": 0,
    }


def test_sweep_leaves_fresh_work_to_its_own_task():
    # given a return letter approved a moment ago, its own task still to come
    LetterFactory(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME)
    # when the sweep runs, then it leaves it alone
    assert tasks.sweep_side_effects()["returns"] == 0


def test_lost_notifications_are_found_and_sent(submit, outbox):
    # given a notification whose task never ran (no on_commit callbacks captured)
    submitted = submit(PrisonerFactory())
    notification = Notification.objects.get(letter=submitted.letter)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    # when the sweep runs (Celery is eager in tests), then it is sent, and a second sweep is idle
    assert tasks.resend_lost_notifications() == 1
    assert len(outbox) == 1
    assert tasks.resend_lost_notifications() == 0
