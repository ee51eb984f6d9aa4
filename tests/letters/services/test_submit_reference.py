"""A new letter's reference: a collision with an existing one retries the whole transaction
under a new reference (no savepoint around the insert), and leaves nothing half-written."""

import pytest

from letters import tokens
from letters.models import Letter, LetterEvent, Notification
from letters.services import submission
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(prisoner):
    return submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Anna",
        supporter_email="anna@example.org",
        language="en",
        original_text="Dear friend, you are not forgotten.",
        delivery="return_to_me",
    )


def test_a_taken_reference_is_replaced_by_a_new_one(monkeypatch):
    # given a letter that holds a reference, and a generator that offers it again first
    existing = LetterFactory(reference="LB-TAKEN234")
    offered = iter(["LB-TAKEN234", "LB-FRESH567"])
    monkeypatch.setattr(tokens, "new_reference", lambda: next(offered))
    prisoner = PrisonerWithAddressFactory()

    # when a supporter's letter is submitted
    submitted = _submit(prisoner)

    # then it gets the fresh reference, submitted once, with one e-mail
    assert submitted.letter.reference == "LB-FRESH567"
    assert Letter.objects.filter(prisoner=prisoner).count() == 1
    assert LetterEvent.objects.filter(letter=submitted.letter, action="submit").count() == 1
    assert Notification.objects.filter(letter=submitted.letter).count() == 1
    existing.refresh_from_db()
    assert existing.reference == "LB-TAKEN234"


def test_another_integrity_error_is_not_retried(monkeypatch):
    # given a letter whose event cannot be written (a database refusal unrelated to references)
    calls = []
    real = tokens.new_reference

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(tokens, "new_reference", counting)
    prisoner = PrisonerWithAddressFactory()

    def refuse(letter):
        from django.db import IntegrityError

        raise IntegrityError("something else")

    # when it is submitted, then the error surfaces at once and no letter is left behind
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        submission.letter_submit(
            prisoner_id=prisoner.pk,
            supporter_name="Anna",
            supporter_email="anna@example.org",
            language="en",
            original_text="Dear friend.",
            delivery="return_to_me",
            then=refuse,
        )
    assert len(calls) == 1
    assert not Letter.objects.filter(prisoner=prisoner).exists()
