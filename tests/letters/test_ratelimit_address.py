from django.test import RequestFactory

from letters.ratelimit import client_address


def test_without_a_proxy_the_connection_address_counts(settings):
    settings.LETTERBRIDGE_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "203.0.113.5"


def test_behind_one_proxy_the_last_forwarded_address_counts_not_what_the_client_claims(settings):
    settings.LETTERBRIDGE_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert client_address(request) == "198.51.100.7"


def test_a_missing_header_behind_a_proxy_falls_back_to_the_connection(settings):
    settings.LETTERBRIDGE_PROXY_COUNT = 2
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert client_address(request) == "10.0.0.2"
