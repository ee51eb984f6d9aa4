"""Each path runs only the middleware it needs (settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH):
the staff's pages keep sessions, sign-in, the second factor, the audit and the lockouts; the
supporter's pages that show a message keep sessions and messages; the rest runs none of them."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import checks
from core.middleware import PathMiddleware
from tests.factories import LetterFactory, PrisonerWithAddressFactory

SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
MESSAGES = "django.contrib.messages.middleware.MessageMiddleware"
OTP = "django_otp.middleware.OTPMiddleware"
STAFF = [
    SESSION,
    AUTH,
    MESSAGES,
    OTP,
    "accounts.middleware.StaffSessionTimeoutMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "accounts.audit.LetterAccessAuditMiddleware",
    "axes.middleware.AxesMiddleware",
]


def _chain_classes(path: str) -> list[str]:
    """The dotted names of the middleware that run for ``path``, outermost first."""
    handler = PathMiddleware(lambda request: HttpResponse()).handler_for(path)
    names = []
    while hasattr(handler, "get_response"):
        names.append(f"{type(handler).__module__}.{type(handler).__qualname__}")
        handler = handler.get_response
    return names


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/", STAFF),
        ("/admin/login/", STAFF),
        ("/admin/letters/letter/desk/claim-next/", STAFF),
        ("/admin/coordination/", STAFF),
        ("/staff/2fa/setup/", STAFF),
        ("/letters/track/abc/", [SESSION, MESSAGES]),
        ("/letters/track/abc/cancel/", [SESSION, MESSAGES]),
        ("/letters/write/", []),
        ("/letters/find/", []),
        ("/payments/checkout/abc/", [SESSION, MESSAGES]),
        ("/payments/stripe/webhook/", []),
        ("/", []),
        ("/prisoners/someone/", []),
        ("/my-data/", []),
        ("/i18n/setlang/", []),
    ],
)
def test_each_path_runs_its_own_table_of_middleware(path, expected):
    # given the project's table; when the chain for a path is built; then it is exactly this
    assert _chain_classes(path) == expected


def test_the_checks_silenced_for_middleware_still_hold_on_the_admins_paths():
    # given the admin's and axes' checks silenced because MIDDLEWARE no longer lists them
    assert set(settings.SILENCED_SYSTEM_CHECKS) >= {"admin.E408", "admin.E409", "axes.W002"}
    # then every path the admin and the staff sign-in live on runs what those checks demand
    for path in ("/admin/", "/staff/"):
        chain = settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH[path]
        assert {SESSION, AUTH, MESSAGES, OTP, "axes.middleware.AxesMiddleware"} <= set(chain)
        assert chain.index(SESSION) < chain.index(AUTH) < chain.index(OTP)
    # and none of them also runs globally (twice on the staff's pages)
    assert not set(settings.MIDDLEWARE) & set(STAFF)


def test_the_longest_prefix_wins_and_other_paths_go_straight_on():
    # given a table with a prefix inside another
    table = {"/a/": [SESSION], "/a/b/": [SESSION, MESSAGES]}
    with override_settings(LETTERBRIDGE_MIDDLEWARE_BY_PATH=table):
        # when chains are built, then the nested prefix takes its own list
        assert _chain_classes("/a/b/c/") == [SESSION, MESSAGES]
        assert _chain_classes("/a/x/") == [SESSION]
        assert _chain_classes("/b/") == []


def test_a_middleware_with_view_hooks_is_refused_at_start_up():
    # given CSRF's middleware (it needs process_view) put in the per-path table
    table = {"/a/": ["django.middleware.csrf.CsrfViewMiddleware"]}
    with override_settings(LETTERBRIDGE_MIDDLEWARE_BY_PATH=table):
        # then building the middleware says so instead of running half of it
        with pytest.raises(ImproperlyConfigured, match="process_view"):
            PathMiddleware(lambda request: HttpResponse())


def test_the_request_sees_the_session_only_where_its_path_runs_one():
    # given two requests through the path middleware, one public and one to the admin
    seen = {}

    def view(request):
        seen[request.path] = (hasattr(request, "session"), hasattr(request, "user"))
        return HttpResponse()

    middleware = PathMiddleware(view)
    factory = RequestFactory()
    # when both are answered
    middleware(factory.get("/prisoners/"))
    middleware(factory.get("/admin/"))
    # then only the admin's request had a session and a user
    assert seen == {"/prisoners/": (False, False), "/admin/": (True, True)}


@pytest.mark.django_db
def test_public_pages_neither_read_nor_set_a_session(client):
    # given a prisoner in the directory, and a visitor who still sends a session cookie
    prisoner = PrisonerWithAddressFactory()
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
    # when the visitor opens the directory and the prisoner's page
    for url in (reverse("prisoners:list"), reverse("prisoners:detail", args=[prisoner.slug])):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        # then each page answers without looking the session up or setting one
        assert response.status_code == 200
        assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
        assert settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_a_supporters_cancel_still_shows_its_message_on_the_letters_page(client):
    # given a letter just received and its tracking link
    from letters import tokens

    letter = LetterFactory()
    token = tokens.token_for(salt=letter.tracking_salt)
    # when the supporter cancels it and follows the redirect to the letter's page
    response = client.post(reverse("letters:cancel", args=[token]), follow=True)
    # then the page says it is cancelled (the message travelled through the messages store)
    assert response.status_code == 200
    assert "Your letter is cancelled" in response.content.decode()


def test_the_admins_path_is_checked_at_start_up_in_place_of_the_silenced_checks():
    # given the project's table, the check finds nothing to say
    from core.checks import admin_path_middleware

    assert admin_path_middleware() == []
    # when the admin's path loses the messages and the lockouts
    table = dict(settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH)
    table["/admin/"] = [SESSION, AUTH]
    with override_settings(LETTERBRIDGE_MIDDLEWARE_BY_PATH=table):
        errors = admin_path_middleware()
    # then start-up says which are missing
    assert [e.id for e in errors] == ["core.E001"]
    assert MESSAGES in errors[0].msg and "axes.middleware.AxesMiddleware" in errors[0].msg
    # and with them in the wrong order it says so too
    table["/admin/"] = [AUTH, SESSION, MESSAGES, "axes.middleware.AxesMiddleware"]
    with override_settings(LETTERBRIDGE_MIDDLEWARE_BY_PATH=table):
        assert [e.id for e in admin_path_middleware()] == ["core.E002"]


def test_the_staff_language_must_be_one_the_site_has(settings):
    # given the staff's e-mail language set to one the site does not have, then the check says so
    settings.LETTERBRIDGE_STAFF_LANGUAGE = "de"
    (error,) = checks.staff_language()
    assert error.id == "core.E003" and "'de'" in error.msg and "en, ru" in error.hint
    # and a language the site has passes
    settings.LETTERBRIDGE_STAFF_LANGUAGE = "ru"
    assert checks.staff_language() == []
