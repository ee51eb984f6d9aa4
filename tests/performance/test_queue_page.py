"""The volunteers' queue (25 letters a page) loads what it shows and no more: no letter text
nor supporter field is decrypted, the volunteer's profile is read once, and its forms (two a
row) share one CSRF token that Django accepts."""

import dataclasses
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import crypto
from letters.models import Letter
from letters.selectors import SUPPORTER_FIELDS
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:letters_letter_desk_queue")


@pytest.fixture
def decrypts(monkeypatch):
    calls = []
    decrypt = crypto.decrypt

    def counting(value):
        calls.append(value)
        return decrypt(value)

    monkeypatch.setattr(crypto, "decrypt", counting)
    return calls


@pytest.fixture
def waiting():
    prisoner = PrisonerWithAddressFactory()
    return [
        LetterFactory(prisoner=prisoner, email_subject="Re: hello", translation="черновик")
        for _ in range(30)
    ]


@pytest.mark.parametrize("who", ["volunteer", "coordinator"])
def test_the_queue_decrypts_nothing(client, decrypts, waiting, who, request):
    client.force_login(request.getfixturevalue(who))
    client.get(QUEUE)
    decrypts.clear()
    response = client.get(QUEUE)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 25
    assert decrypts == []
    # and a row holds what the queue shows, no text and no supporter field
    shown = {field.name for field in dataclasses.fields(rows[0]["letter"])}
    assert shown == {"pk", "reference", "language", "created_at", "length", "prisoner"}
    assert not shown & (set(SUPPORTER_FIELDS) | {"original_text", "translation", "signature_ru"})


def test_the_profile_is_read_once_and_queries_do_not_grow(client, volunteer):
    prisoner = PrisonerWithAddressFactory()
    client.force_login(volunteer)

    def queries() -> list[str]:
        client.get(QUEUE)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return [q["sql"] for q in captured]

    for _ in range(3):
        LetterFactory(prisoner=prisoner)
    small = queries()
    for _ in range(40):
        LetterFactory(prisoner=prisoner)
    large = queries()
    assert len(large) == len(small)
    assert sum("letters_volunteerprofile" in sql for sql in large) == 1


def test_a_row_claims_with_the_pages_token(volunteer, waiting):
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    page = client.get(QUEUE).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert len(tokens) == 1  # one token for the page's 26 forms
    oldest = Letter.objects.filter(status=Letter.Status.RECEIVED).order_by("created_at", "pk")[0]
    claim = reverse("admin:letters_letter_desk_claim", args=[oldest.pk])
    assert f'action="{claim}"' in page
    response = client.post(claim, {"csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code == 302
    oldest.refresh_from_db()
    assert (oldest.status, oldest.claimed_by_id) == (Letter.Status.IN_TRANSLATION, volunteer.pk)
