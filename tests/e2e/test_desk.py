"""In a browser: a volunteer claims a letter, translates it with autosave (and a lost connection
that loses nothing), hands it in; another volunteer, a reviewer, approves it."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import expect

from letters.models import Letter
from letters.services import submission, translation
from tests.factories import (
    CoordinatorFactory,
    PrisonerWithAddressFactory,
    UserFactory,
    VolunteerProfileFactory,
)

# serialized_rollback: the staff groups come from a data migration that the flush between
# browser tests would otherwise erase.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
ORIGINAL = (
    "Dear Bakhrom,\n\nthe first snow fell here today and the children built a snowman in the "
    "park. I am reading a book about old gardens. You are not forgotten.\n\nWith warm wishes."
)
FIRST_DRAFT = (
    "Дорогой Бахром!\n\nСегодня у нас выпал первый снег, и дети слепили снеговика в парке."
)
OFFLINE_PART = " Я читаю книгу о старых садах."
ENDING = " Вас не забыли.\n\nС тёплыми пожеланиями."


def _staff(username: str, *perms: str):
    user = UserFactory(username=username)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    user.user_permissions.add(Permission.objects.get(codename="view_letter"))
    VolunteerProfileFactory(user=user, languages=["en", "de"])
    return user


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()


def test_claim_translate_hand_in_review_approve(chromium, page, live_server, screenshot):
    # given a letter to Bakhrom Khamroev waiting in English, a translator and a reviewer
    prisoner = PrisonerWithAddressFactory(
        name_en="Bakhrom Khamroev",
        notes_for_translators="Devout Muslim. Daily life, family, books; nothing about his case.",
    )
    letter = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Margaret Example",
        supporter_email="margaret@supporter.example",
        language="en",
        original_text=ORIGINAL,
        delivery=Letter.Delivery.POST_FOR_ME,
        postage_currency="GBP",
    ).letter
    translator = _staff("vera", "translate_letter")
    reviewer = _staff("rita", "translate_letter", "review_letter")
    queue_url = live_server.url + reverse("admin:letters_letter_desk_queue")

    # when the translator signs in, opens the queue and presses "Claim next"
    _log_in(page, live_server, "vera")
    page.goto(live_server.url + reverse("admin:letters_letter_changelist"))
    page.get_by_role("link", name="Queue").first.click()
    expect(page).to_have_url(queue_url)
    expect(page.locator("#queue")).to_contain_text("Bakhrom Khamroev")
    expect(page.locator("#queue")).to_contain_text("English")
    screenshot(page, "desk-1-queue")
    page.click("#claim-next")

    # then the translation page shows the original beside the editor, with the notes
    expect(page.locator("h1")).to_contain_text(letter.reference)
    expect(page.locator("#original-text")).to_contain_text("the first snow fell")
    expect(page.locator(".desk-notes")).to_contain_text("Devout Muslim")
    expect(page.locator("body")).not_to_contain_text("margaret@supporter.example")
    expect(page.locator("body")).not_to_contain_text("Margaret Example")

    # when they type, the draft is saved by itself, and survives a reload
    page.fill("#translation", FIRST_DRAFT)
    expect(page.locator("[data-char-count-for=translation]")).to_have_text(str(len(FIRST_DRAFT)))
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved", timeout=15_000)
    screenshot(page, "desk-2-translate-autosaved")
    page.reload()
    expect(page.locator("#translation")).to_have_value(FIRST_DRAFT)

    # when the connection drops while they type, and the tab is closed
    page.context.set_offline(True)
    page.locator("#translation").press("Control+End")
    page.locator("#translation").press_sequentially(OFFLINE_PART)
    expect(page.locator("#autosave-status")).to_contain_text("no connection", timeout=15_000)
    screenshot(page, "desk-3-translate-offline")
    context = page.context
    page.close()
    context.set_offline(False)

    # then a new tab restores the words typed offline from the browser, and saves them
    page = context.new_page()
    page.goto(live_server.url + reverse("admin:letters_letter_desk_translate", args=[letter.pk]))
    expect(page.locator("#translation")).to_have_value(FIRST_DRAFT + OFFLINE_PART)
    # "Restored" shows until the next autosave replaces it; on a busy machine that can come
    # before this line runs, so either message proves the restore happened.
    expect(page.locator("#autosave-status")).to_contain_text(re.compile("Restored|Draft saved"))
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved", timeout=15_000)
    letter.refresh_from_db()
    assert letter.translation == FIRST_DRAFT + OFFLINE_PART

    # when they finish and hand it in
    page.locator("#translation").press("Control+End")
    page.locator("#translation").press_sequentially(ENDING)
    page.click("#hand-in")

    # then "My letters" thanks them and lists it as waiting for review
    expect(page.locator(".messagelist")).to_contain_text("handed in")
    expect(page.locator("#my-letters")).to_contain_text(letter.reference)
    screenshot(page, "desk-4-handed-in")
    letter.refresh_from_db()
    assert letter.status == Letter.Status.TRANSLATED
    assert letter.translation == FIRST_DRAFT + OFFLINE_PART + ENDING

    # when the reviewer, in their own browser, opens the review list and the letter
    review_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    review_context.set_default_timeout(10_000)
    review = review_context.new_page()
    _log_in(review, live_server, "rita")
    review.goto(live_server.url + reverse("admin:letters_letter_desk_review_list"))
    review.get_by_role("link", name=letter.reference).click()
    expect(review.locator("#original-text")).to_contain_text("the first snow fell")
    expect(review.locator("#translation")).to_have_value(FIRST_DRAFT + OFFLINE_PART + ENDING)
    screenshot(review, "desk-5-review")

    # and corrects a word and approves
    review.fill("#translation", (FIRST_DRAFT + OFFLINE_PART + ENDING).replace("Вас", "Тебя"))
    review.click("#approve")

    # then the letter is approved, with every step in its history by the right person
    expect(review.locator(".messagelist")).to_contain_text("approved")
    screenshot(review, "desk-6-approved")
    letter.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED
    assert "Тебя не забыли" in letter.translation
    actors = {e.action: e.actor for e in letter.events.exclude(actor=None)}
    assert actors == {"claim": translator, "hand_in": translator, "approve": reviewer}
    # and, approved, it leaves the volunteers' view; a coordinator reads its whole history
    change_url = live_server.url + reverse("admin:letters_letter_change", args=[letter.pk])
    assert review.goto(change_url).status == 404
    review_context.close()
    CoordinatorFactory(username="cora")
    coordination = chromium.new_context(viewport={"width": 1280, "height": 900})
    coordinator_page = coordination.new_page()
    _log_in(coordinator_page, live_server, "cora")
    coordinator_page.goto(change_url)
    history = coordinator_page.locator("#events-group")
    expect(history).to_contain_text(
        re.compile(
            r"taken for translation.*vera.*translation handed in.*vera.*translation approved.*rita",
            re.S,
        )
    )
    screenshot(coordinator_page, "desk-7-history")
    coordination.close()


def test_flag_then_coordinator_rejects_kindly(chromium, page, live_server, screenshot, outbox):
    # given a volunteer holding a letter that talks about the prisoner's case
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev")
    letter = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Tom Example",
        supporter_email="tom@supporter.example",
        language="en",
        original_text="Dear Bakhrom, your investigator is a liar and the court is a farce.",
        delivery=Letter.Delivery.RETURN_TO_ME,
    ).letter
    volunteer = _staff("vera", "translate_letter")
    translation.letter_claim(letter_id=letter.pk, volunteer=volunteer)
    CoordinatorFactory(username="cora")

    # when the volunteer, from the admin index, opens the letter and flags it
    _log_in(page, live_server, "vera")
    expect(page.locator("#desk-links")).to_contain_text("My letters")
    screenshot(page, "desk-8-volunteer-index")
    page.locator("#desk-links").get_by_role("link", name="My letters").click()
    page.get_by_role("link", name=letter.reference).click()
    page.get_by_role("link", name=re.compile("Flag this letter")).click()
    page.fill("#reason", "It attacks the investigator and the court; the censor may punish him.")
    screenshot(page, "desk-9-flag")
    page.get_by_role("button", name="Flag the letter").click()
    expect(page.locator(".messagelist")).to_contain_text("A coordinator will read")
    expect(page.locator(".desk-flagged")).to_be_visible()

    # and the coordinator opens the flagged letters and rejects it with the kind text offered
    coordination = chromium.new_context(viewport={"width": 1280, "height": 900})
    coordinator_page = coordination.new_page()
    _log_in(coordinator_page, live_server, "cora")
    coordinator_page.locator("#desk-links").get_by_role("link", name="Flagged letters").click()
    expect(coordinator_page.locator(".desk-table")).to_contain_text("attacks the investigator")
    coordinator_page.get_by_role("link", name="Decide").click()
    expect(coordinator_page.locator("#reason")).to_have_value(re.compile("prison censor stops"))
    screenshot(coordinator_page, "desk-10-decide")
    coordinator_page.get_by_role("button", name="Reject and tell the supporter").click()

    # then the letter is rejected and the supporter's e-mail carries the kind reason
    expect(coordinator_page.locator(".messagelist")).to_contain_text("rejected")
    coordination.close()
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REJECTED
    assert letter.rejection_reason.startswith("Parts of it touch on")
    assert letter.events.get(action="flag").actor == volunteer
    assert any("Our reason: Parts of it touch on" in message.body for message in outbox)
    assert outbox[-1].to == ["tom@supporter.example"]


def test_a_long_link_in_the_letter_leaves_the_editor_beside_it_on_screen(
    chromium, page, live_server, screenshot
):
    # given a letter with a long link and a long word, sent back with a long unbroken comment
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev")
    letter = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Karl Example",
        supporter_email="karl@supporter.example",
        language="de",
        original_text="Hallo! Das Foto: https://example.org/" + "a" * 400 + " Ende.",
        delivery=Letter.Delivery.POST_FOR_ME,
        postage_currency="EUR",
    ).letter
    _staff("vera", "translate_letter")

    # when the volunteer claims it and its translation page opens
    _log_in(page, live_server, "vera")
    page.goto(live_server.url + reverse("admin:letters_letter_desk_queue"))
    page.click("#claim-next")
    expect(page.locator("#original-text")).to_contain_text("example.org")
    screenshot(page, "desk-long-link")

    # then the page is no wider than the window and the editor is on screen beside the original
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    editor = page.locator("#translation").bounding_box()
    assert editor is not None and editor["x"] + editor["width"] <= 1280
    assert letter.reference in page.locator("h1").inner_text()


def test_a_reference_in_a_desk_list_stays_on_one_line(chromium, page, live_server, screenshot):
    # given a volunteer holding a letter to a prisoner with a long name, on a narrow window
    prisoner = PrisonerWithAddressFactory(
        name_en="Bakhrom Mardonovich Khamroev-Abdurakhmanov", name_ru="Хамроев Бахром"
    )
    letter = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Karl Example",
        supporter_email="karl@supporter.example",
        language="en",
        original_text=ORIGINAL,
        delivery=Letter.Delivery.RETURN_TO_ME,
    ).letter
    vera = _staff("vera", "translate_letter")
    translation.letter_claim(letter_id=letter.pk, volunteer=vera)
    page.set_viewport_size({"width": 900, "height": 800})

    # when they open their letters
    _log_in(page, live_server, "vera")
    page.goto(live_server.url + reverse("admin:letters_letter_desk_mine"))
    link = page.get_by_role("link", name=letter.reference)
    expect(link).to_be_visible()
    screenshot(page, "desk-mine-narrow")

    # then the reference is one piece: one line box, "LB-" never alone at a line's end
    assert link.evaluate("el => el.getClientRects().length") == 1


def test_the_letters_list_fits_a_1280_px_window(chromium, page, live_server, screenshot):
    # given letters of every kind of row (a long name, a long status, a volunteer's name)
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Mardonovich Khamroev")
    for delivery in (Letter.Delivery.POST_FOR_ME, Letter.Delivery.RETURN_TO_ME):
        submission.letter_submit(
            prisoner_id=prisoner.pk,
            supporter_name="Karl Example",
            supporter_email="karl@supporter.example",
            language="de",
            original_text="Hallo Bakhrom!",
            delivery=delivery,
            postage_currency="EUR",
        )
    coordinator = CoordinatorFactory(username="coordinator-with-a-long-name")
    list_url = live_server.url + reverse("admin:letters_letter_changelist")

    # when a coordinator who never folded the navigation opens the letters' list at 1280 px
    _log_in(page, live_server, coordinator.username)
    page.goto(list_url)
    expect(page.locator("#result_list")).to_be_visible()
    page.wait_for_function("!document.getElementById('main').classList.contains('shifted')")
    screenshot(page, "letters-list-1280")

    # then the navigation starts folded, without that being remembered as their choice, and
    # all nine columns are on screen: the table does not scroll sideways
    widths = page.evaluate(
        "[document.querySelector('.results').scrollWidth,"
        " document.querySelector('.results').clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    assert page.evaluate("localStorage.getItem('django.admin.navSidebarIsOpen')") is None

    # and once they open it themselves, it stays open
    page.click("#toggle-nav-sidebar")
    page.reload()
    expect(page.locator("#result_list")).to_be_visible()
    assert "shifted" in page.evaluate("document.getElementById('main').className")
