"""In a browser, with no Stripe keys: the supporter's tracking page tells them how to pay the
postage and what reference to quote, with no pay button; a coordinator records the bank transfer
from Prepare today's post, and the letter moves into the list ready to post."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from letters import tokens
from letters.models import Letter
from payments.models import Payment
from tests.factories import CoordinatorFactory, LetterFactory

# serialized_rollback: the staff groups come from a data migration that the flush between
# browser tests would otherwise erase.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
INSTRUCTIONS = "Bank transfer to Letterbridge\nSort code 00-11-22, account 12345678"


@pytest.fixture
def without_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.LETTERBRIDGE_PAYMENT_INSTRUCTIONS = INSTRUCTIONS


def test_the_tracking_page_gives_the_instructions_and_no_pay_button(
    page, live_server, screenshot, without_stripe
):
    # given a letter whose postage is due, and no Stripe
    letter = LetterFactory(postage_currency="GBP")
    token = tokens.token_for(salt=letter.tracking_salt)

    # when the supporter opens its tracking page
    page.goto(f"{live_server.url}{reverse('letters:track', args=[token])}")

    # then the postage block says what is due, how to pay it and which reference to quote
    postage = page.locator("section.postage")
    expect(postage).to_contain_text("Postage due: £2.20.")
    # line for line, as the organisation wrote them
    assert postage.locator(".postage__instructions").inner_text() == INSTRUCTIONS
    expect(postage).to_contain_text(f"Payment reference to quote: {letter.reference}")
    # and nothing on the page offers to pay online
    expect(page.get_by_role("button", name="Pay £2.20")).to_have_count(0)
    expect(
        page.locator(f"form[action*='{reverse('payments:checkout', args=[token])}']")
    ).to_have_count(0)
    expect(page.get_by_text("Online payment is not available")).to_have_count(0)
    screenshot(page, "postage-offline-tracking")


def test_a_coordinator_records_a_bank_transfer_and_the_letter_is_ready_to_post(
    page, live_server, screenshot, without_stripe
):
    # given an approved letter waiting only for its postage, and a coordinator
    letter = LetterFactory(status=Letter.Status.APPROVED, postage_currency="EUR")
    coordinator = CoordinatorFactory(username="clara")
    prepare = live_server.url + reverse("letters_coordination:prepare")
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", coordinator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()

    # when she opens Prepare today's post, the letter waits with its reason
    page.goto(prepare)
    row = page.locator("#waiting tr", has_text=letter.reference)
    expect(row).to_contain_text("postage not paid")
    expect(page.locator(f"input[name=letter][value='{letter.pk}']")).to_have_count(0)
    screenshot(page, "postage-offline-prepare-waiting")

    # and she records the bank transfer from its row, with the fee already filled in
    row.get_by_role("link", name="Record payment or waiver").click()
    expect(page.locator("#id_amount")).to_have_value("2.52")
    expect(page.locator("#id_currency")).to_have_value("EUR")
    expect(page.get_by_label("Paid by bank transfer")).to_be_checked()
    page.fill("#id_note", "Transfer quoted the reference")
    screenshot(page, "postage-offline-record")
    page.get_by_role("button", name="Record").click()

    # then she is back on Prepare today's post, where the letter is ready to post
    expect(page).to_have_url(prepare)
    expect(page.locator(".messagelist")).to_contain_text(
        f"Postage for {letter.reference} recorded."
    )
    expect(page.locator(f"input[name=letter][value='{letter.pk}']")).to_be_checked()
    expect(page.locator("#waiting")).not_to_contain_text(letter.reference)
    screenshot(page, "postage-offline-prepare-ready")
    payment = Payment.objects.get(letter=letter)
    assert (payment.provider, payment.status, payment.amount, payment.currency) == (
        "manual",
        "paid",
        252,
        "EUR",
    )


def test_the_reference_to_quote_stays_on_one_line_on_a_phone(
    phone, live_server, screenshot, without_stripe
):
    # given a letter whose postage is due, its tracking page open on a phone
    letter = LetterFactory(postage_currency="GBP")
    token = tokens.token_for(salt=letter.tracking_salt)
    phone.goto(f"{live_server.url}{reverse('letters:track', args=[token])}")

    # then the reference the supporter copies into their bank transfer is on one line: it was
    # broken at its hyphen ("LB-" at the end of a line, the rest on the next)
    reference = phone.locator(".postage__how .reference")
    expect(reference).to_have_text(letter.reference)
    line_height = reference.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert reference.bounding_box()["height"] < 1.5 * line_height
    # and nothing is pushed off the side of the screen
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "postage-offline-tracking-phone")
