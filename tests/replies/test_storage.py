"""Reply scans in the private storage, on the file system and on the S3 stand-in: the same
tests pass on both (``private_storage`` runs each twice)."""

import pytest
from django.urls import reverse

from letters import tokens
from letters.services import privacy
from replies import services
from tests.factories import CoordinatorFactory

from .conftest import jpeg, pdf, record, volunteer_in

pytestmark = pytest.mark.django_db


def test_a_scan_is_stored_encrypted_under_a_random_name(private_storage, letter):
    # when a reply is recorded
    reply = record(letter, [("Ivan Petrov reply.pdf", pdf(1))])

    # then the backend holds one object, named without anything personal, not in clear
    page = reply.pages.get()
    assert private_storage.names() == [page.file_name]
    assert page.file_name.startswith("replies/") and "Petrov" not in page.file_name
    assert b"%PDF" not in private_storage.raw(page.file_name)


def test_the_staff_and_the_supporter_get_the_scan_back_through_views(
    private_storage, client, letter
):
    # given an approved reply
    reply = record(letter, [("p.jpg", jpeg())])
    translator = volunteer_in("en")
    services.reply_claim(reply_id=reply.pk, volunteer=translator)
    services.reply_save_draft(
        reply_id=reply.pk, actor=translator, transcription="Да", translation="Yes", base_version=0
    )
    services.reply_finish_transcription(reply_id=reply.pk, volunteer=translator)
    services.reply_hand_in(reply_id=reply.pk, volunteer=translator)
    services.reply_approve(reply_id=reply.pk, reviewer=CoordinatorFactory())

    # when the supporter opens the scan from their letter's page
    token = tokens.token_for(salt=letter.tracking_salt)
    response = client.get(reverse("letters:reply_scan", args=[token, reply.pk, 1]))

    # then the clear bytes come back, never cached
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == jpeg()
    assert response["Cache-Control"] == "private, no-store"
    # and a wrong token, or the staff scan URL signed out, gets nothing
    assert (
        client.get(reverse("letters:reply_scan", args=["x" * 43, reply.pk, 1])).status_code == 404
    )
    staff = client.get(reverse("admin:replies_reply_scan", args=[reply.pk, 1]))
    assert staff.status_code == 302


def test_erasure_deletes_the_scan_objects(
    private_storage, letter, django_capture_on_commit_callbacks
):
    record(letter, [("a.jpg", jpeg()), ("b.pdf", pdf(2))])
    assert len(private_storage.names()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        privacy.letter_erase_supporter_data(letter_id=letter.pk)
    assert private_storage.names() == []


def test_a_refused_recording_leaves_no_object_behind(private_storage, letter):
    # given a split whose second letter does not exist
    with pytest.raises(services.ReplyError):
        services.replies_record(
            actor=CoordinatorFactory(),
            files=[("a.jpg", jpeg())],
            parts=[services.ReplyPart(letter.pk, (0,)), services.ReplyPart(0, (0,))],
        )
    assert private_storage.names() == []
