"""In a browser: a coordinator finds the e-mails waiting from the admin index, reads a
forwarded letter and an image sent as a letter in the triage screen, and makes the forwarded
one a letter; it enters the queue as received, the writer's."""

import io
import re
from email.message import EmailMessage

import pytest
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import expect

from inbox import services
from inbox.models import InboundEmail
from letters.models import Letter
from tests.factories import CoordinatorFactory, PrisonerWithAddressFactory
from tests.inbox.conftest import eml

# serialized_rollback: the staff groups come from a data migration that the flush between
# browser tests would otherwise erase.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery"  # tests.factories.UserFactory


def _photographed_letter() -> bytes:
    """An e-mail whose letter is a photo of a handwritten page (a real PNG, drawn here)."""
    picture = Image.new("RGB", (900, 620), "#fbf8ef")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=30)
    lines = [
        "Dear Bakhrom,",
        "",
        "we think of you every day here in York.",
        "The river has frozen and the children skate.",
        "You are not forgotten.",
        "",
        "With love, Ruth",
    ]
    for number, line in enumerate(lines):
        draw.text((60, 60 + 66 * number), line, fill="#1d2a6b", font=font)
    image = io.BytesIO()
    picture.save(image, format="PNG")
    message = EmailMessage()
    message["From"] = "Ruth Example <ruth@example.org>"
    message["To"] = "letters@example.org"
    message["Subject"] = "A letter for Bakhrom Khamroev (photo)"
    message["Message-ID"] = "<photo.1@mail.example.org>"
    message.add_attachment(
        image.getvalue(), maintype="image", subtype="png", filename="letter-to-bakhrom.png"
    )
    return message.as_bytes()


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()


def test_a_coordinator_makes_a_forwarded_email_a_letter(chromium, page, live_server, screenshot):
    # given Bakhrom Khamroev in the directory, and four e-mails: a letter a son forwarded for
    # his mother, a letter sent as a photo, a question, and one our reader could not read
    khamroev = PrisonerWithAddressFactory(
        slug="khamroev",
        name_en="Bakhrom Khamroev",
        name_ru="Хамроев Бахром Мардонович",
        name_ru_dative="Хамроеву Бахрому Мардоновичу",
    )
    forwarded = services.ingest_raw_email(eml("forwarded_inline")).email
    image = services.ingest_raw_email(_photographed_letter()).email
    services.ingest_raw_email(eml("question_not_a_letter"))
    damaged = services.ingest_raw_email(eml("deeply_nested_mime")).email
    CoordinatorFactory(username="cora")

    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    # when the coordinator signs in and follows the admin index's count to the Inbox
    _log_in(page, live_server, "cora")
    expect(page.locator("#inbox-link")).to_contain_text("4 e-mails wait")
    page.locator("#inbox-link").get_by_role("link", name="4 e-mails wait").click()
    expect(page).to_have_url(re.compile(r"/admin/inbox/inboundemail/$"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#result_list")).to_contain_text("margaret@example.net")
    expect(page.locator("#result_list")).to_contain_text("the letter is in images")
    screenshot(page, "inbox-1-list")

    # and opens the letter sent as a photo: the image is shown, nothing to confirm by itself
    page.goto(live_server.url + reverse("admin:inbox_inboundemail_change", args=[image.pk]))
    image_tag = page.locator(".inbox-attachments img")
    expect(image_tag).to_be_visible()
    assert image_tag.evaluate("img => img.naturalWidth") == 900  # served, allowed by the CSP
    expect(page.locator(".inbox-facts")).to_contain_text("The letter is in images")
    screenshot(page, "inbox-2-triage-image")

    # and opens the one our reader could not read: what failed, and the message to download
    page.goto(live_server.url + reverse("admin:inbox_inboundemail_change", args=[damaged.pk]))
    expect(page.locator(".inbox-facts")).to_contain_text("RecursionError in ")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the message")).click()
    assert download.value.suggested_filename == f"e-mail-{damaged.pk}.eml"
    screenshot(page, "inbox-2b-triage-unreadable")

    # and opens the forwarded letter: the writer, the guesses and the stripped text
    page.goto(live_server.url + reverse("admin:inbox_inboundemail_change", args=[forwarded.pk]))
    expect(page.locator(".inbox-facts")).to_contain_text("forwarded: the letter's writer")
    expect(page.locator("#id_supporter_email")).to_have_value("margaret@example.net")
    expect(page.locator("#id_prisoner")).to_have_value(str(khamroev.pk))
    expect(page.locator("#id_language")).to_have_value("en")
    expect(page.locator("#id_text")).not_to_contain_text("Forwarded message")
    page.locator("input[name=delivery][value=return_to_me]").check()
    screenshot(page, "inbox-3-triage-forwarded")
    page.get_by_role("button", name="Make it a letter").click()

    # then the Inbox says the letter is in the queue, and three e-mails still wait
    expect(page.locator(".messagelist")).to_contain_text("is in the queue")
    expect(rows).to_have_count(3)
    screenshot(page, "inbox-4-after-confirming")
    # and the letter exists, received, the writer's, by e-mail
    letter = Letter.objects.get()
    assert (letter.status, letter.source, letter.prisoner_id) == (
        Letter.Status.RECEIVED,
        Letter.Source.EMAIL,
        khamroev.pk,
    )
    assert (letter.supporter_email, letter.delivery) == (
        "margaret@example.net",
        Letter.Delivery.RETURN_TO_ME,
    )
    assert "Margaret" in letter.original_text
    forwarded.refresh_from_db()
    assert (forwarded.status, forwarded.letter) == (InboundEmail.Status.LETTER, letter)
    # and its screen now says it was dealt with, linking to the letter
    page.goto(live_server.url + reverse("admin:inbox_inboundemail_change", args=[forwarded.pk]))
    expect(page.get_by_role("link", name=letter.reference)).to_be_visible()
    screenshot(page, "inbox-5-triage-done")
    # and the coordinators' dashboard counts the three still waiting, linking to the Inbox
    page.goto(live_server.url + reverse("letters_coordination:dashboard"))
    expect(page.locator("#inbox-waiting")).to_contain_text("3 e-mails wait in the Inbox.")
    expect(page.locator("#inbox-waiting")).to_contain_text("2 of them need a person")
    screenshot(page, "inbox-6-dashboard")
    # and every screen ran under the Content-Security-Policy (its styles are a file of ours)
    assert violations == []
