"""In a browser: a refused public form comes back as GOV.UK's do. Focus is on the error summary,
the title begins with "Error: ", each link leads to its field with a visible focus ring, and
nothing typed is lost."""

import re

import pytest
from playwright.sync_api import expect

from letters.models import Letter
from tests.factories import PrisonerWithAddressFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LETTER = "Dear Ivan,\n\nthe river froze this week and we skated to school.\nYou are not forgotten."


@pytest.fixture
def prisoner(transactional_db):
    return PrisonerWithAddressFactory(slug="ivan-petrov", name_en="Ivan Petrov")


def _focus_ring(page) -> str:
    """The focused element's outline: style, width and colour."""
    return page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`; })()"
    )


def test_an_empty_letter_form_puts_focus_on_the_summary(page, live_server, prisoner, screenshot):
    # given the letter form
    page.goto(live_server.url + "/letters/write/")

    # when it is sent empty
    page.get_by_role("button", name="Send my letter").click()

    # then the summary has the focus, the title says there is an error, and every problem
    # is listed
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Write a letter"))
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Choose who you are writing to.",
            "Enter the name to sign your letter with.",
            "Enter your e-mail address.",
            "Choose the language your letter is written in.",
            "Enter your letter.",
            "Please tick the box to agree to the privacy notice.",
        ]
    )
    screenshot(page, "letter-form-empty-errors")

    # when the person follows the link for the name, then its field has the focus and a
    # 3px yellow ring, and its message is tied to it
    summary.get_by_role("link", name="Enter the name to sign your letter with.").click()
    name = page.get_by_label("Name to sign with")
    expect(name).to_be_focused()
    assert _focus_ring(page) == "solid 3px rgb(240, 180, 41)"  # opaque: seen on any background
    screenshot(page, "letter-form-error-link-focused")
    expect(name).to_have_accessible_description(
        re.compile(r"Enter the name to sign your letter with\.")
    )


def test_a_half_filled_letter_keeps_everything_typed(page, live_server, prisoner, screenshot):
    # given a letter written to Ivan, to be sent back to the writer, with the address mistyped
    # and the privacy box left empty
    page.goto(live_server.url + "/letters/write/?to=ivan-petrov")
    page.get_by_label("Name to sign with").fill("Anna")
    page.get_by_label("Your e-mail address").fill("anna at example.org")
    page.get_by_label("Country you live in").select_option("DE")
    page.get_by_label("Language of your letter").select_option("de")
    page.get_by_role("textbox", name="Your letter").fill(LETTER)
    page.get_by_label("Send me the translation").check()

    # when it is sent
    page.get_by_role("button", name="Send my letter").click()

    # then focus is on the summary, which names only what is wrong
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter your e-mail address in the right form, like name@example.com.",
            "Please tick the box to agree to the privacy notice.",
        ]
    )
    screenshot(page, "letter-form-half-filled-errors")

    # and everything typed and chosen is still there
    expect(page.get_by_label("Who are you writing to?")).to_have_value("ivan-petrov")
    expect(page.get_by_label("Name to sign with")).to_have_value("Anna")
    expect(page.get_by_label("Your e-mail address")).to_have_value("anna at example.org")
    expect(page.get_by_label("Country you live in")).to_have_value("DE")
    expect(page.get_by_label("Language of your letter")).to_have_value("de")
    expect(page.get_by_role("textbox", name="Your letter")).to_have_value(LETTER)
    expect(page.get_by_label("Send me the translation")).to_be_checked()
    expect(page.locator("[data-currency]")).to_be_hidden()

    # when the two things are put right and the letter sent again
    summary.get_by_role("link", name=re.compile("right form")).click()
    expect(page.get_by_label("Your e-mail address")).to_be_focused()
    page.get_by_label("Your e-mail address").fill("anna@example.org")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Send my letter").click()

    # then it is received as typed
    expect(page.get_by_role("heading", name="Thank you — we have your letter")).to_be_visible()
    letter = Letter.objects.get(prisoner=prisoner)
    assert (letter.supporter_name, letter.supporter_country) == ("Anna", "DE")
    assert letter.language == "de"
    assert letter.original_text == LETTER
    assert letter.delivery == Letter.Delivery.RETURN_TO_ME


@pytest.mark.parametrize(
    ("path", "button", "label"),
    [
        ("/letters/find/", "E-mail me the links", "Your e-mail address"),
        ("/my-data/", "E-mail me the link", "The e-mail address you wrote from"),
    ],
)
def test_the_address_forms_put_focus_on_the_summary(page, live_server, path, button, label):
    # given an address form with a mistyped address
    page.goto(live_server.url + path)
    page.get_by_label(label).fill("anna at example.org")

    # when it is sent
    page.get_by_role("button", name=button).click()

    # then focus is on the summary, the title says so, and the address is still there
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_label(label)).to_have_value("anna at example.org")
    expect(page.get_by_label(label)).to_have_accessible_description(
        re.compile(r"Enter your e-mail address in the right form")
    )


def test_the_error_title_reads_in_russian(page, live_server):
    # given the find page in Russian
    page.goto(live_server.url + "/letters/find/")
    page.get_by_role("link", name="Русский").click()

    # when the form is sent empty
    page.get_by_role("button", name="Прислать ссылки").click()

    # then the title and the summary are Russian
    expect(page).to_have_title(re.compile(r"^Ошибка: "))
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Введите адрес электронной почты.")
