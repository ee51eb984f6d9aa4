"""The coordinators' Inbox in the admin: the waiting e-mails with their guesses, one screen to
make one a letter (nothing typed is lost on a mistake), answer or archive it; volunteers never
reach an e-mail."""

import pytest
from django.urls import reverse

from inbox import services
from inbox.models import InboundEmail
from letters.models import Letter
from tests.factories import VolunteerFactory

from .conftest import eml

pytestmark = pytest.mark.django_db
Status = InboundEmail.Status
CHANGELIST = reverse("admin:inbox_inboundemail_changelist")


def _ingest(*names: str) -> list[InboundEmail]:
    return [services.ingest_raw_email(eml(name)).email for name in names]


def _change(email) -> str:
    return reverse("admin:inbox_inboundemail_change", args=[email.pk])


def test_the_inbox_lists_what_waits_with_its_guesses(client, coordinator, directory):
    # given a letter, a failure and an auto-reply
    letter, image, _auto = _ingest("plain_utf8_post_it", "image_only", "x_autoreply")
    client.force_login(coordinator)
    # when the coordinator opens the Inbox
    page = client.get(CHANGELIST).content.decode()
    # then the two that need a person are listed with the guesses, the auto-reply is not
    assert "Letter for Bakhrom Khamroev" in page and "Handwritten letter" in page
    assert "Bakhrom Khamroev" in page and "post it for me" in page
    assert "the letter is in images" in page
    assert "Re: Your letter to Bakhrom" not in page
    # and the ignored one is one filter away
    assert "Re: Your letter to Bakhrom" in client.get(CHANGELIST + "?show=ignored").content.decode()


def test_volunteers_never_see_an_email(client, directory):
    # given a volunteer and an e-mail with an attachment
    (email,) = _ingest("rfc2231_filename")
    attachment = email.attachments.get()
    client.force_login(VolunteerFactory())
    # when they try the Inbox, the e-mail and its file, then they are refused
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(_change(email)).status_code in (403, 404)
    url = reverse("admin:inbox_inboundemail_attachment", args=[email.pk, attachment.pk])
    assert client.get(url).status_code in (403, 404)


def test_one_screen_makes_it_a_letter(client, coordinator, directory):
    # given an e-mail guessed to be for Khamroev, in English, to be posted
    (email,) = _ingest("plain_utf8_post_it")
    client.force_login(coordinator)
    page = client.get(_change(email)).content.decode()
    assert "Make it a letter" in page and "crocuses" in page
    # when the coordinator confirms it, correcting the prisoner
    response = client.post(
        _change(email),
        {
            "prisoner": directory["zhilin"].pk,
            "language": "en",
            "delivery": "post_for_me",
            "postage_currency": "EUR",
            "supporter_name": "Anna Example",
            "supporter_email": "anna@example.org",
            "text": email.text,
        },
    )
    # then the letter is in the queue, and the Inbox is shown again
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    letter = Letter.objects.get()
    assert (letter.prisoner, letter.postage_currency, letter.source) == (
        directory["zhilin"],
        "EUR",
        Letter.Source.EMAIL,
    )
    email.refresh_from_db()
    assert email.status == Status.LETTER


@pytest.mark.parametrize(
    "changes",
    [
        {"delivery": ""},
        {"prisoner": "not-a-number"},
        {"supporter_email": "nobody"},
        {"delivery": "post_for_me", "postage_currency": ""},
        {"text": "x" * 7000},
        {"language": "xx"},
    ],
)
def test_a_mistake_keeps_what_was_typed(client, coordinator, directory, changes):
    # given an e-mail, and a confirmation with a mistake in it
    (email,) = _ingest("plain_utf8_post_it")
    client.force_login(coordinator)
    data = {
        "prisoner": directory["khamroev"].pk,
        "language": "en",
        "delivery": "return_to_me",
        "postage_currency": "GBP",
        "supporter_name": "Anna typed this",
        "supporter_email": "anna@example.org",
        "text": "A text the coordinator tidied.",
    } | changes
    # when it is sent
    response = client.post(_change(email), data)
    # then the screen comes back with an error and everything typed, and no letter is made
    assert response.status_code == 200
    page = response.content.decode()
    assert "errornote" in page or "errorlist" in page
    assert "Anna typed this" in page
    assert Letter.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("prisoner", "Choose who the letter is to."),
        ("language", "Choose the language the letter is written in."),
        ("delivery", "Choose whether we post the letter or send the translation back."),
        ("supporter_name", "Give the name the letter is signed with."),
        ("supporter_email", "Give the address we answer the writer at."),
        ("text", "Type the letter as volunteers will see it"),
    ],
)
def test_a_missing_answer_says_what_to_give(client, coordinator, directory, field, message):
    # given a letter that came as an image: the coordinator must type it from the attachment
    (email,) = _ingest("image_only")
    client.force_login(coordinator)
    data = {
        "prisoner": directory["khamroev"].pk,
        "language": "en",
        "delivery": "return_to_me",
        "postage_currency": "GBP",
        "supporter_name": "Anna Example",
        "supporter_email": "anna@example.org",
        "text": "Dear Bakhrom, typed from the photo.",
    }
    data[field] = ""
    # when the screen is sent with that one left empty
    response = client.post(_change(email), data)
    # then it says what to give, not Django's "This field is required.", and keeps the rest
    page = response.content.decode()
    assert message in page
    assert "This field is required." not in page
    kept = {"supporter_name": "Anna Example", "text": "typed from the photo"}
    assert all(value in page for name, value in kept.items() if name != field)
    assert Letter.objects.count() == 0


def test_answer_and_archive_from_the_screen(client, coordinator, directory, outbox):
    question, reply = _ingest("question_not_a_letter", "reply_to_our_email")
    client.force_login(coordinator)
    # an empty answer is refused on the screen
    empty = client.post(
        reverse("admin:inbox_inboundemail_answer", args=[question.pk]), {"answer": ""}
    )
    assert empty.status_code == 200
    assert "Write the answer before sending it." in empty.content.decode()
    # an answer is sent and the question archived
    answered = client.post(
        reverse("admin:inbox_inboundemail_answer", args=[question.pk]),
        {"answer": "It costs the same."},
    )
    assert answered.status_code == 302
    # a reply to our e-mail is archived
    archived = client.post(reverse("admin:inbox_inboundemail_archive", args=[reply.pk]))
    assert archived.status_code == 302
    statuses = dict(InboundEmail.objects.values_list("pk", "status"))
    assert statuses == {question.pk: Status.ARCHIVED, reply.pk: Status.ARCHIVED}
    # archiving twice says so instead of failing
    again = client.post(reverse("admin:inbox_inboundemail_archive", args=[reply.pk]), follow=True)
    assert "dealt with already" in again.content.decode()


def test_an_image_is_shown_and_a_document_only_downloaded(client, coordinator, directory):
    image_email, docx_email = _ingest("image_only", "rfc2231_filename")
    client.force_login(coordinator)
    image = client.get(
        reverse(
            "admin:inbox_inboundemail_attachment",
            args=[image_email.pk, image_email.attachments.get().pk],
        )
    )
    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    assert image["Content-Disposition"].startswith("inline")
    document = client.get(
        reverse(
            "admin:inbox_inboundemail_attachment",
            args=[docx_email.pk, docx_email.attachments.get().pk],
        )
    )
    assert document["Content-Type"] == "application/octet-stream"
    assert document["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''" in document["Content-Disposition"]


def test_a_message_we_could_not_read_is_downloaded_as_it_arrived(client, coordinator, directory):
    # given a damaged message our reader could not take apart (nested 1,100 parts deep)
    (email,) = _ingest("deeply_nested_mime")
    client.force_login(coordinator)
    # when the coordinator opens it
    page = client.get(_change(email)).content.decode()
    # then the screen says what failed, and offers the message as it arrived
    assert "Could not be read as an e-mail" in page
    assert "Anna Example &lt;anna@example.org&gt;" in page  # read the forgiving way
    assert "RecursionError in " in page  # where it ran out depends on the code it ran
    url = reverse("admin:inbox_inboundemail_raw", args=[email.pk])
    assert f'href="{url}"' in page and "open it in a mail program" in page
    # and downloading it gives the very bytes, never shown in the admin's origin
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content]) == (
        eml("deeply_nested_mime")
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="e-mail-{email.pk}.eml"'
    assert "sandbox" in response["Content-Security-Policy"]


def test_volunteers_never_download_a_message(client, directory):
    (email,) = _ingest("plain_utf8_post_it")
    client.force_login(VolunteerFactory())
    url = reverse("admin:inbox_inboundemail_raw", args=[email.pk])
    assert client.get(url).status_code in (403, 404)
