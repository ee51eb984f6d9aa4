"""The Russian catalogue the pages use: complete, compiled, and the compiled file current."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from letters import services, tokens
from letters.models import LetterEvent, Notification
from tests.factories import LetterFactory

PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "msgid" in block]


def test_every_string_has_a_russian_translation_and_none_is_a_guess():
    entries = _entries(PO.read_text(encoding="utf-8"))[1:]  # the first is the header

    assert entries
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', e, re.M)]
    fuzzy = [e for e in entries if "#, fuzzy" in e or re.search(r"^#,.*fuzzy", e, re.M)]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_holds_every_translation_in_the_po():
    entries = _entries(PO.read_text(encoding="utf-8"))[1:]
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog

    # Plural entries are stored once per form; count distinct message ids.
    compiled = {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}
    assert len(compiled) == len(entries)


# e-mail kind -> the letter's state for it; each says "your letter to <name>"
_LETTER_TO_EMAILS = {
    "received": "received",
    "translated": "approved",
    "posted": "posted",
    "returned": "returned",
    "rejected": "rejected",
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(_LETTER_TO_EMAILS))
def test_a_russian_email_names_the_prisoner_in_the_dative(kind, outbox):
    state = _LETTER_TO_EMAILS[kind]
    delivery = "return_to_me" if kind == "returned" else "post_for_me"
    letter = LetterFactory(status=state, delivery=delivery, locale="ru")
    event = LetterEvent.objects.create(letter=letter, to_status=state, action="test")
    notification = Notification.objects.create(letter=letter, event=event, kind=kind)

    services.notification_send(notification_id=notification.pk)

    (message,) = outbox
    for text in (message.body, message.alternatives[0][0]):
        assert re.search(r"[Вв]аше письмо Хамроеву Бахрому Мардоновичу", text)
        assert "адресат:" not in text


@pytest.mark.django_db
def test_the_russian_tracking_page_names_the_prisoner_in_the_dative(client):
    letter = LetterFactory()
    client.cookies["django_language"] = "ru"

    html = client.get(
        reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)])
    ).content.decode()

    assert "<h1>Ваше письмо Хамроеву Бахрому Мардоновичу</h1>" in html
