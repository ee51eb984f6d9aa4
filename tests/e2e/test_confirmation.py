"""In a browser: the confirmation page says the letter has reached us, not that it is on its
way, in the tab's title as well as on the page."""

import re

import pytest
from playwright.sync_api import expect

from letters.services import submission
from tests.factories import PrisonerWithAddressFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_confirmation_title_says_we_have_the_letter(page, live_server, screenshot):
    # given a letter just sent, to be posted by us
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev")
    submitted = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Anna",
        supporter_email="anna@example.org",
        language="en",
        original_text="Dear Bakhrom, the first snow fell today.",
        delivery="post_for_me",
        postage_currency="GBP",
    )
    # when the supporter lands on the confirmation
    page.goto(f"{live_server.url}/letters/track/{submitted.token}/sent/")
    # then the tab's title says it was received, and the page what happens to a reply
    expect(page).to_have_title(re.compile(r"^Thank you — we have your letter\b"))
    expect(page.get_by_role("heading", name="Thank you — we have your letter")).to_be_visible()
    expect(page.get_by_text("the reply comes by post to our address")).to_be_visible()
    screenshot(page, "confirmation-post-for-me")
