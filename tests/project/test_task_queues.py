"""Celery routing (LETTERBRIDGE_TASK_QUEUES): every task goes to a queue a worker consumes,
and e-mails, PDF work and payments each go to their own."""

import pytest
from django.conf import settings

from config.celery import app as celery_app

DECLARED = set(settings.LETTERBRIDGE_TASK_QUEUES)


def _queue(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def _project_tasks() -> list[str]:
    celery_app.loader.import_default_modules()  # what a worker does at start
    return sorted(name for name in celery_app.tasks if not name.startswith("celery."))


def test_the_queues_are_the_four_workers_consume():
    assert [q.name for q in celery_app.conf.task_queues] == ["mail", "pdf", "payments", "default"]
    assert celery_app.conf.task_default_queue == "default"


def test_every_task_in_the_project_is_routed_to_a_declared_queue():
    tasks = _project_tasks()
    assert len(tasks) > 10
    for name in tasks:
        assert _queue(name) in DECLARED, f"{name} goes to {_queue(name)}, which no worker reads"


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("letters.tasks.send_notification", "mail"),
        ("letters.tasks.send_letter_links", "mail"),
        ("letters.tasks.notify_coordinators_of_flag", "mail"),
        ("payments.tasks.send_payment_receipt", "mail"),
        ("rights.tasks.send_rights_link", "mail"),
        ("letters.tasks.render_batch_pdf", "pdf"),
        ("letters.tasks.return_letter", "pdf"),
        ("payments.tasks.refund_payment", "payments"),
        ("payments.tasks.reconcile_payments", "payments"),
        ("letters.tasks.sweep_side_effects", "default"),
        ("letters.tasks.purge_letter_texts", "default"),
        ("replies.tasks.send_reply_email", "mail"),
        ("replies.tasks.send_reply_scan_email", "mail"),
        ("replies.tasks.send_lost_reply_emails", "mail"),
        ("replies.tasks.release_expired_reply_claims", "default"),
        ("replies.tasks.purge_replies", "default"),
    ],
)
def test_each_kind_of_work_has_its_queue(task, queue):
    assert _queue(task) == queue


@pytest.mark.parametrize(
    ("new_task", "queue"),
    [
        ("letters.tasks.poll_inbox", "default"),
        ("letters.tasks.ingest_reply", "default"),
        ("letters.tasks.send_reply_email", "mail"),
        ("letters.tasks.render_reply_scan", "pdf"),
    ],
)
def test_a_new_task_is_routed_by_its_name(new_task, queue):
    assert _queue(new_task) == queue
