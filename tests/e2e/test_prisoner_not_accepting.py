"""In a browser: a coordinator unticks «accepts letters now» on a prisoner's admin page (he is
still in prison, but his transfer cannot be traced) and saves, as they would. The approved
letter to him goes on hold, its writer is e-mailed why, and the writer's page says it waits
until he can receive letters again."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from letters import tokens
from letters.models import Letter
from prisoners.models import Prisoner
from tests.factories import CoordinatorFactory, LetterFactory, PrisonerWithAddressFactory

# serialized_rollback: the staff groups come from a data migration that the flush between
# browser tests would otherwise erase.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
S = Letter.Status


def test_a_coordinator_unticks_accepts_letters_and_the_writers_page_says_it_waits(
    page, live_server, screenshot
):
    # given a man in prison with an approved letter on its way to him
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev", gender="male")
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED, postage=Letter.Postage.PAID)
    coordinator = CoordinatorFactory()
    mail.outbox = []

    # when the coordinator opens his admin page, unticks «accepts letters now» and saves
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", coordinator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]))
    page.locator("#id_accepts_letters").uncheck()
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # then he accepts no letters, the letter waits on hold, and its writer was told why
    assert Prisoner.objects.get(pk=prisoner.pk).accepts_letters is False
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    (message,) = mail.outbox
    assert message.to == [letter.supporter_email]
    assert "Bakhrom Khamroev cannot receive letters at the moment." in message.body

    # and the writer's page says what the letter waits for, and what comes next
    token = tokens.token_for(salt=letter.tracking_salt)
    page.goto(live_server.url + reverse("letters:track", args=[token]))
    expect(page.locator(".status-pill")).to_have_text(
        "waiting until the prisoner can receive letters"
    )
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Waiting: the prisoner cannot receive letters at the moment")
    expect(timeline).to_contain_text(
        "Next: we send it as soon as the prisoner can receive letters again."
    )
    screenshot(page, "letter-held-prisoner-not-accepting")
