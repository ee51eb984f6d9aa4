"""Per-address rate limits for the public forms, counted in the shared cache (Redis).

The address is never stored: the cache key holds a keyed hash of it, so Redis keys say nothing
about who wrote. A cache that is down lets the request through rather than failing the page."""

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

TOO_MANY_REQUESTS = _("Too many requests from your connection. Try again later.")

# scope -> (requests allowed, per this many seconds). Override with LETTERBRIDGE_RATE_LIMITS.
DEFAULT_LIMITS = {
    "letter": (5, 60 * 60),
    "find": (5, 60 * 60),
    "cancel": (10, 60 * 60),
    # replies.views: "E-mail me the scan" (each reply also waits between two e-mails).
    "reply_scan_email": (10, 60 * 60),
}


def _limit(scope: str) -> tuple[int, int]:
    limits = {**DEFAULT_LIMITS, **getattr(settings, "LETTERBRIDGE_RATE_LIMITS", {})}
    return limits[scope]


def client_address(request) -> str:
    """The visitor's address. Behind LETTERBRIDGE_PROXY_COUNT trusted reverse proxies it is the
    entry that many places from the right of X-Forwarded-For (entries further left are
    whatever the client chose to send); with no proxy, REMOTE_ADDR."""
    proxies = getattr(settings, "LETTERBRIDGE_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limit_exceeded(request, *, scope: str) -> bool:
    """Count one request from this address in ``scope``; True once it is over the limit."""
    allowed, window = _limit(scope)
    digest = hmac.new(
        settings.SECRET_KEY.encode(), client_address(request).encode(), hashlib.sha256
    ).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{int(time.time() // window)}"
    try:
        return _count(key, timeout=window + 60) > allowed
    except ValueError:  # the key expired between add and incr: this is the window's first hit
        return False
    except Exception:  # a cache outage must not turn a letter into an error page
        logger.warning("rate limit cache unavailable for scope=%s", scope)
        return False


def _count(key: str, *, timeout: int) -> int:
    """This window's count, the request just made included. On Redis one round trip (INCR,
    and EXPIRE only when the key is new); Django's add-then-incr takes three."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout, nx=True)
        count, _expiry_set = pipe.execute()
        return int(count)
    if backend.add(key, 1, timeout=timeout):
        return 1
    return backend.incr(key)


def form_rate_limited(request, form, *, scope: str) -> bool:
    """Count one request from this address in ``scope``; once it is over the limit, say so on
    the form and return True (the page answers 429, keeping what was typed)."""
    if not rate_limit_exceeded(request, scope=scope):
        return False
    form.add_error(None, TOO_MANY_REQUESTS)
    return True
