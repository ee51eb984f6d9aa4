"""The "Claim next" button runs as few queries as the claim itself needs: the user, the volunteer's
profile (locked), the count of letters they hold, the oldest waiting letter (locked), its
event and its update. The session and the permissions come from Redis."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from letters.models import Letter
from tests.factories import LetterFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def test_claim_next_runs_eight_queries_at_most_and_none_for_the_session(client):
    # given a signed-in volunteer who has opened the queue once, and letters waiting
    volunteer = VolunteerFactory()
    for _ in range(3):
        LetterFactory(language="en")
    client.force_login(volunteer)
    client.get(reverse("admin:letters_letter_desk_queue"))
    # when they press "Claim next"
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("admin:letters_letter_desk_claim_next"))
    # then they hold the oldest letter and the request ran 8 queries (13 before: the session,
    # two for permissions, the profile three times), the test's savepoint pair included
    assert response.status_code == 302
    assert Letter.objects.filter(claimed_by=volunteer, status="in_translation").count() == 1
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) <= 8, "\n".join(sql)
    assert not [q for q in sql if "django_session" in q or "auth_permission" in q]
