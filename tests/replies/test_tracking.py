"""What the supporter and the public see of replies, composed in pages: the letter's page
(timeline steps, translation, transcription, the scan behind a click, nothing before approval
and no scan when redacted), the prisoner's count this year, and the data export."""

import pytest
from django.urls import reverse

from letters import tokens
from replies import services
from replies.models import Reply
from rights.services import supporter_data_export
from tests.factories import CoordinatorFactory

from .conftest import record, volunteer_in

pytestmark = pytest.mark.django_db


def approved(letter, *, redact: str = "") -> Reply:
    reply = record(letter)
    translator = volunteer_in("en")
    services.reply_claim(reply_id=reply.pk, volunteer=translator)
    services.reply_save_draft(
        reply_id=reply.pk,
        actor=translator,
        transcription="Дорогая Маргарет, спасибо! Привет от Иванова.",
        translation="Dear Margaret, thank you! Greetings from Ivanov.",
        base_version=0,
    )
    services.reply_finish_transcription(reply_id=reply.pk, volunteer=translator)
    services.reply_hand_in(reply_id=reply.pk, volunteer=translator)
    reviewer = CoordinatorFactory()
    if redact:
        services.reply_redact(reply_id=reply.pk, reviewer=reviewer, phrases=redact.split("|"))
    return services.reply_approve(reply_id=reply.pk, reviewer=reviewer)


def track(client, letter):
    token = tokens.token_for(salt=letter.tracking_salt)
    return client.get(reverse("letters:track", args=[token])), token


def test_in_russian_the_reply_is_said_to_come_from_the_prisoner_named_as_a_subject(
    client, letter, django_capture_on_commit_callbacks, mailoutbox
):
    # given a supporter who reads Russian, and their letter's reply approved
    type(letter).objects.filter(pk=letter.pk).update(locale="ru")
    letter.prisoner.name_ru = "Хамроев Бахром Мардонович"
    letter.prisoner.name_ru_dative = "Хамроеву Бахрому Мардоновичу"
    letter.prisoner.save()
    with django_capture_on_commit_callbacks(execute=True):
        approved(letter)
    client.cookies["django_language"] = "ru"

    # when they read their letter's page and the e-mail
    page, _token = track(client, letter)
    (message,) = mailoutbox

    # then «от адресата» is followed by the name, not by the name in the dative («кому»)
    body = page.content.decode()
    assert "Ответ от адресата: Хамроев Бахром Мардонович" in body
    assert message.subject.startswith("Ответ от адресата: Хамроев Бахром Мардонович")
    assert "от адресата (Хамроев Бахром Мардонович)" in message.body
    for text in (body, message.subject, message.body, message.alternatives[0][0]):
        assert "от адресата: Хамроеву" not in text and "(Хамроеву" not in text


def test_a_reply_in_work_shows_as_received_only(client, letter):
    record(letter)
    page, _token = track(client, letter)
    body = page.content.decode()
    assert "A reply from the prisoner arrived" in body
    assert "wrote back" not in body and "Дорогая" not in body


def test_an_approved_reply_shows_translation_transcription_and_the_scan_behind_a_click(
    client, letter
):
    reply = approved(letter)
    page, token = track(client, letter)
    body = page.content.decode()
    assert "The prisoner&#x27;s reply is translated" in body or "reply is translated" in body
    assert "Dear Margaret, thank you!" in body
    assert "Дорогая Маргарет" in body
    scan_url = reverse("letters:reply_scan", args=[token, reply.pk, 1])
    assert '<details class="reply__scan">' in body and scan_url in body
    # the steps are in the order they happened
    assert body.index("A reply from the prisoner arrived") < body.index("reply is translated")
    # and the note under them no longer speaks as if no reply had come
    assert "If the prisoner writes again, that reply comes to us by post too" in body
    assert "If the prisoner writes back" not in body


def test_a_redacted_reply_shows_no_scan_and_its_scan_url_is_refused(client, letter):
    reply = approved(letter, redact="Иванова|Ivanov")
    page, token = track(client, letter)
    body = page.content.decode()
    assert "Greetings from […]" in body and "Ivanov" not in body
    assert "reply__scan" not in body
    assert client.get(reverse("letters:reply_scan", args=[token, reply.pk, 1])).status_code == 404


def test_the_prisoner_page_counts_replies_this_year(client, letter):
    record(letter)
    record(letter)
    page = client.get(reverse("prisoners:detail", args=[letter.prisoner.slug]))
    assert "2 replies to supporters this year" in page.content.decode()
    assert "Дорогая" not in page.content.decode()


def test_the_data_export_holds_the_delivered_reply(letter):
    approved(letter)
    record(letter)
    exported = supporter_data_export(letter_ids=[letter.pk])["replies"]
    assert [r["status_code"] for r in exported] == ["approved", "received"]
    assert [r["status"] for r in exported] == ["approved", "waiting for a volunteer"]
    assert exported[0]["translation"].startswith("Dear Margaret")
    assert exported[1]["transcription"] == ""
    assert exported[0]["scanned_pages"][0]["type"] == "image/jpeg"


def test_the_data_export_names_a_replys_state_in_the_letters_language(letter):
    # given a supporter who wrote in Russian, and a reply waiting for a volunteer
    letter.locale = "ru"
    letter.save(update_fields=["locale"])
    record(letter)
    # then their export says so in Russian, with the code beside it
    (reply,) = supporter_data_export(letter_ids=[letter.pk])["replies"]
    assert (reply["status"], reply["status_code"]) == ("ждёт волонтёра", "received")


def test_a_withheld_reply_never_appears_to_the_supporter(client, letter):
    reply = record(letter)
    services.reply_withhold(
        reply_id=reply.pk, coordinator=CoordinatorFactory(), reason="Names a guard."
    )
    page, _token = track(client, letter)
    assert "A reply from the prisoner arrived" not in page.content.decode()
