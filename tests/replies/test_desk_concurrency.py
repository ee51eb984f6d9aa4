""" "Claim next" on replies pressed by many volunteers at once, through the desk's view, on
PostgreSQL with real row locks: each reply is claimed exactly once, nobody over their limit."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from replies.models import Reply, ReplyEvent
from replies.services import ReplyPart, replies_record
from tests.factories import CoordinatorFactory

from .conftest import jpeg, posted_letter, volunteer_in

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
THREADS = 16
REPLIES = 6


def test_sixteen_claim_next_presses_on_six_replies_claim_each_once():
    # given six waiting replies and eight volunteers with two tabs each, one reply at a time
    coordinator = CoordinatorFactory()
    for _ in range(REPLIES):
        replies_record(
            actor=coordinator,
            files=[("p.jpg", jpeg())],
            parts=[ReplyPart(posted_letter().pk)],
        )
    tabs = []
    for _ in range(THREADS // 2):
        volunteer = volunteer_in("en")
        volunteer.volunteer_profile.claim_limit = 1
        volunteer.volunteer_profile.save()
        for _tab in range(2):
            client = Client()
            client.force_login(volunteer)
            tabs.append(client)
    barrier = threading.Barrier(len(tabs))
    statuses, errors = [], []
    claim_next = reverse("admin:replies_reply_claim_next")

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

    # then no press failed, each reply was claimed once, and nobody holds more than one
    assert errors == [] and statuses == [302] * THREADS
    claimed = Reply.objects.filter(status=Reply.Status.TRANSCRIBING)
    assert claimed.count() == REPLIES
    assert max(Counter(claimed.values_list("claimed_by", flat=True)).values()) == 1
    assert ReplyEvent.objects.filter(action="claim").count() == REPLIES
