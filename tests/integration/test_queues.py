"""Separate queues with real workers on Redis, as Compose runs them: a PDF backlog on its own
worker holds up neither the supporters' e-mails nor the payments work."""

import pytest
from django.utils import timezone

from letters.models import Letter, PostingBatchDocument
from letters.services import dispatch
from payments.models import Payment
from payments.tasks import refund_payment
from tests.factories import CoordinatorFactory, PrisonerWithAddressFactory
from tests.payments.factories import StripePaymentFactory

from .conftest import Worker, all_sent, submit_letter, translate_and_approve, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def pdf_worker(worker, tmp_path):
    log_dir = tmp_path / "log-pdf"
    log_dir.mkdir()
    w = Worker(worker.mail_dir, log_dir)
    yield w
    w.stop()


def test_a_pdf_backlog_delays_neither_e_mails_nor_payments(worker, pdf_worker, broker, tmp_path):
    # given the PDF worker busy with the first of three batch PDFs, the others queued behind it
    release = tmp_path / "release-pdfs"
    pdf_worker.start(queues="pdf", LB_TEST_HOLD_PDF=str(release))
    worker.start(queues="mail,payments,default")
    coordinator = CoordinatorFactory()
    letters, batches = [], []
    for n in range(3):
        letter = submit_letter(
            PrisonerWithAddressFactory(), Letter.Delivery.POST_FOR_ME, f"s{n}@example.org"
        )
        translate_and_approve(letter.pk)
        dispatch.letter_set_postage(letter_id=letter.pk, postage=Letter.Postage.PAID)
        letters.append(letter)
        batches.append(dispatch.batch_prepare(coordinator=coordinator))
    # when the supporters' e-mails are queued and a webhook has a refund queued
    payment = StripePaymentFactory(status=Payment.Status.PAID, refund_requested_at=timezone.now())
    refund_payment.delay(payment.pk)
    # then the e-mails go out and the refund is handled while the PDFs are still queued
    wait_for(lambda: all(all_sent(letter.pk) for letter in letters), what="the e-mails")
    wait_for(lambda: Payment.objects.get(pk=payment.pk).refund_error, what="the refund task to run")
    assert broker.llen("pdf") > 0, "the PDF backlog is still waiting"
    assert not PostingBatchDocument.objects.filter(batch__in=batches).exists()
    # and the PDF worker, let go on, works through its backlog
    release.touch()
    wait_for(
        lambda: PostingBatchDocument.objects.filter(batch__in=batches).count() == len(batches),
        what="every batch PDF",
    )
