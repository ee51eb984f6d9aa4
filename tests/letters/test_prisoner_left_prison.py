"""A prisoner who accepts no letters now (released, deceased, or a transfer nobody can trace):
the letters waiting for a translator to them are not offered by the queue or Claim next."""

import pytest
from django.urls import reverse
from django.utils import timezone

from letters import selectors
from letters.models import Letter
from letters.services import translation
from letters.services.core import NotAcceptingLetters, NothingToClaim
from prisoners.models import Prisoner
from tests.factories import LetterFactory, PrisonerWithAddressFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


def _prisoner(**kwargs) -> Prisoner:
    return PrisonerWithAddressFactory(gender=Prisoner.Gender.MALE, **kwargs)


# --- the queue and Claim next ----------------------------------------------------------------


def test_the_queue_and_claim_next_skip_letters_to_someone_who_accepts_no_letters():
    # given a volunteer reading English, the oldest waiting letter going to someone released,
    # and a newer one to someone in prison
    volunteer = VolunteerFactory()
    free = _prisoner(status=Prisoner.Status.RELEASED, accepts_letters=False)
    stranded = LetterFactory(prisoner=free, created_at=timezone.now())
    waiting = LetterFactory(prisoner=_prisoner())
    Letter.objects.filter(pk=stranded.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=3)
    )

    # when the volunteer opens the queue, then only the letter that can go is listed and counted
    queue = selectors.WaitingLetters(user=volunteer)
    assert [row.pk for row in queue[0:20]] == [waiting.pk]
    assert queue.bounded_count(50) == 1
    assert list(selectors.letters_queue(user=volunteer)) == [waiting]

    # and Claim next takes that one, then finds nothing more
    assert translation.letter_claim_next(volunteer=volunteer).pk == waiting.pk
    with pytest.raises(NothingToClaim):
        translation.letter_claim_next(volunteer=volunteer)
    # and the other, claimed by its id from a page opened before, is refused
    with pytest.raises(NotAcceptingLetters):
        translation.letter_claim(letter_id=stranded.pk, volunteer=volunteer)
    assert Letter.objects.get(pk=stranded.pk).status == S.RECEIVED


def test_the_queue_page_does_not_list_a_letter_to_someone_who_accepts_no_letters(client):
    volunteer = VolunteerFactory()
    stranded = LetterFactory(prisoner=_prisoner(accepts_letters=False))
    waiting = LetterFactory(prisoner=_prisoner())
    client.force_login(volunteer)

    page = client.get(reverse("admin:letters_letter_desk_queue")).content.decode()

    assert waiting.reference in page
    assert stranded.reference not in page
