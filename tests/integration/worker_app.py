"""The Celery app as production runs it, plus two test hooks. With LB_TEST_BLOCK_RETURN_PDF set
to a file path, the worker hangs inside the return task (after loading the letter, before the
transition), having written that file, so a test can SIGKILL it mid-task. With LB_TEST_HOLD_PDF
set to a file path, each batch PDF task waits for that file to exist before it starts, so a test
can keep a backlog of PDF work in the queue for as long as it needs."""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from config.celery import app

__all__ = ["app"]

BLOCK_MARKER = os.environ.get("LB_TEST_BLOCK_RETURN_PDF")
HOLD_RELEASE = os.environ.get("LB_TEST_HOLD_PDF")


def _hang(*args, **kwargs):
    Path(BLOCK_MARKER).write_text("in the return task\n")
    while True:
        time.sleep(1)


@task_prerun.connect
def _block_return_pdf(sender=None, **kwargs):
    if BLOCK_MARKER and sender is not None and sender.name == "letters.tasks.return_letter":
        from letters import pdf

        pdf.render_return_pdf = _hang


@task_prerun.connect
def _hold_batch_pdf(sender=None, **kwargs):
    if HOLD_RELEASE and sender is not None and sender.name == "letters.tasks.render_batch_pdf":
        while not Path(HOLD_RELEASE).exists():
            time.sleep(0.2)
