"""In a browser: a supporter asks for their data from the footer, follows the e-mailed link,
downloads it and erases it. Every form on the way posts through Django's CSRF check (the pages'
referrer policy must let the browser send a same-origin Origin header)."""

import json
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from letters.models import Letter
from tests.factories import LetterFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _refused(page) -> list[str]:
    """Every answer of 403 (a CSRF refusal) the browser receives."""
    refused: list[str] = []
    page.on(
        "response",
        lambda response: refused.append(response.url) if response.status == 403 else None,
    )
    return refused


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/my-data/\S+/)", body)
    assert match, body
    return match.group(1)


def test_a_supporter_asks_for_downloads_and_erases_their_data(page, live_server, screenshot):
    # given a supporter who wrote one letter
    letter = LetterFactory(supporter_email="anna@example.org", supporter_name="Anna K")
    refused = _refused(page)

    # when they follow "See or erase your data" from the footer and ask for a link
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="See or erase your data").click()
    page.get_by_label("The e-mail address you wrote from").fill("anna@example.org")
    page.get_by_role("button", name="E-mail me the link").click()

    # then the request is accepted (no CSRF refusal) and the link is e-mailed
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    (sent,) = mail.outbox
    assert sent.to == ["anna@example.org"]

    # when they open the link, they see their letter and can download everything
    page.goto(live_server.url + _link_path(sent.body))
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()
    expect(page.get_by_text(letter.reference)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything we hold (JSON)").click()
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert [item["reference"] for item in exported["letters"]] == [letter.reference]

    # when they press Erase without ticking the box, the page says so and erases nothing
    page.get_by_role("button", name="Erase my data").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Tick the box to confirm.")
    assert Letter.objects.get(pk=letter.pk).supporter_email == "anna@example.org"

    # when they tick it and erase
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Erase my data").click()

    # then their data is gone, and no form on the way was refused
    expect(page.get_by_role("heading", name="Your data is erased")).to_be_visible()
    screenshot(page, "my-data-erased")
    erased = Letter.objects.get(pk=letter.pk)
    assert (erased.supporter_email, erased.supporter_name, erased.status) == ("", "", "cancelled")
    assert refused == []
