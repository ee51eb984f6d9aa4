"""The translation desk's pages, through the test client as volunteers and coordinators."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter, LetterEvent
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status


def url(name: str, *args) -> str:
    return reverse(f"admin:letters_letter_desk_{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def english_volunteer(**profile):
    volunteer = VolunteerFactory()
    volunteer.volunteer_profile.languages = profile.get("languages", ["en"])
    volunteer.volunteer_profile.claim_limit = profile.get("claim_limit", 3)
    volunteer.volunteer_profile.save()
    return volunteer


def volunteer_reviewer():
    reviewer = english_volunteer()
    reviewer.user_permissions.add(Permission.objects.get(codename="review_letter"))
    return type(reviewer).objects.get(pk=reviewer.pk)  # fresh permission cache


def aged(letter: Letter, days: int) -> Letter:
    Letter.objects.filter(pk=letter.pk).update(created_at=timezone.now() - timedelta(days=days))
    return letter


# --- the queue --------------------------------------------------------------------------------


def test_the_queue_names_my_languages_as_a_sentence_does(client):
    # given a volunteer who translates from English and German
    volunteer = english_volunteer(languages=["en", "de"], claim_limit=4)
    LetterFactory.create_batch(2, status=S.IN_TRANSLATION, claimed_by=volunteer)
    LetterFactory(status=S.RECEIVED)  # one waiting, so the queue has its table
    client.force_login(volunteer)

    # when they open the queue in English and in Russian
    english = client.get(url("queue")).content.decode()
    client.cookies["django_language"] = "ru"
    russian = client.get(url("queue")).content.decode()

    # then the languages read as part of the sentence: capitalised in English, not in Russian
    assert "Your languages: English, German." in english
    assert "You hold 2 of 4 letters." in english
    assert "Ваши языки: английский, немецкий." in russian
    # and the column of names in the nominative is headed «Адресат», not «Кому» (which asks
    # for the dative: «Кому? Хамроеву»)
    assert '<th scope="col">Адресат</th>' in russian and ">Кому<" not in russian
    # and the column of "6 minutes ago" is headed "Received" («Получено 6 минут назад»), not
    # "Waiting" («Ждёт 6 минут назад» is not Russian)
    assert '<th scope="col">Received</th>' in english and '<th scope="col">Получено</th>' in russian


def test_queue_lists_waiting_letters_in_my_languages_oldest_first(client):
    # given letters waiting in English (one old, one new), one in German, one claimed, one flagged
    volunteer = english_volunteer()
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev")
    new = LetterFactory(prisoner=prisoner, original_text="x" * 120)
    old = aged(LetterFactory(prisoner=prisoner, original_text="y" * 80), 3)
    german = LetterFactory(language="de")
    claimed = LetterFactory(status=S.IN_TRANSLATION)
    flagged = LetterFactory(flagged_at=timezone.now(), flag_reason="x")
    client.force_login(volunteer)

    # when the volunteer opens the queue
    response = client.get(url("queue"))

    # then the English letters are listed oldest first, with prisoner, language, length and age
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(old.reference) < body.index(new.reference)
    for absent in (german, claimed, flagged):
        assert absent.reference not in body
    row = body[body.index(old.reference) :]
    row = row[: row.index("</tr>")]
    assert "Bakhrom Khamroev" in row and "English" in row and "80 characters" in row
    assert "3\xa0days ago" in row or "3 days ago" in row
    assert 'id="claim-next"' in body


def test_claim_next_is_post_only_and_takes_the_oldest(client):
    volunteer = english_volunteer()
    LetterFactory()
    oldest = aged(LetterFactory(), 2)
    client.force_login(volunteer)

    assert client.get(url("claim_next")).status_code == 405
    response = client.post(url("claim_next"))

    oldest.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == url("translate", oldest.pk)
    assert oldest.claimed_by == volunteer and oldest.status == S.IN_TRANSLATION
    assert oldest.events.get(action="claim").actor == volunteer


def test_claim_on_a_row_someone_else_took_gets_a_polite_message(client):
    # given a letter another volunteer claimed a moment ago
    letter = LetterFactory()
    faster, slower = english_volunteer(), english_volunteer()
    client.force_login(faster)
    client.post(url("claim", letter.pk))
    client.force_login(slower)

    # when the slower volunteer presses Claim on the row still on their screen
    response = client.post(url("claim", letter.pk), follow=True)

    # then they are told kindly, back on the queue, and the letter stays with the first
    assert response.redirect_chain[-1][0] == url("queue")
    assert "Someone was faster" in " ".join(messages_of(response))
    letter.refresh_from_db()
    assert letter.claimed_by == faster


def test_claim_next_with_nothing_waiting_or_at_the_limit_says_so(client):
    volunteer = english_volunteer(claim_limit=1)
    client.force_login(volunteer)
    nothing = client.post(url("claim_next"), follow=True)
    assert "no letter waiting" in " ".join(messages_of(nothing))

    LetterFactory(), LetterFactory()
    client.post(url("claim_next"))
    limit = client.post(url("claim_next"), follow=True)
    assert "as many letters as you may" in " ".join(messages_of(limit))
    assert Letter.objects.filter(claimed_by=volunteer).count() == 1


def test_my_letters_show_deadlines_and_handed_in_work(client):
    volunteer = english_volunteer()
    held = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    handed_in = LetterFactory(status=S.TRANSLATED, translated_by=volunteer)
    client.force_login(volunteer)

    body = client.get(url("mine")).content.decode()

    assert held.reference in body and handed_in.reference in body
    deadline = timezone.localtime(held.claim_expires_at)
    assert deadline.strftime("%-d %B %Y, %H:%M %Z") in body  # the zone named: "… 14:05 GMT"
    assert f'data-keep-drafts="{held.pk}"' in body


# --- translating ------------------------------------------------------------------------------


def test_translation_page_shows_original_notes_and_editor_side_by_side(client):
    volunteer = english_volunteer()
    prisoner = PrisonerWithAddressFactory(notes_for_translators="No news of the case, please.")
    letter = LetterFactory(
        status=S.IN_TRANSLATION,
        claimed_by=volunteer,
        prisoner=prisoner,
        original_text="Dear friend, the lake froze.",
    )
    client.force_login(volunteer)

    response = client.get(url("translate", letter.pk))

    body = response.content.decode()
    assert response.status_code == 200
    assert "No news of the case, please." in body
    assert "Dear friend, the lake froze." in body
    assert 'name="translation"' in body and 'name="base_version" value="0"' in body
    assert "28 characters" in body  # len("Dear friend, the lake froze.")
    assert 'data-autosave-url="' + url("autosave", letter.pk) + '"' in body
    assert "admin-desk/desk.js" in body
    # no inline scripts of ours: every <script> has a src
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", body)
    assert letter.supporter_email not in body and letter.supporter_name not in body


def test_the_translation_heading_starts_with_a_capital_in_russian(client):
    # given a volunteer reading the desk in Russian
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)
    client.cookies["django_language"] = "ru"

    # when the translation page opens, then the editor's heading reads as a heading
    body = client.get(url("translate", letter.pk)).content.decode()
    assert '<label for="translation">Перевод на русский</label>' in body
    # and the original's language, inside the heading's brackets, in lower case
    assert "Оригинал (английский)" in body and "Оригинал (Английский)" not in body


def test_autosave_then_reload_shows_the_draft(client):
    # given a volunteer translating a letter
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)

    # when the page autosaves a draft (as its script does) and the page is reloaded
    saved = client.post(
        url("autosave", letter.pk),
        {"translation": "Дорогой друг, озеро замёрзло.", "base_version": 0},
    )
    reloaded = client.get(url("translate", letter.pk))

    # then the save answered with the new version and the reloaded page holds the draft
    assert saved.status_code == 200 and saved.json()["version"] == 1
    body = reloaded.content.decode()
    assert "Дорогой друг, озеро замёрзло." in body
    assert 'name="base_version" value="1"' in body


def test_a_stale_tab_cannot_overwrite_a_newer_draft(client):
    # given two tabs opened at version 0, and the first has saved since
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)
    client.post(url("autosave", letter.pk), {"translation": "Новый текст.", "base_version": 0})

    # when the second, stale tab autosaves its older text
    stale = client.post(url("autosave", letter.pk), {"translation": "Старый.", "base_version": 0})

    # then it is refused with a clear message and the newer draft stays
    assert stale.status_code == 409
    assert "saved elsewhere" in stale.json()["error"] and stale.json()["version"] == 1
    letter.refresh_from_db()
    assert letter.translation == "Новый текст." and letter.translation_version == 1


def test_a_stale_tab_handing_in_keeps_its_text_and_shows_both(client):
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)
    client.post(url("autosave", letter.pk), {"translation": "Новый текст.", "base_version": 0})

    response = client.post(
        url("translate", letter.pk),
        {"translation": "Мой старый текст.", "base_version": 0, "action": "hand_in"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "saved elsewhere" in body
    assert "Мой старый текст." in body and "Новый текст." in body
    letter.refresh_from_db()
    assert letter.status == S.IN_TRANSLATION and letter.translation == "Новый текст."


def test_autosave_refuses_bad_input_without_an_error_page(client):
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)

    missing = client.post(url("autosave", letter.pk), {"translation": "x"})
    garbage = client.post(url("autosave", letter.pk), {"translation": "x", "base_version": "z"})
    too_long = client.post(
        url("autosave", letter.pk), {"translation": "я" * 100_000, "base_version": 0}
    )
    not_mine = client.post(
        url("autosave", LetterFactory(status=S.IN_TRANSLATION).pk),
        {"translation": "x", "base_version": 0},
    )
    page = client.post(
        url("translate", letter.pk), {"translation": "Keep me.", "base_version": "?"}
    )

    assert [r.status_code for r in (missing, garbage, too_long, not_mine)] == [400, 400, 400, 404]
    assert page.status_code == 200 and "Keep me." in page.content.decode()


def test_hand_in_saves_the_last_text_and_goes_to_review(client):
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)

    response = client.post(
        url("translate", letter.pk),
        {"translation": "Дорогой друг!", "base_version": 0, "action": "hand_in"},
        follow=True,
    )

    letter.refresh_from_db()
    assert response.redirect_chain[-1][0] == url("mine")
    assert letter.status == S.TRANSLATED and letter.translated_by == volunteer
    assert letter.translation == "Дорогой друг!"
    assert letter.events.get(action="hand_in").actor == volunteer


def test_hand_in_of_an_empty_translation_is_refused_kindly(client):
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)

    response = client.post(
        url("translate", letter.pk), {"translation": "", "base_version": 0, "action": "hand_in"}
    )

    assert response.status_code == 200 and "The translation is empty." in response.content.decode()


def test_release_gives_the_letter_back_with_its_draft(client):
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)
    client.post(url("autosave", letter.pk), {"translation": "Начало.", "base_version": 0})

    assert client.get(url("release", letter.pk)).status_code == 405
    client.post(url("release", letter.pk))

    letter.refresh_from_db()
    assert letter.status == S.RECEIVED and letter.claimed_by is None
    assert letter.translation == "Начало."
    assert letter.events.get(action="release").actor == volunteer


def test_releasing_a_letter_nobody_began_does_not_speak_of_a_draft(client):
    # given a volunteer who claimed a letter and typed nothing
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer, translation="")
    client.force_login(volunteer)

    # when they give it back
    page = client.post(url("release", letter.pk), follow=True).content.decode()

    # then they are told it is back in the queue, not that "its draft stays with it"
    assert f"Letter {letter.reference} is back in the queue." in page
    assert "its draft stays with it" not in page


def test_someone_elses_letter_cannot_be_translated_or_released(client):
    letter = LetterFactory(status=S.IN_TRANSLATION)
    intruder = english_volunteer()
    client.force_login(intruder)

    page = client.get(url("translate", letter.pk))
    release = client.post(url("release", letter.pk), follow=True)

    assert page.status_code == 404  # nothing said of whether the letter exists
    assert "not available to you" in " ".join(messages_of(release))
    letter.refresh_from_db()
    assert letter.status == S.IN_TRANSLATION and letter.claimed_by != intruder


def test_a_letter_cancelled_while_held_says_so_on_the_desk(client):
    # given a volunteer translating a letter, a draft saved
    from letters.services import submission, translation

    volunteer = english_volunteer()
    letter = LetterFactory(status=S.RECEIVED)
    translation.letter_claim(letter_id=letter.pk, volunteer=volunteer)
    client.force_login(volunteer)
    client.post(url("autosave", letter.pk), {"translation": "Начало.", "base_version": 0})

    # when its writer cancels it, and the volunteer's open tab autosaves, hands in, reloads
    submission.letter_cancel(letter_id=letter.pk)
    autosave = client.post(url("autosave", letter.pk), {"translation": "x", "base_version": 1})
    hand_in = client.post(
        url("translate", letter.pk),
        {"translation": "Начало.", "base_version": 1, "action": "hand_in"},
        follow=True,
    )
    reload = client.get(url("translate", letter.pk), follow=True)

    # then each says the writer cancelled it, not that the letter "is not available"
    said = f"Its writer cancelled letter {letter.reference}"
    assert autosave.status_code == 404 and said in autosave.json()["error"]
    assert said in " ".join(messages_of(hand_in))
    assert reload.status_code == 200 and said in " ".join(messages_of(reload))
    # while someone who never held it still learns nothing
    client.force_login(english_volunteer())
    assert client.get(url("translate", letter.pk)).status_code == 404


# --- review -----------------------------------------------------------------------------------


def test_review_list_shows_others_translations_in_my_languages_not_my_own(client):
    reviewer = volunteer_reviewer()
    others = LetterFactory(status=S.TRANSLATED)
    mine = LetterFactory(status=S.TRANSLATED, translated_by=reviewer)
    german = LetterFactory(status=S.TRANSLATED, language="de")
    client.force_login(reviewer)

    body = client.get(url("review_list")).content.decode()

    assert others.reference in body
    assert mine.reference not in body and german.reference not in body


def test_volunteer_without_reviewer_permission_sees_no_review(client):
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.TRANSLATED)
    client.force_login(volunteer)

    assert client.get(url("review_list")).status_code == 403
    client.post(url("review", letter.pk), {"action": "approve", "translation": letter.translation})

    letter.refresh_from_db()
    assert letter.status == S.TRANSLATED


def test_reviewer_edits_and_approves(client, django_capture_on_commit_callbacks):
    reviewer = volunteer_reviewer()
    letter = LetterFactory(status=S.TRANSLATED)
    client.force_login(reviewer)
    page = client.get(url("review", letter.pk)).content.decode()
    assert letter.original_text in page and letter.translation in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("review", letter.pk),
            {"translation": "Дорогой друг! Исправлено.", "base_version": 0, "action": "approve"},
        )

    letter.refresh_from_db()
    assert response.status_code == 302
    assert letter.status == S.APPROVED and letter.translation == "Дорогой друг! Исправлено."
    assert letter.events.get(action="approve").actor == reviewer


def test_send_back_puts_the_comment_in_front_of_the_translator(client):
    translator = english_volunteer()
    letter = LetterFactory(status=S.TRANSLATED, translated_by=translator)
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)

    client.post(
        url("review", letter.pk),
        {
            "translation": letter.translation,
            "base_version": 0,
            "action": "send_back",
            "comment": "Please keep the second paragraph.",
        },
    )

    letter.refresh_from_db()
    assert letter.status == S.IN_TRANSLATION and letter.claimed_by == translator
    event = letter.events.get(action="send_back")
    assert (event.actor, event.note) == (coordinator, "Please keep the second paragraph.")
    client.force_login(translator)
    body = client.get(url("translate", letter.pk)).content.decode()
    assert "Please keep the second paragraph." in body
    assert letter.reference in client.get(url("mine")).content.decode()


def test_send_back_without_a_comment_keeps_the_edits_and_asks_for_one(client):
    letter = LetterFactory(status=S.TRANSLATED)
    client.force_login(CoordinatorFactory())

    response = client.post(
        url("review", letter.pk),
        {"translation": "Правка.", "base_version": 0, "action": "send_back", "comment": " "},
    )

    assert response.status_code == 200
    assert "Tell the translator what to change." in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == S.TRANSLATED and letter.translation == "Правка."


def test_the_translator_cannot_review_their_own_translation(client):
    coordinator = CoordinatorFactory()
    letter = LetterFactory(status=S.TRANSLATED, translated_by=coordinator)
    client.force_login(coordinator)

    page = client.get(url("review", letter.pk)).content.decode()
    client.post(
        url("review", letter.pk),
        {"translation": letter.translation, "base_version": 0, "action": "approve"},
    )

    assert "someone else reviews it" in page and 'id="approve"' not in page
    letter.refresh_from_db()
    assert letter.status == S.TRANSLATED


# --- flags and skipping -----------------------------------------------------------------------


def test_volunteer_flags_and_coordinator_rejects_kindly(
    client, django_capture_on_commit_callbacks, outbox
):
    # given a volunteer translating a worrying letter
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)
    empty = client.post(url("flag", letter.pk), {"reason": ""})
    assert empty.status_code == 200 and "worries" in empty.content.decode()

    # when they flag it, and a coordinator reads the flags and rejects it
    client.post(url("flag", letter.pk), {"reason": "It names the investigator."})
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    flags = client.get(url("flags")).content.decode()
    decide = client.get(url("decide", letter.pk)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("decide", letter.pk),
            {"decision": "reject", "reason": "Thank you for writing. Please write again."},
        )

    # then the flag was listed with its reason, a kind text was offered, and the letter is
    # rejected with the supporter told why
    assert letter.reference in flags and "It names the investigator." in flags
    assert "prison censor stops" in decide
    letter.refresh_from_db()
    assert letter.status == S.REJECTED
    assert letter.events.get(action="flag").actor == volunteer
    assert letter.events.get(action="reject").actor == coordinator
    assert "Please write again." in outbox[-1].body


def test_the_kind_reason_is_offered_in_the_supporters_language_once_in_the_email(
    client, django_capture_on_commit_callbacks, outbox
):
    # given a letter whose writer reads Russian, flagged, and a coordinator reading English
    letter = LetterFactory(
        locale="ru", flagged_at=timezone.now(), flag_reason="?", flagged_by=VolunteerFactory()
    )
    client.force_login(CoordinatorFactory())

    # when the coordinator opens it, the reason offered is in Russian, and says which language
    decide = client.get(url("decide", letter.pk)).content.decode()
    assert "тюремный цензор не пропускает" in decide
    assert "in their language: Russian." in decide  # named in the coordinator's words

    # and when they reject it with that reason as offered
    reason = re.search(r'<textarea id="reason"[^>]*>\s*([^<]*)</textarea>', decide).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("decide", letter.pk), {"decision": "reject", "reason": reason.strip()})

    # then the supporter's Russian e-mail gives that reason once, without repeating its own
    # apology or its invitation to write again
    body = outbox[-1].body
    assert "тюремный цензор не пропускает" in body
    assert body.count("не отправлять") + body.count("не отправили") == 1


def test_coordinator_lets_a_flagged_letter_go_on(client):
    letter = LetterFactory(
        flagged_at=timezone.now(), flag_reason="?", flagged_by=VolunteerFactory()
    )
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)

    client.post(url("decide", letter.pk), {"decision": "let_go_on", "note": "Harmless."})

    letter.refresh_from_db()
    assert letter.flagged_at is None and letter.status == S.RECEIVED
    assert letter.events.get(action="flag_cleared").note == "Harmless."


def test_volunteer_cannot_decide_flags(client):
    letter = LetterFactory(
        flagged_at=timezone.now(), flag_reason="?", flagged_by=VolunteerFactory()
    )
    client.force_login(english_volunteer())

    assert client.get(url("flags")).status_code == 403
    client.post(url("decide", letter.pk), {"decision": "reject", "reason": "No."})

    letter.refresh_from_db()
    assert letter.status == S.RECEIVED


def test_coordinator_marks_a_russian_letter_no_translation_needed(client):
    letter = LetterFactory(language="ru", original_text="Дорогой друг!")
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    queue = client.get(url("queue")).content.decode()
    assert url("skip", letter.pk) in queue

    client.post(url("skip", letter.pk))

    letter.refresh_from_db()
    assert letter.status == S.APPROVED and letter.translation == "Дорогой друг!"
    assert letter.events.get(action="skip_translation").actor == coordinator


def test_volunteer_cannot_skip_translation(client):
    letter = LetterFactory()
    client.force_login(english_volunteer())
    client.post(url("skip", letter.pk))
    letter.refresh_from_db()
    assert letter.status == S.RECEIVED


# --- history ----------------------------------------------------------------------------------


def test_letter_admin_page_shows_every_event_with_its_actor(client):
    volunteer = english_volunteer()
    letter = LetterFactory()
    client.force_login(volunteer)
    client.post(url("claim", letter.pk))
    client.post(url("autosave", letter.pk), {"translation": "Текст.", "base_version": 0})
    client.post(
        url("translate", letter.pk),
        {"translation": "Текст.", "base_version": 1, "action": "hand_in"},
    )

    client.force_login(CoordinatorFactory())
    body = client.get(reverse("admin:letters_letter_change", args=[letter.pk])).content.decode()

    events = LetterEvent.objects.filter(letter=letter).order_by("pk")
    assert [e.action for e in events] == ["claim", "hand_in"]
    assert all(e.actor == volunteer for e in events)
    history = body[body.index('id="events-group"') :]
    assert volunteer.username in history and "translation handed in" in history


def test_volunteer_sees_the_history_of_their_own_letter(client):
    volunteer = english_volunteer()
    letter = LetterFactory()
    client.force_login(volunteer)
    client.post(url("claim", letter.pk))

    body = client.get(reverse("admin:letters_letter_change", args=[letter.pk])).content.decode()

    history = body[body.index('id="events-group"') :]
    assert "taken for translation" in history and f"<p>{volunteer.username}</p>" in history
    assert url("translate", letter.pk) in body  # the desk link on the letter's page


def test_coordinator_releases_a_stuck_claim_from_the_letter_list(client):
    letter = LetterFactory(status=S.IN_TRANSLATION)
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)

    client.post(
        reverse("admin:letters_letter_changelist"),
        {"action": "release_claim", "_selected_action": [letter.pk]},
    )

    letter.refresh_from_db()
    assert letter.status == S.RECEIVED and letter.claimed_by is None
    assert letter.events.get(action="release").actor == coordinator


def test_volunteers_get_no_admin_actions(client):
    letter = LetterFactory(status=S.IN_TRANSLATION)
    volunteer = english_volunteer()
    client.force_login(volunteer)

    page = client.get(reverse("admin:letters_letter_changelist")).content.decode()
    client.post(
        reverse("admin:letters_letter_changelist"),
        {"action": "release_claim", "_selected_action": [letter.pk]},
    )

    assert 'name="action"' not in page
    letter.refresh_from_db()
    assert letter.status == S.IN_TRANSLATION


def test_dates_on_the_desk_read_as_russian_writes_them(client):
    # given a volunteer holding a letter received on 4 May
    volunteer = english_volunteer()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    # at noon: late in the evening (UTC) the day is already the next one in London
    received = timezone.now().replace(month=5, day=4, hour=12, minute=0)
    Letter.objects.filter(pk=letter.pk).update(created_at=received)
    client.force_login(volunteer)
    client.cookies["django_language"] = "ru"

    # when they open it to translate, in Russian
    body = client.get(url("translate", letter.pk)).content.decode()

    # then the day is "4 мая 2026", not Django's short "4 Май 2026"
    assert f"4 мая {timezone.localtime(received).year}" in body
    assert "Май" not in body


def test_desk_lists_name_the_prisoner_in_the_readers_script(client):
    # given a letter waiting and one held, to a prisoner with both spellings of the name
    volunteer = english_volunteer()
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev", name_ru="Хамроев Бахром")
    LetterFactory(prisoner=prisoner)
    LetterFactory(prisoner=prisoner, status=S.IN_TRANSLATION, claimed_by=volunteer)
    client.force_login(volunteer)

    # when the volunteer reads the queue and their letters in English, then in Russian
    pages = {}
    for language in ("en", "ru"):
        client.cookies["django_language"] = language
        pages[language] = (
            client.get(url("queue")).content.decode() + client.get(url("mine")).content.decode()
        )

    # then each names the prisoner in its own script
    assert "Bakhrom Khamroev" in pages["en"] and "Хамроев Бахром" not in pages["en"]
    assert pages["ru"].count("Хамроев Бахром") >= 2 and "Bakhrom Khamroev" not in pages["ru"]


def test_a_russian_coordinator_reads_the_writers_language_as_a_russian_sentence_names_it(client):
    # given a letter whose writer reads English, flagged, and a coordinator reading Russian
    letter = LetterFactory(
        locale="en", flagged_at=timezone.now(), flag_reason="?", flagged_by=VolunteerFactory()
    )
    client.force_login(CoordinatorFactory())
    # when they open it, the language is named in lower case, as inside a Russian sentence
    decide = client.get(url("decide", letter.pk), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "на своём языке: английский." in decide
