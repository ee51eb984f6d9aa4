"""The supporter's e-mails: every kind, in text and HTML, in English and Russian, with the
tracking link, markup escaped in HTML, each sent once."""

import pytest

from letters import services, tokens
from letters.models import Letter, LetterEvent, Notification
from tests.factories import LetterFactory

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
    first = services.notification_send(notification_id=notification.pk)
    again = services.notification_send(notification_id=notification.pk)
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


def test_the_rejection_gives_the_reason_escaped_in_html(outbox):
    _send("rejected", "en", rejection_reason="<i>mentions the case</i>")

    (message,) = outbox
    assert "Our reason: <i>mentions the case</i>" in message.body
    assert "&lt;i&gt;mentions the case&lt;/i&gt;" in message.alternatives[0][0]


def test_the_received_email_mentions_postage_only_when_due(outbox):
    _send("received", "en")
    _send("received", "en", postage=Letter.Postage.WAIVED)

    due, waived = outbox
    assert "The postage is due" in due.body
    assert "The postage is due" not in waived.body


def test_the_links_email_lists_every_letter_in_both_languages(outbox):
    letters = [LetterFactory(supporter_email="anna@example.org") for _ in range(2)]

    services.letter_links_send(letter_ids=[x.pk for x in letters], request_id="en", locale="en")
    services.letter_links_send(letter_ids=[x.pk for x in letters], request_id="ru", locale="ru")

    english, russian = outbox
    for message in (english, russian):
        for letter in letters:
            assert tokens.token_for(salt=letter.tracking_salt) in message.body
            assert letter.reference in message.alternatives[0][0]
    assert "newest first" in english.body
    assert "сначала самые новые" in russian.body
