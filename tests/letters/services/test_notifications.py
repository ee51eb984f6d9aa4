"""letters.services.notifications: the supporter's e-mails and the coordinators' digest."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from letters.models import Letter, LetterEvent, Notification
from letters.services import dispatch, notifications, submission
from prisoners.models import Prisoner
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


# --- the supporter ---------------------------------------------------------------------------


def test_notification_is_sent_once_even_if_the_task_runs_twice(
    submit, django_capture_on_commit_callbacks, outbox
):
    # given a letter submitted, its e-mail sent by the task after commit
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit(PrisonerFactory())
    notification = Notification.objects.get(letter=submitted.letter)
    assert notification.sent_at is not None
    # when the task runs again, then it sends nothing more
    assert notifications.notification_send(notification_id=notification.pk) is False
    # and the one e-mail went to the supporter, with the reference and the tracking link
    assert len(outbox) == 1
    assert outbox[0].to == ["anna@example.org"]
    assert submitted.letter.reference in outbox[0].subject
    assert f"/letters/track/{submitted.token}/" in outbox[0].body
    assert LetterEvent.objects.filter(letter=submitted.letter, kind="notified").count() == 1


def test_return_email_goes_without_pdf_when_the_prisoner_moved_in_between(
    coordinator, outbox, django_capture_on_commit_callbacks
):
    # given a letter returned, its e-mail not yet sent, and the prisoner now in transit
    letter = LetterFactory(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME)
    dispatch.letter_return(letter_id=letter.pk, coordinator=coordinator)
    Prisoner.objects.filter(pk=letter.prisoner_id).update(status=Prisoner.Status.IN_TRANSIT)
    notification = Notification.objects.get(letter=letter, kind="returned")
    # when the e-mail task runs
    assert notifications.notification_send(notification_id=notification.pk) is True
    # then the supporter is told, without an attachment, and it is not retried
    (message,) = outbox
    assert message.attachments == []
    notification.refresh_from_db()
    assert notification.sent_at is not None


def _approved_then_held(reviewer) -> Letter:
    """A translation approved, its "translated" e-mail not sent yet (its task waits, or was
    lost), when a coordinator puts the letter on hold: two e-mails unsent together,
    "translated" and then "waiting for a new address"."""
    from letters.services import translation
    from tests.factories import VolunteerFactory

    letter = LetterFactory(
        status=S.TRANSLATED,
        prisoner=PrisonerWithAddressFactory(),
        translated_by=VolunteerFactory(),
        translation="Привет",
    )
    translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)
    dispatch.letter_hold(letter_id=letter.pk, actor=reviewer, note="Checking the address.")
    return letter


def test_a_letters_emails_go_out_in_the_order_of_its_steps(reviewer, outbox):
    # given a letter approved, then held before its "translated" e-mail went
    letter = _approved_then_held(reviewer)
    translated, on_hold = Notification.objects.filter(letter=letter).order_by("pk")
    assert (translated.kind, on_hold.kind) == ("translated", "on_hold")

    # when the worker runs the hold's task first (tasks run side by side)
    assert notifications.notification_send(notification_id=on_hold.pk) is True

    # then the supporter still reads "translated" first, then "waiting for a new address"
    assert [m.subject for m in outbox] == [
        f"Your letter is translated ({letter.reference})",
        f"Your letter is waiting for a new address ({letter.reference})",
    ]
    # and the "translated" task, running after, sends nothing twice
    assert notifications.notification_send(notification_id=translated.pk) is False
    assert len(outbox) == 2
    assert Notification.objects.filter(letter=letter, sent_at__isnull=True).count() == 0


def test_an_earlier_email_that_fails_does_not_hold_back_the_later_one(
    reviewer, outbox, monkeypatch
):
    # given the same two e-mails unsent together, the first of which cannot be sent now
    letter = _approved_then_held(reviewer)
    translated, on_hold = Notification.objects.filter(letter=letter).order_by("pk")
    send_one = notifications._notification_send_one

    def failing(*, notification_id):
        if notification_id == translated.pk:
            raise ConnectionError("the mail server hung up")
        return send_one(notification_id=notification_id)

    monkeypatch.setattr(notifications, "_notification_send_one", failing)

    # when the hold's task runs
    assert notifications.notification_send(notification_id=on_hold.pk) is True

    # then the hold's e-mail still goes; the other waits for its own task's retry
    assert [m.subject for m in outbox] == [
        f"Your letter is waiting for a new address ({letter.reference})"
    ]
    translated.refresh_from_db()
    assert translated.sent_at is None


# --- coordinators ----------------------------------------------------------------------------


def test_digest_lists_stuck_letters_per_state_once_a_day(coordinator, outbox):
    # given letters stuck 20 and 30 days, and a fresh one
    now = timezone.now()
    stuck = [
        LetterFactory(status=S.RECEIVED, status_changed_at=now - timedelta(days=30)),
        LetterFactory(status=S.ON_HOLD, status_changed_at=now - timedelta(days=20)),
    ]
    LetterFactory(status=S.RECEIVED)
    # when the digest runs twice on the same day
    sent = notifications.coordinators_digest(now=now)
    again = notifications.coordinators_digest(now=now)
    # then coordinators got one e-mail naming each stuck letter and the age of the oldest
    assert (sent, again) == (1, 0)
    (message,) = outbox
    assert coordinator.email in message.to
    assert all(letter.reference in message.body for letter in stuck)
    assert "received: 1 (oldest 30 days)" in message.body
    assert "on hold until it can be sent: 1 (oldest 20 days)" in message.body


def test_digest_sends_nothing_when_nothing_is_stuck(coordinator, outbox):
    # given only a fresh letter
    LetterFactory(status=S.RECEIVED)
    # when the digest runs, then no e-mail goes
    assert notifications.coordinators_digest() == 0
    assert outbox == []


def test_an_emailed_letter_is_answered_in_the_supporters_thread(
    submit, coordinator, django_capture_on_commit_callbacks, outbox
):
    # given a letter that came by e-mail, to be posted
    with django_capture_on_commit_callbacks(execute=True):
        letter = submit(
            PrisonerFactory(),
            source=Letter.Source.EMAIL,
            email_message_id="<CAF123@mail.example.org>",
            email_subject="Re: Fwd: Letter for Bakhrom",
            actor=coordinator,
        ).letter
    # then "we have your letter" is a reply in their thread, with the link and how to pay
    (received,) = outbox
    assert received.subject == "Re: Fwd: Letter for Bakhrom"
    assert received.extra_headers == {
        "In-Reply-To": "<CAF123@mail.example.org>",
        "References": "<CAF123@mail.example.org>",
    }
    assert "/letters/track/" in received.body and letter.reference in received.body
    assert "How to pay" in received.body
    # and the later e-mails stay in the same thread, under our own subjects
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.letter_set_postage(letter_id=letter.pk, postage=Letter.Postage.PAID)
        submission.letter_cancel(letter_id=letter.pk)
    cancelled = outbox[-1]
    assert cancelled.extra_headers["In-Reply-To"] == "<CAF123@mail.example.org>"
    assert not cancelled.subject.startswith("Re:")


def test_a_form_letter_starts_its_own_thread(submit, django_capture_on_commit_callbacks, outbox):
    with django_capture_on_commit_callbacks(execute=True):
        submit(PrisonerFactory())
    assert "In-Reply-To" not in outbox[0].extra_headers


# --- the staff's language ----------------------------------------------------------------------


def _staff_mails(coordinator_user) -> list:
    """One of each staff e-mail, set off from whatever language is active: a claim ending, a
    flag, held letters released, the digest."""
    from django.core import mail

    from letters.services import translation as desk

    prisoner = PrisonerWithAddressFactory(
        name_en="Bakhrom Khamroev",
        name_ru="Хамроев Бахром Мардонович",
        name_ru_dative="Хамроеву Бахрому Мардоновичу",
    )
    claimed = LetterFactory(prisoner=prisoner, status=S.IN_TRANSLATION)
    Letter.objects.filter(pk=claimed.pk).update(
        claim_expires_at=timezone.now() + timedelta(hours=2)
    )
    desk.letter_remind_claim(letter_id=claimed.pk)
    flagged = LetterFactory(prisoner=prisoner)
    desk.letter_flag(letter_id=flagged.pk, volunteer=claimed.claimed_by, reason="a risk")
    notifications.letter_flag_notify_coordinators(letter_id=flagged.pk)
    held = LetterFactory(prisoner=prisoner, status=S.ON_HOLD)
    dispatch.letters_sync_holds_for_prisoner(prisoner_id=prisoner.pk)
    Letter.objects.filter(pk=held.pk).update(status_changed_at=timezone.now() - timedelta(days=40))
    LetterFactory(status=S.RECEIVED, status_changed_at=timezone.now() - timedelta(days=30))
    notifications.coordinators_digest()
    return list(mail.outbox)


@pytest.mark.parametrize(
    ("staff", "active", "expected", "name"),
    [
        (
            "ru",
            "en",
            ["Скоро истекает срок", "ждёт вашего решения", "снова в работе", "дольше"],
            "Хамроев Бахром Мардонович (Bakhrom Khamroev)",
        ),
        (
            "en",
            "ru",
            ["ends soon", "waits for your decision", "released from hold", "longer than"],
            "Bakhrom Khamroev (Хамроев Бахром Мардонович)",
        ),
    ],
)
def test_staff_e_mails_are_in_the_teams_language_naming_the_prisoner_both_ways(
    settings, coordinator, outbox, staff, active, expected, name
):
    # given the team's language set, and the e-mails set off while another one is active
    settings.LETTERBRIDGE_STAFF_LANGUAGE = staff
    with translation.override(active):
        messages = _staff_mails(coordinator)
    # then each of the four is in the team's language, and names the prisoner in both spellings
    subjects = [message.subject for message in messages]
    assert len(messages) == 4, subjects
    for message, words in zip(messages, expected, strict=True):
        assert words in message.subject, message.subject
    for message in messages[:3]:
        assert name in message.body, message.body
    assert "/admin/letters/letter/?status__exact=approved" in messages[2].body
