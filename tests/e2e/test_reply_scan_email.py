"""In a browser (issue 14): the supporter reads an approved reply on their letter's page, presses
"E-mail me the scan", is told it is on its way and gets one e-mail with the page attached;
pressing again at once is refused with a clear message. Screenshots of the page after each
press go to var/screenshots/."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from letters import tokens
from tests.replies.conftest import approved_reply, posted_letter

from .test_replies import scanned_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_supporter_asks_for_the_scan_by_e_mail(page, live_server, screenshot):
    # given an approved, unredacted reply with one scanned page
    letter = posted_letter(supporter_name="Margaret Thistlewood", supporter_email="meg@example.org")
    approved_reply(letter, [("page.jpg", scanned_page())])
    mail.outbox.clear()
    track = reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)])

    # when the supporter opens their letter's page and presses the button
    page.goto(live_server.url + track)
    page.get_by_text("See the handwritten reply (scan)").click()
    page.get_by_role("button", name="E-mail me the scan").click()

    # then the page says the scan is on its way, and one e-mail with the page went out
    expect(page.get_by_role("status")).to_contain_text("We are sending the scan")
    assert page.url.endswith(track)
    screenshot(page, "reply-scan-email-sent")
    assert len(mail.outbox) == 1
    assert [a[0] for a in mail.outbox[0].attachments] == [f"{letter.reference}-reply-page-1.jpg"]

    # when they press it again at once
    page.get_by_role("button", name="E-mail me the scan").click()

    # then they are told to wait, and nothing more is sent
    expect(page.get_by_role("status")).to_contain_text("You asked for this scan a moment ago")
    screenshot(page, "reply-scan-email-too-soon")
    assert len(mail.outbox) == 1
