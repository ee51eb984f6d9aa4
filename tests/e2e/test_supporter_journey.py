"""In a browser: a supporter finds a prisoner, writes, follows the letter, cancels it; the form
keeps what was typed when something is missing; the pages read in Russian."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from playwright.sync_api import expect

from letters.models import Letter
from letters.services import submission, translation
from prisoners.models import Prisoner
from tests.factories import (
    LetterFactory,
    PrisonerFactory,
    PrisonerWithAddressFactory,
    UserFactory,
    VolunteerProfileFactory,
)

# serialized_rollback: the database is restored after each test rather than flushed, so the
# staff groups survive and later restoring tests find no rows a flush re-created.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LETTER = (
    "Dear Bakhrom,\n\nthe first snow fell here today and the children built a snowman. "
    "I am reading a long novel about the sea. You are not forgotten."
)


@pytest.fixture
def prisoners(transactional_db):
    khamroev = PrisonerWithAddressFactory(
        slug="bakhrom-khamroev",
        name_en="Bakhrom Khamroev",
        case_summary="Human rights defender, in custody since February 2022.",
    )
    zhilin = PrisonerWithAddressFactory(slug="mikhail-zhilin", name_en="Mikhail Zhilin")
    PrisonerFactory(
        slug="sasha-skochilenko",
        name_en="Sasha Skochilenko",
        status=Prisoner.Status.RELEASED,
        accepts_letters=False,
    )
    for _ in range(2):
        LetterFactory(prisoner=zhilin)
    return khamroev


def _volunteer():
    """A translator. Given the permission directly: the staff groups come from a data
    migration, which the flush between browser tests erases."""
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="translate_letter"))
    VolunteerProfileFactory(user=user, languages=["en"])
    return user


def _submitted(prisoner):
    return submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Anna",
        supporter_email="anna@example.org",
        language="en",
        original_text=LETTER,
        delivery="return_to_me",
    )


def test_write_and_send_a_letter(page, phone, live_server, prisoners, screenshot):
    # given the directory, sorted by who gets the fewest letters
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Fewest letters first").click()
    cards = page.locator(".prisoner-card h3")
    expect(cards.first).to_have_text("Bakhrom Khamroev")
    screenshot(page, "directory-fewest-first")

    # when the supporter opens a profile and writes
    page.get_by_role("link", name="Write to Bakhrom Khamroev").click()
    expect(page.get_by_role("heading", name="Write to Bakhrom Khamroev")).to_be_visible()
    page.get_by_label("Name to sign with").fill("Anna")
    page.get_by_label("Your e-mail address").fill("anna@example.org")
    page.get_by_label("Country you live in").select_option("GB")
    page.get_by_label("Language of your letter").select_option("en")
    page.get_by_role("textbox", name="Your letter").fill(LETTER)
    expect(page.locator("#letter-counter")).to_have_text(f"Characters: {len(LETTER)} of 6,000")
    page.get_by_label("Send me the translation").check()
    expect(page.locator("[data-currency]")).to_be_hidden()
    page.get_by_label("Post it for me").check()
    expect(page.locator("[data-currency]")).to_be_visible()
    page.get_by_label("€2.52 (EUR)").check()
    page.get_by_label("I have read the privacy notice").check()
    screenshot(page, "profile-letter-form-filled")
    page.get_by_role("button", name="Send my letter").click()

    # then the confirmation shows the reference and the private link
    expect(page.get_by_role("heading", name="Thank you — we have your letter")).to_be_visible()
    letter = Letter.objects.get(prisoner=prisoners)
    expect(page.locator(".facts .reference")).to_have_text(letter.reference)
    expect(page.locator("#tracking-link")).to_have_value(re.compile(r"/letters/track/\w{43}/$"))
    assert (letter.status, letter.postage, letter.postage_currency) == ("received", "due", "EUR")
    assert letter.original_text == LETTER
    screenshot(page, "confirmation")

    # and the same link arrives by e-mail
    (sent,) = mail.outbox
    path = page.locator("#tracking-link").input_value().removeprefix(live_server.url)
    assert path in sent.body

    # and the profile reads well on a phone
    phone.goto(live_server.url + "/prisoners/bakhrom-khamroev/")
    expect(phone.get_by_role("heading", name="Before you write")).to_be_visible()
    screenshot(phone, "profile-phone")


def test_a_form_with_errors_keeps_the_text_and_says_what_to_fix(
    page, live_server, prisoners, screenshot
):
    # given the letter form with only the letter typed
    page.goto(live_server.url + "/letters/write/?to=bakhrom-khamroev")
    page.get_by_role("textbox", name="Your letter").fill(LETTER)
    page.get_by_label("Your e-mail address").fill("anna at example")

    # when it is sent
    page.get_by_role("button", name="Send my letter").click()

    # then every problem is named, and nothing typed is lost
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter the name to sign your letter with.")
    expect(summary).to_contain_text("Enter your e-mail address in the right form")
    expect(summary).to_contain_text("Please tick the box to agree to the privacy notice.")
    expect(summary).to_contain_text("Choose the language your letter is written in.")
    expect(page.get_by_role("textbox", name="Your letter")).to_have_value(LETTER)
    expect(page.get_by_label("Your e-mail address")).to_have_value("anna at example")
    assert not Letter.objects.filter(prisoner=prisoners).exists()
    screenshot(page, "letter-form-errors")

    # and following a link in the summary lands on the field
    summary.get_by_role("link", name="Enter the name to sign your letter with.").click()
    expect(page.get_by_label("Name to sign with")).to_be_focused()


def test_the_tracking_page_shows_the_step_a_volunteer_just_took(
    page, phone, live_server, prisoners, screenshot
):
    # given a letter and its tracking page
    submitted = _submitted(prisoners)
    page.goto(f"{live_server.url}/letters/track/{submitted.token}/")
    steps = page.locator(".timeline li:not(.timeline__next)")
    expect(steps).to_have_count(1)
    expect(steps.first).to_contain_text("We received your letter")

    # when a volunteer claims it (through the service, as the desk does)
    translation.letter_claim(letter_id=submitted.letter.pk, volunteer=_volunteer())
    page.reload()

    # then the new step is there, with its date
    expect(steps).to_have_count(2)
    expect(steps.nth(1)).to_contain_text("A volunteer started translating it")
    expect(steps.nth(1).locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    expect(page.locator(".timeline__next")).to_have_text(
        "Next: another volunteer checks the translation."
    )
    phone.goto(page.url)
    expect(phone.locator(".timeline li:not(.timeline__next)")).to_have_count(2)
    screenshot(phone, "tracking-phone")


def test_cancel_a_letter(page, live_server, prisoners, screenshot):
    # given a letter in translation
    submitted = _submitted(prisoners)
    translation.letter_claim(letter_id=submitted.letter.pk, volunteer=_volunteer())
    page.goto(f"{live_server.url}/letters/track/{submitted.token}/")
    screenshot(page, "tracking")

    # when the supporter cancels it
    page.get_by_text("Cancel this letter").click()
    page.get_by_role("button", name="Yes, cancel my letter").click()

    # then it is cancelled, the page says so, and the button is gone
    expect(page.locator(".messages")).to_contain_text("Your letter is cancelled.")
    expect(page.locator(".status-pill")).to_have_text("cancelled")
    expect(page.get_by_text("Cancel this letter")).to_have_count(0)
    submitted.letter.refresh_from_db()
    assert submitted.letter.status == Letter.Status.CANCELLED
    screenshot(page, "tracking-cancelled")


def test_the_pages_read_in_russian(page, live_server, prisoners, screenshot):
    # given the directory in English
    page.goto(live_server.url + "/")

    # when the supporter switches to Russian
    page.get_by_role("link", name="Русский").click()

    # then the directory, the profile and its guidance are in Russian
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Напишите политзаключённому в России")
    expect(page.locator(".prisoner-card").nth(1)).to_contain_text("2 письма в этом месяце")
    screenshot(page, "directory-ru")
    page.goto(live_server.url + "/prisoners/bakhrom-khamroev/")
    expect(page.get_by_role("heading", name="Прежде чем писать")).to_be_visible()
    expect(page.get_by_role("button", name="Отправить письмо")).to_be_visible()
    screenshot(page, "profile-ru")

    # and a tracking page too
    submitted = _submitted(prisoners)
    page.goto(f"{live_server.url}/letters/track/{submitted.token}/")
    expect(page.locator(".timeline")).to_contain_text("Мы получили ваше письмо")
    screenshot(page, "tracking-ru")


def test_find_my_letters(page, live_server, prisoners, screenshot):
    # given a supporter who lost the link
    _submitted(prisoners)
    mail.outbox.clear()
    page.goto(live_server.url + "/letters/find/")
    screenshot(page, "find-my-letters")

    # when they ask for their letters
    page.get_by_label("Your e-mail address").fill("anna@example.org")
    page.get_by_role("button", name="E-mail me the links").click()

    # then the page answers without saying whether the address is known, and the links go out
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert [message.to for message in mail.outbox] == [["anna@example.org"]]
    screenshot(page, "find-my-letters-sent")
