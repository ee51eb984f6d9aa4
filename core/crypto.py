"""Encryption at rest for supporters' identities and letter texts.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under keys from the environment
(LETTERBRIDGE_ENCRYPTION_KEYS: comma-separated, newest first), never SECRET_KEY. MultiFernet
decrypts with any listed key and encrypts with the first, so keys rotate without downtime:
put a new key first, run `manage.py rotate_encryption_keys`, then drop the old one.
Look-ups (a supporter's letters by e-mail) use a keyed hash, not the clear value.
Short-lived secrets put in links (``seal``) are encrypted under keys derived from the same keys
for that purpose alone, so they rotate with them and cannot be swapped with stored values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import timedelta
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact

PREFIX = "fernet:"  # marks ciphertext, so a clear legacy value is recognised and re-encrypted


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("LETTERBRIDGE_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "LETTERBRIDGE_ENCRYPTION_KEYS must hold Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        ) from error


def _keys() -> tuple[str, ...]:
    return tuple(settings.LETTERBRIDGE_ENCRYPTION_KEYS)


def fernet() -> MultiFernet:
    return _fernet(_keys())


@lru_cache(maxsize=8)
def _purpose_fernet(keys: tuple[str, ...], purpose: str) -> MultiFernet:
    """One key per key in ``keys`` (same order, so the newest encrypts and every listed key
    still decrypts), each derived with HKDF for ``purpose``: a ciphertext made for one purpose,
    or a stored value, never opens as another."""
    _fernet(keys)  # the same checks, the same errors, as for stored values
    derived = []
    for key in keys:
        material = base64.urlsafe_b64decode(key.encode())
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        derived.append(Fernet(base64.urlsafe_b64encode(hkdf.derive(material))))
    return MultiFernet(derived)


class Unsealable(ValueError):
    """A sealed token that is forged, altered, out of date or sealed under a retired key."""


def seal(value: bytes, *, purpose: str) -> str:
    """``value`` encrypted and authenticated for ``purpose``, as URL-safe text (no padding):
    nothing of it can be read without the keys but its length and, as in every Fernet token,
    the time it was made."""
    token = _purpose_fernet(_keys(), purpose).encrypt(value)
    return token.decode().rstrip("=")


def unseal(token: str, *, purpose: str, max_age: timedelta) -> bytes:
    """The value ``seal`` was given, if ``token`` was sealed for ``purpose`` under a listed key
    less than ``max_age`` ago; ``Unsealable`` for anything else, whatever its shape."""
    try:
        raw = token.encode("ascii")
        raw += b"=" * (-len(raw) % 4)
        return _purpose_fernet(_keys(), purpose).decrypt(raw, ttl=int(max_age.total_seconds()))
    except (UnicodeEncodeError, binascii.Error, ValueError, InvalidToken) as error:
        raise Unsealable from error


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        return value  # written before encryption was switched on; re-encrypted on next save
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A value cannot be decrypted with any key in LETTERBRIDGE_ENCRYPTION_KEYS."
        ) from error


def rotate(value: str) -> str:
    """Re-encrypt under the newest key (clear legacy values get encrypted)."""
    if not value.startswith(PREFIX):
        return encrypt(value)
    return PREFIX + fernet().rotate(value[len(PREFIX) :].encode()).decode()


def encrypt_bytes(value: bytes) -> bytes:
    """Binary data (a raw e-mail, an attachment) as Fernet ciphertext."""
    return fernet().encrypt(value)


def decrypt_bytes(value: bytes) -> bytes:
    try:
        return fernet().decrypt(bytes(value))
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "Binary data cannot be decrypted with any key in LETTERBRIDGE_ENCRYPTION_KEYS."
        ) from error


def lookup_hash(value: str) -> str:
    """A keyed hash for equality look-ups (e-mail addresses, normalised to lower case)."""
    key = settings.LETTERBRIDGE_LOOKUP_KEY.encode()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding ciphertext; Python code sees clear text. Not searchable: look
    values up through a separate keyed-hash column."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if value.startswith(PREFIX):
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # contains & co. cannot work on ciphertext: fail loudly instead of lying


class EncryptedBinaryField(models.BinaryField):
    """Bytes stored as Fernet ciphertext; Python code sees the clear bytes. Empty stays empty
    (erased), so an erased value needs no key to read."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return b""
        return decrypt_bytes(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value:
            value = encrypt_bytes(bytes(value))
        return super().get_db_prep_value(value, connection, prepared)


class EmptyOnlyExact(Exact):
    """Ciphertext differs every time, so equality only makes sense against the empty value."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError("Encrypted fields can only be compared with ''; use a hash column.")
        return super().get_prep_lookup()
