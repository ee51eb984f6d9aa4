"""A letter's page and the confirmation after writing, drawn above letters and payments: each
shows letters' part and payments' postage part, composed in one template."""

import pytest
from django.urls import reverse

from letters import tokens
from letters.models import Letter
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


def _token(letter) -> str:
    return tokens.token_for(salt=letter.tracking_salt)


def test_the_letters_page_shows_its_journey_then_its_postage_then_the_cancel_button(
    client, stripe_off
):
    # given an open letter whose postage is due
    letter = LetterFactory()
    token = _token(letter)

    # when the supporter opens its page
    response = client.get(reverse("letters:track", args=[token]))

    # then letters' journey, payments' postage block and letters' cancel form follow each other,
    # on a page that is never cached
    html = response.content.decode()
    assert response.status_code == 200
    journey = html.index("Its journey")
    postage = html.index('id="postage-heading"')
    cancel = html.index(reverse("letters:cancel", args=[token]))
    assert journey < postage < cancel
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("status", "postage", "shown"),
    [
        (S.POSTED, Letter.Postage.PAID, False),
        (S.CANCELLED, Letter.Postage.REFUNDED, True),
        (S.APPROVED, Letter.Postage.PAID, True),
    ],
)
def test_once_a_letter_has_ended_only_a_refund_is_postage_news(client, status, postage, shown):
    letter = LetterFactory(status=status, postage=postage)

    html = client.get(reverse("letters:track", args=[_token(letter)])).content.decode()

    assert ('id="postage-heading"' in html) is shown


def test_the_confirmation_shows_the_private_link_then_what_to_pay(client, stripe_on):
    # given a letter just written, whose postage is due, with Stripe configured
    letter = LetterFactory()
    token = _token(letter)

    # when the supporter lands on the confirmation
    response = client.get(reverse("letters:sent", args=[token]))

    # then letters' part (the private link) comes first, then payments' pay button
    html = response.content.decode()
    assert response.status_code == 200
    link = html.index(f"http://testserver/letters/track/{token}/")
    pay = html.index(reverse("payments:checkout", args=[token]))
    assert link < pay
    assert response["Cache-Control"] == "private, no-store"


def test_the_letter_pages_keep_the_addresses_supporters_hold():
    token = "t" * 43

    assert reverse("letters:track", args=[token]) == f"/letters/track/{token}/"
    assert reverse("letters:sent", args=[token]) == f"/letters/track/{token}/sent/"
    assert reverse("prisoners:list") == "/"
    assert reverse("prisoners:detail", args=["ivan"]) == "/prisoners/ivan/"
    assert reverse("letters_coordination:dashboard") == "/admin/coordination/dashboard/"


@pytest.mark.parametrize(
    ("language", "heading", "advice"),
    [
        ("en", "We cannot find this page", "it may have been cut short"),
        ("ru", "Такой страницы у нас нет", "возможно, она оборвалась"),
    ],
)
def test_a_cut_tracking_link_gets_a_page_that_helps(client, settings, language, heading, advice):
    # given a supporter whose e-mail program broke their letter's link in two
    settings.DEBUG = False
    letter = LetterFactory()
    token = tokens.token_for(salt=letter.tracking_salt)
    client.cookies["django_language"] = language

    # when they open the half they clicked
    response = client.get(f"/letters/track/{token[:30]}/")

    # then it is not found, said in their language on our own page (it was Django's bare
    # English "Not Found"), with the way to get their links again
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert heading in html and advice in html
    assert 'href="/letters/find/"' in html
