"""The two middleware made cheaper for every request answer exactly as the ones they replace:
django-csp's header, and Django's choice of language."""

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import RequestFactory, override_settings
from django.utils import translation

from core.middleware import ContentSecurityPolicyMiddleware, LocaleMiddleware

factory = RequestFactory()


def _answer(middleware_class, request, response=None):
    return middleware_class(lambda r: response or HttpResponse("ok"))(request)


def test_the_built_once_policy_is_django_csps_header():
    # given the same plain request through django-csp's middleware and ours
    theirs = _answer(CSPMiddleware, factory.get("/"))
    ours = _answer(ContentSecurityPolicyMiddleware, factory.get("/"))
    # then both send the same policy
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    assert "default-src 'self'" in ours["Content-Security-Policy"]


def test_a_response_that_changes_the_policy_goes_through_django_csp():
    # given a view that adds Stripe as a form target for its response (as csp_update does)
    response = HttpResponse("ok")
    response._csp_update = {"form-action": ["https://checkout.stripe.com"]}  # type: ignore[attr-defined]
    # when it is answered, then the header carries the addition
    header = _answer(ContentSecurityPolicyMiddleware, factory.get("/"), response)[
        "Content-Security-Policy"
    ]
    assert "https://checkout.stripe.com" in header


def test_a_changed_setting_is_built_again():
    # given the policy built once
    _answer(ContentSecurityPolicyMiddleware, factory.get("/"))
    # when the setting changes, then the new policy is sent
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        header = _answer(ContentSecurityPolicyMiddleware, factory.get("/"))
    assert header["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.parametrize(
    ("cookie", "accept"),
    [
        (None, ""),
        ("ru", ""),
        (None, "ru-RU,ru;q=0.9,en;q=0.8"),
        (None, "de-DE,de;q=0.9"),
        ("xx", "ru"),
        ("en", "ru"),
        (None, "*"),
    ],
)
def test_the_language_is_djangos_choice_for_every_cookie_and_header(cookie, accept):
    # given a request with this language cookie and Accept-Language
    def request():
        made = factory.get("/prisoners/", HTTP_ACCEPT_LANGUAGE=accept) if accept else None
        made = made or factory.get("/prisoners/")
        if cookie is not None:
            made.COOKIES["django_language"] = cookie
        return made

    seen = {}

    def view(name):
        def answer(r):
            seen[name] = (r.LANGUAGE_CODE, translation.get_language())
            return HttpResponse("ok")

        return answer

    # when Django's middleware and ours answer it
    theirs = DjangoLocaleMiddleware(view("theirs"))(request())
    ours = LocaleMiddleware(view("ours"))(request())
    translation.deactivate()
    # then both chose the same language and say so in the same headers
    assert seen["ours"] == seen["theirs"]
    assert ours["Content-Language"] == theirs["Content-Language"]
    assert ours["Vary"] == theirs["Vary"]


def test_a_changed_default_language_is_chosen_again():
    # given the default chosen once
    seen = []

    def view(r):
        seen.append(r.LANGUAGE_CODE)
        return HttpResponse("ok")

    LocaleMiddleware(view)(factory.get("/"))
    # when the default language changes, then a request without preferences gets the new one
    with override_settings(LANGUAGE_CODE="ru"):
        LocaleMiddleware(view)(factory.get("/"))
    translation.deactivate()
    assert seen == ["en", "ru"]


def test_the_cache_keeps_one_redis_client_and_still_works():
    from django.core.cache import caches

    from core.cache import RedisCache

    # given the project's cache (Redis in the tests)
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    # when it is used for several calls, reading and writing
    cache.set("fast-middleware:client", {"n": 1}, 30)
    first = cache._cache.get_client(write=True)
    assert cache.get("fast-middleware:client") == {"n": 1}
    assert cache.get_many(["fast-middleware:client"]) == {"fast-middleware:client": {"n": 1}}
    # then each call used the same client, as Django's would not
    assert cache._cache.get_client(write=True) is first is cache._cache.get_client()
    cache.delete("fast-middleware:client")
    assert cache.get("fast-middleware:client") is None
