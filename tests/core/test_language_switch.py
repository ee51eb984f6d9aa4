"""The language switch is a plain link (?lang=ru): a cookie and a redirect back, no form, no
CSRF token, no JavaScript (core.middleware.LanguageSwitchMiddleware)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db


def test_a_language_link_sets_the_cookie_and_returns_to_the_same_page():
    # given a visitor on the letter form for one prisoner
    prisoner = PrisonerWithAddressFactory()
    visitor = Client()
    url = reverse("letters:write")

    # when they follow the Russian link
    response = visitor.get(url, {"to": prisoner.slug, "lang": "ru"})

    # then they are sent back to the same page (prisoner kept) with the cookie set
    assert response.status_code == 302
    assert response["Location"] == f"{url}?to={prisoner.slug}"
    assert response.cookies["django_language"].value == "ru"
    assert "no-store" in response["Cache-Control"]
    # and the page is now in Russian
    page = visitor.get(response["Location"]).content.decode()
    assert '<html lang="ru">' in page


def test_every_page_links_to_each_language_without_a_form():
    # given the directory
    page = Client().get(reverse("prisoners:list"), {"sort": "fewest"}).content.decode()

    # then the switch is links that keep the page's parameters, and posts nothing
    start = page.index('class="lang-switch"')
    switch = page[start : page.index("</nav>", start)]
    assert 'href="/?sort=fewest&amp;lang=ru"' in switch
    assert 'href="/?sort=fewest&amp;lang=en"' in switch
    assert "<form" not in switch and "csrfmiddlewaretoken" not in switch


@pytest.mark.parametrize("code", ["xx", "", "<script>"])
def test_an_unknown_language_is_dropped_and_changes_nothing(code):
    # when a visitor asks for a language we do not have
    response = Client().get(reverse("prisoners:list"), {"lang": code, "page": "2"})

    # then they are sent back without it, and no cookie is set
    assert response.status_code == 302
    assert response["Location"] == "/?page=2"
    assert "django_language" not in response.cookies


def test_the_redirect_never_leaves_the_site():
    # when the path itself looks like another host
    response = Client().get("//evil.example/", {"lang": "ru"})

    # then the redirect stays on this site
    assert response.status_code == 302
    assert not re.match(r"^(//|https?:)", response["Location"])
