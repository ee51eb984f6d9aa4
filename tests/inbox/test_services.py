"""inbox.services: every kind of message in the corpus ends as a person would decide (a letter
to confirm, a kept failure with its reason, or an ignored machine message); a message is
stored before it is read, never twice, and becomes one letter through letters' submission."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError, connection

from core import crypto
from inbox import services, tasks
from inbox.models import InboundAttachment, InboundEmail
from letters.models import Letter, LetterEvent, Notification
from letters.services.core import LetterError, NotPermitted
from tests.factories import VolunteerFactory

from .conftest import CORPUS, eml

pytestmark = pytest.mark.django_db
Status, Reason = InboundEmail.Status, InboundEmail.Reason
LETTER = "letter"


@dataclass(frozen=True)
class Expected:
    outcome: str  # LETTER, or the status it is kept in
    reason: str = ""
    prisoner: str | None = None  # the slug guessed (directory fixture)
    language: str = ""
    delivery: str = ""
    sender: str = ""
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = field(default=())


ANNA = "anna@example.org"
CORPUS_EXPECTED: dict[str, Expected] = {
    "plain_utf8_post_it": Expected(
        LETTER, prisoner="khamroev", language="en", delivery="post_for_me", sender=ANNA
    ),
    "koi8r_russian": Expected(LETTER, prisoner="khamroev", language="ru", contains=("Вашей",)),
    "cp1251_quoted_printable": Expected(
        LETTER, prisoner="khamroev", language="ru", contains=("Здравствуйте",)
    ),
    "cp1251_undeclared_charset": Expected(
        LETTER, prisoner="khamroev", language="ru", contains=("Здравствуйте",)
    ),
    "unknown_charset_label": Expected(
        LETTER, prisoner="khamroev", language="ru", contains=("Здравствуйте",)
    ),
    "german_quoted_printable": Expected(
        LETTER,
        prisoner="khamroev",
        language="de",
        delivery="post_for_me",
        sender="jm@example.de",
        contains=("möchte", "Grüße"),
    ),
    "french_base64": Expected(LETTER, prisoner="khamroev", language="fr", contains=("amitié",)),
    "html_only": Expected(
        LETTER,
        prisoner="khamroev",
        language="en",
        contains=("You are not alone.", "Mary & the Bristol group"),
        excludes=("<", "alert", "color:red", "tracker"),
    ),
    "multipart_alternative": Expected(LETTER, prisoner="khamroev", language="en"),
    "reply_with_quoted_history": Expected(
        LETTER, prisoner="khamroev", language="en", excludes=("wrote:", "LB-ABCD1234", ">")
    ),
    "outlook_reply": Expected(
        LETTER, prisoner="khamroev", language="en", excludes=("Sent:", "send your letter")
    ),
    "signature_block": Expected(
        LETTER, prisoner="khamroev", language="en", excludes=("Lecturer", "+44")
    ),
    "mobile_signature": Expected(LETTER, prisoner="khamroev", language="en", excludes=("iPhone",)),
    "forwarded_inline": Expected(
        LETTER,
        prisoner="khamroev",
        language="en",
        sender="margaret@example.net",
        contains=("Margaret",),
        excludes=("Forwarded message", "my mother asked"),
    ),
    "forwarded_as_attachment": Expected(
        LETTER, prisoner="khamroev", language="en", sender="peter@example.net"
    ),
    "docx_attachment": Expected(
        LETTER,
        prisoner="khamroev",
        language="en",
        delivery="post_for_me",
        contains=("crocuses",),
        excludes=("find my letter attached",),
    ),
    "pdf_attachment": Expected(
        LETTER, prisoner="khamroev", language="en", contains=("thinking of you in London",)
    ),
    "txt_attachment_cp1251": Expected(
        LETTER, prisoner="khamroev", language="ru", contains=("Здравствуйте",)
    ),
    "rfc2231_filename": Expected(LETTER, prisoner="khamroev", language="en"),
    "broken_mime_no_closing_boundary": Expected(LETTER, prisoner="khamroev", language="en"),
    "transliterated_name": Expected(LETTER, prisoner="khamroev", language="en"),
    "ukrainian": Expected(LETTER, prisoner="khamroev", language="uk", contains=("думаємо",)),
    "return_to_me": Expected(LETTER, prisoner="khamroev", language="en", delivery="return_to_me"),
    "reply_to_header": Expected(
        LETTER, prisoner="khamroev", language="en", sender="lucy@example.org"
    ),
    # a form's mailer cut its Reply-To off mid-address: the standard parser raises IndexError on
    # it; read as text, the address in it still answers, and the letter reads as any other
    "damaged_reply_to_header": Expected(
        LETTER,
        prisoner="khamroev",
        language="en",
        delivery="post_for_me",
        sender=ANNA,
        contains=("crocuses",),
    ),
    # for a person: a question, and an answer to one of our e-mails, wait in the Inbox
    "question_not_a_letter": Expected(Status.RECEIVED, language="en"),
    "reply_to_our_email": Expected(
        Status.RECEIVED, language="en", contains=("bank transfer",), excludes=("LB-ABCD1234",)
    ),
    # kept for a person, with the reason
    "image_only": Expected(Status.FAILED, Reason.IMAGES_ONLY),
    "legacy_doc_attachment": Expected(Status.FAILED, Reason.UNREADABLE_ATTACHMENT),
    "pgp_encrypted": Expected(Status.FAILED, Reason.ENCRYPTED),
    "empty_body": Expected(Status.FAILED, Reason.NO_TEXT),
    "no_sender": Expected(Status.FAILED, Reason.NO_SENDER),
    "too_long": Expected(Status.FAILED, Reason.TOO_LONG),
    "oversized": Expected(Status.FAILED, Reason.TOO_LARGE),
    # damaged on the way: the reader cannot take it apart (nested 1,100 parts deep, past
    # Python's recursion limit), a relay garbled the body, the message was cut off inside its
    # body or inside the attached letter
    "deeply_nested_mime": Expected(Status.FAILED, Reason.UNPARSEABLE),
    "damaged_base64_body": Expected(Status.FAILED, Reason.DAMAGED),
    "truncated_body": Expected(Status.FAILED, Reason.DAMAGED),
    "truncated_mime": Expected(Status.FAILED, Reason.UNREADABLE_ATTACHMENT),
    # sent by machines: ignored
    "auto_reply_out_of_office": Expected(Status.IGNORED, Reason.AUTO_REPLY),
    "x_autoreply": Expected(Status.IGNORED, Reason.AUTO_REPLY),
    "newsletter_bulk": Expected(Status.IGNORED, Reason.MAILING_LIST),
    "bounce_multipart_report": Expected(Status.IGNORED, Reason.BOUNCE),
    "bounce_mailer_daemon": Expected(Status.IGNORED, Reason.BOUNCE),
}


def test_the_corpus_is_all_expected():
    assert sorted(p.stem for p in CORPUS.glob("*.eml")) == sorted(CORPUS_EXPECTED)
    assert len(CORPUS_EXPECTED) >= 25


@pytest.fixture
def limits(settings):
    settings.LETTERBRIDGE_INBOX_MAX_BYTES = 200_000  # the corpus' oversized message is 400 kB
    settings.LETTERBRIDGE_MAX_LETTER_CHARS = 6000


@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTED))
def test_each_message_of_the_corpus_ends_as_a_person_would_decide(
    name, directory, coordinator, limits, outbox
):
    expected = CORPUS_EXPECTED[name]
    # given a message of the corpus
    raw = eml(name)
    # when it is ingested
    ingested = services.ingest_raw_email(raw)
    # then it is kept, sorted and guessed at as expected
    email = ingested.email
    assert ingested.created
    if expected.reason != Reason.TOO_LARGE:
        assert email.raw == raw
    assert (email.status, email.reason) == (
        (Status.RECEIVED, "") if expected.outcome == LETTER else (expected.outcome, expected.reason)
    )
    if expected.outcome in (LETTER, Status.RECEIVED):
        assert email.guessed_language == expected.language
    if expected.prisoner is not None:
        assert email.guessed_prisoner == directory[expected.prisoner]
    if expected.delivery:
        assert email.guessed_delivery == expected.delivery
    if expected.sender:
        assert email.sender_email == expected.sender
    for words in expected.contains:
        assert words in email.text
    for words in expected.excludes:
        assert words not in email.text
    if expected.outcome == LETTER:
        # and a coordinator confirming the guesses makes it a letter with the stripped text
        letter = services.inbound_confirm(
            email_id=email.pk,
            actor=coordinator,
            prisoner_id=email.guessed_prisoner_id,
            language=email.guessed_language,
            delivery=email.guessed_delivery or Letter.Delivery.RETURN_TO_ME,
            postage_currency="GBP",
            supporter_name=email.sender_name or "Supporter",
            supporter_email=email.sender_email,
            text=email.text,
        )
        assert letter.original_text == email.text
        assert letter.source == Letter.Source.EMAIL


def test_the_raw_message_is_stored_encrypted(directory):
    # given a message
    raw = eml("plain_utf8_post_it")
    # when it is ingested
    email = services.ingest_raw_email(raw).email
    # then the database holds ciphertext only, of the message and of what was read from it
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT raw, text, sender_email FROM inbox_inboundemail WHERE id = %s", [email.pk]
        )
        stored_raw, stored_text, stored_sender = cursor.fetchone()
    assert b"Bakhrom" not in bytes(stored_raw)
    assert crypto.decrypt_bytes(bytes(stored_raw)) == raw
    assert "Bakhrom" not in stored_text and stored_text.startswith(crypto.PREFIX)
    assert ANNA not in stored_sender


def test_attachments_are_kept_encrypted_with_their_decoded_names(directory):
    # when a message with a Cyrillic RFC 2231 file name and one with an image are ingested
    letter = services.ingest_raw_email(eml("rfc2231_filename")).email
    image = services.ingest_raw_email(eml("image_only")).email
    # then both files are kept, named as the sender named them
    docx = InboundAttachment.objects.get(email=letter)
    assert docx.filename == "письмо Бахрому.docx"
    assert docx.text_extracted and not docx.unreadable
    png = InboundAttachment.objects.get(email=image)
    assert png.is_image and png.content.startswith(b"\x89PNG")
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM inbox_inboundattachment WHERE id = %s", [png.pk])
        assert not bytes(cursor.fetchone()[0]).startswith(b"\x89PNG")


def test_the_same_message_twice_is_one_row(directory):
    # given a message ingested once
    raw = eml("plain_utf8_post_it")
    first = services.ingest_raw_email(raw)
    # when the same bytes come again, and the same Message-ID with a new Received: header
    again = services.ingest_raw_email(raw)
    redelivered = services.ingest_raw_email(b"Received: from relay.example.net\r\n" + raw)
    # then both are recognised as the first, and nothing new is kept
    assert first.created and not again.created and not redelivered.created
    assert again.email.pk == redelivered.email.pk == first.email.pk
    assert InboundEmail.objects.count() == 1


def test_a_message_the_parser_crashes_on_is_kept_for_a_person_and_the_next_is_read(directory):
    # given a damaged message that Python's e-mail reader cannot take apart (multiparts nested
    # 1,100 deep: it runs out of recursion), and a good message after it
    damaged, good = eml("deeply_nested_mime"), eml("plain_utf8_post_it")
    # when both are ingested
    kept = services.ingest_raw_email(damaged)
    after = services.ingest_raw_email(good)
    # then the damaged one was stored first, and is kept as a failure saying where it broke
    email = kept.email
    assert kept.created and email.raw == damaged
    assert (email.status, email.reason) == (Status.FAILED, Reason.UNPARSEABLE)
    assert email.failure.startswith("RecursionError in ")
    assert email.read_at is not None
    # and whose it is, as far as a forgiving reading of the headers tells
    assert (email.sender_name, email.sender_email) == ("Anna Example", ANNA)
    assert email.subject == "Letter for Bakhrom Khamroev"
    # and the next message was read as usual
    assert (after.email.status, after.email.guessed_prisoner) == (
        Status.RECEIVED,
        directory["khamroev"],
    )


def test_a_message_that_fails_partway_keeps_nothing_half_read(directory, monkeypatch):
    # given a message whose reading fails after the parse (guessing crashes, as a bug would)
    def broken(email):
        raise ValueError("guessing broke")

    monkeypatch.setattr(services, "_guess", broken)
    # when a message with an attachment is ingested
    ingested = services.ingest_raw_email(eml("docx_attachment"))
    # then it is a kept failure, with nothing of the half-done reading left behind
    email = ingested.email
    assert (email.status, email.reason) == (Status.FAILED, Reason.UNPARSEABLE)
    assert email.failure == "ValueError in tests.inbox.test_services"
    assert (email.text, email.guessed_prisoner) == ("", None)
    assert not email.attachments.exists()
    assert email.sender_email == ANNA  # whose it is, from the forgiving header reading
    assert email.raw == eml("docx_attachment")


class Killed(BaseException):
    """The process dying (SIGKILL, out of memory): nothing of ours catches it."""


def _store_then_die(monkeypatch, raw: bytes) -> InboundEmail:
    """Ingest ``raw`` in a process that dies after storing it, before reading it."""

    def die(email_id):
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(services, "_read", die)
        with pytest.raises(Killed):
            services.ingest_raw_email(raw)
    return InboundEmail.objects.get()


def test_a_message_stored_but_never_read_is_read_when_it_comes_again(directory, monkeypatch):
    # given a message stored, and the process killed before it was read
    stored = _store_then_die(monkeypatch, eml("plain_utf8_post_it"))
    assert stored.read_at is None and stored.raw == eml("plain_utf8_post_it")
    assert (stored.status, stored.text, stored.sender_email) == (Status.RECEIVED, "", "")
    # when the same message comes again (the next poll finds it still in the mailbox)
    again = services.ingest_raw_email(eml("plain_utf8_post_it"))
    # then the stored message is read, and no second one is kept
    assert not again.created and again.email.pk == stored.pk
    assert again.email.read_at is not None
    assert (again.email.status, again.email.sender_email) == (Status.RECEIVED, ANNA)
    assert again.email.guessed_prisoner == directory["khamroev"]
    assert "crocuses" in again.email.text
    assert InboundEmail.objects.count() == 1
    # and a third time changes nothing
    assert services.ingest_raw_email(eml("plain_utf8_post_it")).email.text == again.email.text


def test_a_database_failure_while_reading_leaves_the_message_to_be_read_again(
    directory, monkeypatch
):
    # given the database failing while a stored message is read (a restart, a deadlock)
    def database_away(email_id):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patched:
        patched.setattr(services, "_read", database_away)
        with pytest.raises(OperationalError):
            services.ingest_raw_email(eml("plain_utf8_post_it"))
    # then the message is not blamed for it: stored, unread, no failure recorded
    stored = InboundEmail.objects.get()
    assert (stored.read_at, stored.status, stored.failure) == (None, Status.RECEIVED, "")
    # and when it comes again, it is read
    again = services.ingest_raw_email(eml("plain_utf8_post_it")).email
    assert (again.pk, again.status, again.sender_email) == (stored.pk, Status.RECEIVED, ANNA)


def test_the_beat_reads_what_was_stored_but_never_read(directory, monkeypatch):
    # given a message stored ten minutes ago by a process that died before reading it
    stored = _store_then_die(monkeypatch, eml("koi8r_russian"))
    ten_minutes_ago = stored.received_at - timedelta(minutes=10)
    InboundEmail.objects.filter(pk=stored.pk).update(received_at=ten_minutes_ago)
    # and one stored a moment ago (its poll may be reading it right now)
    services._store(eml("plain_utf8_post_it"))
    # when the beat's sweep runs
    read = tasks.read_unread_inbound_emails()
    # then the old one is read from its stored raw, and the fresh one is left to its poll
    assert read == 1
    stored.refresh_from_db()
    assert stored.read_at is not None
    assert (stored.status, stored.guessed_language) == (Status.RECEIVED, "ru")
    assert InboundEmail.objects.filter(read_at__isnull=True).count() == 1
    # and running it again reads nothing twice
    assert tasks.read_unread_inbound_emails() == 0


def test_reading_a_message_twice_at_once_reads_it_once(directory, monkeypatch):
    # given a stored, unread message
    stored = _store_then_die(monkeypatch, eml("docx_attachment"))
    # when the poll and the sweep both read it
    first = services.read_stored_email(email_id=stored.pk)
    second = services.read_stored_email(email_id=stored.pk)
    # then it was read once: one set of attachments, the first reading's time
    assert first.read_at == second.read_at
    assert InboundAttachment.objects.filter(email=stored).count() == 1


def test_an_oversized_message_is_refused_politely_in_its_thread(
    directory, limits, outbox, django_capture_on_commit_callbacks
):
    # when a message larger than the limit arrives
    with django_capture_on_commit_callbacks(execute=True):
        email = services.ingest_raw_email(eml("oversized")).email
    # then only its headers are kept, and the sender is answered once, in their thread
    assert email.size > 200_000 and len(email.raw) < 2000
    assert [m.to for m in mail.outbox] == [[ANNA]]
    reply = mail.outbox[0]
    assert reply.subject == "Re: Letter for Bakhrom Khamroev with a large scan"
    assert reply.extra_headers["In-Reply-To"] == email.message_id
    assert "larger than we can accept" in reply.body
    assert services.inbound_reply_send(email_id=email.pk) is False  # sent once


def _oversized_with(subject: bytes, message_id: bytes, sender: bytes | None = None) -> bytes:
    raw = eml("oversized").replace(
        b"Subject: Letter for Bakhrom Khamroev with a large scan", b"Subject: " + subject, 1
    )
    raw = raw.replace(b"Message-ID: <big.28@mail.example.org>", b"Message-ID: " + message_id, 1)
    if sender is not None:
        raw = raw.replace(b"From: Anna Example <anna@example.org>", b"From: " + sender, 1)
    return raw


def test_a_russian_oversized_message_is_refused_in_russian_then_english(
    directory, limits, outbox, django_capture_on_commit_callbacks
):
    # given a message too large to accept, its subject in Russian ("Письмо Бахрому со сканом")
    # and the sender's name in Latin letters, as many Russian writers' are
    raw = _oversized_with(
        b"=?utf-8?b?0J/QuNGB0YzQvNC+INCR0LDRhdGA0L7QvNGDINGB0L4g0YHQutCw0L3QvtC8?=",
        b"<big.ru@mail.example.ru>",
        b"Anna Konstantinovna Ivanova-Petrova <anna@example.ru>",
    )
    # when it is ingested
    with django_capture_on_commit_callbacks(execute=True):
        email = services.ingest_raw_email(raw).email
    # then the sender is answered in their thread, in Russian first and then in English
    assert (email.status, email.reason, email.guessed_language) == (
        Status.FAILED,
        Reason.TOO_LARGE,
        "ru",
    )
    (reply,) = mail.outbox
    assert reply.to == ["anna@example.ru"]
    assert reply.subject == "Re: Письмо Бахрому со сканом"
    assert reply.extra_headers["In-Reply-To"] == "<big.ru@mail.example.ru>"
    russian, english = reply.body.split("* * *")
    assert "Здравствуйте!" in russian and "больше, чем мы можем принять" in russian
    assert "0,4 МБ" in russian  # a Russian decimal comma
    assert "larger than we can accept" in english and "0.4 MB" in english


def test_an_english_oversized_message_is_refused_in_english_only(
    directory, limits, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest_raw_email(eml("oversized"))
    (reply,) = mail.outbox
    assert "larger than we can accept" in reply.body
    assert "* * *" not in reply.body and "Здравствуйте" not in reply.body


def test_an_oversized_message_from_a_russian_writer_is_refused_in_russian_too(
    directory, limits, outbox, django_capture_on_commit_callbacks
):
    # given a supporter who wrote to us in Russian before
    services.ingest_raw_email(eml("koi8r_russian"))
    # when they send a message too large, its subject saying nothing of its language
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest_raw_email(_oversized_with(b"Scan", b"<big.scan@mail.example.org>"))
    # then the refusal is in Russian, then in English
    (reply,) = mail.outbox
    assert reply.to == [ANNA]
    assert "Здравствуйте!" in reply.body and "larger than we can accept" in reply.body


def test_an_auto_reply_is_never_answered(directory, outbox, settings):
    # given an out-of-office reply that is also too large
    settings.LETTERBRIDGE_INBOX_MAX_BYTES = 100
    # when it is ingested
    email = services.ingest_raw_email(eml("auto_reply_out_of_office")).email
    # then it is ignored and nobody is written to (an answer could start a loop)
    assert (email.status, email.reason) == (Status.IGNORED, Reason.AUTO_REPLY)
    assert mail.outbox == []


# --- triage ----------------------------------------------------------------------------------


def _ingested(name: str = "plain_utf8_post_it") -> InboundEmail:
    return services.ingest_raw_email(eml(name)).email


def _confirm(email, actor, **changes):
    data = {
        "email_id": email.pk,
        "actor": actor,
        "prisoner_id": email.guessed_prisoner_id,
        "language": "en",
        "delivery": Letter.Delivery.POST_FOR_ME,
        "postage_currency": "GBP",
        "supporter_name": "Anna Example",
        "supporter_email": email.sender_email,
        "text": email.text,
    } | changes
    return services.inbound_confirm(**data)


def test_confirming_makes_a_received_letter_that_says_it_came_by_email(
    directory, coordinator, outbox, django_capture_on_commit_callbacks
):
    # given an e-mail in the Inbox
    email = _ingested()
    # when a coordinator confirms it, correcting the prisoner
    with django_capture_on_commit_callbacks(execute=True):
        letter = _confirm(email, coordinator, prisoner_id=directory["zhilin"].pk)
    # then it is a received letter to the corrected prisoner, linked to the e-mail
    email.refresh_from_db()
    assert (letter.status, letter.prisoner, letter.source) == (
        Letter.Status.RECEIVED,
        directory["zhilin"],
        Letter.Source.EMAIL,
    )
    assert (email.status, email.letter, email.handled_by) == (Status.LETTER, letter, coordinator)
    event = LetterEvent.objects.get(letter=letter, action="came_by_email")
    assert event.actor == coordinator
    # and the supporter's "we have your letter" answers in their own thread
    assert Notification.objects.get(letter=letter).kind == Notification.Kind.RECEIVED
    (received,) = mail.outbox
    assert received.to == [ANNA]
    assert received.subject == "Re: Letter for Bakhrom Khamroev"
    assert received.extra_headers["In-Reply-To"] == email.message_id
    assert received.extra_headers["References"] == email.message_id
    assert "/letters/track/" in received.body


@pytest.mark.parametrize(
    ("name", "writer", "received_id", "subject"),
    [
        (
            "forwarded_inline",
            "margaret@example.net",
            "<fwd.12@mail.example.org>",
            "Re: My letter to Bakhrom Khamroev",
        ),
        (
            "forwarded_as_attachment",
            "peter@example.net",
            "<fwdatt.14@mail.example.org>",
            "Re: Letter for Bakhrom Khamroev",
        ),
    ],
)
def test_a_forwarded_letter_is_answered_to_its_writer_in_the_received_thread(
    name,
    writer,
    received_id,
    subject,
    directory,
    coordinator,
    outbox,
    django_capture_on_commit_callbacks,
):
    # given a letter a friend forwarded to us for its writer
    email = _ingested(name)
    assert email.forwarded and email.message_id == received_id
    # when a coordinator confirms it as guessed
    with django_capture_on_commit_callbacks(execute=True):
        letter = _confirm(email, coordinator, supporter_email=email.sender_email)
    # then the letter is the writer's, and "we have your letter" goes to the writer, as a
    # reply to the message we received, with the letter's own subject
    assert letter.supporter_email == writer
    (received,) = mail.outbox
    assert received.to == [writer]
    assert received.extra_headers["In-Reply-To"] == received_id
    assert received.extra_headers["References"] == received_id
    assert received.subject == subject


def test_an_email_is_made_a_letter_once(directory, coordinator):
    # given an e-mail already made a letter
    email = _ingested()
    _confirm(email, coordinator)
    # when it is confirmed again (a second tab, a second coordinator)
    with pytest.raises(services.InboxError):
        _confirm(email, coordinator)
    # then there is still one letter
    assert Letter.objects.count() == 1


def test_a_refused_letter_leaves_the_email_in_the_inbox(directory, coordinator):
    # given an e-mail in the Inbox
    email = _ingested()
    # when the coordinator confirms it with no delivery chosen
    with pytest.raises(LetterError):
        _confirm(email, coordinator, delivery="")
    # then no letter is made and the e-mail still waits
    email.refresh_from_db()
    assert Letter.objects.count() == 0
    assert email.status == Status.RECEIVED


def test_only_coordinators_triage(directory):
    # given a volunteer (translators never see the Inbox)
    volunteer = VolunteerFactory()
    email = _ingested()
    # when they try to confirm, answer or archive
    for attempt in (
        lambda: _confirm(email, volunteer),
        lambda: services.inbound_archive(email_id=email.pk, actor=volunteer),
        lambda: services.inbound_answer(email_id=email.pk, actor=volunteer, text="Hi"),
    ):
        with pytest.raises(NotPermitted):
            attempt()
    # then nothing changed
    email.refresh_from_db()
    assert email.status == Status.RECEIVED and Letter.objects.count() == 0


def test_answering_a_question_replies_in_its_thread_and_archives_it(
    directory, coordinator, outbox, django_capture_on_commit_callbacks
):
    # given a question in the Inbox
    email = _ingested("question_not_a_letter")
    # when a coordinator answers it
    with django_capture_on_commit_callbacks(execute=True):
        services.inbound_answer(
            email_id=email.pk, actor=coordinator, text="Postage from Canada is the same: £2.20."
        )
    # then the sender gets the answer as a reply, and the question leaves the Inbox
    email.refresh_from_db()
    assert (email.status, email.reason) == (Status.ARCHIVED, Reason.ANSWERED)
    (answer,) = mail.outbox
    assert (answer.to, answer.subject) == (["sam@example.ca"], "Re: Question about letters")
    assert answer.extra_headers["In-Reply-To"] == email.message_id
    assert answer.body == "Postage from Canada is the same: £2.20."
    assert email.reply_sent_at is not None


def test_an_empty_answer_is_refused(directory, coordinator, outbox):
    email = _ingested("question_not_a_letter")
    with pytest.raises(LetterError):
        services.inbound_answer(email_id=email.pk, actor=coordinator, text="   ")
    email.refresh_from_db()
    assert email.status == Status.RECEIVED and mail.outbox == []


def test_archiving_takes_it_out_of_the_inbox(directory, coordinator):
    email = _ingested("reply_to_our_email")
    services.inbound_archive(email_id=email.pk, actor=coordinator)
    email.refresh_from_db()
    assert (email.status, email.reason) == (Status.ARCHIVED, Reason.NOT_A_LETTER)
    with pytest.raises(services.InboxError):
        services.inbound_archive(email_id=email.pk, actor=coordinator)


def test_a_damaged_header_costs_only_that_header(directory):
    # given a letter whose Reply-To a form's mailer cut off mid-address (Python's header parser
    # raises IndexError on it), and one whose Message-ID and From are cut off the same way
    cut_reply_to = eml("damaged_reply_to_header")
    cut_id_and_from = (
        eml("plain_utf8_post_it")
        .replace(b"Message-ID: <", b"Message-ID: <\nX-Was-Message-ID: <", 1)
        .replace(b"From: ", b'From: Anna Example <anna@example.org>, "Letters" <\nX-Was-From: ', 1)
    )
    # when they are ingested
    first = services.ingest_raw_email(cut_reply_to).email
    second = services.ingest_raw_email(cut_id_and_from).email
    # then both are read as letters to Bakhrom Khamroev, answering the address the header held
    for email in (first, second):
        assert (email.status, email.reason) == (Status.RECEIVED, "")
        assert email.guessed_prisoner == directory["khamroev"]
        assert email.sender_email == ANNA
    assert first.sender_name == "Anna Example" and "crocuses" in first.text


def test_a_letter_in_a_transfer_encoding_nobody_decodes_goes_to_a_person(directory):
    # given a letter whose Content-Transfer-Encoding header was garbled on the way, so the
    # e-mail library hands over its body still in base64
    garbled = eml("plain_utf8_post_it").replace(
        b"Content-Transfer-Encoding: base64", b'Content-Transfer-Encoding: "', 1
    )
    # when it is ingested
    email = services.ingest_raw_email(garbled).email
    # then it is kept for a person as damaged on the way, not offered as a letter of base64
    assert (email.status, email.reason) == (Status.FAILED, Reason.DAMAGED)
    assert email.raw == garbled
