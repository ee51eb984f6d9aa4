"""Every change of a reply goes through replies.services: recording (and splitting), claims,
drafts, hand-in, review, redaction, approval, withholding, e-mail, expiry and forgetting."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from letters.models import Letter
from letters.services import privacy
from replies import services
from replies.models import Reply, ReplyEvent, ReplyPage
from replies.scans import ScanError
from replies.services import ReplyPart
from tests.factories import CoordinatorFactory

from .conftest import approved_reply, jpeg, pdf, png, posted_letter, record, volunteer_in

pytestmark = pytest.mark.django_db
S = Reply.Status


def worked(reply: Reply, volunteer, *, text="Здравствуйте!", translation="Hello!") -> Reply:
    services.reply_claim(reply_id=reply.pk, volunteer=volunteer)
    services.reply_save_draft(
        reply_id=reply.pk,
        actor=volunteer,
        transcription=text,
        translation=translation,
        base_version=0,
    )
    services.reply_finish_transcription(reply_id=reply.pk, volunteer=volunteer)
    return services.reply_hand_in(reply_id=reply.pk, volunteer=volunteer)


# --- recording --------------------------------------------------------------------------------


def test_a_recorded_reply_waits_with_its_pages_in_order(letter):
    # when a coordinator records two scanned files for the letter
    reply = record(letter, [("1.jpg", jpeg()), ("2.pdf", pdf(2))])

    # then the reply waits, its pages in order with their types, and the history says so
    assert reply.status == S.RECEIVED
    pages = list(reply.pages.all())
    assert [(p.position, p.content_type, p.page_count) for p in pages] == [
        (1, "image/jpeg", 1),
        (2, "application/pdf", 2),
    ]
    assert list(reply.events.values_list("action", flat=True)) == ["record"]


def test_a_reply_to_several_supporters_is_split_by_file():
    # given two posted letters to the same prisoner
    first = posted_letter()
    second = posted_letter(prisoner=first.prisoner)

    # when one scan set is recorded, files 1-2 for the first and 3 for the second
    replies = services.replies_record(
        actor=CoordinatorFactory(),
        files=[("a.jpg", jpeg()), ("b.jpg", jpeg()), ("c.png", png())],
        parts=[ReplyPart(first.pk, (0, 1)), ReplyPart(second.pk, (2,))],
    )

    # then each letter has its own reply with only its files
    assert [(r.letter_id, r.pages.count()) for r in replies] == [(first.pk, 2), (second.pk, 1)]
    assert replies[1].pages.get().content_type == "image/png"


def test_a_split_must_place_every_file_and_stay_with_one_prisoner():
    first, other = posted_letter(), posted_letter()
    coordinator = CoordinatorFactory()
    files = [("a.jpg", jpeg()), ("b.jpg", jpeg())]
    with pytest.raises(services.ReplyError, match="Every uploaded file"):
        services.replies_record(
            actor=coordinator,
            files=files,
            parts=[
                ReplyPart(first.pk, (0,)),
                ReplyPart(posted_letter(prisoner=first.prisoner).pk, (0,)),
            ],
        )
    with pytest.raises(services.ReplyError, match="one prisoner"):
        services.replies_record(
            actor=coordinator,
            files=files,
            parts=[ReplyPart(first.pk, (0,)), ReplyPart(other.pk, (1,))],
        )
    assert Reply.objects.count() == 0


def test_only_a_posted_letter_can_be_answered_and_only_a_coordinator_records():
    waiting = posted_letter()
    Letter.objects.filter(pk=waiting.pk).update(status=Letter.Status.APPROVED)
    with pytest.raises(services.ReplyError, match="not posted"):
        record(waiting)
    with pytest.raises(services.NotPermitted):
        record(posted_letter(), coordinator=volunteer_in("en"))


def test_no_reply_is_recorded_for_an_erased_letter(letter):
    privacy.letter_erase_supporter_data(letter_id=letter.pk)
    with pytest.raises(services.ReplyError, match="nobody to pass a reply on to"):
        record(letter)


def test_a_bad_file_records_nothing(letter):
    with pytest.raises(ScanError):
        record(letter, [("ok.jpg", jpeg()), ("bad.jpg", b"not an image")])
    assert (Reply.objects.count(), ReplyPage.objects.count()) == (0, 0)


# --- claims and work --------------------------------------------------------------------------


def test_claim_next_takes_the_oldest_reply_in_the_volunteers_languages():
    # given an old German reply, an older French one and a newer German one
    old_de = record(posted_letter(language="de"))
    older_fr = record(posted_letter(language="fr"))
    new_de = record(posted_letter(language="de"))
    Reply.objects.filter(pk=older_fr.pk).update(created_at=timezone.now() - timedelta(days=3))
    Reply.objects.filter(pk=old_de.pk).update(created_at=timezone.now() - timedelta(days=2))

    # when a volunteer who works in German claims next, twice
    volunteer = volunteer_in("de")
    first = services.reply_claim_next(volunteer=volunteer)
    second = services.reply_claim_next(volunteer=volunteer)

    # then they got the German replies, oldest first, and never the French one
    assert (first.pk, second.pk) == (old_de.pk, new_de.pk)
    with pytest.raises(services.NothingToClaim):
        services.reply_claim_next(volunteer=volunteer)


def test_a_reply_is_claimed_once(letter):
    reply = record(letter)
    services.reply_claim(reply_id=reply.pk, volunteer=volunteer_in("en"))
    with pytest.raises(services.ReplyError):
        services.reply_claim(reply_id=reply.pk, volunteer=volunteer_in("en"))
    with pytest.raises(services.NotPermitted):
        services.reply_claim(reply_id=record(letter).pk, volunteer=volunteer_in("de"))


def test_a_stale_draft_is_refused(letter):
    reply = record(letter)
    volunteer = volunteer_in("en")
    services.reply_claim(reply_id=reply.pk, volunteer=volunteer)
    services.reply_save_draft(
        reply_id=reply.pk, actor=volunteer, transcription="a", translation="", base_version=0
    )
    with pytest.raises(services.StaleDraft):
        services.reply_save_draft(
            reply_id=reply.pk, actor=volunteer, transcription="b", translation="", base_version=0
        )
    assert Reply.objects.get(pk=reply.pk).transcription == "a"


def test_transcribe_translate_review_approve_emails_the_supporter_once(
    letter, django_capture_on_commit_callbacks
):
    # given a reply transcribed, translated and handed in by one volunteer
    reply = worked(record(letter), volunteer_in("en"), translation="Dear Margaret, thank you.")
    assert reply.status == S.IN_REVIEW

    # when another volunteer with the reviewer's permission approves it
    reviewer = volunteer_in("en", review=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_approve(reply_id=reply.pk, reviewer=reviewer)

    # then the supporter is e-mailed the translation, without the scan, once
    assert Reply.objects.get(pk=reply.pk).status == S.APPROVED
    (message,) = mail.outbox
    assert message.to == ["meg@example.org"]
    assert "Dear Margaret, thank you." in message.body
    assert message.attachments == []
    assert services.reply_email_send(reply_id=reply.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("redact", ["", "Ivanov"])
def test_the_email_promises_the_scan_only_when_the_page_shows_it(
    letter, redact, django_capture_on_commit_callbacks
):
    # given a reply approved as it is, or redacted (whose scan the supporter is never shown)
    with django_capture_on_commit_callbacks(execute=True):
        approved_reply(letter, redact=redact)

    # then the e-mail mentions the scan on the letter's page only when the page has it
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert ("and the handwritten scan" in text) is not bool(redact)
        assert ("the handwritten scan is not shown" in text) is bool(redact)


def test_invisible_characters_are_no_transcription_or_translation(letter):
    # given a volunteer who "transcribed" a reply with zero-width spaces only
    volunteer = volunteer_in("en")
    reply = record(letter)
    services.reply_claim(reply_id=reply.pk, volunteer=volunteer)
    services.reply_save_draft(
        reply_id=reply.pk,
        actor=volunteer,
        transcription="\u200b\u200b",
        translation="\ufeff",
        base_version=0,
    )
    # then neither finishing the transcription nor handing in takes it as text
    with pytest.raises(services.ReplyError, match="transcription is empty"):
        services.reply_finish_transcription(reply_id=reply.pk, volunteer=volunteer)
    with pytest.raises(services.ReplyError, match="transcription is empty"):
        services.reply_hand_in(reply_id=reply.pk, volunteer=volunteer)


def test_nobody_reviews_their_own_translation(letter):
    volunteer = volunteer_in("en", review=True)
    reply = worked(record(letter), volunteer)
    with pytest.raises(services.NotPermitted):
        services.reply_approve(reply_id=reply.pk, reviewer=volunteer)


def test_send_back_returns_it_to_its_translator_with_the_comment(letter):
    translator = volunteer_in("en")
    reply = worked(record(letter), translator)
    services.reply_send_back(
        reply_id=reply.pk, reviewer=CoordinatorFactory(), comment="Line 2 is missing."
    )
    reply.refresh_from_db()
    assert (reply.status, reply.claimed_by, reply.review_comment) == (
        S.TRANSLATING,
        translator,
        "Line 2 is missing.",
    )


def test_redaction_replaces_the_spans_in_both_texts_and_hides_the_scan(letter):
    # given a reply that names a guard
    reply = worked(
        record(letter),
        volunteer_in("en"),
        text="Охранник Сидоров добрый. Сидоров!",
        translation="The guard Sidorov is kind. Sidorov!",
    )
    # when the reviewer redacts the name in both scripts
    redaction = services.reply_redact(
        reply_id=reply.pk, reviewer=CoordinatorFactory(), phrases=["Сидоров", "Sidorov", " "]
    )
    # then every occurrence is gone, the reply is marked, and the history keeps only a count
    reply.refresh_from_db()
    assert redaction == services.Redaction(count=4, unchanged="")
    assert "Сидоров" not in reply.transcription and "Sidorov" not in reply.translation
    assert reply.translation == "The guard […] is kind. […]!"
    assert reply.redacted
    event = reply.events.get(action="redact")
    assert "Sidorov" not in event.note


@pytest.mark.parametrize(
    ("phrases", "unchanged"),
    [(["Сидоров"], "translation"), (["Sidorov"], "transcription"), (["добрый"], "translation")],
)
def test_a_redaction_that_left_one_text_untouched_says_which(letter, phrases, unchanged):
    # given a reply that names a guard in Cyrillic and, translated, in Latin letters
    reply = worked(
        record(letter),
        volunteer_in("en"),
        text="Охранник Сидоров добрый.",
        translation="The guard Sidorov is kind.",
    )
    # when the reviewer lists only one spelling
    redaction = services.reply_redact(
        reply_id=reply.pk, reviewer=CoordinatorFactory(), phrases=phrases
    )
    # then the other text, which the supporter also receives, is named as untouched
    assert redaction == services.Redaction(count=1, unchanged=unchanged)


def test_a_coordinator_withholds_with_a_reason_a_volunteer_cannot(letter):
    reply = record(letter)
    with pytest.raises(services.NotPermitted):
        services.reply_withhold(reply_id=reply.pk, coordinator=volunteer_in("en"), reason="x")
    with pytest.raises(services.ReplyError, match="Say why"):
        services.reply_withhold(reply_id=reply.pk, coordinator=CoordinatorFactory(), reason=" ")
    services.reply_withhold(
        reply_id=reply.pk, coordinator=CoordinatorFactory(), reason="Names another prisoner."
    )
    assert Reply.objects.get(pk=reply.pk).status == S.WITHHELD


def test_expired_claims_go_back_to_the_queue_with_their_drafts(letter):
    reply = record(letter)
    volunteer = volunteer_in("en")
    services.reply_claim(reply_id=reply.pk, volunteer=volunteer)
    services.reply_save_draft(
        reply_id=reply.pk, actor=volunteer, transcription="начало", translation="", base_version=0
    )
    Reply.objects.filter(pk=reply.pk).update(claim_expires_at=timezone.now() - timedelta(hours=1))
    assert services.replies_release_expired() == 1
    reply.refresh_from_db()
    assert (reply.status, reply.claimed_by, reply.transcription) == (S.RECEIVED, None, "начало")


def test_the_database_keeps_the_claim_rule_and_the_history():
    reply = record(posted_letter())
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(status=S.TRANSCRIBING)
    event = reply.events.get()
    with pytest.raises(ValueError):
        event.delete()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM replies_replyevent WHERE id = %s", [event.pk])


# --- forgetting -------------------------------------------------------------------------------


def test_erasing_the_supporter_erases_the_replies_and_their_scans(
    letter, django_capture_on_commit_callbacks
):
    # given an open reply and an approved one to the supporter's letter
    open_reply = record(letter)
    done = worked(record(letter), volunteer_in("en"))
    services.reply_approve(reply_id=done.pk, reviewer=CoordinatorFactory())

    # when the supporter asks to be forgotten
    with django_capture_on_commit_callbacks(execute=True):
        privacy.letter_erase_supporter_data(letter_id=letter.pk)

    # then both replies lose their texts and scans; the open one is withheld
    for reply in Reply.objects.filter(letter=letter):
        assert (reply.transcription, reply.translation) == ("", "")
        assert reply.erased_at is not None
    assert Reply.objects.get(pk=open_reply.pk).status == S.WITHHELD
    assert ReplyPage.objects.filter(reply__letter=letter).count() == 0
    assert ReplyEvent.objects.filter(action="erased").count() == 2


def test_the_retention_purge_erases_old_finished_replies_once(settings, letter):
    reply = worked(record(letter), volunteer_in("en"))
    services.reply_approve(reply_id=reply.pk, reviewer=CoordinatorFactory())
    recent = record(letter)
    services.reply_withhold(reply_id=recent.pk, coordinator=CoordinatorFactory(), reason="r")
    Reply.objects.filter(pk=reply.pk).update(
        status_changed_at=timezone.now() - timedelta(days=settings.LETTERBRIDGE_RETENTION_DAYS + 1)
    )
    assert services.replies_purge() == 1
    assert services.replies_purge() == 0
    reply.refresh_from_db()
    assert reply.translation == "" and not reply.pages.exists()
    assert Reply.objects.get(pk=recent.pk).pages.exists()


def test_the_email_speaks_the_supporters_language_and_a_lost_one_is_sent_later(letter):
    # given a supporter who reads Russian, and a reply approved while the broker was down
    Letter.objects.filter(pk=letter.pk).update(locale="ru")
    reply = worked(record(letter), volunteer_in("en"))
    services.reply_approve(reply_id=reply.pk, reviewer=CoordinatorFactory())
    Reply.objects.filter(pk=reply.pk).update(approved_at=timezone.now() - timedelta(hours=1))
    assert mail.outbox == []

    # when the sweep runs, twice
    sent = services.replies_resend_lost(), services.replies_resend_lost()

    # then the e-mail went once, in Russian
    assert sent == (1, 0)
    (message,) = mail.outbox
    assert "Ответ от адресата" in message.subject
