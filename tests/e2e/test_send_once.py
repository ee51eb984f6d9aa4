"""In a browser: a second click on a public form's button while the first is on its way sends
nothing more. A double-clicked "Send my letter" on a slow connection made two letters, each
with its own reference, tracking link and e-mail asking for postage."""

import time

import pytest
from playwright.sync_api import expect

from letters import views
from letters.models import Letter
from tests.factories import PrisonerWithAddressFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def slow_submission(monkeypatch):
    """The server takes a second to save a letter, as it may under load or far away."""
    submit = views.submission.letter_submit

    def slowly(**kwargs):
        time.sleep(1)
        return submit(**kwargs)

    monkeypatch.setattr(views.submission, "letter_submit", slowly)


def test_a_letter_clicked_twice_is_sent_once(phone, live_server, slow_submission, screenshot):
    # given a supporter who has filled in the letter form on a phone
    prisoner = PrisonerWithAddressFactory(slug="ivan-petrov", name_en="Ivan Petrov")
    phone.goto(live_server.url + "/letters/write/?to=ivan-petrov")
    phone.get_by_label("Name to sign with").fill("Anna")
    phone.get_by_label("Your e-mail address").fill("anna@example.org")
    phone.get_by_label("Language of your letter").select_option("en")
    phone.get_by_role("textbox", name="Your letter").fill("Dear Ivan, you are not forgotten.")
    phone.get_by_label("I have read the privacy notice").check()
    posts = []
    phone.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    # when they press the button, and again while the page is still loading
    button = phone.get_by_role("button", name="Send my letter")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    phone.mouse.click(x, y)
    phone.wait_for_timeout(300)
    phone.mouse.click(x, y)

    # then they see one confirmation, and we hold one letter
    expect(phone.get_by_role("heading", name="Thank you — we have your letter")).to_be_visible()
    screenshot(phone, "letter-sent-once")
    assert len(posts) == 1
    assert Letter.objects.filter(prisoner=prisoner).count() == 1

    # and back on the form (the back button) they may send another on purpose
    phone.go_back()
    phone.get_by_role("textbox", name="Your letter").fill("Dear Ivan, a second letter.")
    phone.get_by_label("I have read the privacy notice").check()
    phone.get_by_role("button", name="Send my letter").click()
    expect(phone.get_by_role("heading", name="Thank you — we have your letter")).to_be_visible()
    assert Letter.objects.filter(prisoner=prisoner).count() == 2
