"""In a browser: the supporter pays the postage from the tracking page, comes back from Stripe
(recorded), and sees "waiting", then "paid" once Stripe's signed webhook arrives."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from letters import tokens
from payments.models import Payment
from tests.factories import LetterFactory
from tests.payments import stripe_fake

# serialized_rollback: its flush must not recreate content types under later serialized tests
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            # close, in Playwright's context, the connection the test opened there (as
            # tests/e2e/conftest.py does), or the suite cannot drop its database at the end
            connections.close_all()
            browser.close()


def test_pay_from_the_tracking_page_then_paid_after_the_webhook(page, live_server, stripe_on):
    # given a letter with postage due, and Stripe answering checkout with a session whose page
    # sends the supporter straight back (as if they had paid)
    letter = LetterFactory(postage_currency="GBP")
    token = tokens.token_for(salt=letter.tracking_salt)
    track = f"{live_server.url}/letters/track/{token}/"

    def created(match, params):
        sid = f"cs_test_e2e_{params['metadata[payment_id]']}"
        return stripe_fake.checkout_session(
            id=sid, url=f"{track}?payment=done", metadata={"payment_id": "", "x": "y"}
        )

    stripe_on.on("POST", "/v1/checkout/sessions", created)

    # when the supporter opens the tracking page and pays
    page.goto(track)
    assert page.get_by_text("Postage due: £2.20.").is_visible()
    page.get_by_role("button", name="Pay £2.20").click()
    page.wait_for_url("**?payment=done")

    # then, back from Stripe before the webhook, the page says it is waiting
    assert page.get_by_text("Waiting for payment.").is_visible()

    # and when Stripe's signed webhook says the session was paid, the page says paid
    payment = Payment.objects.get(letter=letter)
    session = stripe_fake.session_for(payment, status="complete", payment_status="paid")
    response = stripe_fake.deliver(
        Client(), stripe_fake.event("checkout.session.completed", session)
    )
    assert response.status_code == 200
    page.goto(track)
    assert page.get_by_text("Paid. Thank you").is_visible()
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "payments-tracking-paid.png"), full_page=True)
