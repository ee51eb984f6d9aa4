"""In a browser, against the live server: the public pages come from the whole-page cache
(core.pagecache), yet every visitor's form posts with their own CSRF token, and the language
switch works as a plain link with JavaScript off."""

import pytest
from playwright.sync_api import expect

from letters.models import Letter
from tests.factories import PrisonerWithAddressFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def prisoner(transactional_db):
    return PrisonerWithAddressFactory(slug="bakhrom-khamroev", name_en="Bakhrom Khamroev")


def test_a_letter_sent_from_a_cached_page_is_accepted(chromium, live_server, prisoner):
    # given the prisoner's page already cached by an earlier visitor
    url = f"{live_server.url}/prisoners/{prisoner.slug}/"
    earlier = chromium.new_context()
    assert earlier.new_page().goto(url).headers["x-page-cache"] == "miss"
    earlier.close()

    # when a new visitor (their own cookies) opens it from the cache and sends a letter
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    response = page.goto(url)
    assert response.headers["x-page-cache"] == "hit"
    assert "csrftoken" in {c["name"] for c in context.cookies()}
    page.get_by_label("Name to sign with").fill("Anna")
    page.get_by_label("Your e-mail address").fill("anna@example.org")
    page.get_by_label("Language of your letter").select_option("en")
    page.get_by_role("textbox", name="Your letter").fill("Dear Bakhrom, you are not forgotten.")
    page.get_by_label("Send me the translation").check()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Send my letter").click()

    # then the letter is accepted, not refused for its token
    expect(page.get_by_role("heading", name="Thank you — we have your letter")).to_be_visible()
    assert Letter.objects.filter(prisoner=prisoner).count() == 1
    context.close()


def test_the_language_switch_works_without_javascript(chromium, live_server, prisoner):
    # given a visitor with JavaScript off on a cached English page
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/prisoners/{prisoner.slug}/")
    page.goto(f"{live_server.url}/prisoners/{prisoner.slug}/")

    # when they choose Russian
    page.get_by_role("link", name="Русский").click()

    # then the same page reads in Russian, and stays so on the next page
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert page.url == f"{live_server.url}/prisoners/{prisoner.slug}/"
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    context.close()
