"""Batch PDFs and return packs live in the private storage: drawn once, served and attached
from the stored copy, deleted with their rows. Each test runs on the file system and on the S3
stand-in."""

from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import storage
from letters import pdf, tokens
from letters.models import Letter, LetterReturnPack, Notification, PostingBatchDocument
from letters.services import dispatch, notifications, privacy
from prisoners import services as prisoner_services
from prisoners.models import Prisoner
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


def _refuse_to_draw(*args, **kwargs):
    raise AssertionError("drawn again instead of read from the storage")


def _batch(coordinator, capture):
    LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    with capture(execute=True):
        batch = dispatch.batch_prepare(coordinator=coordinator)
    return batch, PostingBatchDocument.objects.get(batch=batch)


def _returned(coordinator, capture, **kwargs):
    letter = LetterFactory(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME, **kwargs)
    with capture(execute=True):
        dispatch.letter_return(letter_id=letter.pk, coordinator=coordinator)
    return letter, LetterReturnPack.objects.get(letter=letter)


def test_the_batch_pdf_downloads_from_the_stored_copy(
    private_storage, coordinator, client, django_capture_on_commit_callbacks, monkeypatch
):
    # given a batch whose PDF the worker drew and stored, encrypted
    batch, document = _batch(coordinator, django_capture_on_commit_callbacks)
    assert private_storage.names() == [document.file_name]
    assert b"%PDF" not in private_storage.raw(document.file_name)
    monkeypatch.setattr(pdf, "render_batch_pdf", _refuse_to_draw)

    # when the coordinator downloads it
    client.force_login(coordinator)
    answer = client.get(reverse("letters_coordination:batch_pdf", args=[batch.pk]))

    # then it is the stored copy, decrypted, never cached
    body = b"".join(answer.streaming_content)
    assert body.startswith(b"%PDF") and body == storage.read(document.file_name)
    assert "private" in answer["Cache-Control"] and "no-store" in answer["Cache-Control"]
    # and a second render keeps the one stored copy
    assert dispatch.batch_render_pdf(batch_id=batch.pk).pk == document.pk
    assert private_storage.names() == [document.file_name]


def test_a_volunteer_cannot_download_a_batch_pdf(
    private_storage, coordinator, volunteer, client, django_capture_on_commit_callbacks
):
    batch, _document = _batch(coordinator, django_capture_on_commit_callbacks)
    client.force_login(volunteer)

    answer = client.get(reverse("letters_coordination:batch_pdf", args=[batch.pk]))

    assert answer.status_code in (302, 403) and not answer.streaming


def test_a_batch_pdf_gone_from_the_storage_is_a_404(
    private_storage, coordinator, client, django_capture_on_commit_callbacks
):
    batch, document = _batch(coordinator, django_capture_on_commit_callbacks)
    storage.delete(document.file_name)
    client.force_login(coordinator)

    answer = client.get(reverse("letters_coordination:batch_pdf", args=[batch.pk]))

    assert answer.status_code == 404


def test_the_return_pack_is_drawn_once_and_attached_from_the_stored_copy(
    private_storage, coordinator, outbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given a returned letter whose e-mail has not gone yet
    monkeypatch.setattr(notifications, "notification_send", lambda **kwargs: False)
    letter, pack = _returned(coordinator, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    assert private_storage.names() == [pack.file_name]
    assert b"%PDF" not in private_storage.raw(pack.file_name)
    monkeypatch.setattr(pdf, "render_return_pdf", _refuse_to_draw)

    # when the worker sends the "returned" e-mail
    notification = Notification.objects.get(letter=letter, kind=Notification.Kind.RETURNED)
    assert notifications.notification_send(notification_id=notification.pk) is True

    # then it carries the stored pack
    ((name, content, mimetype),) = outbox[-1].attachments
    assert (name, mimetype) == (f"{letter.reference}.pdf", "application/pdf")
    assert content.startswith(b"%PDF") and content == storage.read(pack.file_name)


def test_the_tracking_page_serves_the_stored_pack(
    private_storage, coordinator, client, django_capture_on_commit_callbacks, monkeypatch
):
    # given a returned letter and its stored pack
    letter, pack = _returned(coordinator, django_capture_on_commit_callbacks)
    monkeypatch.setattr(pdf, "render_return_pdf", _refuse_to_draw)

    # when its writer downloads the PDF through the tracking link
    token = tokens.token_for(salt=letter.tracking_salt)
    answer = client.get(reverse("letters:returned_pdf", args=[token]))

    # then it is the stored copy, downloaded privately
    assert b"".join(answer.streaming_content) == storage.read(pack.file_name)
    assert answer["Content-Disposition"] == f'attachment; filename="{letter.reference}.pdf"'
    assert answer["Cache-Control"] == "private, no-store"


def test_a_prisoner_who_moved_gets_a_new_pack_and_the_old_object_goes(
    private_storage, coordinator, client, django_capture_on_commit_callbacks
):
    # given a returned letter whose prisoner then moved to another prison
    letter, old = _returned(coordinator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        address = prisoner_services.prisoner_address_add(
            prisoner_id=letter.prisoner_id,
            actor=coordinator,
            facility="ФКУ ИК-2 УФСИН России по Республике Мордовия",
            street="ул. Лесная, д. 1",
            city="пос. Ударный",
            postal_index="431160",
        )

    # when the writer downloads the PDF
    token = tokens.token_for(salt=letter.tracking_salt)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.get(reverse("letters:returned_pdf", args=[token]))

    # then a pack for the new address is served and stored in place of the old one
    new = LetterReturnPack.objects.get(letter=letter)
    assert new.address_id == address.pk and new.file_name != old.file_name
    assert b"".join(answer.streaming_content) == storage.read(new.file_name)
    assert private_storage.names() == [new.file_name]


def test_a_pack_lost_from_the_storage_is_drawn_again(
    private_storage, coordinator, client, outbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given a returned letter whose stored pack was lost before its e-mail went
    monkeypatch.setattr(notifications, "notification_send", lambda **kwargs: False)
    letter, lost = _returned(coordinator, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    storage.delete(lost.file_name)

    # when the e-mail is sent, then it goes without the pack
    notification = Notification.objects.get(letter=letter, kind=Notification.Kind.RETURNED)
    assert notifications.notification_send(notification_id=notification.pk) is True
    assert outbox[-1].attachments == []

    # and when the writer downloads it, it is drawn and stored again
    token = tokens.token_for(salt=letter.tracking_salt)
    answer = client.get(reverse("letters:returned_pdf", args=[token]))
    new = LetterReturnPack.objects.get(letter=letter)
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    assert new.file_name != lost.file_name
    assert private_storage.names() == [new.file_name]


def test_a_failed_return_leaves_no_object_behind(
    private_storage, coordinator, django_capture_on_commit_callbacks
):
    # given a letter whose prisoner went into transit after approval
    letter = LetterFactory(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME)
    Prisoner.objects.filter(pk=letter.prisoner_id).update(status=Prisoner.Status.IN_TRANSIT)

    # when the worker tries to return it
    assert dispatch.letter_return_process(letter_id=letter.pk) is None

    # then it is held, with no pack stored
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert private_storage.names() == []
    assert not LetterReturnPack.objects.exists()


def test_the_retention_purge_deletes_the_stored_files(
    private_storage, coordinator, settings, django_capture_on_commit_callbacks
):
    # given a batch posted and a letter returned longer ago than the retention period
    batch, _document = _batch(coordinator, django_capture_on_commit_callbacks)
    letter, _pack = _returned(coordinator, django_capture_on_commit_callbacks)
    days = settings.LETTERBRIDGE_RETENTION_DAYS + 2
    batch.posted_on = timezone.localdate() - timedelta(days=days)
    batch.save(update_fields=["posted_on"])
    Letter.objects.filter(pk=letter.pk).update(
        status_changed_at=timezone.now() - timedelta(days=days)
    )
    assert len(private_storage.names()) == 2

    # when the purge runs
    with django_capture_on_commit_callbacks(execute=True):
        privacy.letters_purge_texts()

    # then the rows and the objects are gone
    assert not PostingBatchDocument.objects.exists() and not LetterReturnPack.objects.exists()
    assert private_storage.names() == []


def test_erasure_deletes_the_return_pack(
    private_storage, coordinator, django_capture_on_commit_callbacks
):
    # given a returned letter and its pack
    letter, _pack = _returned(coordinator, django_capture_on_commit_callbacks)

    # when its supporter asks to be forgotten
    with django_capture_on_commit_callbacks(execute=True):
        privacy.letter_erase_supporter_data(letter_id=letter.pk)

    # then the pack is gone from the database and the storage
    assert not LetterReturnPack.objects.exists()
    assert private_storage.names() == []


def test_a_discarded_batch_takes_its_pdf_with_it(
    private_storage, coordinator, django_capture_on_commit_callbacks
):
    batch, _document = _batch(coordinator, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        dispatch.batch_discard(batch_id=batch.pk, coordinator=coordinator)

    assert private_storage.names() == []


def test_key_rotation_rewrites_the_stored_files_under_the_new_key(
    private_storage, coordinator, settings, django_capture_on_commit_callbacks
):
    # given a batch PDF and a return pack stored under the old key
    _batch_row, document = _batch(coordinator, django_capture_on_commit_callbacks)
    _letter, pack = _returned(coordinator, django_capture_on_commit_callbacks)
    old_names = {document.file_name, pack.file_name}
    clear = (storage.read(document.file_name), storage.read(pack.file_name))
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.LETTERBRIDGE_ENCRYPTION_KEYS,
    ]

    # when the keys are rotated
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rotate_encryption_keys", stdout=StringIO())

    # then only the new objects are left, and they open with the new key alone
    document.refresh_from_db()
    pack.refresh_from_db()
    assert private_storage.names() == sorted([document.file_name, pack.file_name])
    assert not old_names & set(private_storage.names())
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = settings.LETTERBRIDGE_ENCRYPTION_KEYS[:1]
    assert (storage.read(document.file_name), storage.read(pack.file_name)) == clear
