"""inbox.receivers, with inbox.services' forgetting: the e-mail a letter came in is erased
with the letter (at the supporter's request, or by the retention purge), in the same
transaction; e-mails that never became letters have their own retention purge."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inbox import services
from inbox.models import InboundAttachment, InboundEmail
from letters.models import Letter
from letters.services import privacy
from rights.services import supporter_data_export, supporter_erase

from .conftest import eml

pytestmark = pytest.mark.django_db


def _letter_from(name: str, coordinator) -> tuple[InboundEmail, Letter]:
    email = services.ingest_raw_email(eml(name)).email
    letter = services.inbound_confirm(
        email_id=email.pk,
        actor=coordinator,
        prisoner_id=email.guessed_prisoner_id,
        language="en",
        delivery=Letter.Delivery.RETURN_TO_ME,
        postage_currency="",
        supporter_name="Anna Example",
        supporter_email=email.sender_email,
        text=email.text,
    )
    email.refresh_from_db()
    return email, letter


def _assert_erased(email: InboundEmail) -> None:
    email.refresh_from_db()
    assert email.erased_at is not None
    assert (email.raw, email.text, email.subject, email.sender_email, email.message_id) == (
        b"",
        "",
        "",
        "",
        "",
    )
    assert not InboundAttachment.objects.filter(email=email).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT length(raw) FROM inbox_inboundemail WHERE id = %s", [email.pk])
        assert cursor.fetchone()[0] == 0


def test_the_supporter_erasing_their_data_erases_their_emails(directory, coordinator):
    # given a letter that came by e-mail with an attachment, and a question from the same
    # address that never became a letter
    email, letter = _letter_from("docx_attachment", coordinator)
    question = services.ingest_raw_email(eml("signature_block")).email
    assert InboundAttachment.objects.filter(email=email).exists()
    # when the supporter has their data erased
    supporter_erase(letter_ids=[letter.pk])
    # then both e-mails and the attachment are gone, the de-duplication keys stay
    _assert_erased(email)
    _assert_erased(question)
    assert services.ingest_raw_email(eml("docx_attachment")).created is False


def test_the_retention_purge_erases_the_email_with_its_letter(directory, coordinator):
    # given an e-mailed letter returned long ago
    email, letter = _letter_from("return_to_me", coordinator)
    Letter.objects.filter(pk=letter.pk).update(
        status=Letter.Status.RETURNED,
        status_changed_at=timezone.now() - timedelta(days=400),
    )
    other = services.ingest_raw_email(eml("signature_block")).email  # same sender, still new
    # when the retention purge runs
    assert privacy.letters_purge_texts() == 1
    # then the e-mail it came in is erased with it, and the newer e-mail kept
    _assert_erased(email)
    other.refresh_from_db()
    assert other.erased_at is None and other.text


def test_emails_that_never_became_letters_are_purged_after_retention(directory, settings):
    # given an old ignored auto-reply, an old question and a new question
    old_auto = services.ingest_raw_email(eml("x_autoreply")).email
    old_question = services.ingest_raw_email(eml("question_not_a_letter")).email
    new = services.ingest_raw_email(eml("reply_to_our_email")).email
    InboundEmail.objects.filter(pk__in=[old_auto.pk, old_question.pk]).update(
        received_at=timezone.now() - timedelta(days=settings.LETTERBRIDGE_RETENTION_DAYS + 1)
    )
    # when the inbox's purge runs, twice
    assert services.inbound_purge() == 2
    assert services.inbound_purge() == 0
    # then the old ones are erased and the new one kept
    _assert_erased(old_auto)
    _assert_erased(old_question)
    new.refresh_from_db()
    assert new.erased_at is None


def test_the_export_holds_the_emails_as_received(directory, coordinator):
    # given a letter that came by e-mail
    email, letter = _letter_from("rfc2231_filename", coordinator)
    # when the supporter exports their data
    data = supporter_data_export(letter_ids=[letter.pk])
    # then the e-mail is in it, as it reached us, with what we read and its files
    (exported,) = data["emails"]
    assert exported["letter"] == letter.reference
    assert exported["message_as_received"] == eml("rfc2231_filename").decode()
    assert exported["attachments"][0]["name"] == "письмо Бахрому.docx"
    assert data["letters"][0]["came_by_code"] == "email"
