"""The replies' desk through the test client: recording a scan (errors keep what was typed),
the queue, the work page beside the scan, autosave, review, withholding, the staff's scan view,
and a volunteer never seeing the supporter."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from replies import services
from replies.models import Reply
from tests.factories import CoordinatorFactory, PrisonerFactory

from .conftest import jpeg, pdf, posted_letter, record, volunteer_in

pytestmark = pytest.mark.django_db
S = Reply.Status
SUPPORTER = ("Margaret Thistlewood", "meg@example.org", "Thistlewood")


def url(name: str, *args) -> str:
    return reverse(f"admin:replies_reply_{name}", args=args)


def shows_no_supporter(response) -> bool:
    body = response.content.decode()
    return not any(trace in body for trace in SUPPORTER)


# --- recording --------------------------------------------------------------------------------


def test_a_coordinator_records_a_scan_from_the_letter(client, letter):
    # given a coordinator on the record page opened from the letter
    client.force_login(CoordinatorFactory())
    page = client.get(url("record"), {"letter": letter.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["letter_1"] == letter.pk

    # when they upload two scans for it
    response = client.post(
        url("record"),
        {
            "letter": letter.pk,
            "prisoner": letter.prisoner_id,
            "letter_1": letter.pk,
            "scans": [
                SimpleUploadedFile("p1.jpg", jpeg(), "image/jpeg"),
                SimpleUploadedFile("p2.pdf", pdf(1), "application/pdf"),
            ],
        },
    )

    # then the reply waits on the desk with both pages, and the desk says so
    assert response.status_code == 302
    reply = Reply.objects.get()
    assert (reply.letter, reply.pages.count()) == (letter, 2)
    desk = client.get(response["Location"]).content.decode()
    assert "Recorded 1 reply; it waits for a volunteer." in desk


def test_a_bad_scan_gets_a_clear_message_and_keeps_the_choices(client, letter):
    client.force_login(CoordinatorFactory())
    response = client.post(
        url("record"),
        {
            "prisoner": letter.prisoner_id,
            "letter_1": letter.pk,
            "files_1": "1",
            "scans": [SimpleUploadedFile("reply.jpg", b"<html>not a scan</html>", "image/jpeg")],
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["scans"]
    assert "“reply.jpg” is not a JPEG, PNG or PDF file" in errors[0]
    assert 'value="1"' in response.content.decode()  # the files typed stay
    assert Reply.objects.count() == 0


def test_a_reply_without_its_letter_says_what_to_choose_and_asks_for_the_files_again(client):
    # given a person we posted two letters to, and a coordinator who uploads the scan but
    # chooses no letter
    letter = posted_letter()
    posted_letter(prisoner=letter.prisoner)
    client.force_login(CoordinatorFactory())
    response = client.post(
        url("record"),
        {
            "prisoner": letter.prisoner_id,
            "letter_1": "",
            "scans": [SimpleUploadedFile("page-1.jpg", jpeg(), "image/jpeg")],
        },
    )

    # then the page says which letter to choose (not "This field is required.") and that the
    # browser dropped the files, which must be chosen again
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors["letter_1"] == ["Choose the letter this reply answers."]
    assert "Choose the files again: a browser cannot keep them" in body
    assert Reply.objects.count() == 0


def test_no_scan_is_asked_for_plainly(client, letter):
    client.force_login(CoordinatorFactory())

    response = client.post(url("record"), {"prisoner": letter.prisoner_id, "letter_1": letter.pk})

    assert response.context["form"].errors["scans"] == ["Choose the scanned pages of the reply."]
    assert "Choose the files again" not in response.content.decode()


def test_the_only_letter_we_posted_to_the_person_is_chosen_already(client):
    # given a person we posted one letter to, and another we posted two
    one = posted_letter()
    two = posted_letter()
    posted_letter(prisoner=two.prisoner)
    client.force_login(CoordinatorFactory())

    # then the first's reply can only answer that letter, which the form has chosen; the
    # second's waits for the coordinator's choice
    page = client.get(url("record"), {"prisoner": one.prisoner_id})
    assert page.context["form"]["letter_1"].value() == one.pk
    page = client.get(url("record"), {"prisoner": two.prisoner_id})
    assert page.context["form"]["letter_1"].value() is None


def test_an_empty_file_among_the_scans_is_named_with_the_others(client, letter):
    # given a coordinator uploading a good page, an empty file and a file that is no scan
    client.force_login(CoordinatorFactory())
    response = client.post(
        url("record"),
        {
            "prisoner": letter.prisoner_id,
            "letter_1": letter.pk,
            "scans": [
                SimpleUploadedFile("page-1.jpg", jpeg(), "image/jpeg"),
                SimpleUploadedFile("page-2.pdf", b"", "application/pdf"),
                SimpleUploadedFile("page-3.jpg", b"<html>not a scan</html>", "image/jpeg"),
            ],
        },
    )

    # then each bad file is named with its reason, and nothing is recorded
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["scans"])
    assert "“page-2.pdf” is empty." in errors
    assert "“page-3.jpg” is not a JPEG, PNG or PDF file" in errors
    assert Reply.objects.count() == 0


def test_a_file_range_that_cannot_be_read_is_said_in_the_form(client, letter):
    client.force_login(CoordinatorFactory())
    response = client.post(
        url("record"),
        {
            "prisoner": letter.prisoner_id,
            "letter_1": letter.pk,
            "files_1": "3-1",
            "scans": [SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")],
        },
    )
    assert response.status_code == 200
    assert "Write file numbers from 1 to 1" in response.context["form"].errors["files_1"][0]


def test_volunteers_may_not_record_or_withhold(client, letter):
    reply = record(letter)
    client.force_login(volunteer_in("en"))
    assert client.get(url("record")).status_code == 403
    assert client.get(url("withhold", reply.pk)).status_code == 403
    assert client.post(url("withhold", reply.pk), {"reason": "x"}).status_code == 403
    assert Reply.objects.get(pk=reply.pk).status == S.RECEIVED


def test_nobody_signed_out_reaches_the_desk_or_a_scan(client, letter):
    reply = record(letter)
    for path in (url("desk"), url("work", reply.pk), url("scan", reply.pk, 1)):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- the volunteer's work ---------------------------------------------------------------------


def test_the_russian_desk_and_work_page_read_as_russian_does(client):
    # given a reply to a letter written in German, and a volunteer who reads Russian pages
    reply = record(posted_letter(language="de"))
    client.force_login(volunteer_in("de"))
    client.cookies["django_language"] = "ru"

    # then "Claim next" is for a reply (masculine), not a letter (neuter)
    desk = client.get(url("desk")).content.decode()
    assert ">Взять следующий</button>" in desk

    # and the work page names the language inside the sentence, in lower case
    client.post(url("claim", reply.pk))
    work = client.get(url("work", reply.pk)).content.decode()
    assert '<label for="translation">Перевод на немецкий</label>' in work


def test_a_volunteer_transcribes_beside_the_scan_and_never_sees_the_supporter(client, letter):
    # given a recorded reply and a volunteer who works in English
    reply = record(letter)
    volunteer = volunteer_in("en")
    client.force_login(volunteer)

    # when they open the desk and claim it
    desk = client.get(url("desk"))
    assert letter.reference in desk.content.decode() and shows_no_supporter(desk)
    response = client.post(url("claim", reply.pk))
    assert response["Location"] == url("work", reply.pk)

    # then the work page shows the scan beside the editor, and nothing of the supporter
    work = client.get(url("work", reply.pk))
    body = work.content.decode()
    assert url("scan", reply.pk, 1) in body and 'name="transcription"' in body
    assert shows_no_supporter(work)
    scan = client.get(url("scan", reply.pk, 1))
    assert scan.status_code == 200 and scan["Content-Type"] == "image/jpeg"
    assert b"".join(scan.streaming_content) == jpeg()  # the clear scan, to this volunteer

    # when they autosave, finish the transcription, translate and hand in
    saved = client.post(
        url("autosave", reply.pk),
        {"transcription": "Спасибо за письмо!", "translation": "", "base_version": 0},
    )
    assert saved.json()["version"] == 1
    transcribed = client.post(
        url("work", reply.pk),
        {
            "transcription": "Спасибо за письмо!",
            "translation": "",
            "base_version": 1,
            "action": "transcribed",
        },
        follow=True,
    )
    assert Reply.objects.get(pk=reply.pk).status == S.TRANSLATING
    # and are told what comes next, in the language the supporter wrote in
    assert "Transcription done. Now translate it into English." in transcribed.content.decode()
    client.post(
        url("work", reply.pk),
        {
            "transcription": "Спасибо за письмо!",
            "translation": "Thank you for the letter!",
            "base_version": 1,
            "action": "hand_in",
        },
    )
    reply.refresh_from_db()
    assert (reply.status, reply.translation) == (S.IN_REVIEW, "Thank you for the letter!")

    # and the list of replies in the admin shows no supporter either
    assert shows_no_supporter(client.get(reverse("admin:replies_reply_changelist")))


def test_a_stale_tab_is_refused_and_keeps_what_was_typed(client, letter):
    reply = record(letter)
    volunteer = volunteer_in("en")
    services.reply_claim(reply_id=reply.pk, volunteer=volunteer)
    services.reply_save_draft(
        reply_id=reply.pk, actor=volunteer, transcription="новое", translation="", base_version=0
    )
    client.force_login(volunteer)
    stale = client.post(
        url("autosave", reply.pk), {"transcription": "x", "translation": "", "base_version": 0}
    )
    assert stale.status_code == 409
    page = client.post(
        url("work", reply.pk),
        {"transcription": "мой текст", "translation": "", "base_version": 0, "action": "save"},
    )
    assert page.status_code == 200 and "мой текст" in page.content.decode()
    assert Reply.objects.get(pk=reply.pk).transcription == "новое"


def test_another_language_or_someone_elses_reply_is_a_404(client, letter):
    reply = record(letter)
    client.force_login(volunteer_in("de"))
    assert client.get(url("work", reply.pk)).status_code == 404
    assert client.get(url("scan", reply.pk, 1)).status_code == 404
    holder = volunteer_in("en")
    services.reply_claim(reply_id=reply.pk, volunteer=holder)
    client.force_login(volunteer_in("en"))
    assert client.get(url("work", reply.pk)).status_code == 404
    assert client.post(url("autosave", reply.pk), {}).status_code == 404


def test_the_reviewer_redacts_and_approves(client, letter, django_capture_on_commit_callbacks):
    reply = record(letter)
    translator = volunteer_in("en")
    services.reply_claim(reply_id=reply.pk, volunteer=translator)
    services.reply_save_draft(
        reply_id=reply.pk,
        actor=translator,
        transcription="Привет от Петрова.",
        translation="Greetings from Petrov.",
        base_version=0,
    )
    services.reply_finish_transcription(reply_id=reply.pk, volunteer=translator)
    services.reply_hand_in(reply_id=reply.pk, volunteer=translator)
    reviewer = volunteer_in("en", review=True)
    client.force_login(reviewer)
    page = client.get(url("review", reply.pk))
    assert page.status_code == 200 and shows_no_supporter(page)
    form = {
        "transcription": "Привет от Петрова.",
        "translation": "Greetings from Petrov.",
        "base_version": 1,
    }
    # when only the Cyrillic spelling is listed, the page says the translation still has it
    page = client.post(
        url("review", reply.pk), form | {"action": "redact", "phrases": "Петрова"}, follow=True
    )
    assert "nothing in the translation matched" in page.content.decode()
    reply.refresh_from_db()
    assert reply.translation == "Greetings from Petrov."
    page = client.post(
        url("review", reply.pk),
        form
        | {"transcription": reply.transcription, "base_version": reply.version}
        | {"action": "redact", "phrases": "Petrov"},
        follow=True,
    )
    assert "matched" not in page.content.decode()
    reply.refresh_from_db()
    assert reply.redacted and reply.translation == "Greetings from […]."
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("review", reply.pk),
            {
                "transcription": reply.transcription,
                "translation": reply.translation,
                "base_version": reply.version,
                "action": "approve",
            },
        )
    assert Reply.objects.get(pk=reply.pk).status == S.APPROVED


def test_a_coordinator_withholds_with_a_reason_and_an_empty_one_is_said(client, letter):
    reply = record(letter)
    client.force_login(CoordinatorFactory())
    empty = client.post(url("withhold", reply.pk), {"reason": "  "})
    assert empty.status_code == 200 and "Say why" in empty.content.decode()
    client.post(url("withhold", reply.pk), {"reason": "It names another prisoner."})
    assert Reply.objects.get(pk=reply.pk).status == S.WITHHELD


def test_the_record_page_offers_only_the_chosen_prisoners_letters(client):
    letter = posted_letter()
    other = posted_letter().prisoner
    client.force_login(CoordinatorFactory())
    page = client.get(url("record"), {"prisoner": other.pk})
    assert page.status_code == 200
    assert letter.reference not in page.content.decode()
    assert client.get(url("record"), {"prisoner": "x"}).status_code == 200


def test_the_record_page_lists_only_people_we_posted_to(client):
    # given a person we posted a letter to, and one we never did
    letter = posted_letter()
    never = PrisonerFactory(name_en="Nobody Posted")
    client.force_login(CoordinatorFactory())

    # when a coordinator opens "Record a reply"
    body = client.get(url("record")).content.decode()

    # then only the first can be chosen (a reply comes to us only for a letter we posted)
    assert f'<option value="{letter.prisoner_id}">' in body
    assert f'<option value="{never.pk}">' not in body


def test_with_nothing_posted_the_record_page_says_so(client):
    client.force_login(CoordinatorFactory())

    body = client.get(url("record")).content.decode()

    assert "We have posted no letter yet, so there is no reply to record." in body
    assert "<select" not in body


def test_a_person_we_never_posted_to_leads_back_to_the_choice(client):
    # given a coordinator who reached the page of a person we never posted to (an old link)
    never = PrisonerFactory()
    client.force_login(CoordinatorFactory())

    body = client.get(url("record"), {"prisoner": never.pk}).content.decode()

    # then the page says why and offers the way back to choose someone else
    assert "nothing a reply could answer" in body
    assert f'href="{url("record")}">Choose another prisoner</a>' in body


@pytest.mark.parametrize(
    ("n", "english", "russian"),
    [
        (1, "Recorded 1 reply; it waits for a volunteer.", "Записан 1 ответ; он ждёт волонтёра."),
        (
            2,
            "Recorded 2 replies; they wait for a volunteer.",
            "Записано 2 ответа; они ждут волонтёра.",
        ),
        (
            5,
            "Recorded 5 replies; they wait for a volunteer.",
            "Записано 5 ответов; они ждут волонтёра.",
        ),
    ],
)
def test_the_recorded_message_counts_in_each_language(n, english, russian):
    from django.utils import translation
    from django.utils.translation import ngettext

    singular = "Recorded %(n)d reply; it waits for a volunteer."
    plural = "Recorded %(n)d replies; they wait for a volunteer."
    assert ngettext(singular, plural, n) % {"n": n} == english
    with translation.override("ru"):
        assert ngettext(singular, plural, n) % {"n": n} == russian


def test_a_posted_letters_admin_page_links_to_record_its_reply(client, letter):
    # given a coordinator on a posted letter's admin page
    client.force_login(CoordinatorFactory())
    page = client.get(reverse("admin:letters_letter_change", args=[letter.pk]))
    # then it offers to record the prisoner's reply from there
    assert f"{url('record')}?letter={letter.pk}" in page.content.decode()


def test_a_coordinator_sees_why_a_reply_was_withheld(client, letter):
    reply = record(letter)
    services.reply_withhold(
        reply_id=reply.pk, coordinator=CoordinatorFactory(), reason="It names a guard."
    )
    client.force_login(CoordinatorFactory())
    page = client.get(reverse("admin:replies_reply_change", args=[reply.pk]))
    assert page.status_code == 200 and "It names a guard." in page.content.decode()
    # and a volunteer cannot open it at all
    client.force_login(volunteer_in("en"))
    assert client.get(reverse("admin:replies_reply_change", args=[reply.pk])).status_code in (
        302,
        404,
    )


def test_the_letters_admin_page_links_to_its_replies(client, letter):
    # given a reply to the letter
    reply = record(letter)
    # when a coordinator opens the letter in the admin
    client.force_login(CoordinatorFactory())
    page = client.get(reverse("admin:letters_letter_change", args=[letter.pk]))
    # then the reply is linked with its state
    assert reverse("admin:replies_reply_change", args=[reply.pk]) in page.content.decode()
    assert f"Reply {reply.pk}: waiting for a volunteer" in page.content.decode()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_desks_breadcrumbs_name_it_once(client, letter, language):
    # given a volunteer opening the replies desk (its title is the section's name)
    client.force_login(volunteer_in("en"))
    client.cookies["django_language"] = language
    page = client.get(url("desk")).content.decode()
    # then the breadcrumbs say Home › the desk, not the desk's name twice
    crumbs = page.split('<div class="breadcrumbs">', 1)[1].split("</div>", 1)[0]
    name = "Ответы заключённых" if language == "ru" else "Replies from prisoners"
    assert crumbs.count(name) == 1


def test_a_replys_admin_page_names_it_by_its_letters_reference_in_the_readers_language(
    client, letter
):
    # given a recorded reply, and a coordinator reading the admin in Russian
    reply = record(letter)
    client.force_login(CoordinatorFactory())

    # when they open the reply's admin page
    page = client.get(
        reverse("admin:replies_reply_change", args=[reply.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    # then it is called by the letter's reference, in Russian, not "Reply 1 to 7"
    assert f"Ответ {reply.pk} на письмо {letter.reference}" in page
    assert f"Reply {reply.pk} to" not in page


def test_the_record_page_names_the_prisoner_in_the_pages_language(client):
    # given a posted letter to a prisoner with both spellings of the name
    letter = posted_letter(
        prisoner=PrisonerFactory(name_en="Bakhrom Khamroev", name_ru="Хамроев Бахром Мардонович")
    )
    client.force_login(CoordinatorFactory())

    # when a coordinator reading Russian opens the record page for them
    client.cookies["django_language"] = "ru"
    body = client.get(url("record"), {"prisoner": letter.prisoner_id}).content.decode()

    # then the heading names them in Cyrillic, as the list they chose from did
    assert "Записать ответ: Хамроев Бахром Мардонович" in body
    assert "Bakhrom Khamroev" not in body
