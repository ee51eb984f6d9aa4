"""The whole pipeline with a real Celery worker on Redis: every side effect (e-mails, PDFs,
returns, holds) is done by the worker, including after it is killed and after Redis is lost."""

from pathlib import Path

import pytest
from django.utils import timezone

from letters.models import Letter, LetterEvent, Notification, PostingBatchDocument
from letters.services import dispatch
from letters.tasks import sweep_side_effects
from prisoners import services as prisoner_services
from tests.factories import (
    CoordinatorFactory,
    PrisonerWithAddressFactory,
)

from .conftest import (
    all_sent,
    queued,
    sent_mail,
    submit_letter,
    translate_and_approve,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = Letter.Status


def _status(letter_id: int) -> str:
    return Letter.objects.get(pk=letter_id).status


def _mail_for(mail_dir: Path, email: str) -> list[str]:
    return [m for m in sent_mail(mail_dir) if f"To: {email}" in m]


def test_received_to_posted_with_the_worker_doing_every_side_effect(worker):
    # given a running worker and a letter submitted, translated, approved and paid
    worker.start()
    prisoner = PrisonerWithAddressFactory()
    coordinator = CoordinatorFactory()
    letter = submit_letter(prisoner, Letter.Delivery.POST_FOR_ME, "post@example.org")
    translate_and_approve(letter.pk)
    dispatch.letter_set_postage(letter_id=letter.pk, postage=Letter.Postage.PAID)
    # when the coordinator prepares the post (the worker renders the PDF) and marks it posted
    batch = dispatch.batch_prepare(coordinator=coordinator)
    wait_for(
        lambda: PostingBatchDocument.objects.filter(batch=batch).exists(),
        what="the batch PDF",
    )
    dispatch.batch_mark_posted(
        batch_id=batch.pk,
        coordinator=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=220,
        postage_currency="GBP",
    )
    # then the worker sent each supporter-visible e-mail exactly once
    wait_for(lambda: all_sent(letter.pk), what="every notification sent")
    assert _status(letter.pk) == S.POSTED
    kinds = sorted(Notification.objects.filter(letter=letter).values_list("kind", flat=True))
    assert kinds == ["posted", "received", "translated"]
    wait_for(lambda: len(_mail_for(worker.mail_dir, "post@example.org")) == 3, what="3 e-mails")
    actions = list(
        LetterEvent.objects.filter(letter=letter, kind="transition").values_list(
            "action", flat=True
        )
    )
    assert actions == ["submit", "claim", "hand_in", "approve", "post"]
    assert LetterEvent.objects.filter(letter=letter, kind="notified").count() == 3


def test_received_to_returned_with_the_worker_doing_every_side_effect(worker):
    # given a running worker
    worker.start()
    prisoner = PrisonerWithAddressFactory()
    # when a return_to_me letter is submitted, translated and approved
    letter = submit_letter(prisoner, Letter.Delivery.RETURN_TO_ME, "back@example.org")
    translate_and_approve(letter.pk)
    # then the worker returns it on its own and e-mails the PDF, once: the supporter hears
    # "received" and "returned", no separate "translated" a second before the PDF
    wait_for(lambda: _status(letter.pk) == S.RETURNED, what="the letter returned")
    wait_for(lambda: all_sent(letter.pk), what="every notification sent")
    mails = _mail_for(worker.mail_dir, "back@example.org")
    assert len(mails) == 2
    with_pdf = [m for m in mails if "application/pdf" in m]
    assert len(with_pdf) == 1 and f"{letter.reference}.pdf" in with_pdf[0]
    assert LetterEvent.objects.filter(letter=letter, action="return").count() == 1


def test_worker_killed_mid_task_then_restarted_the_letter_reaches_its_next_state_once(
    worker, tmp_path
):
    # given a worker that will be inside the return task when we kill it
    marker = tmp_path / "inside-return-task"
    worker.start(LB_TEST_BLOCK_RETURN_PDF=str(marker))
    prisoner = PrisonerWithAddressFactory()
    letter = submit_letter(prisoner, Letter.Delivery.RETURN_TO_ME, "killed@example.org")
    translate_and_approve(letter.pk)
    wait_for(marker.exists, what="the worker inside the return task")
    # when it is killed with SIGKILL in the middle of the task
    worker.kill()
    assert _status(letter.pk) == S.APPROVED
    # and a new worker starts and beat's sweep runs
    worker.start()
    sweep_side_effects.delay()
    # then the letter is returned, with one event and one e-mail
    wait_for(lambda: _status(letter.pk) == S.RETURNED, what="the letter returned")
    wait_for(lambda: all_sent(letter.pk), what="every notification sent")
    assert LetterEvent.objects.filter(letter=letter, action="return").count() == 1
    assert Notification.objects.filter(letter=letter, kind="returned").count() == 1
    returned = [
        m for m in _mail_for(worker.mail_dir, "killed@example.org") if "application/pdf" in m
    ]
    assert len(returned) == 1


def test_redis_flushed_with_tasks_queued_the_sweep_repairs_everything(worker, broker):
    # given no worker running while work is queued: e-mails, a return, a batch PDF, a release
    coordinator = CoordinatorFactory()
    returning = submit_letter(
        PrisonerWithAddressFactory(), Letter.Delivery.RETURN_TO_ME, "r@example.org"
    )
    translate_and_approve(returning.pk)
    posted = submit_letter(
        PrisonerWithAddressFactory(), Letter.Delivery.POST_FOR_ME, "p@example.org"
    )
    translate_and_approve(posted.pk)
    dispatch.letter_set_postage(letter_id=posted.pk, postage=Letter.Postage.PAID)
    batch = dispatch.batch_prepare(coordinator=coordinator)
    moving = PrisonerWithAddressFactory()
    held = submit_letter(moving, Letter.Delivery.POST_FOR_ME, "h@example.org")
    prisoner_services.prisoner_mark_in_transit(prisoner_id=moving.pk, actor=coordinator)
    translate_and_approve(held.pk)  # approved with no address: held at once
    prisoner_services.prisoner_address_add(
        prisoner_id=moving.pk,
        actor=coordinator,
        facility="ФКУ ИК-6 УФСИН России по Владимирской области",
        street="ул. Заводская, д. 1",
        city="пос. Мелехово",
        region="Владимирская область",
        postal_index="601966",
    )
    assert queued(broker) > 0
    # when Redis loses every queued task
    broker.flushdb()
    assert queued(broker) == 0
    # and the worker starts and beat's sweep runs
    worker.start()
    sweep_side_effects.delay()
    # then everything is repaired, each e-mail sent once
    wait_for(lambda: _status(returning.pk) == S.RETURNED, what="the return")
    wait_for(lambda: _status(held.pk) == S.APPROVED, what="the held letter released")
    wait_for(lambda: PostingBatchDocument.objects.filter(batch=batch).exists(), what="batch PDF")
    for letter in (returning, posted, held):
        wait_for(lambda letter=letter: all_sent(letter.pk), what="notifications sent")
    # (a returned letter gets no "ready" e-mail: the one with the PDF says it all; the letter
    # held at its approval hears of the hold in the approval's own e-mail, none of its own)
    expected = {"r@example.org": 2, "p@example.org": 2, "h@example.org": 2}
    for email, count in expected.items():
        assert len(_mail_for(worker.mail_dir, email)) == count, email
    # and that e-mail, sent after the hold was released, does not say the letter waits
    held_mail = "".join(_mail_for(worker.mail_dir, "h@example.org"))
    assert "translated into Russian" in held_mail
    assert "cannot go out just yet" not in held_mail
    assert Notification.objects.filter(attempts__gt=1).count() == 0
