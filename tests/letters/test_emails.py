"""The supporter's e-mails: every kind, in text and HTML, in English and Russian, with the
tracking link, markup escaped in HTML, each sent once."""

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from letters import tokens
from letters.models import Letter, LetterEvent, Notification
from letters.services import dispatch, notifications, translation
from tests.factories import CoordinatorFactory, LetterFactory, PrisonerFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

# kind -> (letter state that calls for it, a phrase of the English body, of the Russian body)
KINDS = {
    "received": ("received", "has reached us", "дошло до нас"),
    "translated": ("approved", "translated into Russian and checked", "переведено на русский"),
    "posted": ("posted", "We have posted your letter", "Мы отправили ваше письмо"),
    "returned": ("returned", "ready for you to post", "готово к отправке"),
    "cancelled": ("cancelled", "we have cancelled your letter", "мы отменили ваше письмо"),
    "rejected": ("rejected", "we decided not to send", "мы решили не отправлять"),
    "on_hold": ("on_hold", "being moved between prisons", "на этапе"),
}


def _send(kind: str, locale: str, **letter_fields) -> tuple:
    state = KINDS[kind][0]
    delivery = "return_to_me" if kind == "returned" else "post_for_me"
    letter = LetterFactory(
        status=state,
        delivery=delivery,
        locale=locale,
        supporter_name="<b>Anna</b>",
        **letter_fields,
    )
    event = LetterEvent.objects.create(letter=letter, to_status=state, action="test")
    notification = Notification.objects.create(letter=letter, event=event, kind=kind)
    first = notifications.notification_send(notification_id=notification.pk)
    again = notifications.notification_send(notification_id=notification.pk)
    return letter, first, again


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("locale", ["en", "ru"])
def test_each_email_in_both_languages_in_text_and_html(kind, locale, outbox):
    letter, first, again = _send(kind, locale, rejection_reason="<i>mentions the case</i>")

    assert (first, again) == (True, False)
    (message,) = outbox
    html = message.alternatives[0][0]
    link = tokens.token_for(salt=letter.tracking_salt)
    english, russian = KINDS[kind][1], KINDS[kind][2]
    phrase = russian if locale == "ru" else english
    assert phrase in message.body
    assert phrase in html
    assert letter.reference in message.subject
    assert link in message.body and link in html
    assert "<b>Anna</b>" not in html and "&lt;b&gt;Anna&lt;/b&gt;" in html
    assert f'lang="{locale}"' in html
    if locale == "ru":
        assert "Здравствуйте" in message.body


@pytest.mark.parametrize(
    ("delivery", "locale", "said"),
    [
        ("return_to_me", "en", "until we send it to you to post"),
        ("return_to_me", "ru", "пока мы не прислали его вам для отправки"),
        ("post_for_me", "en", "until it is posted"),
        ("post_for_me", "ru", "пока оно не отправлено"),
    ],
)
def test_the_we_have_it_email_says_until_when_the_letter_can_be_cancelled(
    delivery, locale, said, outbox
):
    # given a letter just received, which we post or which the supporter posts themselves
    letter = LetterFactory(delivery=delivery, locale=locale)
    event = LetterEvent.objects.create(letter=letter, to_status="received", action="submit")
    notification = Notification.objects.create(letter=letter, event=event, kind="received")
    # when the "we have your letter" e-mail goes
    notifications.notification_send(notification_id=notification.pk)
    # then it says until when it can be cancelled: we never post a letter the supporter
    # posts themselves, so "until it is posted" told them nothing true
    (message,) = outbox
    for text in (message.body, message.alternatives[0][0]):
        assert said in text


def test_the_rejection_gives_the_reason_escaped_in_html(outbox):
    _send("rejected", "en", rejection_reason="<i>mentions the case</i>")

    (message,) = outbox
    assert "Our reason: <i>mentions the case</i>" in message.body
    assert "&lt;i&gt;mentions the case&lt;/i&gt;" in message.alternatives[0][0]


def test_the_russian_received_email_asks_for_postage_as_a_russian_writes_it(outbox):
    _send("received", "ru")

    (message,) = outbox
    assert "Вы попросили нас отправить письмо. Осталось оплатить марку." in message.body
    assert "Вы выбрали, чтобы" not in message.body


def test_the_received_email_mentions_postage_only_when_due(outbox):
    _send("received", "en")
    _send("received", "en", postage=Letter.Postage.WAIVED)

    due, waived = outbox
    assert "The postage is due" in due.body
    assert "The postage is due" not in waived.body


def test_the_links_email_lists_every_letter_in_both_languages(outbox):
    letters = [LetterFactory(supporter_email="anna@example.org") for _ in range(2)]

    notifications.letter_links_send(
        letter_ids=[x.pk for x in letters], request_id="en", locale="en"
    )
    notifications.letter_links_send(
        letter_ids=[x.pk for x in letters], request_id="ru", locale="ru"
    )

    english, russian = outbox
    for message in (english, russian):
        for letter in letters:
            assert tokens.token_for(salt=letter.tracking_salt) in message.body
            assert letter.reference in message.alternatives[0][0]
    assert "newest first" in english.body
    assert "сначала самые новые" in russian.body


# --- what the e-mails say follows what happened to the letter --------------------------------


def _approved_letter(*, skipped: bool, language: str = "en", **fields) -> Letter:
    """A letter brought to approved the way the desk does it: translated and checked, or sent
    on as written by a coordinator's "No translation needed"."""
    coordinator = CoordinatorFactory()
    if skipped:
        letter = LetterFactory(status=Letter.Status.RECEIVED, language=language, **fields)
        translation.letter_skip_translation(letter_id=letter.pk, coordinator=coordinator)
    else:
        letter = LetterFactory(
            status=Letter.Status.TRANSLATED,
            language=language,
            translated_by=VolunteerFactory(),
            translation="Здравствуйте! Сегодня выпал первый снег.",
            **fields,
        )
        translation.letter_approve(letter_id=letter.pk, reviewer=coordinator)
    letter.refresh_from_db()
    return letter


def _sent(letter: Letter, kind: str, outbox) -> object:
    """Send the letter's queued e-mail of this kind and return the message."""
    notification = Notification.objects.get(letter=letter, kind=kind)
    outbox.clear()
    assert notifications.notification_send(notification_id=notification.pk) is True
    (message,) = outbox
    return message


def _both(message) -> tuple[str, str]:
    return message.body, message.alternatives[0][0]


@pytest.mark.parametrize(
    ("skipped", "language", "locale", "said", "not_said"),
    [
        (False, "en", "en", "has been translated into Russian and checked", "as you wrote it"),
        (True, "ru", "en", "is written in Russian, so it goes as you wrote it", "translated"),
        (
            True,
            "en",
            "en",
            "reads the language you wrote in, so your letter goes as you",
            "Russian",
        ),
        (False, "en", "ru", "переведено на русский и проверено", "в том виде"),
        (True, "ru", "ru", "написано по-русски, поэтому уйдёт в том виде", "переведено"),
        (
            True,
            "en",
            "ru",
            "Хамроев Бахром Мардонович читает на языке вашего письма, поэтому оно уйдёт",
            "Хамроеву Бахрому Мардоновичу читает",
        ),
    ],
)
def test_the_ready_email_says_whether_the_letter_was_translated(
    skipped, language, locale, said, not_said, outbox
):
    # given a letter we post, approved after a translation or sent on as written
    letter = _approved_letter(skipped=skipped, language=language, locale=locale)
    # when its e-mail is sent
    message = _sent(letter, "translated", outbox)
    # then it says what really happened, in the subject too
    for text in _both(message):
        assert said in text
        assert not_said not in text
    assert ("translated" in message.subject or "переведено" in message.subject) is not skipped


@pytest.mark.parametrize("skipped", [False, True])
def test_the_return_email_and_its_pdf_say_whether_the_letter_was_translated(skipped, outbox):
    # given a letter the supporter posts, approved after translation or sent on as written
    letter = _approved_letter(skipped=skipped, language="ru", delivery="return_to_me")
    # when it is returned and its e-mail sent
    dispatch.letter_return(letter_id=letter.pk, coordinator=None)
    message = _sent(letter, "returned", outbox)
    # then the e-mail and the PDF's first page tell the same, true story
    ((_name, content, _mimetype),) = message.attachments
    first_page = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
    if skipped:
        assert "Your letter, ready to post" in message.subject
        for text in _both(message):
            assert "holds your letter as you wrote it" in text
            assert "translated" not in text
        assert "Here is your letter as you wrote it, in Russian, ready to post." in first_page
        assert "translated" not in first_page
    else:
        assert "Your translated letter, ready to post" in message.subject
        for text in _both(message):
            assert "is translated and ready for you to post" in text
        assert "Here is your letter translated into Russian, ready to post." in first_page


def test_a_letter_sent_as_written_is_signed_as_written(outbox):
    # given a letter in Russian from "Anna Example", ending with her own sign-off, whose
    # translation a coordinator skipped
    letter = _approved_letter(
        skipped=True,
        language="ru",
        delivery="return_to_me",
        supporter_name="Anna Example",
        signature_ru="Анна Эксампле",  # as proposed from her name when the letter came
        original_text="Здравствуйте! Сегодня выпал первый снег.\n\nС уважением, Анна",
    )
    # then no signature nobody confirmed is added under it
    assert letter.signature_ru == ""
    # and its return pack neither prints one nor tells the supporter it is signed so
    dispatch.letter_return(letter_id=letter.pk, coordinator=None)
    message = _sent(letter, "returned", outbox)
    ((_name, content, _mimetype),) = message.attachments
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )
    assert "The letter is signed" not in text
    assert "Эксампле" not in text


def test_the_return_pdf_of_a_letter_in_a_language_the_prisoner_reads_does_not_claim_russian(
    outbox,
):
    letter = _approved_letter(skipped=True, language="de", delivery="return_to_me")
    dispatch.letter_return(letter_id=letter.pk, coordinator=None)

    message = _sent(letter, "returned", outbox)

    ((_name, content, _mimetype),) = message.attachments
    first_page = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
    assert "Here is your letter as you wrote it, ready to post" in first_page
    assert "accept only letters in Russian" not in first_page
    assert "holds the letter in Russian" not in message.body


def test_a_return_letter_gets_one_email_across_approve_and_return(
    outbox, django_capture_on_commit_callbacks
):
    # given a translated letter the supporter posts themselves
    letter = LetterFactory(
        status=Letter.Status.TRANSLATED,
        delivery="return_to_me",
        translated_by=VolunteerFactory(),
        translation="Здравствуйте!",
    )
    # when it is approved and the pipeline (eager Celery, on-commit callbacks run) returns it
    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_approve(letter_id=letter.pk, reviewer=CoordinatorFactory())
    # then the supporter gets exactly one e-mail: the one with the PDF
    letter.refresh_from_db()
    assert letter.status == Letter.Status.RETURNED
    (message,) = outbox
    assert [name for name, _content, _type in message.attachments] == [f"{letter.reference}.pdf"]
    assert list(letter.notifications.values_list("kind", flat=True)) == ["returned"]


def test_a_return_letter_sent_on_as_written_gets_one_email_too(
    outbox, django_capture_on_commit_callbacks
):
    letter = LetterFactory(status=Letter.Status.RECEIVED, delivery="return_to_me", language="ru")

    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_skip_translation(letter_id=letter.pk, coordinator=CoordinatorFactory())

    (message,) = outbox
    assert message.attachments


def test_a_letter_we_post_is_still_told_it_is_ready_and_what_postage_needs(
    outbox, django_capture_on_commit_callbacks
):
    # given a translated letter we post, its postage not paid yet
    letter = LetterFactory(
        status=Letter.Status.TRANSLATED, translated_by=VolunteerFactory(), translation="Привет"
    )
    # when it is approved
    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_approve(letter_id=letter.pk, reviewer=CoordinatorFactory())
    # then the supporter hears that it is ready and that the postage is due
    (message,) = outbox
    assert "translated into Russian and checked" in message.body
    assert "as soon as the postage is paid" in message.body


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_sentence_about_cancelling_carries_the_link(locale, outbox):
    # given a letter just received that needs no postage (so no other sentence names its page)
    letter, _first, _again = _send("received", locale, postage=Letter.Postage.WAIVED)
    link = notifications.tracking_url(letter)
    (message,) = outbox
    # then the sentence that offers cancelling holds the link itself, in text and in HTML
    (line,) = [x for x in message.body.splitlines() if "cancel" in x or "отменить" in x]
    assert link in line
    (paragraph,) = re.findall(r"<p>[^<]*(?:cancel|отменить).*?</p>", message.alternatives[0][0])
    assert f'href="{link}"' in paragraph


@pytest.mark.parametrize(
    ("language", "locale", "said"),
    [
        ("en", "en", "A volunteer will translate it into Russian"),
        ("ru", "en", "It is already in Russian"),
        ("ru", "ru", "Оно уже на русском"),
    ],
)
def test_the_received_email_promises_a_translation_only_when_one_is_needed(
    language, locale, said, outbox
):
    _send("received", locale, language=language)

    (message,) = outbox
    for text in _both(message):
        assert said in text


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "the reply comes by post to our address, and we send it on to you"),
        ("ru", "ответ придёт по почте на наш адрес, и мы перешлём его вам"),
    ],
)
def test_the_posted_email_says_what_happens_to_a_reply(locale, said, outbox):
    _send("posted", locale)

    (message,) = outbox
    for text in _both(message):
        assert said in text


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("in_translation", "We will post it as soon as it is ready."),
        ("posted", "It is already in the post."),
        ("approved", "It will go out with our next batch of letters."),
        ("on_hold", "We will post it as soon as we know the prisoner's new address."),
        ("cancelled", "Your letter will not be sent, so we are paying this back to you."),
        ("rejected", "Your letter will not be sent, so we are paying this back to you."),
    ],
)
def test_the_postage_receipt_says_what_happens_next_for_the_letter_as_it_is(status, said, outbox):
    # given postage paid for a letter in this state
    from payments.models import Payment
    from payments.services import payment_receipt_send
    from tests.payments.factories import StripePaymentFactory

    payment = StripePaymentFactory(
        letter=LetterFactory(status=status), status=Payment.Status.PAID, paid_at=timezone.now()
    )
    # when the receipt is sent
    assert payment_receipt_send(payment_id=payment.pk) is True
    # then its next step fits the letter, and never promises a translation that may be done
    (message,) = outbox
    for text in _both(message):
        assert said in text
        assert "translated" not in text


def test_the_ready_email_of_a_letter_held_at_once_does_not_promise_the_next_batch(outbox):
    # given a paid letter approved while its prisoner has no address, so held at once
    letter = LetterFactory(
        status=Letter.Status.TRANSLATED,
        postage=Letter.Postage.PAID,
        prisoner=PrisonerFactory(),
        translated_by=VolunteerFactory(),
        translation="Привет",
    )
    translation.letter_approve(letter_id=letter.pk, reviewer=CoordinatorFactory())
    # when the "ready" e-mail is sent (the only one: it tells of the hold too)
    message = _sent(letter, "translated", outbox)
    # then it does not say the letter goes out with the next batch
    assert "translated into Russian and checked" in message.body
    for text in _both(message):
        assert "next batch" not in text


@pytest.mark.parametrize(
    ("delivery", "postage", "refund_said"),
    [
        ("return_to_me", "not_needed", False),
        ("post_for_me", "due", False),
        ("post_for_me", "paid", True),
    ],
)
def test_the_cancellation_email_speaks_of_postage_only_when_some_was_paid(
    delivery, postage, refund_said, outbox
):
    # given a cancelled letter, sent back to its writer or posted by us, paid for or not
    letter = LetterFactory(status="cancelled", delivery=delivery, postage=postage, locale="en")
    event = LetterEvent.objects.create(letter=letter, to_status="cancelled", action="test")
    notification = Notification.objects.create(letter=letter, event=event, kind="cancelled")
    # when its e-mail is sent
    assert notifications.notification_send(notification_id=notification.pk)
    (message,) = outbox
    # then a refund is promised only to whoever paid, and "if you paid" to nobody
    for text in (message.body, message.alternatives[0][0]):
        assert "we have cancelled your letter" in text
        assert ("The postage you paid will be refunded." in text) is refund_said
        assert "If you paid" not in text
