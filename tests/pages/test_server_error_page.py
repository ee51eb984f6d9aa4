"""When something breaks, the reader gets our own page in their language, saying the fault is
ours and how not to send a letter twice; not Django's bare "Server Error (500)"."""

import pytest
from django.test import Client, override_settings
from django.urls import include, path


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", _broken), path("", include("config.urls"))]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize(
    ("language", "says", "find"),
    [
        ("en", "Something went wrong on our side", "Find my letters"),
        ("ru", "У нас что-то сломалось", "Найти мои письма"),
    ],
)
def test_a_server_error_gets_our_page_in_the_readers_language(language, says, find):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language

    response = client.get("/broken/")

    body = response.content.decode()
    assert response.status_code == 500
    assert says in body and find in body
    assert f'<html lang="{language}">' in body
    assert "Server Error (500)" not in body
    assert 'href="/letters/find/"' in body
