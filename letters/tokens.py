"""Tracking links: a per-letter random salt, turned into the link's token with a keyed HMAC.
The database keeps the salt and the token's SHA-256; the key lives only in the environment."""

import hashlib
import hmac
import secrets

from django.conf import settings


def new_salt() -> str:
    return secrets.token_hex(16)  # 128 random bits


def token_for(*, salt: str) -> str:
    key = settings.LETTERBRIDGE_TRACKING_KEY.encode()
    return hmac.new(key, salt.encode(), hashlib.sha256).hexdigest()[:43]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_reference() -> str:
    """A short public reference, easy to read out: LB- and 8 characters without 0/O, 1/I/L."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "LB-" + "".join(secrets.choice(alphabet) for _ in range(8))
