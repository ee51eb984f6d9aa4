"""The coordinators' letter list (100 rows a page) loads only the columns it shows: not the
letters' texts nor the supporters' encrypted fields, whose decryption cost more than the rest
of the page. Its actions still act on the chosen letters, and the page's queries do not grow
with the letters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import crypto
from letters.models import Letter
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:letters_letter_changelist")
RECEIVED = LIST + "?status__exact=received"
ENCRYPTED = {
    "supporter_name",
    "supporter_email",
    "original_text",
    "translation",
    "signature_ru",
    "email_message_id",
    "email_subject",
}


@pytest.fixture
def decrypts(monkeypatch):
    calls = []
    decrypt = crypto.decrypt

    def counting(value):
        calls.append(value)
        return decrypt(value)

    monkeypatch.setattr(crypto, "decrypt", counting)
    return calls


def _letters(n: int, prisoner, **kwargs) -> None:
    for _ in range(n):
        LetterFactory(prisoner=prisoner, email_subject="Re: hello", **kwargs)


@pytest.mark.parametrize("url", [LIST, RECEIVED])
def test_the_list_decrypts_nothing(client, coordinator, decrypts, url):
    prisoner = PrisonerWithAddressFactory()
    _letters(30, prisoner)
    client.force_login(coordinator)
    client.get(url)  # warm: sessions, permissions, content types
    decrypts.clear()
    response = client.get(url)
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert len(rows) == 30
    assert decrypts == []
    assert ENCRYPTED <= rows[0].get_deferred_fields()


def test_a_volunteers_list_decrypts_nothing(client, volunteer, decrypts):
    _letters(5, PrisonerWithAddressFactory(), language="en")
    client.force_login(volunteer)
    decrypts.clear()
    response = client.get(LIST)
    assert len(response.context["cl"].result_list) == 5
    assert decrypts == []


def test_queries_stay_the_same_as_the_list_fills(client, coordinator):
    prisoners = [PrisonerWithAddressFactory() for _ in range(3)]
    client.force_login(coordinator)

    def count() -> int:
        client.get(RECEIVED)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(RECEIVED).status_code == 200
        return len(queries)

    _letters(3, prisoners[0])
    small = count()
    for prisoner in prisoners:
        _letters(40, prisoner)
    assert count() == small


def test_an_action_from_the_list_acts_on_whole_letters(client, coordinator):
    """Actions get the list's queryset, not the page's reduced rows: skipping translation
    copies each letter's text into its translation."""
    letters = [LetterFactory(language="ru", original_text=f"Привет, {i}") for i in range(3)]
    client.force_login(coordinator)
    response = client.post(
        RECEIVED,
        {"action": "skip_translation", "_selected_action": [x.pk for x in letters], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    for i, letter in enumerate(letters):
        letter.refresh_from_db()
        assert letter.status == Letter.Status.APPROVED
        assert letter.translation == f"Привет, {i}"
