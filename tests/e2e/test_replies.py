"""In a browser: a volunteer transcribes and translates a prisoner's reply beside its zoomable
scan (the draft autosaves), a reviewer approves it, and the supporter reads it on their
letter's page, opening the scan with a click. Screenshots of the transcription page and the
supporter's view go to var/screenshots/."""

import io
from pathlib import Path

import fontpkg_pt_serif
import pytest
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import expect

from letters import tokens
from replies import services
from replies.models import Reply
from tests.factories import CoordinatorFactory, PrisonerWithAddressFactory
from tests.replies.conftest import posted_letter, volunteer_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
HANDWRITING = [
    "Здравствуйте, дорогая Маргарет!",
    "Спасибо за письмо и за рассказ о первом снеге.",
    "У меня всё хорошо, читаю и жду весны.",
    "Пишите ещё, ваши письма греют.",
    "Бахром",
]
TRANSCRIPTION = "\n".join(HANDWRITING)
TRANSLATION = (
    "Hello, dear Margaret!\nThank you for the letter and for telling me about the first "
    "snow.\nI am well, I read and wait for spring.\nPlease write again, your letters warm me.\n"
    "Bakhrom"
)


def scanned_page() -> bytes:
    font_path = Path(fontpkg_pt_serif.__file__).parent / "files" / "PT_Serif-Web-Italic.ttf"
    font = ImageFont.truetype(str(font_path), 34)
    image = Image.new("RGB", (900, 1200), (244, 240, 228))
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(HANDWRITING):
        draw.text((70, 110 + n * 80), line, fill=(30, 40, 90), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def test_transcribe_translate_approve_and_the_supporter_reads_it(
    chromium, page, live_server, screenshot
):
    # given a posted letter with a recorded reply, a translator and a reviewer
    letter = posted_letter(
        prisoner=PrisonerWithAddressFactory(name_en="Bakhrom Khamroev"),
        supporter_name="Margaret Thistlewood",
    )
    (reply,) = services.replies_record(
        actor=CoordinatorFactory(),
        files=[("reply.jpg", scanned_page())],
        parts=[services.ReplyPart(letter.pk)],
    )
    translator = volunteer_in("en")
    reviewer = volunteer_in("en", review=True)

    # when the translator signs in, claims the next reply and types the transcription
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", translator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:replies_reply_desk"))
    page.click("#claim-next")
    expect(page.locator("#transcription")).to_be_visible()
    expect(page.locator("img.reply-scan-image")).to_be_visible()
    page.fill("#transcription", TRANSCRIPTION)

    # then the draft autosaves, and the scan zooms beside the editor
    expect(page.locator("#autosave-status")).to_have_text("Draft saved.", timeout=15_000)
    assert Reply.objects.get(pk=reply.pk).transcription == TRANSCRIPTION
    before = page.locator("img.reply-scan-image").bounding_box()["width"]
    page.click("[data-zoom='1']")
    assert page.locator("img.reply-scan-image").bounding_box()["width"] > before
    page.click("[data-zoom='0']")
    assert "Margaret Thistlewood" not in page.content()
    screenshot(page, "replies-transcription")

    # when they finish the transcription, translate and hand in
    page.click("#transcribed")
    page.fill("#translation", TRANSLATION)
    page.click("#hand-in")
    expect(page.locator(".messagelist")).to_contain_text("A reviewer will check it")

    # and the reviewer approves it
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:replies_reply_review", args=[reply.pk]))
    page.click("#approve")
    expect(page.locator(".messagelist")).to_contain_text("Approved")

    # then the supporter's page shows the translation, and the scan behind a click
    token = tokens.token_for(salt=letter.tracking_salt)
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("letters:track", args=[token]))
    expect(page.locator(".reply")).to_contain_text("Hello, dear Margaret!")
    expect(page.locator(".timeline")).to_contain_text("translated: read it below")
    scan = page.locator(".reply__scan img")
    expect(scan).to_be_hidden()
    page.click(".reply__scan summary")
    page.click(".reply__original summary")
    expect(scan).to_be_visible()
    page.wait_for_function("() => document.querySelector('.reply__scan img').naturalWidth > 0")
    screenshot(page, "replies-supporter-view")
