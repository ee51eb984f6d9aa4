"""core.csrf.get_token, the cached pages' CSRF token, holds to Django's own: the same form,
the same effect on the request, and accepted by CsrfViewMiddleware."""

import re
from collections import Counter

from django.http import HttpRequest, HttpResponse
from django.middleware import csrf as django_csrf
from django.middleware.csrf import CsrfViewMiddleware
from django.test import RequestFactory

from core import csrf

TOKEN = re.compile(rf"[{re.escape(django_csrf.CSRF_ALLOWED_CHARS)}]{{64}}")


def test_a_first_time_visitor_gets_a_new_secret_and_a_token_that_unmasks_to_it():
    # given a request with no CSRF cookie
    request = HttpRequest()

    # when a token is made for it
    token = csrf.get_token(request)

    # then Django's middleware would set the new secret as the cookie, and the token is
    # a masked form of that secret, as Django's get_token makes it
    secret = request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert len(secret) == django_csrf.CSRF_SECRET_LENGTH
    assert TOKEN.fullmatch(token)
    assert django_csrf._unmask_cipher_token(token) == secret


def test_a_returning_visitor_keeps_their_secret_and_each_token_is_masked_afresh():
    # given a request whose CSRF cookie the middleware has read
    request = HttpRequest()
    request.META["CSRF_COOKIE"] = "k" * django_csrf.CSRF_SECRET_LENGTH

    # when two tokens are made
    first, second = csrf.get_token(request), csrf.get_token(request)

    # then both unmask to the visitor's secret, and differ (BREACH)
    assert request.META["CSRF_COOKIE"] == "k" * django_csrf.CSRF_SECRET_LENGTH
    assert first != second
    assert django_csrf._unmask_cipher_token(first) == "k" * django_csrf.CSRF_SECRET_LENGTH
    assert django_csrf._unmask_cipher_token(second) == "k" * django_csrf.CSRF_SECRET_LENGTH


def test_the_token_is_accepted_by_djangos_csrf_check_on_the_post():
    # given the cookie and the token a cached page gave a new visitor
    page_request = RequestFactory().get("/")
    middleware = CsrfViewMiddleware(lambda request: HttpResponse())
    middleware.process_request(page_request)
    token = csrf.get_token(page_request)
    response = middleware.process_response(page_request, HttpResponse())
    cookie = response.cookies["csrftoken"].value

    # when the form is posted with them
    post = RequestFactory().post("/", {"csrfmiddlewaretoken": token})
    post.COOKIES["csrftoken"] = cookie
    middleware.process_request(post)
    refusal = middleware.process_view(post, lambda request: HttpResponse(), (), {})

    # then Django's check lets it through
    assert refusal is None


def test_the_letters_are_drawn_from_the_whole_alphabet_without_bias():
    # given many secrets
    letters = Counter("".join(csrf.random_string() for _ in range(4000)))

    # then every allowed letter appears, none outside it, each near its share (128,000 / 62)
    assert set(letters) == set(django_csrf.CSRF_ALLOWED_CHARS)
    share = sum(letters.values()) / len(django_csrf.CSRF_ALLOWED_CHARS)
    assert all(0.85 * share < count < 1.15 * share for count in letters.values())
