"""letters.services.translation: the desk. Claims and their limit, drafts, hand-in, review,
flags and the rejection they may end in, claim reminders and expiry."""

from datetime import timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.conf import settings
from django.core.mail.backends import locmem
from django.utils import timezone

from letters import tasks
from letters.models import Letter, LetterEvent
from letters.services import core, translation
from tests.factories import CoordinatorFactory, LetterFactory, PrisonerFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


# --- claims ----------------------------------------------------------------------------------


def test_claim_limit_is_enforced(volunteer):
    # given a volunteer who may hold one letter, and two waiting
    volunteer.volunteer_profile.claim_limit = 1
    volunteer.volunteer_profile.save()
    first, second = LetterFactory(), LetterFactory()
    # when they claim both, then the second is refused and stays in the queue
    translation.letter_claim(letter_id=first.pk, volunteer=volunteer)
    with pytest.raises(core.ClaimLimitReached):
        translation.letter_claim(letter_id=second.pk, volunteer=volunteer)
    assert Letter.objects.get(pk=second.pk).status == S.RECEIVED


def test_claim_next_takes_oldest_in_volunteer_languages(volunteer):
    # given letters in French (not theirs), an old one in German and a new one in English
    LetterFactory(language="fr")
    old = LetterFactory(language="de")
    LetterFactory(language="en")
    Letter.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    # when the volunteer claims the next, then they get the oldest they can read
    assert translation.letter_claim_next(volunteer=volunteer).pk == old.pk


def test_claim_next_with_nothing_waiting(volunteer):
    # given only a letter in a language the volunteer does not read
    LetterFactory(language="fr")
    # when they claim the next, then there is nothing for them
    with pytest.raises(core.NothingToClaim):
        translation.letter_claim_next(volunteer=volunteer)


def test_expired_claims_are_released_once():
    # given a claim past its deadline and a fresh one
    letter = LetterFactory(status=S.IN_TRANSLATION)
    fresh = LetterFactory(status=S.IN_TRANSLATION)
    Letter.objects.filter(pk=letter.pk).update(claim_expires_at=timezone.now() - timedelta(hours=1))
    # when expired claims are released twice, then the first run releases one, the second none
    assert translation.claims_release_expired() == 1
    assert translation.claims_release_expired() == 0
    # and the expired letter is back in the queue with the expiry in its history, once
    letter.refresh_from_db()
    assert (letter.status, letter.claimed_by) == (S.RECEIVED, None)
    assert letter.events.filter(action="expire_claim").count() == 1
    assert Letter.objects.get(pk=fresh.pk).status == S.IN_TRANSLATION


# --- translating -----------------------------------------------------------------------------


def test_stale_draft_cannot_overwrite_newer(volunteer):
    # given a draft saved from version 0
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    translation.letter_save_translation(
        letter_id=letter.pk, actor=volunteer, translation="v1", base_version=0
    )
    # when another tab saves from version 0 too, then it is refused and the newer text stays
    with pytest.raises(core.StaleDraft):
        translation.letter_save_translation(
            letter_id=letter.pk, actor=volunteer, translation="stale", base_version=0
        )
    assert Letter.objects.get(pk=letter.pk).translation == "v1"


def test_only_the_claimant_hands_in(volunteer):
    # given a letter another volunteer is translating
    letter = LetterFactory(status=S.IN_TRANSLATION, translation="Текст")
    # when this volunteer hands it in, then it is refused
    with pytest.raises(core.NotPermitted):
        translation.letter_hand_in(letter_id=letter.pk, volunteer=volunteer)


def test_a_translation_of_only_invisible_characters_is_empty(volunteer, reviewer):
    # given a volunteer holding a letter whose "translation" is zero-width spaces and a BOM
    invisible = "\u200b\u200b\ufeff\n"
    letter = LetterFactory(
        status=S.IN_TRANSLATION, claimed_by=volunteer, translation=invisible, signature_ru="Анна"
    )
    # when they hand it in, then it is refused as empty, as blanks are
    with pytest.raises(core.LetterError, match="empty"):
        translation.letter_hand_in(letter_id=letter.pk, volunteer=volunteer)
    # and a reviewer cannot approve such a translation either (it would print a blank page)
    handed_in = LetterFactory(status=S.TRANSLATED, translation=invisible)
    with pytest.raises(core.LetterError, match="empty"):
        translation.letter_approve(letter_id=handed_in.pk, reviewer=reviewer)


# --- review ----------------------------------------------------------------------------------


def test_translator_cannot_review_own_translation(reviewer):
    # given a translation handed in by the reviewer themselves
    letter = LetterFactory(status=S.TRANSLATED, translated_by=reviewer)
    # when they approve it, then it is refused
    with pytest.raises(core.NotPermitted):
        translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)


def test_volunteer_cannot_approve(volunteer):
    # given a handed-in translation and a volunteer who may not review
    letter = LetterFactory(status=S.TRANSLATED)
    # when they approve it, then it is refused
    with pytest.raises(core.NotPermitted):
        translation.letter_approve(letter_id=letter.pk, reviewer=volunteer)


def test_send_back_returns_letter_to_its_translator_with_comment(reviewer):
    # given a translation handed in by a volunteer
    translator = VolunteerFactory()
    letter = LetterFactory(status=S.TRANSLATED, translated_by=translator)
    # when the reviewer sends it back with a comment
    translation.letter_send_back(letter_id=letter.pk, reviewer=reviewer, comment="Check line 2.")
    # then the translator holds it again and sees the comment
    letter.refresh_from_db()
    assert (letter.status, letter.claimed_by, letter.review_comment) == (
        S.IN_TRANSLATION,
        translator,
        "Check line 2.",
    )


def test_approve_without_address_puts_letter_on_hold(reviewer, django_capture_on_commit_callbacks):
    # given a translation to a prisoner whose address we do not know
    letter = LetterFactory(status=S.TRANSLATED, prisoner=PrisonerFactory())
    # when it is approved
    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)
    # then it waits on hold, and the supporter hears of both steps in one e-mail
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    kinds = list(letter.notifications.values_list("kind", flat=True))
    assert kinds == ["translated"]
    actions = list(letter.events.filter(kind="transition").values_list("action", flat=True))
    assert actions[-2:] == ["approve", "hold"]


def test_reject_requires_reason(coordinator):
    # given a waiting letter
    letter = LetterFactory()
    # when a coordinator rejects it without a reason, then it is refused and nothing changes
    with pytest.raises(core.LetterError):
        translation.letter_reject(letter_id=letter.pk, coordinator=coordinator, reason=" ")
    assert Letter.objects.get(pk=letter.pk).status == S.RECEIVED


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
    # given a waiting letter and a volunteer
    letter = LetterFactory()
    volunteer = VolunteerFactory()
    # when they flag it without a reason, then they are asked for one
    with pytest.raises(core.LetterError, match="worries"):
        translation.letter_flag(letter_id=letter.pk, volunteer=volunteer, reason="  ")
    # when they flag it twice, then the second flag is refused and only one is recorded
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
    # given a letter a volunteer flagged
    letter = LetterFactory()
    volunteer = VolunteerFactory()
    translation.letter_flag(letter_id=letter.pk, volunteer=volunteer, reason="Insults.")
    # when the volunteer decides on it, then it is refused
    with pytest.raises(core.NotPermitted):
        translation.letter_flag_decide(
            letter_id=letter.pk, coordinator=volunteer, decision="let_go_on"
        )
    # when a coordinator gives no decision we know, then they are asked to choose
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
    # given the beat's schedule, when its tasks are listed, then reminders and releases are
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
