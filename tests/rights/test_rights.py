"""A supporter sees everything we hold about them, and has it erased, from an e-mailed link."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter, LetterEvent
from payments.models import Payment
from rights import services
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db


def _link_from(outbox) -> str:
    match = re.search(r"https?://\S+/my-data/(\S+)/", outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


def test_request_sends_a_link_only_to_known_addresses_and_answers_the_same(
    client, outbox, django_capture_on_commit_callbacks
):
    LetterFactory(supporter_email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("rights:request"), {"email": "anna@example.org"})
        unknown = client.post(reverse("rights:request"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in outbox] == [["anna@example.org"]]


def test_bad_address_keeps_the_input_and_says_why(client):
    response = client.post(reverse("rights:request"), {"email": "not an address"})
    assert response.status_code == 200
    assert "not an address" in response.content.decode()
    assert "Enter your e-mail address in the right form" in response.content.decode()


def test_request_over_the_rate_limit_answers_429_keeps_the_address_and_sends_nothing(
    client, settings, outbox, django_capture_on_commit_callbacks
):
    # given an address that has asked once, with one request an hour allowed
    settings.LETTERBRIDGE_RATE_LIMITS = {"find": (1, 3600)}
    LetterFactory(supporter_email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rights:request"), {"email": "anna@example.org"})

    # when it asks again
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rights:request"), {"email": "anna@example.org"})

    # then the page says why, keeps what was typed, is not cached, and no second link goes out
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert 'value="anna@example.org"' in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert len(outbox) == 1


def test_the_requested_page_says_to_check_the_mailbox(client):
    response = client.get(reverse("rights:requested"))

    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert "The link works for one day." in response.content.decode()


def test_export_holds_letters_texts_and_payments_of_that_supporter_only(
    client, outbox, django_capture_on_commit_callbacks
):
    mine = LetterFactory(supporter_email="anna@example.org", original_text="marker-mine")
    Payment.objects.create(
        letter=mine, provider="manual", status="paid", currency="GBP", amount=220
    )
    LetterFactory(supporter_email="other@example.org", original_text="marker-other")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rights:request"), {"email": "anna@example.org"})
    token = _link_from(outbox)
    page = client.get(reverse("rights:home", args=[token]))
    assert page.status_code == 200 and mine.reference in page.content.decode()
    response = client.get(reverse("rights:export", args=[token]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    data = json.loads(response.content)
    assert [item["reference"] for item in data["letters"]] == [mine.reference]
    assert data["letters"][0]["letter"] == "marker-mine"
    assert data["letters"][0]["your_email"] == "anna@example.org"
    assert data["letters"][0]["payments"][0] | {"created_at": None} == {
        "provider": "manual (bank transfer, cash)",
        "provider_code": "manual",
        "status": "paid",
        "status_code": "paid",
        "amount": "2.20",
        "currency": "GBP",
        "created_at": None,
        "paid_at": None,
        "refunded_at": None,
    }
    assert "marker-other" not in response.content.decode()


def test_erase_cancels_open_letters_erases_identity_and_texts_and_is_idempotent(
    client, django_capture_on_commit_callbacks
):
    open_letter = LetterFactory(supporter_email="anna@example.org", supporter_name="Anna K")
    posted = LetterFactory(supporter_email="anna@example.org", status=Letter.Status.POSTED)
    token = services.rights_link_token(letter_ids=[open_letter.pk, posted.pk])

    refused = client.post(reverse("rights:erase", args=[token]), {})
    assert refused.status_code == 400
    assert Letter.objects.get(pk=open_letter.pk).supporter_name == "Anna K"

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("rights:erase", args=[token]), {"confirm": "on"})
    assert done.status_code == 200
    for letter in Letter.objects.filter(pk__in=[open_letter.pk, posted.pk]):
        assert (letter.supporter_name, letter.supporter_email, letter.original_text) == ("", "", "")
        assert letter.texts_erased_at is not None
    assert Letter.objects.get(pk=open_letter.pk).status == Letter.Status.CANCELLED
    assert Letter.objects.get(pk=posted.pk).status == Letter.Status.POSTED
    events = LetterEvent.objects.filter(action="supporter_erased").count()
    assert events == 2
    # a second run changes nothing
    assert services.supporter_erase(letter_ids=[open_letter.pk, posted.pk]) == {
        "erased": 0,
        "cancelled": 0,
    }
    assert LetterEvent.objects.filter(action="supporter_erased").count() == events


def test_the_russian_page_lists_letters_as_a_russian_reads_them(client):
    # given a letter written on 6 December to a prisoner with a Russian name
    letter = LetterFactory(
        prisoner__name_en="Bakhrom Khamroev", prisoner__name_ru="Хамроев Бахром Мардонович"
    )
    Letter.objects.filter(pk=letter.pk).update(
        created_at=timezone.make_aware(timezone.datetime(2026, 12, 6, 12))
    )
    token = services.rights_link_token(letter_ids=[letter.pk])
    client.cookies["django_language"] = "ru"

    # when the supporter opens their data page in Russian
    body = client.get(reverse("rights:home", args=[token])).content.decode()

    # then the prisoner is named in Cyrillic and the date has its month in the genitive
    assert "Хамроев Бахром Мардонович · 6 декабря 2026" in body
    assert "Bakhrom Khamroev" not in body and "Декабрь" not in body


def test_every_rights_page_keeps_its_link_on_our_site_and_lets_its_forms_post(client):
    # given a valid link
    letter = LetterFactory(supporter_email="anna@example.org")
    token = services.rights_link_token(letter_ids=[letter.pk])

    # when each page is opened or posted to
    responses = {
        "request": client.get(reverse("rights:request")),
        "home": client.get(reverse("rights:home", args=[token])),
        "export": client.get(reverse("rights:export", args=[token])),
        "erase refused": client.post(reverse("rights:erase", args=[token]), {}),
        "expired": client.get(reverse("rights:home", args=["not-a-token"])),
    }

    # then the referrer goes to our own pages only: never to another site (the URL is the
    # secret), and not "no-referrer", under which a browser posts forms with "Origin: null"
    # and Django's CSRF check refuses them
    assert {name: r["Referrer-Policy"] for name, r in responses.items()} == {
        name: "same-origin" for name in responses
    }
    assert all("no-store" in r["Cache-Control"] for r in responses.values())


def test_the_russian_pages_say_the_postage_money_is_paid_back(client):
    # given a supporter reading in Russian, with one letter not yet posted
    letter = LetterFactory(supporter_email="anna@example.org")
    token = services.rights_link_token(letter_ids=[letter.pk])
    client.cookies["django_language"] = "ru"

    # when they open their data page and erase their data
    home = client.get(reverse("rights:home", args=[token])).content.decode()
    erased = client.post(reverse("rights:erase", args=[token]), {"confirm": "on"}).content.decode()

    # then both say the money for a paid stamp comes back, as a Russian writes it: "оплаченная
    # марка вернётся" said the stamp itself would come back to them
    assert "за оплаченные марки вернём деньги" in home
    assert "1 ещё не отправленное письмо отменено; если вы оплатили марку, мы вернём деньги." in (
        erased
    )
    assert "Мы стёрли ваше имя, адрес электронной почты и тексты из 1 письма." in erased
    for body in (home, erased):
        assert "марка вернётся" not in body and "марки вернутся" not in body


def test_the_erased_page_reopened_later_leads_to_the_data_page(client):
    # given a supporter who erased their data: the "erased" page is drawn at the erase address
    letter = LetterFactory(supporter_email="anna@example.org")
    token = services.rights_link_token(letter_ids=[letter.pk])
    erase = reverse("rights:erase", args=[token])
    client.post(erase, {"confirm": "on"})

    # when that address is opened again (a restored tab, the history, a copied address)
    response = client.get(erase)

    # then it leads to their data page, which shows what is left, not a blank "405" page
    assert response.status_code == 302
    assert response["Location"] == reverse("rights:home", args=[token])
    assert "no-store" in response["Cache-Control"]
    home = client.get(response["Location"]).content.decode()
    assert "erased" in home
    # and it says the data is erased instead of offering to erase it again ("from 0 letters")
    assert "Your data is erased" in home
    assert reverse("rights:erase", args=[token]) not in home
    # and nothing is erased by opening it
    assert LetterEvent.objects.filter(action="supporter_erased").count() == 1


def test_the_erase_sent_again_leads_to_the_data_page_not_to_erased_from_0_letters(client):
    # given a supporter who erased their data
    letter = LetterFactory(supporter_email="anna@example.org")
    token = services.rights_link_token(letter_ids=[letter.pk])
    erase = reverse("rights:erase", args=[token])
    client.post(erase, {"confirm": "on"})

    # when the browser sends the form again (reloading the "erased" page)
    response = client.post(erase, {"confirm": "on"})

    # then it leads to their data page, which says the data is erased
    assert response.status_code == 302
    assert response["Location"] == reverse("rights:home", args=[token])
    home = client.get(response["Location"]).content.decode()
    assert "Your data is erased" in home and "from 0 letters" not in home


@pytest.mark.parametrize(
    ("locale", "warning"),
    [
        ("en", "Please do not forward this e-mail"),
        ("ru", "Пожалуйста, не пересылайте это письмо"),
    ],
)
def test_the_data_link_email_asks_not_to_be_forwarded(outbox, locale, warning):
    from rights import services as rights_services

    letter = LetterFactory(supporter_email="anna@example.org")

    rights_services.rights_link_send(letter_ids=[letter.pk], locale=locale)

    (message,) = outbox
    assert warning in message.body


@pytest.mark.parametrize(
    ("locale", "what"),
    [
        (
            "en",
            [
                "letter received",
                "supporter e-mailed: letter received",
                "taken for translation",
                "postage paid",
            ],
        ),
        (
            "ru",
            [
                "письмо получено",
                "автор уведомлён: письмо получено",
                "взято на перевод",
                "почтовый сбор оплачен",
            ],
        ),
    ],
)
def test_the_export_says_what_happened_in_the_supporters_language(client, locale, what):
    # given a letter written in this language, received, claimed and paid for, with notes
    # staff keep for themselves
    letter = LetterFactory(supporter_email="anna@example.org", locale=locale)
    for kind, action in [
        ("transition", "submit"),
        ("notified", "email_received"),
        ("note", "flag"),
        ("transition", "claim"),
        ("postage", "postage_paid"),
        ("batch", "batch_add"),
    ]:
        LetterEvent.objects.create(letter=letter, kind=kind, to_status="received", action=action)
    token = services.rights_link_token(letter_ids=[letter.pk])

    # when the supporter downloads their data, the site itself in the other language
    client.cookies["django_language"] = "ru" if locale == "en" else "en"
    data = json.loads(client.get(reverse("rights:export", args=[token])).content)

    # then the history says what happened in words, in the letter's language, under "what"
    assert [item["what"] for item in data["letters"][0]["history"]] == what
