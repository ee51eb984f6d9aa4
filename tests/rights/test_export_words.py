"""The data export gives our codes in words, in the letter's language, with the code beside."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from letters.models import Letter
from payments.models import Payment
from rights import services
from tests.factories import LetterFactory
from tests.letters.test_views_locale import MESSAGES

pytestmark = pytest.mark.django_db

WORDS = {
    "en": {
        "status": "posted",
        "delivery": "post it for me",
        "came_by": "e-mail",
        "postage": "paid",
        "payment provider": "manual (bank transfer, cash)",
        "payment status": "refunded",
        "email language": "English",
        "letter language": "German",
        "country": "Germany",
    },
    "ru": {
        "status": "отправлено",
        "delivery": "отправляем мы",
        "came_by": "электронная почта",
        "postage": "оплачено",
        "payment provider": "вручную (банковский перевод, наличные)",
        "payment status": "возвращено",
        "email language": "Русский",
        "letter language": "Немецкий",
        "country": "Германия",
    },
}


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_export_gives_codes_in_words_in_the_letters_language_and_keeps_the_codes(
    client, locale
):
    # given a posted letter that came by e-mail, its postage paid by hand and later refunded
    letter = LetterFactory(
        locale=locale,
        status=Letter.Status.POSTED,
        delivery=Letter.Delivery.POST_FOR_ME,
        source=Letter.Source.EMAIL,
        postage=Letter.Postage.PAID,
        language="de",
        supporter_country="DE",
    )
    Payment.objects.create(
        letter=letter, provider="manual", status="refunded", currency="GBP", amount=220
    )
    token = services.rights_link_token(letter_ids=[letter.pk])

    # when the supporter downloads their data, the site itself in the other language
    client.cookies["django_language"] = "ru" if locale == "en" else "en"
    (exported,) = json.loads(client.get(reverse("rights:export", args=[token])).content)["letters"]

    # then each code reads in words, in the letter's language, its code beside it
    (payment,) = exported["payments"]
    assert {
        "status": exported["status"],
        "delivery": exported["delivery"],
        "came_by": exported["came_by"],
        "postage": exported["postage"],
        "payment provider": payment["provider"],
        "payment status": payment["status"],
        "email language": exported["email_language"],
        "letter language": exported["letter_language"],
        "country": exported["your_country"],
    } == WORDS[locale]
    assert (
        exported["status_code"],
        exported["delivery_code"],
        exported["came_by_code"],
        exported["postage_code"],
        payment["provider_code"],
        payment["status_code"],
        exported["email_language_code"],
        exported["letter_language_code"],
        exported["your_country_code"],
    ) == ("posted", "post_for_me", "email", "paid", "manual", "refunded", locale, "de", "DE")


def test_a_letter_without_a_language_is_exported_in_english():
    letter = LetterFactory(locale="", status=Letter.Status.CANCELLED)

    with translation.override("ru"):
        (exported,) = services.supporter_data_export(letter_ids=[letter.pk])["letters"]

    assert (exported["status"], exported["status_code"]) == ("cancelled", "cancelled")


EXPORTED_CHOICES = [
    Letter.Status,
    Letter.Delivery,
    Letter.Source,
    Letter.Postage,
    Payment.Provider,
    Payment.Status,
]


@pytest.mark.parametrize(
    ("code", "label"),
    [
        (f"{choices.__name__}.{member.value}", member.label)
        for choices in EXPORTED_CHOICES
        for member in choices
        if isinstance(member.label, Promise)  # "Stripe" is a name, the same in every language
    ],
)
def test_every_label_the_export_shows_is_in_the_russian_catalogue_and_translated(code, label):
    with translation.override("en"):
        english = str(label)
    with translation.override("ru"):
        russian = str(label)

    entries = [m for m in MESSAGES if m["msgid"] == english and m.get("msgstr") == russian]
    assert entries, f"{code}: no translated entry for {english!r} in the Russian catalogue"
    assert russian != english and russian.strip()


def test_a_russian_export_names_the_prisoner_and_says_what_we_do_not_hold_in_russian(client):
    # given a letter whose supporter reads Russian
    letter = LetterFactory(locale="ru", prisoner__name_ru="Хамроев Бахром Мардонович")
    token = services.rights_link_token(letter_ids=[letter.pk])

    # when they download their data
    data = json.loads(client.get(reverse("rights:export", args=[token])).content)

    # then the prisoner is named as a Russian reader writes him, and no sentence is in English
    assert data["letters"][0]["to"] == "Хамроев Бахром Мардонович"
    assert data["not_held"].startswith("Мы не заводим")
