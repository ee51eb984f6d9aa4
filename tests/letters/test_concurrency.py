"""Claims under contention, on PostgreSQL with real row locks: one thread per volunteer, each
with its own connection, released together by a barrier."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from letters.models import Letter, LetterEvent
from letters.services import core, submission, translation
from tests.factories import LetterFactory, PrisonerFactory, VolunteerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _race(volunteers, work):
    barrier = threading.Barrier(len(volunteers))
    outcomes, errors = [], []

    def run(volunteer):
        try:
            barrier.wait(timeout=30)
            outcomes.append(("ok", volunteer.pk, work(volunteer).pk))
        except core.LetterError as refusal:
            outcomes.append(("refused", volunteer.pk, type(refusal).__name__))
        except Exception as error:  # noqa: BLE001 - any other error fails the test below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(v,)) for v in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(outcomes) == len(volunteers)
    return outcomes


def test_twenty_volunteers_claim_one_letter_exactly_one_wins():
    letter = LetterFactory()
    volunteers = [VolunteerFactory() for _ in range(20)]

    outcomes = _race(
        volunteers, lambda v: translation.letter_claim(letter_id=letter.pk, volunteer=v)
    )

    winners = [o for o in outcomes if o[0] == "ok"]
    refusals = [o for o in outcomes if o[0] == "refused"]
    assert len(winners) == 1
    assert len(refusals) == 19 and {o[2] for o in refusals} == {"InvalidTransition"}
    letter.refresh_from_db()
    assert letter.status == Letter.Status.IN_TRANSLATION
    assert letter.claimed_by_id == winners[0][1]
    assert LetterEvent.objects.filter(letter=letter, action="claim").count() == 1


def test_claim_next_twenty_threads_ten_letters_each_claimed_once():
    letters = [LetterFactory(language="en") for _ in range(10)]
    volunteers = [VolunteerFactory() for _ in range(20)]

    outcomes = _race(volunteers, lambda v: translation.letter_claim_next(volunteer=v))

    claimed = [o[2] for o in outcomes if o[0] == "ok"]
    assert sorted(claimed) == sorted(letter.pk for letter in letters)
    assert Counter(o[2] for o in outcomes if o[0] == "refused") == {"NothingToClaim": 10}
    claims = Counter(LetterEvent.objects.filter(action="claim").values_list("letter_id", flat=True))
    assert set(claims.values()) == {1} and len(claims) == 10


def test_one_volunteer_in_many_tabs_never_exceeds_the_limit():
    volunteer = VolunteerFactory()
    volunteer.volunteer_profile.claim_limit = 2
    volunteer.volunteer_profile.save()
    for _ in range(10):
        LetterFactory(language="en")

    outcomes = _race([volunteer] * 8, lambda v: translation.letter_claim_next(volunteer=v))

    assert sum(1 for o in outcomes if o[0] == "ok") == 2
    assert Letter.objects.filter(claimed_by=volunteer).count() == 2


def test_a_double_click_sends_one_letter():
    # given the same letter sent twice at the same instant (a double click on Send)
    prisoner = PrisonerFactory()
    barrier = threading.Barrier(2)
    tokens, errors = [], []

    def send():
        try:
            barrier.wait(timeout=30)
            sent = submission.letter_submit(
                prisoner_id=prisoner.pk,
                supporter_name="Anna",
                supporter_email="anna@example.org",
                language="en",
                original_text="Dear Bakhrom, the first snow fell today.",
                delivery=Letter.Delivery.RETURN_TO_ME,
            )
            tokens.append(sent.token)
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then one letter is made, and both sendings get its page
    assert not errors, errors
    assert Letter.objects.count() == 1
    assert len(tokens) == 2 and tokens[0] == tokens[1]
