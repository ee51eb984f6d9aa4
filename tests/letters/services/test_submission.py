"""letters.services.submission: the supporter writes a letter."""

import pytest

from letters import tokens
from letters.models import Letter
from letters.selectors import letter_by_token
from letters.services import core
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
