"""Whole-page cache for the public pages an anonymous visitor reads (the prisoners' directory, a
prisoner's page, the empty letter form).

- **Only what is the same for everyone is stored.** The per-visitor CSRF token is cut out of the
  stored HTML and a fresh one is put back into every response (``get_token``, which also makes
  CsrfViewMiddleware set the CSRF cookie as on any rendered page). Never cached or served from
  the cache: a signed-in user's page, a page with messages waiting, a response that is not a 200,
  that says ``private``/``no-store``, or that sets a cookie other than the CSRF cookie, or that
  changed the session.
- **Keyed by language and path.** The language comes from the cookie that the GET language switch
  sets (core.middleware.LanguageSwitchMiddleware); a query string is cached only when it holds
  the parameters the view declares (others, e.g. tracking parameters, are rendered afresh).
- **Versioned.** One version for all public pages; ``bump()`` (called by the pages app's
  receivers when a prisoner or an address changes) makes every stored page stale at once.
- **Two levels.** Each process keeps the pages it served, and the version it last read from
  Redis for up to LOCAL_VERSION_SECONDS (1 s): a hit within that second is served from memory
  with no round trip; after it, one round trip reads the version and the page together. So a
  change shows at once in the process that made it and within a second in every other.
- **One rebuild at a time.** A stale or missing page is rebuilt by the request that takes its
  lock; the others serve the stale copy meanwhile (or, with none, wait a moment for the new one),
  so a cold directory does not run its queries once per waiting visitor.

LETTERBRIDGE_PUBLIC_PAGE_SECONDS (60) is how long a page is fresh; 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import get_language

from core.csrf import get_token

logger = logging.getLogger(__name__)
ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)

VERSION_KEY = "pagecache:version"
PLACEHOLDER = b"__LETTERBRIDGE_CSRF_TOKEN__"
# What {% csrf_token %} writes; the value is a masked token (64 letters and digits).
_TOKEN_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
# A stale copy is kept this many times the fresh period, to be served while one request rebuilds.
STALE_FACTOR = 10
LOCK_SECONDS = 30
WAIT_SECONDS = 10.0
WAIT_STEP = 0.05
HIT_HEADER = "X-Page-Cache"
# How long a process trusts the version it last read from Redis (see "Two levels" above).
LOCAL_VERSION_SECONDS = 1.0
# Pages a process keeps (each up to ~45 KB); past this the process forgets them all and
# starts again from Redis, which is simpler than an LRU and as good for a few hot pages.
LOCAL_MAX_PAGES = 256


class _Local:
    """This process's copy: the version read last and when, and the pages served under it.
    Shared by a worker's threads; each update replaces whole values, so a reader sees either
    the old state or the new one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.version: str | None = None
        self.version_until = 0.0
        self.pages: dict[str, dict[str, Any]] = {}

    def version_now(self) -> str | None:
        return self.version if time.monotonic() < self.version_until else None

    def remember_version(self, version: str) -> None:
        with self.lock:
            if version != self.version:
                self.pages = {}
            self.version = version
            self.version_until = time.monotonic() + LOCAL_VERSION_SECONDS

    def remember_page(self, key: str, entry: dict[str, Any]) -> None:
        with self.lock:
            if len(self.pages) >= LOCAL_MAX_PAGES:
                self.pages = {}
            self.pages[key] = entry


_local = _Local()


def reset_local() -> None:
    """Forget this process's copies (the tests call it when they empty the cache)."""
    _local.reset()


def fresh_seconds() -> int:
    return int(getattr(settings, "LETTERBRIDGE_PUBLIC_PAGE_SECONDS", 60))


def bump() -> None:
    """Make every stored public page stale (a prisoner, an address or the directory changed)."""
    _local.reset()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # a cache outage: pages expire on their own within the fresh period
        logger.warning("page cache: could not bump the version")


def page_key(request: HttpRequest, language: str) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"pagecache:page:{language}:{digest}"


def cacheable_request(request: HttpRequest, params: Iterable[str]) -> bool:
    if request.method not in ("GET", "HEAD") or fresh_seconds() <= 0:
        return False
    if any(name not in params for name in request.GET):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # Waiting messages are shown on the page, and only to this visitor (len() does not use them).
    return len(get_messages(request)) == 0


def not_stored(response: ResponseT) -> ResponseT:
    """Mark a page the view rendered for an address that is not the page's own (an unknown sort,
    a page number past the end, a prisoner who is not listed): answered, never stored, so that
    made-up query strings cannot fill the cache."""
    response._pagecache_not_stored = True  # type: ignore[attr-defined]
    return response


def cacheable_response(request: HttpRequest, response: HttpResponseBase) -> bool:
    if response.status_code != 200 or not isinstance(response, HttpResponse):
        return False
    if getattr(response, "_pagecache_not_stored", False):
        return False
    if response.streaming or getattr(response, "is_rendered", True) is False:
        return False
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control or "no-cache" in cache_control:
        return False
    if any(name != settings.CSRF_COOKIE_NAME for name in response.cookies):
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _with_token(request: HttpRequest, entry: dict[str, Any], state: str) -> HttpResponse:
    body = entry["body"]
    if PLACEHOLDER in body:
        body = body.replace(PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(body, content_type=entry["content_type"])
    response[HIT_HEADER] = state
    return response


def _store(key: str, version: str, response: HttpResponse) -> bool:
    body, replaced = _TOKEN_INPUT.subn(rb"\1" + PLACEHOLDER + rb"\2", response.content)
    if replaced != body.count(b"csrfmiddlewaretoken"):
        # A token written in some other form would be this visitor's, served to everyone.
        logger.warning("page cache: a CSRF token the cache cannot replace; page not stored")
        return False
    entry = {
        "version": version,
        "fresh_until": time.time() + fresh_seconds(),
        "body": body,
        "content_type": response["Content-Type"],
    }
    cache.set(key, entry, timeout=fresh_seconds() * STALE_FACTOR)
    if _local.version_now() == version:
        _local.remember_page(key, entry)
    return True


def _read(key: str) -> tuple[str | None, dict[str, Any] | None]:
    """The version and the page, in one round trip."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        found = backend.get_many([VERSION_KEY, key])
        return found.get(VERSION_KEY), found.get(key)
    # Django's RedisCache makes a new redis.Redis object on every call (a tenth of a hit's
    # CPU); keep one per backend instance (one per thread), on its own connection pool.
    client = getattr(backend, "_pagecache_client", None)
    if client is None:
        client = backend._cache.get_client(write=False)
        backend._pagecache_client = client  # type: ignore[attr-defined]
    raw_version, raw_page = client.mget(
        [backend.make_and_validate_key(VERSION_KEY), backend.make_and_validate_key(key)]
    )
    loads = backend._cache._serializer.loads  # type: ignore[attr-defined]
    return (
        None if raw_version is None else loads(raw_version),
        None if raw_page is None else loads(raw_page),
    )


def public_page(*params: str) -> Callable[[Callable[..., HttpResponseBase]], Callable]:
    """Cache the decorated view's page for anonymous visitors; ``params`` are the query
    parameters it reads (a request with any other is rendered, not cached)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not cacheable_request(request, params):
                return view(request, *args, **kwargs)
            key = page_key(request, get_language() or settings.LANGUAGE_CODE)
            version = _local.version_now()
            if version is not None:
                entry = _local.pages.get(key)
                if (
                    entry is not None
                    and entry["version"] == version
                    and entry["fresh_until"] > time.time()
                ):
                    return _with_token(request, entry, "hit")
            try:
                version, entry = _read(key)
            except Exception:  # a cache outage: render as if there were no cache
                logger.warning("page cache unavailable")
                return view(request, *args, **kwargs)
            if version is None:
                version = uuid.uuid4().hex
                if not cache.add(VERSION_KEY, version, timeout=None):
                    version = cache.get(VERSION_KEY) or version
            _local.remember_version(version)
            if entry is not None and entry["version"] == version:
                if entry["fresh_until"] > time.time():
                    _local.remember_page(key, entry)
                    return _with_token(request, entry, "hit")
            lock = f"{key}:lock"
            if not cache.add(lock, 1, timeout=LOCK_SECONDS):
                # Someone is rebuilding this page: serve what we have, or wait for theirs.
                if entry is not None:
                    return _with_token(request, entry, "stale")
                # Nothing to serve yet (a cold cache): wait for the one rebuild rather than run
                # the same queries beside it. Render here only if that rebuild gave up (its lock
                # is gone and nothing was stored) or takes longer than WAIT_SECONDS.
                deadline = time.monotonic() + WAIT_SECONDS
                while time.monotonic() < deadline:
                    time.sleep(WAIT_STEP)
                    _version, entry = _read(key)
                    if entry is not None:
                        return _with_token(request, entry, "hit")
                    if cache.get(lock) is None:
                        break
                return view(request, *args, **kwargs)
            try:
                response = view(request, *args, **kwargs)
                if isinstance(response, HttpResponse) and hasattr(response, "render"):
                    response.render()
                if (
                    isinstance(response, HttpResponse)
                    and cacheable_response(request, response)
                    and _store(key, version, response)
                ):
                    response[HIT_HEADER] = "miss"
                return response
            finally:
                cache.delete(lock)

        return wrapped

    return decorator
