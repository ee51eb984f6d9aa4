""" "Claim next" pressed by many people at once, through the desk's view, on PostgreSQL with real
row locks: one thread per browser tab, each with its own connection, released together."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from letters.models import Letter, LetterEvent
from tests.factories import LetterFactory, VolunteerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 50
LETTERS = 20


def test_fifty_claim_next_presses_on_twenty_letters_claim_each_once_within_limits():
    # given 20 waiting letters and 25 volunteers with two tabs each (50 presses), limits 1 or 2
    letters = [LetterFactory(language="en") for _ in range(LETTERS)]
    volunteers = []
    for i in range(THREADS // 2):
        volunteer = VolunteerFactory()
        volunteer.volunteer_profile.languages = ["en"]
        volunteer.volunteer_profile.claim_limit = 1 if i % 2 else 2
        volunteer.volunteer_profile.save()
        volunteers.append(volunteer)
    tabs = []
    for volunteer in volunteers:
        for _tab in range(2):
            client = Client()
            client.force_login(volunteer)
            tabs.append(client)
    barrier = threading.Barrier(len(tabs))
    statuses, errors = [], []
    claim_next = reverse("admin:letters_letter_desk_claim_next")

    def press(client):
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(claim_next).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(repr(error))
        finally:
            connections.close_all()

    # when every tab presses "Claim next" at the same moment
    threads = [threading.Thread(target=press, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then no press failed, every letter was claimed exactly once, and nobody is over limit
    assert errors == []
    assert statuses == [302] * THREADS
    claims = Counter(LetterEvent.objects.filter(action="claim").values_list("letter_id", flat=True))
    assert sorted(claims) == sorted(letter.pk for letter in letters)
    assert set(claims.values()) == {1}
    assert not Letter.objects.filter(status=Letter.Status.RECEIVED).exists()
    held = Counter(
        Letter.objects.filter(status=Letter.Status.IN_TRANSLATION).values_list(
            "claimed_by_id", flat=True
        )
    )
    for volunteer in volunteers:
        assert held[volunteer.pk] <= volunteer.volunteer_profile.claim_limit
    assert sum(held.values()) == LETTERS
