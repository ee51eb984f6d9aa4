"""A letter approved (or sent on as written) while its prisoner's address or «Кому» line is
missing goes on hold in the same step. The supporter gets one e-mail for that step, the
"translated" one, which says the letter waits and what (if anything) they must do; not a
"translated" e-mail and a "waiting" one in the same second. A hold that comes later on its own
still has its own e-mail, and the letter's history records both changes of status."""

import pytest
from django.utils import timezone

from letters import tasks
from letters.models import Letter, LetterEvent, Notification
from letters.services import dispatch, notifications, translation
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status

NO_ADDRESS = "no_address"
NO_BIRTH_YEAR = "no_birth_year"

# What each case's one e-mail says, per language: the step, that it waits and why, what to do.
SAID = {
    "en": {
        "translated": "has been translated into Russian and checked.",
        "as_written": "is written in Russian, so it goes as you wrote it",
        "waits": "It cannot go out just yet, though.",
        NO_ADDRESS: "is being moved between prisons, or we do not know the current address",
        NO_BIRTH_YEAR: "we need to complete the envelope for",
        "pay": "The postage is still to be paid: pay it now",
        "nothing": "You do not need to do anything; we will write when it moves on.",
        "next_batch": "next batch",
        "as_soon_as_paid": "We will post it as soon as the postage is paid.",
    },
    "ru": {
        "translated": "переведено на русский и проверено.",
        "as_written": "написано по-русски, поэтому уйдёт в том виде",
        "waits": "Но отправить его пока нельзя.",
        NO_ADDRESS: "сейчас на этапе, или мы не знаем нынешнего адреса",
        NO_BIRTH_YEAR: "нам нужно дополнить адрес на конверте",
        "pay": "Марка ещё не оплачена: оплатите её сейчас",
        "nothing": "Вам ничего не нужно делать; мы напишем, когда письмо отправится дальше.",
        "next_batch": "следующей партией",
        "as_soon_as_paid": "Мы отправим его, как только будет оплачена марка.",
    },
}

SUBJECTS = {
    ("en", NO_ADDRESS): "Your letter is translated and waiting for a new address ({ref})",
    ("en", NO_BIRTH_YEAR): (
        "Your letter is translated and waiting for the prisoner's details ({ref})"
    ),
    ("ru", NO_ADDRESS): "Ваше письмо переведено и ждёт нового адреса ({ref})",
    ("ru", NO_BIRTH_YEAR): "Ваше письмо переведено и ждёт уточнения данных заключённого ({ref})",
}


def _prisoner(gap: str):
    if gap == NO_ADDRESS:
        return PrisonerFactory()
    return PrisonerWithAddressFactory(birth_year=None)


def _both(message) -> tuple[str, str]:
    return message.body, message.alternatives[0][0]


def _approve(letter, capture) -> Letter:
    with capture(execute=True):
        translation.letter_approve(letter_id=letter.pk, reviewer=CoordinatorFactory())
    letter.refresh_from_db()
    return letter


def _skip(letter, capture) -> Letter:
    with capture(execute=True):
        translation.letter_skip_translation(letter_id=letter.pk, coordinator=CoordinatorFactory())
    letter.refresh_from_db()
    return letter


def _translated_letter(**fields) -> Letter:
    return LetterFactory(
        status=S.TRANSLATED,
        translated_by=VolunteerFactory(),
        translation="Здравствуйте! Сегодня выпал первый снег.",
        **fields,
    )


def _transitions(letter) -> list[tuple[str, str]]:
    return list(
        letter.events.filter(kind=LetterEvent.Kind.TRANSITION)
        .order_by("pk")
        .values_list("action", "to_status")
    )


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("gap", [NO_ADDRESS, NO_BIRTH_YEAR])
@pytest.mark.parametrize("postage", [Letter.Postage.DUE, Letter.Postage.PAID])
def test_approval_that_holds_the_letter_sends_one_email_saying_it_waits(
    locale, gap, postage, outbox, django_capture_on_commit_callbacks
):
    # given a translated letter to a prisoner we cannot send to yet
    letter = _translated_letter(prisoner=_prisoner(gap), postage=postage, locale=locale)

    # when a reviewer approves it (the e-mail task runs after commit, eagerly)
    letter = _approve(letter, django_capture_on_commit_callbacks)

    # then it waits on hold, its history holding both steps
    assert letter.status == S.ON_HOLD
    assert _transitions(letter) == [("approve", S.APPROVED), ("hold", S.ON_HOLD)]
    # and the supporter gets exactly one e-mail, the "translated" one, all of it sent
    (message,) = outbox
    assert list(letter.notifications.values_list("kind", flat=True)) == ["translated"]
    assert not Notification.objects.filter(letter=letter, sent_at__isnull=True).exists()
    assert message.subject == SUBJECTS[locale, gap].format(ref=letter.reference)
    said = SAID[locale]
    other_gap = NO_BIRTH_YEAR if gap == NO_ADDRESS else NO_ADDRESS
    for text in _both(message):
        # which says what happened, that it waits and why, in the supporter's language
        assert said["translated"] in text
        assert said["waits"] in text
        assert said[gap] in text
        assert said[other_gap] not in text
        # and what they are to do: pay the postage, with how; or nothing
        if postage == Letter.Postage.DUE:
            assert said["pay"] in text
            assert letter.reference in text.split(said["pay"])[1]  # "quote your reference"
            assert said["nothing"] not in text
        else:
            assert said["nothing"] in text
            assert said["pay"] not in text
        # never that it goes with the next batch, nor the approved letter's postage sentence
        assert said["next_batch"] not in text
        assert said["as_soon_as_paid"] not in text
        # nothing internal: no hold note, no status code
        assert "on_hold" not in text and "year of birth is missing" not in text
    # the history records the one e-mail, and that it spoke of the hold
    (sent,) = letter.events.filter(kind=LetterEvent.Kind.NOTIFIED)
    assert sent.action == "email_translated"
    assert sent.note == "“translated” e-mail sent to the supporter, saying it waits on hold."


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("postage", [Letter.Postage.DUE, Letter.Postage.WAIVED])
def test_a_letter_sent_on_as_written_and_held_gets_one_email_too(
    locale, postage, outbox, django_capture_on_commit_callbacks
):
    # given a letter written in Russian to a prisoner without a year of birth
    letter = LetterFactory(
        status=S.RECEIVED,
        language="ru",
        locale=locale,
        postage=postage,
        prisoner=_prisoner(NO_BIRTH_YEAR),
    )

    # when a coordinator sends it on without translation
    letter = _skip(letter, django_capture_on_commit_callbacks)

    # then it waits on hold, both steps in its history, and one e-mail tells of both
    assert letter.status == S.ON_HOLD
    assert _transitions(letter)[-2:] == [("skip_translation", S.APPROVED), ("hold", S.ON_HOLD)]
    (message,) = outbox
    said = SAID[locale]
    # its subject is the waiting one: a letter on hold is not "ready to go"
    waiting = {
        "en": "Your letter is waiting for the prisoner's details",
        "ru": "Ваше письмо ждёт уточнения данных заключённого",
    }
    assert message.subject == f"{waiting[locale]} ({letter.reference})"
    for text in _both(message):
        assert said["as_written"] in text
        assert said["translated"] not in text
        assert said["waits"] in text and said[NO_BIRTH_YEAR] in text
        assert (said["pay"] in text) is (postage == Letter.Postage.DUE)
        assert (said["nothing"] in text) is (postage != Letter.Postage.DUE)


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_approval_without_a_hold_sends_the_translated_email_as_before(
    locale, outbox, django_capture_on_commit_callbacks
):
    # given a translated letter to a prisoner we can send to, its postage due
    letter = _translated_letter(locale=locale, postage=Letter.Postage.DUE)

    # when it is approved
    letter = _approve(letter, django_capture_on_commit_callbacks)

    # then it is approved, and its one e-mail says nothing of waiting, and asks for the postage
    assert letter.status == S.APPROVED
    (message,) = outbox
    said = SAID[locale]
    ref = letter.reference
    subject = "Your letter is translated" if locale == "en" else "Ваше письмо переведено"
    assert message.subject == f"{subject} ({ref})"
    for text in _both(message):
        assert said["translated"] in text and said["as_soon_as_paid"] in text
        assert said["waits"] not in text
        assert said[NO_ADDRESS] not in text and said[NO_BIRTH_YEAR] not in text
    (sent,) = letter.events.filter(kind=LetterEvent.Kind.NOTIFIED)
    assert sent.note == "“translated” e-mail sent to the supporter."


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_hold_that_comes_later_on_its_own_still_sends_its_own_email(
    locale, outbox, django_capture_on_commit_callbacks
):
    # given a letter approved and told so, its prisoner then moved between prisons
    letter = _approve(_translated_letter(locale=locale), django_capture_on_commit_callbacks)
    assert letter.status == S.APPROVED
    outbox.clear()
    letter.prisoner.addresses.all().delete()

    # when its letters are held (the prisoner marked in transit), and a coordinator holds another
    with django_capture_on_commit_callbacks(execute=True):
        held = dispatch.letters_hold_for_prisoner(prisoner_id=letter.prisoner_id)
    moved = list(outbox)
    other = _approve(_translated_letter(), django_capture_on_commit_callbacks)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.letter_hold(letter_id=other.pk, actor=CoordinatorFactory(), note="Checking.")

    # then each supporter gets the on-hold e-mail of their own, once
    assert held == [letter.pk]
    waiting = {"en": "Your letter is waiting for a new address", "ru": "Ваше письмо ждёт нового"}
    (message,) = moved
    assert message.subject.startswith(waiting[locale])
    assert SAID[locale][NO_ADDRESS] in message.body
    assert SAID[locale]["waits"] not in message.body
    (message,) = outbox
    assert message.subject == f"Your letter is waiting for a new address ({other.reference})"
    for one in (letter, other):
        assert list(one.notifications.values_list("kind", flat=True)) == ["translated", "on_hold"]
        assert not one.notifications.filter(sent_at__isnull=True).exists()
        assert one.events.filter(kind=LetterEvent.Kind.NOTIFIED).count() == 2


def test_a_letter_the_supporter_posts_themselves_still_hears_of_the_hold(
    outbox, django_capture_on_commit_callbacks
):
    # given a translated letter the supporter posts themselves, to a prisoner without an address
    letter = _translated_letter(delivery=Letter.Delivery.RETURN_TO_ME, prisoner=PrisonerFactory())

    # when it is approved: its "translated" e-mail is the return's, which cannot come now
    letter = _approve(letter, django_capture_on_commit_callbacks)

    # then the hold's own e-mail tells them it waits
    assert letter.status == S.ON_HOLD
    (message,) = outbox
    assert list(letter.notifications.values_list("kind", flat=True)) == ["on_hold"]
    assert message.subject == f"Your letter is waiting for a new address ({letter.reference})"
    assert "You do not need to do anything" in message.body


def test_the_resend_sweep_sends_the_one_email_once(outbox, settings):
    # given a letter approved and held at once, its e-mail task lost (no on-commit callbacks)
    letter = _translated_letter(prisoner=PrisonerFactory(), postage=Letter.Postage.DUE)
    translation.letter_approve(letter_id=letter.pk, reviewer=CoordinatorFactory())
    (notification,) = Notification.objects.filter(letter=letter)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - settings.LETTERBRIDGE_NOTIFICATION_RESEND_AFTER * 2
    )
    assert outbox == []

    # when the sweep runs twice, and the lost task turns up after all
    assert tasks.resend_lost_notifications() == 1
    assert tasks.resend_lost_notifications() == 0
    assert notifications.notification_send(notification_id=notification.pk) is False

    # then the supporter got the one e-mail, with the hold in it, once
    (message,) = outbox
    assert "It cannot go out just yet, though." in message.body
    assert "The postage is still to be paid" in message.body
    assert LetterEvent.objects.filter(letter=letter, kind=LetterEvent.Kind.NOTIFIED).count() == 1


def test_the_email_sent_late_after_the_hold_was_released_does_not_say_it_waits(outbox):
    # given a letter approved and held at once, its e-mail not sent yet
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    letter = _translated_letter(prisoner=prisoner, postage=Letter.Postage.PAID)
    translation.letter_approve(letter_id=letter.pk, reviewer=CoordinatorFactory())
    (notification,) = Notification.objects.filter(letter=letter)
    # and the prisoner's year of birth entered, the hold released, before the e-mail goes
    prisoner.birth_year = 1963
    prisoner.save(update_fields=["birth_year"])
    dispatch.letter_release_hold(letter_id=letter.pk, actor=None)

    # when the e-mail is sent
    assert notifications.notification_send(notification_id=notification.pk) is True

    # then it tells the letter as it is: ready, with the next batch
    (message,) = outbox
    assert message.subject == f"Your letter is translated ({letter.reference})"
    for text in _both(message):
        assert "It will go out with our next batch of letters." in text
        assert "It cannot go out just yet" not in text
