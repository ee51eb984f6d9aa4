"""The whole-page cache of the public pages (core.pagecache): what is stored, for whom, how a
change shows at once, and that every visitor still gets a working CSRF token."""

import re
import threading

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from core import pagecache
from letters.models import Letter
from tests.factories import CoordinatorFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def _token(response) -> str:
    match = TOKEN.search(response.content.decode())
    assert match, "the page has no CSRF token"
    return match.group(1)


def _letter(prisoner, token: str, **extra) -> dict:
    return {
        "csrfmiddlewaretoken": token,
        "prisoner": prisoner.slug,
        "supporter_name": "Ada Lovelace",
        "supporter_email": "ada@example.org",
        "supporter_country": "GB",
        "language": "en",
        "original_text": "Dear friend, you are not forgotten. We think of you every day.",
        "delivery": "return_to_me",
        "postage_currency": "GBP",
        "consent": "on",
        "website": "",
        **extra,
    }


@pytest.mark.parametrize(
    "name,args,params",
    [
        ("prisoners:list", [], {}),
        ("prisoners:list", [], {"sort": "fewest", "page": "1"}),
        ("prisoners:detail", ["slug"], {}),
        ("letters:write", [], {"to": "slug"}),
    ],
)
def test_a_public_page_is_rendered_once_then_served_from_the_cache(
    name, args, params, django_assert_num_queries
):
    # given a prisoner and an anonymous visitor who has opened the page once
    prisoner = PrisonerWithAddressFactory()
    url = reverse(name, args=[prisoner.slug for _ in args])
    params = {k: prisoner.slug if v == "slug" else v for k, v in params.items()}
    first = Client().get(url, params)
    assert first.status_code == 200
    assert first[pagecache.HIT_HEADER] == "miss"

    # when another visitor opens it
    with django_assert_num_queries(0):
        second = Client().get(url, params)

    # then the page comes from the cache, with no query, and looks the same
    assert second.status_code == 200
    assert second[pagecache.HIT_HEADER] == "hit"
    assert TOKEN.sub("", second.content.decode()) == TOKEN.sub("", first.content.decode())


def test_each_visitor_of_a_cached_page_gets_their_own_working_token_and_cookie():
    # given a prisoner's page already in the cache
    prisoner = PrisonerWithAddressFactory()
    url = reverse("prisoners:detail", args=[prisoner.slug])
    Client().get(url)

    # when two new visitors (CSRF checks on) open it
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_a, page_b = alice.get(url), bob.get(url)

    # then each is served from the cache with a token of their own and the CSRF cookie set
    assert page_a[pagecache.HIT_HEADER] == page_b[pagecache.HIT_HEADER] == "hit"
    assert "csrftoken" in page_a.cookies and "csrftoken" in page_b.cookies
    assert page_a.cookies["csrftoken"].value != page_b.cookies["csrftoken"].value
    assert pagecache.PLACEHOLDER.decode() not in page_a.content.decode()
    # and the form on the cached page posts: the letter is accepted
    posted = alice.post(reverse("letters:write"), _letter(prisoner, _token(page_a)))
    assert posted.status_code == 302
    assert Letter.objects.filter(prisoner=prisoner).count() == 1
    # and someone else's token does not pass for Bob
    refused = bob.post(reverse("letters:write"), _letter(prisoner, "x" * 64))
    assert refused.status_code == 403


def test_a_change_to_a_prisoner_shows_at_once():
    # given the directory and a prisoner's page in the cache
    prisoner = PrisonerWithAddressFactory(name_en="Ivan Before")
    detail = reverse("prisoners:detail", args=[prisoner.slug])
    Client().get(reverse("prisoners:list"))
    Client().get(detail)

    # when a coordinator renames him and he stops accepting letters
    prisoner.name_en = "Ivan After"
    prisoner.accepts_letters = False
    prisoner.save()

    # then both pages show the change on the next visit
    listing = Client().get(reverse("prisoners:list")).content.decode()
    page = Client().get(detail).content.decode()
    assert "Ivan After" in listing and "Ivan Before" not in listing
    assert "Ivan After" in page
    assert "We cannot forward letters to this person." in page


def test_a_new_prisoner_appears_on_the_cached_letter_form_at_once():
    # given the letter form (with its list of prisoners) in the cache
    PrisonerWithAddressFactory(name_en="Anna First")
    Client().get(reverse("letters:write"))

    # when a prisoner is added
    PrisonerWithAddressFactory(name_en="Boris Second")

    # then the form lists him
    assert "Boris Second" in Client().get(reverse("letters:write")).content.decode()


def test_a_public_page_knows_nothing_of_a_staff_sign_in(client):
    # given a public page cached for anonymous visitors (public paths run no session or
    # sign-in middleware: settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH)
    PrisonerWithAddressFactory()
    url = reverse("prisoners:list")
    Client().get(url)
    stored = cache.get(pagecache.page_key(_request(url), "en"))
    coordinator = CoordinatorFactory(username="cora-the-coordinator")

    # when a signed-in coordinator opens it
    client.force_login(coordinator)
    response = client.get(url)

    # then they get the public page, with nothing of theirs in it, and the stored page is unchanged
    assert response.status_code == 200
    assert coordinator.username not in response.content.decode()
    assert cache.get(pagecache.page_key(_request(url), "en")) == stored


def test_where_sign_in_runs_a_signed_in_users_request_is_never_cached():
    # given a request on a path that runs the sign-in middleware, from a signed-in user
    request = _request(reverse("letters:write"))
    request.user = CoordinatorFactory()

    # then the cache neither serves nor stores it; an anonymous one may be
    assert not pagecache.cacheable_request(request, params=())
    anonymous = _request(reverse("letters:write"))
    assert pagecache.cacheable_request(anonymous, params=())


def _request(url: str):
    return RequestFactory().get(url)


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page_that_is_not_stored(settings):
    # given a cached page on a path that runs the messages middleware (none of the public pages
    # does today; a deployment may add it) and a visitor with a message waiting
    table = dict(settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH)
    table["/letters/"] = settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH["/letters/track/"]
    settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH = table
    PrisonerWithAddressFactory()
    url = reverse("letters:write")
    Client().get(url)
    visitor = Client()
    storage = CookieStorage(RequestFactory().get("/"))
    encoded = storage._encode([_message("Your letter is cancelled.")])
    visitor.cookies[CookieStorage.cookie_name] = encoded

    # when the visitor opens the page
    response = visitor.get(url)

    # then they see their message on a page rendered for them, and nobody else does
    assert "Your letter is cancelled." in response.content.decode()
    assert pagecache.HIT_HEADER not in response
    assert "Your letter is cancelled." not in Client().get(url).content.decode()


def _message(text: str):
    from django.contrib.messages.storage.base import Message

    return Message(message_levels.SUCCESS, text)


def test_unknown_query_parameters_and_errors_are_not_cached():
    # given a directory and a query string the view does not read
    PrisonerWithAddressFactory()
    url = reverse("prisoners:list")

    # when it is opened twice with a tracking parameter, and a missing prisoner is asked for
    Client().get(url, {"utm_source": "x"})
    again = Client().get(url, {"utm_source": "x"})
    missing = Client().get(reverse("prisoners:detail", args=["nobody-here"]))

    # then neither is served from (or put in) the cache
    assert again.status_code == 200 and pagecache.HIT_HEADER not in again
    assert missing.status_code == 404 and pagecache.HIT_HEADER not in missing


def test_a_response_that_sets_another_cookie_or_says_private_is_not_stored():
    # given a view that sets a cookie of its own, and one that says private
    def with_cookie(request):
        response = HttpResponse("hello")
        response.set_cookie("tracking", "1")
        return response

    def private_page(request):
        response = HttpResponse("secret")
        response["Cache-Control"] = "private, no-store"
        return response

    # when each is rendered through the decorator twice
    for view in (with_cookie, private_page):
        wrapped = pagecache.public_page()(view)
        for _ in range(2):
            request = _anonymous(f"/{view.__name__}/")
            response = wrapped(request)

            # then it is never stored
            assert pagecache.HIT_HEADER not in response
        assert cache.get(pagecache.page_key(_anonymous(f"/{view.__name__}/"), "en")) is None


def _anonymous(path: str):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore

    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_the_cache_is_keyed_by_language():
    # given the directory cached in English
    PrisonerWithAddressFactory()
    url = reverse("prisoners:list")
    english = Client().get(url)

    # when a visitor who chose Russian opens it
    russian = Client()
    russian.cookies["django_language"] = "ru"
    page = russian.get(url)

    # then they get the Russian page, not the cached English one
    assert '<html lang="ru">' in page.content.decode()
    assert '<html lang="en">' in english.content.decode()


@override_settings(LETTERBRIDGE_PUBLIC_PAGE_SECONDS=0)
def test_the_cache_can_be_turned_off():
    # given the cache turned off
    PrisonerWithAddressFactory()

    # when the directory is opened twice
    Client().get(reverse("prisoners:list"))
    second = Client().get(reverse("prisoners:list"))

    # then both are rendered
    assert pagecache.HIT_HEADER not in second


def test_one_rebuild_at_a_time_on_a_cold_cache():
    # given a slow page, nothing cached, and eight visitors arriving at once
    renders = []
    started = threading.Event()

    def slow(request):
        renders.append(1)
        started.set()
        threading.Event().wait(0.5)
        return HttpResponse("the directory")

    wrapped = pagecache.public_page()(slow)
    answers = []

    def visit():
        answers.append(wrapped(_anonymous("/slow/")))

    # when they all ask for it
    threads = [threading.Thread(target=visit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then it is rendered once and every visitor gets it
    assert len(renders) == 1
    assert [a.content for a in answers] == [b"the directory"] * 8
    assert sorted(a[pagecache.HIT_HEADER] for a in answers) == ["hit"] * 7 + ["miss"]


def test_a_stale_page_is_served_while_another_request_rebuilds_it():
    # given a page in the cache that has gone stale, and a rebuild under way
    wrapped = pagecache.public_page()(lambda request: HttpResponse("new"))
    request = _anonymous("/stale/")
    key = pagecache.page_key(request, "en")
    version = cache.get(pagecache.VERSION_KEY) or "v1"
    cache.set(pagecache.VERSION_KEY, version, timeout=None)
    cache.set(
        key,
        {"version": version, "fresh_until": 0, "body": b"old", "content_type": "text/html"},
    )
    cache.add(f"{key}:lock", 1)

    # when a visitor asks for it
    response = wrapped(request)

    # then they get the stale copy at once rather than a second rebuild
    assert response.content == b"old"
    assert response[pagecache.HIT_HEADER] == "stale"


def test_a_page_whose_token_the_cache_cannot_replace_is_not_stored():
    # given a page that writes a CSRF token in a form the cache does not recognise
    def odd_token(request):
        from django.middleware.csrf import get_token

        return HttpResponse(f"<meta name='csrfmiddlewaretoken' content='{get_token(request)}'>")

    wrapped = pagecache.public_page()(odd_token)

    # when it is rendered
    response = wrapped(_anonymous("/odd/"))

    # then it is answered but not stored (it would hand this visitor's token to everyone)
    assert response.status_code == 200
    assert pagecache.HIT_HEADER not in response
    assert cache.get(pagecache.page_key(_anonymous("/odd/"), "en")) is None


def test_a_waiting_visitor_renders_the_page_when_the_rebuild_gave_up():
    # given a cold page whose rebuild was started elsewhere and then abandoned (no copy stored)
    wrapped = pagecache.public_page()(lambda request: HttpResponse("rendered here"))
    request = _anonymous("/abandoned/")
    key = pagecache.page_key(request, "en")
    cache.set(f"{key}:lock", 1, timeout=1)

    # when a visitor asks for it
    response = wrapped(request)

    # then they wait only until the lock is gone, and get a page rendered for them
    assert response.content == b"rendered here"


@pytest.mark.parametrize(
    "name,params",
    [
        ("prisoners:list", {"sort": "made-up"}),
        ("prisoners:list", {"page": "99999"}),
        ("prisoners:list", {"page": "01"}),
        ("letters:write", {"to": "nobody-listed"}),
    ],
)
def test_made_up_query_strings_are_answered_but_never_stored(name, params):
    # given a prisoner, and an address with a sort, a page or a prisoner that does not exist
    PrisonerWithAddressFactory()
    url = reverse(name)

    # when it is opened twice
    first = Client().get(url, params)
    second = Client().get(url, params)

    # then each is rendered (the page the view falls back to) and nothing is stored for it
    assert first.status_code == second.status_code == 200
    assert pagecache.HIT_HEADER not in first and pagecache.HIT_HEADER not in second
    assert cache.get(pagecache.page_key(second.wsgi_request, "en")) is None


def test_a_hit_within_a_second_is_served_from_this_process_without_asking_redis(monkeypatch):
    # given a prisoner's page cached, then served once more (this process now holds a copy)
    prisoner = PrisonerWithAddressFactory()
    url = reverse("prisoners:detail", args=[prisoner.slug])
    Client().get(url)
    Client().get(url)
    reads = []
    real_read = pagecache._read
    monkeypatch.setattr(pagecache, "_read", lambda key: reads.append(key) or real_read(key))

    # when the next visitors open it within the second
    pages = [Client(enforce_csrf_checks=True).get(url) for _ in range(3)]

    # then Redis is not asked, and each still gets the page with a token of their own
    assert reads == []
    assert {page[pagecache.HIT_HEADER] for page in pages} == {"hit"}
    assert len({_token(page) for page in pages}) == 3


def test_a_change_made_in_another_process_shows_once_the_local_second_has_passed(monkeypatch):
    # given a prisoner's page cached and held in this process
    prisoner = PrisonerWithAddressFactory(name_en="Ivan Before")
    url = reverse("prisoners:detail", args=[prisoner.slug])
    Client().get(url)
    assert "Ivan Before" in Client().get(url).content.decode()

    # when another process renames him (its receivers bump the version in Redis, not here)
    type(prisoner).objects.filter(pk=prisoner.pk).update(name_en="Ivan After")
    cache.set(pagecache.VERSION_KEY, "another-process", timeout=None)

    # then within the second this process may still serve its copy...
    assert "Ivan Before" in Client().get(url).content.decode()
    # ...and once it has passed, the next visitor gets the new page
    monkeypatch.setattr(pagecache._local, "version_until", 0.0)
    page = Client().get(url)
    assert "Ivan After" in page.content.decode()
    assert page[pagecache.HIT_HEADER] == "miss"
