"""A CSRF token for a page served from the page cache (core.pagecache), made as Django's
``django.middleware.csrf.get_token`` makes it, from one read of the system's random source.

Django draws each of the secret's and the mask's 32 letters with ``secrets.choice``: 64 reads
of ``os.urandom`` per first-time visitor, a sixth of a cached page's CPU. Here the letters come
from ``secrets.token_bytes`` by rejection sampling (a byte below 248 = 4 × 62 picks a letter
with no bias; the rest are thrown away), so the secret is as unpredictable as Django's. The
token's form is Django's (mask + cipher over ``CSRF_ALLOWED_CHARS``) and the request is marked
as ``get_token`` marks it, so CsrfViewMiddleware sets the same cookie and accepts the token on
the POST; tests/core/test_csrf_token.py holds that to Django's own functions.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest
from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_INDEX = {char: index for index, char in enumerate(_CHARS)}
_BASE = len(_CHARS)
_UNBIASED_BELOW = 256 - 256 % _BASE
_LENGTH = csrf.CSRF_SECRET_LENGTH


def random_string(length: int = _LENGTH) -> str:
    """``length`` letters of CSRF_ALLOWED_CHARS, uniformly and from the system's CSPRNG."""
    letters: list[str] = []
    while len(letters) < length:
        for byte in secrets.token_bytes(length + length // 4):
            if byte < _UNBIASED_BELOW:
                letters.append(_CHARS[byte % _BASE])
                if len(letters) == length:
                    break
    return "".join(letters)


def get_token(request: HttpRequest) -> str:
    """What ``django.middleware.csrf.get_token`` returns, and with the same effect on the
    request: a new secret (and so a new cookie) when the visitor has none."""
    if settings.CSRF_USE_SESSIONS:
        return csrf.get_token(request)
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = random_string()
        request.META["CSRF_COOKIE"] = secret
    # As Django: the cookie is sent again, which renews its expiry.
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_string()
    cipher = "".join(
        _CHARS[(_INDEX[s] + _INDEX[m]) % _BASE] for s, m in zip(secret, mask, strict=True)
    )
    return mask + cipher
