import pytest
from django.urls import reverse

from letters import tokens
from tests.factories import LetterFactory, PrisonerFactory

pytestmark = pytest.mark.django_db


def test_prisoner_list_and_detail(client):
    prisoner = PrisonerFactory(name_en="Bakhrom Khamroev")
    response = client.get(reverse("prisoners:list"))
    assert response.status_code == 200
    assert "Bakhrom Khamroev" in response.content.decode()
    detail = client.get(reverse("prisoners:detail", args=[prisoner.slug]))
    assert detail.status_code == 200
    assert client.get(reverse("prisoners:detail", args=["nobody"])).status_code == 404


def test_tracking_page_needs_the_secret_token(client):
    letter = LetterFactory()
    token = tokens.token_for(salt=letter.tracking_salt)
    response = client.get(reverse("letters:track", args=[token]))
    assert response.status_code == 200
    assert letter.reference in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(reverse("letters:track", args=["0" * 43])).status_code == 404
    assert client.get(reverse("letters:track", args=["x" * 500])).status_code == 404
