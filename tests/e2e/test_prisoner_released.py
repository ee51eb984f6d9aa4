"""In a browser: a coordinator marks a prisoner released from the prisoner list, as they would;
the confirmation counts the letters in flight, and once confirmed the letters are closed, each
writer e-mailed in their language, and the prisoner's page says what happened. The supporter's
page then tells them the letter will not go, and still shows it."""

import re

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


def test_a_coordinator_marks_a_prisoner_released_and_the_writers_are_told(
    page, live_server, screenshot
):
    # given a man in prison with three letters in flight, one of them from a Russian speaker
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev", gender="male")
    letters = [
        LetterFactory(prisoner=prisoner),
        LetterFactory(prisoner=prisoner, status=S.TRANSLATED),
        LetterFactory(prisoner=prisoner, status=S.APPROVED, locale="ru", supporter_name="Ольга"),
    ]
    coordinator = CoordinatorFactory()
    mail.outbox = []

    # when the coordinator ticks him in the prisoner list and chooses "Mark released"
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", coordinator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:prisoners_prisoner_changelist"))
    page.locator(f"input[name=_selected_action][value='{prisoner.pk}']").check()
    page.select_option("select[name=action]", "mark_released")
    page.click("button[name=index]")

    # then the confirmation counts the letters that will close, and nothing has changed yet
    expect(page.locator("#content")).to_contain_text("3 letters in flight will be closed.")
    screenshot(page, "prisoner-mark-released-confirm")
    assert Prisoner.objects.get(pk=prisoner.pk).status == Prisoner.Status.SENTENCED

    # and when they confirm, the list says the letters are being closed and their writers told
    page.click("#confirm-left-prison")
    expect(page.locator(".messagelist")).to_contain_text(
        re.compile(r"3 letters in flight are being closed and their\s+writers told")
    )
    prisoner.refresh_from_db()
    assert (prisoner.status, prisoner.accepts_letters) == (Prisoner.Status.RELEASED, False)
    assert {letter.status for letter in Letter.objects.filter(prisoner=prisoner)} == {S.CANCELLED}
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 3
    assert any(
        s.startswith("Хорошая новость: Хамроев Бахром Мардонович на свободе") for s in subjects
    )
    assert sum(s.startswith("Good news: Bakhrom Khamroev is free") for s in subjects) == 2

    # and the prisoner's page says what became of the letters
    page.goto(live_server.url + reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]))
    expect(page.locator(".messagelist")).to_contain_text(
        "3 letters in flight were closed and their writers told"
    )
    screenshot(page, "prisoner-released-page")

    # and the supporter's page says their letter will not go, and still shows it
    token = tokens.token_for(salt=letters[0].tracking_salt)
    page.goto(live_server.url + reverse("letters:track", args=[token]))
    expect(page.locator("ol.timeline")).to_contain_text("Not sent: the prisoner has been released")
    expect(page.get_by_text("Cancel this letter")).to_have_count(0)
    screenshot(page, "letter-closed-prisoner-released")
