"""The Russian catalogue the pages use: complete, compiled, the compiled file current, and
every translation a sentence a native speaker would write."""

import ast
import gettext
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from letters import tokens
from letters.models import LetterEvent, Notification
from letters.services import notifications
from tests.factories import LetterFactory, PrisonerWithAddressFactory

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


_GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
_PGETTEXT = {"pgettext", "pgettext_lazy"}
_NOT_OURS = {".venv", "tests", "benchmarks", "migrations", "var"}


def _marked_strings() -> list[tuple[str, str, str]]:
    """Every literal our Python code marks for translation: (file, context, message)."""
    found = []
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        if _NOT_OURS & set(path.relative_to(settings.BASE_DIR).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name in _GETTEXT and args and isinstance(args[0], str):
                found.append((path.name, "", args[0]))
            elif name in _PGETTEXT and len(args) > 1 and isinstance(args[1], str):
                found.append((path.name, args[0], args[1]))
    return found


def test_every_string_our_code_marks_reads_in_russian():
    # given every string our Python code marks for translation (a column's name, a message)
    from django.utils import translation

    marked = _marked_strings()
    assert len(marked) > 100

    # when each is read in Russian (ours or Django's own catalogue)
    with translation.override("ru"):
        left_english = [
            (where, text)
            for where, context, text in marked
            if re.search("[A-Za-z]", text)
            and (translation.pgettext(context, text) if context else translation.gettext(text))
            == text
        ]

    # then none was left out of the catalogue (no makemessages run would have caught it)
    assert left_english == []


def test_the_compiled_catalogue_holds_every_translation_in_the_po():
    entries = _entries(PO.read_text(encoding="utf-8"))[1:]
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog

    # Plural entries are stored once per form; count distinct message ids.
    compiled = {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}
    assert len(compiled) == len(entries)


def _messages(text: str) -> list[dict[str, str]]:
    """Each entry of a .po file as {"msgctxt": ..., "msgid": ..., "msgstr[0]": ...}, the
    continuation lines joined and the escapes undone."""
    messages, current, key = [], {}, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if "msgid" in current:
                messages.append(current)
            current, key = {}, None
        elif match := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line):
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
    return [m for m in messages if m["msgid"]]  # the header has none


# Python and brace placeholders, and HTML tags: a translation must carry exactly these.
_PLACEHOLDER = re.compile(
    r"%%|%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sd]|\{[^{}]*\}|</?\w+[^>]*>"
)
# «осуждён(а)», «сам(а)», «прочитал(а)»: a hedge where Russian needs the real gender.
_GENDER_HEDGE = re.compile(r"[а-яё]\((?:а|ла|на)\)", re.IGNORECASE)


def _translations(message: dict[str, str]) -> list[tuple[str, str]]:
    """(source, translation) pairs: the plural forms of Russian answer to msgid_plural."""
    source = message.get("msgid_plural", message["msgid"])
    return [(source, text) for key, text in message.items() if key.startswith("msgstr")]


MESSAGES = _messages(PO.read_text(encoding="utf-8"))


def test_the_catalogue_is_parsed_whole():
    assert len(MESSAGES) == len(_entries(PO.read_text(encoding="utf-8"))) - 1


def test_every_translation_is_written_and_keeps_the_placeholders_of_its_source():
    broken = [
        (source, translation)
        for message in MESSAGES
        for source, translation in _translations(message)
        if not translation.strip()
        or Counter(_PLACEHOLDER.findall(translation)) != Counter(_PLACEHOLDER.findall(source))
    ]

    assert broken == []


def test_no_translation_hedges_a_gender():
    hedged = [
        translation
        for message in MESSAGES
        for _, translation in _translations(message)
        if _GENDER_HEDGE.search(translation)
    ]

    assert hedged == []


@pytest.mark.django_db
def test_the_russian_guidance_reads_as_a_russian_list(client):
    prisoner = PrisonerWithAddressFactory()
    client.cookies["django_language"] = "ru"

    html = client.get(reverse("prisoners:detail", args=[prisoner.slug])).content.decode()

    assert "<h3>Чего лучше избегать</h3>" in html
    assert "<li>Война, политика, любая критика власти или оскорбления в её адрес.</li>" in html
    assert (
        "<li>Темы, за которые сейчас наказывают по российским законам, например ЛГБТ+, а также "
        "нецензурная брань.</li>"
    ) in html
    assert "<li>То, что на воле о человеке помнят и желают ему добра.</li>" in html
    assert "критики власти" not in html and "не ругайтесь" not in html


@pytest.mark.django_db
def test_the_russian_find_page_asks_for_the_address_the_supporter_wrote_from(client):
    client.cookies["django_language"] = "ru"

    html = client.get(reverse("letters:find")).content.decode()

    assert "Адрес электронной почты, который вы указали, когда отправляли письмо." in html
    assert "указали в письме" not in html


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

    notifications.notification_send(notification_id=notification.pk)

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


@pytest.mark.django_db
def test_the_russian_cancel_offer_says_the_postage_money_is_paid_back(client):
    # given a letter not yet posted, its page opened in Russian
    letter = LetterFactory()
    client.cookies["django_language"] = "ru"
    token = tokens.token_for(salt=letter.tracking_salt)

    # when the supporter unfolds "cancel this letter"
    body = client.get(reverse("letters:track", args=[token])).content.decode()

    # then it says the money comes back, not that "the paid stamp will return"
    assert "а если вы уже оплатили марку, мы вернём деньги." in body
    assert "марка вернётся" not in body
