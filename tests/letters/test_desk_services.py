"""Services behind the desk: flags and claim reminders."""

from datetime import timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.conf import settings
from django.core.mail.backends import locmem
from django.utils import timezone

from letters import tasks
from letters.models import Letter, LetterEvent
from letters.services import core, translation
from tests.factories import CoordinatorFactory, LetterFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


# --- flags ------------------------------------------------------------------------------------


def test_flag_stops_the_letter_and_records_who_and_why():
    # given a waiting letter and a volunteer
    letter = LetterFactory()
    volunteer = VolunteerFactory()

    # when the volunteer flags it
    translation.letter_flag(
        letter_id=letter.pk, volunteer=volunteer, reason="  Talks about the case. "
    )

    # then it is flagged, with a note event by the volunteer, and nobody can claim it
    letter.refresh_from_db()
    assert letter.flagged_by == volunteer and letter.flag_reason == "Talks about the case."
    event = letter.events.get(action="flag")
    assert (event.kind, event.actor, event.note) == ("note", volunteer, "Talks about the case.")
    with pytest.raises(core.LetterFlagged):
        translation.letter_claim(letter_id=letter.pk, volunteer=VolunteerFactory())
    with pytest.raises(core.NothingToClaim):
        translation.letter_claim_next(volunteer=VolunteerFactory())


def test_flag_needs_a_reason_and_is_not_doubled():
    letter = LetterFactory()
    volunteer = VolunteerFactory()
    with pytest.raises(core.LetterError, match="worries"):
        translation.letter_flag(letter_id=letter.pk, volunteer=volunteer, reason="  ")
    translation.letter_flag(letter_id=letter.pk, volunteer=volunteer, reason="Mentions the war.")
    with pytest.raises(core.LetterError, match="already flagged"):
        translation.letter_flag(letter_id=letter.pk, volunteer=volunteer, reason="Again.")
    assert letter.events.filter(action="flag").count() == 1


def test_flagged_translation_cannot_be_approved_until_let_go_on():
    # given a handed-in translation flagged by its reviewer
    letter = LetterFactory(status=S.TRANSLATED)
    reviewer, coordinator = CoordinatorFactory(), CoordinatorFactory()
    translation.letter_flag(letter_id=letter.pk, volunteer=reviewer, reason="Codes in the text?")

    # when the reviewer tries to approve, then it is refused
    with pytest.raises(core.LetterFlagged):
        translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)

    # when a coordinator lets it go on, then it can be approved
    translation.letter_flag_decide(
        letter_id=letter.pk, coordinator=coordinator, decision="let_go_on", reason="Checked."
    )
    translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)
    letter.refresh_from_db()
    assert letter.status == S.APPROVED and letter.flagged_at is None
    cleared = letter.events.get(action="flag_cleared")
    assert (cleared.actor, cleared.note) == (coordinator, "Checked.")


def test_coordinator_rejects_a_flagged_letter_and_the_supporter_is_told_why(
    django_capture_on_commit_callbacks, outbox
):
    # given a flagged letter
    letter = LetterFactory()
    translation.letter_flag(letter_id=letter.pk, volunteer=VolunteerFactory(), reason="The war.")
    coordinator = CoordinatorFactory()

    # when the coordinator rejects it with a kind reason
    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_flag_decide(
            letter_id=letter.pk,
            coordinator=coordinator,
            decision="reject",
            reason="Thank you for writing; please write about everyday things.",
        )

    # then it is rejected by the coordinator and the supporter gets the reason by e-mail
    letter.refresh_from_db()
    assert letter.status == S.REJECTED
    assert letter.events.get(action="reject").actor == coordinator
    assert len(outbox) == 1 and "everyday things" in outbox[0].body


def test_only_coordinators_decide_flags():
    letter = LetterFactory()
    volunteer = VolunteerFactory()
    translation.letter_flag(letter_id=letter.pk, volunteer=volunteer, reason="Insults.")
    with pytest.raises(core.NotPermitted):
        translation.letter_flag_decide(
            letter_id=letter.pk, coordinator=volunteer, decision="let_go_on"
        )
    with pytest.raises(core.LetterError, match="Choose"):
        translation.letter_flag_decide(
            letter_id=letter.pk, coordinator=CoordinatorFactory(), decision="maybe"
        )


# --- claim reminders --------------------------------------------------------------------------


def _claim_ending_in(hours: float) -> Letter:
    letter = LetterFactory(status=S.IN_TRANSLATION)
    Letter.objects.filter(pk=letter.pk).update(
        claim_expires_at=timezone.now() + timedelta(hours=hours)
    )
    return Letter.objects.get(pk=letter.pk)


def test_reminder_goes_once_to_the_volunteer_before_the_claim_ends(outbox):
    # given one claim ending within the reminder window and one far from it
    due = _claim_ending_in(settings.LETTERBRIDGE_CLAIM_REMINDER_HOURS - 1)
    later = _claim_ending_in(settings.LETTERBRIDGE_CLAIM_REMINDER_HOURS + 24)

    # when the beat task runs twice
    first = tasks.remind_expiring_claims.delay().get()
    second = tasks.remind_expiring_claims.delay().get()

    # then one reminder went to the volunteer holding the due letter, recorded as an event
    assert (first, second) == (1, 0)
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == [due.claimed_by.email]
    assert due.reference in message.subject
    assert f"/admin/letters/letter/{due.pk}/desk/translate/" in message.body
    assert due.supporter_email not in message.body and due.supporter_name not in message.body
    due.refresh_from_db()
    assert due.claim_reminded_at is not None
    assert LetterEvent.objects.filter(letter=due, kind="claim_reminder").count() == 1
    assert not LetterEvent.objects.filter(letter=later, kind="claim_reminder").exists()


def test_a_new_claim_gets_its_own_reminder(outbox):
    # given a reminded claim that was released and claimed again
    letter = _claim_ending_in(1)
    translation.claims_remind_expiring()
    translation.letter_release(letter_id=letter.pk, actor=letter.claimed_by)
    volunteer = VolunteerFactory()
    translation.letter_claim(letter_id=letter.pk, volunteer=volunteer)
    Letter.objects.filter(pk=letter.pk).update(claim_expires_at=timezone.now() + timedelta(hours=1))

    # when reminders run
    translation.claims_remind_expiring()

    # then the new holder is reminded too
    assert [m.to for m in outbox] == [[letter.claimed_by.email], [volunteer.email]]


def test_expired_claim_is_released_by_beat_with_an_event():
    # given a claim past its deadline
    letter = _claim_ending_in(-1)

    # when the beat task runs
    released = tasks.release_expired_claims.delay().get()

    # then the letter is back in the queue and the expiry is in its history
    letter.refresh_from_db()
    assert released == 1 and letter.status == S.RECEIVED and letter.claimed_by is None
    assert letter.events.filter(action="expire_claim").exists()


def test_beat_runs_reminders_and_releases():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "letters.tasks.remind_expiring_claims",
        "letters.tasks.release_expired_claims",
    } <= tasks_scheduled


class RefusingBackend(locmem.EmailBackend):
    """A mail server that refuses one mailbox and accepts the others."""

    def send_messages(self, messages):
        if any(to.startswith("refused") for message in messages for to in message.to):
            raise SMTPRecipientsRefused({"refused@staff.example.org": (550, b"no such user")})
        return super().send_messages(messages)


def test_one_refused_reminder_does_not_hold_up_the_others(settings, outbox):
    # given two claims ending soon, one held by a volunteer whose mailbox is refused
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    refused = _claim_ending_in(2)
    refused.claimed_by.email = "refused@staff.example.org"
    refused.claimed_by.save()
    accepted = _claim_ending_in(3)

    # when reminders run
    sent = translation.claims_remind_expiring()

    # then the other volunteer is reminded, and the refused one is left to try again
    assert sent == 1
    assert [m.to for m in outbox] == [[accepted.claimed_by.email]]
    refused.refresh_from_db()
    assert refused.claim_reminded_at is None
    assert not refused.events.filter(kind="claim_reminder").exists()


class LockProbingBackend(locmem.EmailBackend):
    """A mail server that notes, as each message goes, whether the sender is inside a
    transaction and whether the claim is already recorded as reminded."""

    seen: list[tuple[bool, bool]] = []

    def send_messages(self, messages):
        from django.db import connection

        reminded = Letter.objects.filter(claim_reminded_at__isnull=False).exists()
        LockProbingBackend.seen.append((connection.in_atomic_block, reminded))
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_the_reminder_is_sent_after_commit_holding_no_lock(settings, outbox):
    # given a claim ending soon
    settings.EMAIL_BACKEND = f"{__name__}.LockProbingBackend"
    LockProbingBackend.seen = []
    letter = _claim_ending_in(2)

    # when reminders run
    assert translation.claims_remind_expiring() == 1

    # then the e-mail went outside any transaction, the reminder already committed
    assert LockProbingBackend.seen == [(False, True)]
    assert len(outbox) == 1
    assert letter.events.filter(kind="claim_reminder").count() == 1
