"""letters.services.submission: the supporter writes a letter."""

import pytest

from letters import tokens
from letters.models import Letter, LetterEvent
from letters.selectors import letter_by_token
from letters.services import core
from letters.services.core import LetterError, NotPermitted
from tests.factories import PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


def test_submit_saves_received_letter_with_event_and_hashed_token(submit):
    # given a prisoner with an address
    prisoner = PrisonerWithAddressFactory()
    # when a supporter writes to them
    submitted = submit(prisoner)
    # then the letter is received, postage due, under a fresh reference
    letter = Letter.objects.get(pk=submitted.letter.pk)
    assert letter.status == S.RECEIVED
    assert letter.postage == Letter.Postage.DUE
    assert letter.reference.startswith("LB-") and len(letter.reference) == 11
    # and only the token's hash is stored, the token long enough and finding only this letter
    assert submitted.token not in letter.tracking_token_hash
    assert letter.tracking_token_hash == tokens.token_hash(submitted.token)
    assert len(submitted.token) * 4 >= 128  # hex characters: at least 128 bits
    assert letter_by_token(token=submitted.token) == letter
    # and its history starts with the submission
    event = letter.events.get()
    assert (event.from_status, event.to_status, event.action) == ("", S.RECEIVED, "submit")


def test_submit_return_to_me_needs_no_postage(submit):
    # given a supporter who will post the letter themselves
    # when they submit it (with a currency left over from the form)
    letter = submit(PrisonerFactory(), delivery="return_to_me", postage_currency="GBP").letter
    # then no postage is asked for
    assert (letter.postage, letter.postage_currency) == (Letter.Postage.NOT_NEEDED, "")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"original_text": "   "}, "empty"),
        ({"original_text": "\u200b\ufeff\u202e"}, "empty"),
        ({"original_text": "x" * 10_001}, "longer than"),
        ({"postage_currency": "JPY"}, "currency"),
        ({"delivery": "pigeon"}, "delivered"),
    ],
)
def test_submit_refuses_bad_input_and_saves_nothing(submit, overrides, message):
    # given a letter with one thing wrong
    # when it is submitted, then it is refused with why
    with pytest.raises(core.LetterError, match=message):
        submit(PrisonerFactory(), **overrides)
    # and nothing is saved
    assert not Letter.objects.exists()


def test_submit_refuses_prisoner_who_accepts_no_letters(submit):
    # given a released prisoner who no longer takes letters through us
    prisoner = PrisonerFactory(status="released", accepts_letters=False)
    # when a letter is submitted to them, then it is refused and nothing is saved
    with pytest.raises(core.NotAcceptingLetters):
        submit(prisoner)
    assert not Letter.objects.exists()


def test_a_letter_that_came_by_email_keeps_its_thread_and_says_how_it_came(submit, coordinator):
    # when a coordinator enters a letter that came by e-mail
    letter = submit(
        PrisonerFactory(),
        source=Letter.Source.EMAIL,
        email_message_id="<abc@mail.example.org>",
        email_subject="Letter for Bakhrom",
        actor=coordinator,
    ).letter
    # then it is received like any letter, keeps the thread, and its history says so
    assert (letter.status, letter.source) == (Letter.Status.RECEIVED, Letter.Source.EMAIL)
    assert letter.email_message_id == "<abc@mail.example.org>"
    note = LetterEvent.objects.get(letter=letter, kind=LetterEvent.Kind.NOTE)
    assert (note.action, note.actor) == ("came_by_email", coordinator)


def test_only_a_coordinator_enters_an_emailed_letter(submit, volunteer):
    with pytest.raises(NotPermitted):
        submit(PrisonerFactory(), source=Letter.Source.EMAIL, actor=volunteer)
    with pytest.raises(NotPermitted):
        submit(PrisonerFactory(), source=Letter.Source.EMAIL)
    assert Letter.objects.count() == 0


def test_a_form_letter_keeps_no_thread(submit):
    letter = submit(PrisonerFactory(), email_message_id="<forged@example.org>").letter
    assert (letter.source, letter.email_message_id) == (Letter.Source.FORM, "")


def test_what_runs_after_saving_can_undo_the_letter(submit):
    # given a step that refuses after the letter is saved (as the Inbox does for an e-mail
    # another coordinator made a letter a moment before)
    def refuse(letter):
        raise LetterError("already a letter")

    # when the letter is submitted with it, then nothing is saved
    with pytest.raises(LetterError):
        submit(PrisonerFactory(), then=refuse)
    assert Letter.objects.count() == 0 and LetterEvent.objects.count() == 0


def test_direction_controls_never_reach_the_desk_or_the_envelope(submit):
    # given a name and a letter carrying right-to-left overrides and isolates, which would show
    # the reference after the name backwards on the desk and a sentence in another order than
    # the translator reads it
    name = "Anna\u202e321-BL\u202c"
    text = "Dear friend,\u2067 hidden order\u2069 we think of you.\u202d"

    letter = Letter.objects.get(pk=submit(PrisonerFactory(), supporter_name=name,
                                          original_text=text).letter.pk)  # fmt: skip

    # then they are stored without them, the words kept
    assert letter.supporter_name == "Anna321-BL"
    assert letter.original_text == "Dear friend, hidden order we think of you."
    assert letter.original_length == len(letter.original_text)
    assert "\u202e" not in letter.signature_ru and letter.signature_ru.startswith("Анна")
