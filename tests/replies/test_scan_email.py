"""Issue 14, "no attachment of the scan unless they ask": the supporter asks for an approved,
unredacted reply's scan from the letter's page; the service checks and queues it (once in the
window), the worker sends one e-mail in the supporter's language with the pages attached, or a
link when they are too large. Real storage (file system and S3), real PostgreSQL and Redis."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from letters import tokens
from letters.services import privacy
from replies import services, tasks
from replies.models import ReplyEvent
from tests.factories import CoordinatorFactory

from .conftest import approved_reply as approved
from .conftest import jpeg, pdf, png, posted_letter, record

pytestmark = pytest.mark.django_db


def ask(reply, django_capture_on_commit_callbacks) -> ReplyEvent:
    with django_capture_on_commit_callbacks(execute=True):
        return services.reply_scan_email_request(reply_id=reply.pk, letter_id=reply.letter_id)


def token_of(letter) -> str:
    return tokens.token_for(salt=letter.tracking_salt)


# --- the service and the task ----------------------------------------------------------------


def test_the_supporter_gets_one_e_mail_with_the_pages_attached(
    private_storage, letter, django_capture_on_commit_callbacks
):
    # given an approved reply of a JPEG page and a PNG page, stored encrypted
    reply = approved(letter, [("scan 1.jpg", jpeg()), ("scan 2.png", png())])
    mail.outbox.clear()

    # when the supporter asks for the scan (the task runs after commit)
    request = ask(reply, django_capture_on_commit_callbacks)

    # then one e-mail goes to them, with both pages decrypted, named after the letter
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["meg@example.org"]
    ref = letter.reference
    assert [(name, kind) for name, _content, kind in message.attachments] == [
        (f"{ref}-reply-page-1.jpg", "image/jpeg"),
        (f"{ref}-reply-page-2.png", "image/png"),
    ]
    assert [content for _name, content, _kind in message.attachments] == [jpeg(), png()]
    assert "2 files are attached" in message.body and "Dear Margaret Thistlewood" in message.body
    assert message.subject == f"The handwritten reply to your letter {ref}"
    # and the history holds the request and the sending, with nothing personal in the notes
    actions = list(reply.events.values_list("action", flat=True))
    assert actions[-2:] == [services.SCAN_REQUESTED, services.SCAN_EMAILED]
    assert "meg@" not in " ".join(reply.events.values_list("note", flat=True))

    # when the worker runs the same task again (a redelivery)
    again = tasks.send_reply_scan_email.delay(reply.pk, request.pk).get()

    # then nothing more is sent
    assert again is False
    assert len(mail.outbox) == 1


def test_a_pdf_scan_is_attached_as_a_pdf(
    private_storage, letter, django_capture_on_commit_callbacks
):
    reply = approved(letter, [("reply.pdf", pdf(3))])
    mail.outbox.clear()

    ask(reply, django_capture_on_commit_callbacks)

    ((name, content, kind),) = mail.outbox[0].attachments
    assert (name, kind) == (f"{letter.reference}-reply-page-1.pdf", "application/pdf")
    assert content.startswith(b"%PDF") and content == pdf(3)
    assert "1 file is attached" in mail.outbox[0].body


def test_the_e_mail_is_in_the_supporters_language(
    private_storage, django_capture_on_commit_callbacks
):
    # given a supporter who chose Russian for e-mails
    letter = posted_letter(supporter_name="Ольга", supporter_email="olga@example.org", locale="ru")
    reply = approved(letter, [("a.jpg", jpeg()), ("b.jpg", jpeg()), ("c.png", png())])
    mail.outbox.clear()

    # when they ask for the scan (the request itself comes in English)
    ask(reply, django_capture_on_commit_callbacks)

    # then subject, text and HTML are in Russian, with the right plural
    message = mail.outbox[0]
    assert message.subject == f"Рукописный ответ на ваше письмо {letter.reference}"
    assert "Как вы просили, присылаем скан рукописного ответа" in message.body
    assert "К письму приложено 3 файла." in message.body
    html = message.alternatives[0][0]
    assert 'lang="ru"' in html and "К письму приложено 3 файла." in html
    assert len(message.attachments) == 3


def test_a_scan_over_the_size_cap_is_linked_not_attached(
    private_storage, letter, settings, django_capture_on_commit_callbacks
):
    # given a cap smaller than the scan
    reply = approved(letter, [("a.jpg", jpeg())])
    settings.LETTERBRIDGE_REPLY_SCAN_EMAIL_MAX_BYTES = 100
    mail.outbox.clear()

    # when the supporter asks for it
    ask(reply, django_capture_on_commit_callbacks)

    # then the e-mail attaches nothing, says why, and links to the letter's page
    message = mail.outbox[0]
    assert message.attachments == []
    assert "The scan is too large to send by e-mail" in message.body
    assert "we attach at most 100" in message.body
    track_url = "http://testserver" + reverse("letters:track", args=[token_of(letter)])
    assert track_url in message.body
    assert f'<a href="{track_url}">' in message.alternatives[0][0]
    assert reply.events.get(action=services.SCAN_EMAILED).note.endswith(
        f"files=0 bytes={len(jpeg())}"
    )


def test_a_second_request_within_the_window_is_refused_then_allowed_after_it(
    private_storage, letter, django_capture_on_commit_callbacks
):
    # given a request just made
    reply = approved(letter, [("a.jpg", jpeg())])
    mail.outbox.clear()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(reply, django_capture_on_commit_callbacks)

    # when the supporter asks again three minutes later
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        with pytest.raises(services.ScanEmailTooSoon) as refused:
            ask(reply, django_capture_on_commit_callbacks)

    # then it is refused, saying when they may ask again, and nothing more is sent
    assert "you can ask again in 7 minutes" in refused.value.message
    assert len(mail.outbox) == 1
    assert reply.events.filter(action=services.SCAN_REQUESTED).count() == 1

    # when they ask again after the window
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        ask(reply, django_capture_on_commit_callbacks)

    # then a second e-mail goes
    assert len(mail.outbox) == 2


def test_a_redacted_reply_s_scan_is_never_sent(letter, django_capture_on_commit_callbacks):
    reply = approved(letter, redact="Ivanov")
    mail.outbox.clear()

    with pytest.raises(services.ReplyError) as refused:
        ask(reply, django_capture_on_commit_callbacks)

    assert "for the same reason it is not shown" in refused.value.message
    assert mail.outbox == []
    assert not reply.events.filter(action=services.SCAN_REQUESTED).exists()


def test_a_withheld_or_unapproved_reply_or_another_letters_is_refused_alike(
    letter, django_capture_on_commit_callbacks
):
    # given a withheld reply, one still in work, and an approved reply to another letter
    withheld = record(letter)
    services.reply_withhold(
        reply_id=withheld.pk, coordinator=CoordinatorFactory(), reason="Names a guard."
    )
    in_work = record(letter)
    other = approved(posted_letter())
    mail.outbox.clear()

    # when this letter's supporter asks for each scan
    messages = []
    for reply_id in (withheld.pk, in_work.pk, other.pk, 10**9):
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(services.ScanNotSent) as refused:
                services.reply_scan_email_request(reply_id=reply_id, letter_id=letter.pk)
        messages.append(refused.value.message)

    # then each is refused with the same words, which say nothing of the reply, and nothing goes
    assert set(messages) == {"The scan of this reply cannot be sent."}
    assert mail.outbox == []
    assert not ReplyEvent.objects.filter(action=services.SCAN_REQUESTED).exists()


def test_an_erased_letter_s_reply_is_refused(
    private_storage, letter, django_capture_on_commit_callbacks
):
    # given an approved reply whose supporter then asked to be forgotten
    reply = approved(letter, [("a.jpg", jpeg())])
    with django_capture_on_commit_callbacks(execute=True):
        privacy.letter_erase_supporter_data(letter_id=letter.pk)
    mail.outbox.clear()

    # when a request comes for its scan
    with pytest.raises(services.ReplyError) as refused:
        ask(reply, django_capture_on_commit_callbacks)

    # then it is refused and nothing is sent
    assert "have been erased" in refused.value.message
    assert mail.outbox == []


def test_a_reply_erased_between_the_request_and_the_worker_sends_nothing(
    private_storage, letter, django_capture_on_commit_callbacks
):
    # given a request whose task has not run yet
    reply = approved(letter, [("a.jpg", jpeg())])
    request = services.reply_scan_email_request(reply_id=reply.pk, letter_id=letter.pk)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.letter_erase_supporter_data(letter_id=letter.pk)
    mail.outbox.clear()

    # when the worker runs it
    sent = services.reply_scan_email_send(reply_id=reply.pk, request_id=request.pk)

    # then nothing goes out
    assert sent is False and mail.outbox == []


def test_a_request_whose_task_was_lost_is_sent_by_the_sweep_once(private_storage, letter):
    # given a request committed while the broker was down (its on-commit task never ran)
    reply = approved(letter, [("a.jpg", jpeg())])
    services.reply_scan_email_request(reply_id=reply.pk, letter_id=letter.pk)
    mail.outbox.clear()

    # when the sweep runs a quarter of an hour later, twice
    with time_machine.travel(timezone.now() + timedelta(minutes=15), tick=False):
        first = tasks.send_lost_reply_emails.delay().get()
        second = tasks.send_lost_reply_emails.delay().get()

    # then the scan goes once (beside the approval's e-mail, whose task was lost as well)
    assert (first, second) == (2, 0)
    scans = [m for m in mail.outbox if m.attachments]
    assert len(mail.outbox) == 2 and len(scans) == 1
    assert scans[0].attachments[0][0] == f"{letter.reference}-reply-page-1.jpg"


def test_the_task_is_routed_to_the_mail_queue():
    from config.celery import app as celery_app

    route = celery_app.amqp.router.route({}, "replies.tasks.send_reply_scan_email")
    assert route["queue"].name == "mail"


# --- the view --------------------------------------------------------------------------------


def scan_email_url(letter, reply) -> str:
    return reverse("letters:reply_scan_email", args=[token_of(letter), reply.pk])


def test_the_letters_page_offers_the_form_only_where_the_scan_is_shown(client, letter):
    # given an approved reply and a redacted one
    shown = approved(letter)
    hidden = approved(letter, redact="Ivanov")

    # when the supporter opens the letter's page
    body = client.get(reverse("letters:track", args=[token_of(letter)])).content.decode()

    # then only the unredacted reply has the form, with a CSRF token
    assert f'action="{scan_email_url(letter, shown)}"' in body
    assert scan_email_url(letter, hidden) not in body
    assert "E-mail me the scan" in body and 'name="csrfmiddlewaretoken"' in body


def test_asking_through_the_page_sends_and_says_so(
    private_storage, client, letter, django_capture_on_commit_callbacks
):
    # given an approved reply
    reply = approved(letter, [("a.jpg", jpeg())])
    mail.outbox.clear()

    # when the supporter presses the button
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(scan_email_url(letter, reply))

    # then they are sent back to the letter's page, which says the scan is coming
    track = reverse("letters:track", args=[token_of(letter)])
    assert response.status_code == 302
    assert response["Location"] == track
    assert response["Cache-Control"] == "private, no-store"
    page = client.get(track).content.decode()
    assert "We are sending the scan to the e-mail address you gave us" in page
    assert len(mail.outbox) == 1 and len(mail.outbox[0].attachments) == 1

    # when they press it again at once
    response = client.post(scan_email_url(letter, reply), follow=True)

    # then the page explains, and no second e-mail goes
    assert response.status_code == 200
    assert "You asked for this scan a moment ago" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_refusal_is_a_message_in_the_supporters_language_never_an_error(client, letter):
    # given a redacted reply, and a Russian-speaking visitor
    reply = approved(letter, redact="Ivanov")

    # when they post to its scan e-mail URL anyway
    response = client.post(
        scan_email_url(letter, reply), follow=True, headers={"accept-language": "ru"}
    )

    # then the letter's page says why, in Russian
    assert response.status_code == 200
    assert "Скан этого ответа мы не отправляем" in response.content.decode()
    assert mail.outbox == []


def test_a_bad_token_is_404_and_a_get_is_not_allowed(client, letter):
    reply = approved(letter)

    assert (
        client.post(reverse("letters:reply_scan_email", args=["x" * 43, reply.pk])).status_code
        == 404
    )
    assert client.get(scan_email_url(letter, reply)).status_code == 405
    assert not ReplyEvent.objects.filter(action=services.SCAN_REQUESTED).exists()


def test_the_form_needs_the_csrf_token(letter):
    from django.test import Client

    reply = approved(letter)

    response = Client(enforce_csrf_checks=True).post(scan_email_url(letter, reply))

    assert response.status_code == 403
    assert not ReplyEvent.objects.filter(action=services.SCAN_REQUESTED).exists()
