from datetime import timedelta

import pytest
from django.utils import timezone

from letters import tasks, tokens
from letters.models import Letter, LetterEvent, Notification
from letters.selectors import letter_by_token
from letters.services import core, dispatch, notifications, submission, translation
from tests.factories import (
    LetterFactory,
    PrisonerFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status


def _submit(prisoner, **overrides):
    data = {
        "prisoner_id": prisoner.pk,
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "language": "en",
        "original_text": "Dear Bakhrom, spring has come.",
        "delivery": Letter.Delivery.POST_FOR_ME,
        "postage_currency": "GBP",
    }
    return submission.letter_submit(**(data | overrides))


def test_submit_saves_received_letter_with_event_and_hashed_token():
    prisoner = PrisonerWithAddressFactory()
    submitted = _submit(prisoner)
    letter = Letter.objects.get(pk=submitted.letter.pk)
    assert letter.status == S.RECEIVED
    assert letter.postage == Letter.Postage.DUE
    assert letter.reference.startswith("LB-") and len(letter.reference) == 11
    assert submitted.token not in letter.tracking_token_hash
    assert letter.tracking_token_hash == tokens.token_hash(submitted.token)
    assert len(submitted.token) * 4 >= 128  # hex characters: at least 128 bits
    assert letter_by_token(token=submitted.token) == letter
    assert letter_by_token(token=submitted.token[:-1] + "0") in (None, letter) and (
        submitted.token.endswith("0") or letter_by_token(token=submitted.token[:-1] + "0") is None
    )
    event = letter.events.get()
    assert (event.from_status, event.to_status, event.action) == ("", S.RECEIVED, "submit")


def test_submit_return_to_me_needs_no_postage():
    letter = _submit(PrisonerFactory(), delivery="return_to_me", postage_currency="GBP").letter
    assert (letter.postage, letter.postage_currency) == (Letter.Postage.NOT_NEEDED, "")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"original_text": "   "}, "empty"),
        ({"original_text": "x" * 10_001}, "longer than"),
        ({"postage_currency": "JPY"}, "currency"),
        ({"delivery": "pigeon"}, "delivered"),
    ],
)
def test_submit_refuses_bad_input_and_saves_nothing(overrides, message):
    with pytest.raises(core.LetterError, match=message):
        _submit(PrisonerFactory(), **overrides)
    assert not Letter.objects.exists()


def test_submit_refuses_prisoner_who_accepts_no_letters():
    prisoner = PrisonerFactory(status="released", accepts_letters=False)
    with pytest.raises(core.NotAcceptingLetters):
        _submit(prisoner)
    assert not Letter.objects.exists()


def test_notification_is_sent_once_even_if_the_task_runs_twice(
    django_capture_on_commit_callbacks, outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = _submit(PrisonerFactory())
    notification = Notification.objects.get(letter=submitted.letter)
    assert notification.sent_at is not None
    assert notifications.notification_send(notification_id=notification.pk) is False
    assert len(outbox) == 1
    assert outbox[0].to == ["anna@example.org"]
    assert submitted.letter.reference in outbox[0].subject
    assert f"/letters/track/{submitted.token}/" in outbox[0].body
    assert LetterEvent.objects.filter(letter=submitted.letter, kind="notified").count() == 1


def test_lost_notifications_are_found_and_sent(outbox):
    # given a notification whose task never ran (no on_commit callbacks captured)
    submitted = _submit(PrisonerFactory())
    notification = Notification.objects.get(letter=submitted.letter)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    # when the sweep runs (Celery is eager in tests), then it is sent, and a second sweep is idle
    assert tasks.resend_lost_notifications() == 1
    assert len(outbox) == 1
    assert tasks.resend_lost_notifications() == 0


def test_claim_limit_is_enforced(volunteer):
    volunteer.volunteer_profile.claim_limit = 1
    volunteer.volunteer_profile.save()
    first, second = LetterFactory(), LetterFactory()
    translation.letter_claim(letter_id=first.pk, volunteer=volunteer)
    with pytest.raises(core.ClaimLimitReached):
        translation.letter_claim(letter_id=second.pk, volunteer=volunteer)
    assert Letter.objects.get(pk=second.pk).status == S.RECEIVED


def test_claim_next_takes_oldest_in_volunteer_languages(volunteer):
    LetterFactory(language="fr")
    old = LetterFactory(language="de")
    LetterFactory(language="en")
    Letter.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert translation.letter_claim_next(volunteer=volunteer).pk == old.pk


def test_claim_next_with_nothing_waiting(volunteer):
    LetterFactory(language="fr")
    with pytest.raises(core.NothingToClaim):
        translation.letter_claim_next(volunteer=volunteer)


def test_only_the_claimant_hands_in(volunteer):
    letter = LetterFactory(status=S.IN_TRANSLATION, translation="Текст")
    with pytest.raises(core.NotPermitted):
        translation.letter_hand_in(letter_id=letter.pk, volunteer=volunteer)


def test_translator_cannot_review_own_translation(reviewer):
    letter = LetterFactory(status=S.TRANSLATED, translated_by=reviewer)
    with pytest.raises(core.NotPermitted):
        translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)


def test_volunteer_cannot_approve(volunteer):
    letter = LetterFactory(status=S.TRANSLATED)
    with pytest.raises(core.NotPermitted):
        translation.letter_approve(letter_id=letter.pk, reviewer=volunteer)


def test_send_back_returns_letter_to_its_translator_with_comment(reviewer):
    translator = VolunteerFactory()
    letter = LetterFactory(status=S.TRANSLATED, translated_by=translator)
    translation.letter_send_back(letter_id=letter.pk, reviewer=reviewer, comment="Check line 2.")
    letter.refresh_from_db()
    assert (letter.status, letter.claimed_by, letter.review_comment) == (
        S.IN_TRANSLATION,
        translator,
        "Check line 2.",
    )


def test_approve_without_address_puts_letter_on_hold(reviewer, django_capture_on_commit_callbacks):
    letter = LetterFactory(status=S.TRANSLATED, prisoner=PrisonerFactory())
    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    kinds = list(letter.notifications.values_list("kind", flat=True))
    assert kinds == ["translated", "on_hold"]


def test_release_hold_needs_an_address(coordinator):
    letter = LetterFactory(status=S.ON_HOLD, prisoner=PrisonerFactory())
    with pytest.raises(core.NoCurrentAddress):
        dispatch.letter_release_hold(letter_id=letter.pk, actor=coordinator)


def test_prisoner_in_transit_has_no_current_address(coordinator):
    letter = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    letter.prisoner.status = "in_transit"
    letter.prisoner.save()
    with pytest.raises(core.NoCurrentAddress):
        dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)


@pytest.mark.parametrize("postage", ["due", "refunded"])
def test_post_refused_until_postage_settled(postage, coordinator):
    letter = LetterFactory(status=S.APPROVED, postage=postage)
    with pytest.raises(core.PostageNotSettled):
        dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    assert Letter.objects.get(pk=letter.pk).status == S.APPROVED


def test_waived_postage_may_be_posted(coordinator):
    letter = LetterFactory(status=S.APPROVED)
    dispatch.letter_set_postage(letter_id=letter.pk, postage="waived")
    dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    assert Letter.objects.get(pk=letter.pk).status == S.POSTED


def test_post_for_me_letter_cannot_be_returned(coordinator):
    letter = LetterFactory(status=S.APPROVED)
    with pytest.raises(core.LetterError):
        dispatch.letter_return(letter_id=letter.pk, coordinator=coordinator)


def test_reject_requires_reason(coordinator):
    letter = LetterFactory()
    with pytest.raises(core.LetterError):
        translation.letter_reject(letter_id=letter.pk, coordinator=coordinator, reason=" ")
    assert Letter.objects.get(pk=letter.pk).status == S.RECEIVED


def test_expired_claims_are_released_once():
    letter = LetterFactory(status=S.IN_TRANSLATION)
    fresh = LetterFactory(status=S.IN_TRANSLATION)
    Letter.objects.filter(pk=letter.pk).update(claim_expires_at=timezone.now() - timedelta(hours=1))
    assert translation.claims_release_expired() == 1
    assert translation.claims_release_expired() == 0
    letter.refresh_from_db()
    assert (letter.status, letter.claimed_by) == (S.RECEIVED, None)
    assert letter.events.filter(action="expire_claim").count() == 1
    assert Letter.objects.get(pk=fresh.pk).status == S.IN_TRANSLATION


def test_stale_draft_cannot_overwrite_newer(volunteer):
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer)
    translation.letter_save_translation(
        letter_id=letter.pk, actor=volunteer, translation="v1", base_version=0
    )
    with pytest.raises(core.StaleDraft):
        translation.letter_save_translation(
            letter_id=letter.pk, actor=volunteer, translation="stale", base_version=0
        )
    assert Letter.objects.get(pk=letter.pk).translation == "v1"


def test_transition_signal_is_sent_after_commit(django_capture_on_commit_callbacks, coordinator):
    from letters.signals import letter_transitioned

    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    letter_transitioned.connect(listener)
    try:
        letter = LetterFactory()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            translation.letter_reject(letter_id=letter.pk, coordinator=coordinator, reason="No.")
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        letter_transitioned.disconnect(listener)
    assert {
        "letter_id": letter.pk,
        "action": "reject",
        "from_status": "received",
        "to_status": "rejected",
    }.items() <= received[0].items()


def test_letter_events_are_append_only_in_the_database():
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    letter = LetterFactory()
    event = LetterEvent.objects.create(letter=letter, to_status="received", action="submit")
    with pytest.raises(ValueError):
        event.save()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            LetterEvent.objects.filter(pk=event.pk).update(note="rewritten")
    assert LetterEvent.objects.get(pk=event.pk).note == ""
