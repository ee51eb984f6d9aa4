import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from core import crypto


def test_round_trip_and_ciphertext_hides_the_value():
    secret = "Дорогой Бахром — marker-7f3a"
    stored = crypto.encrypt(secret)
    assert stored.startswith(crypto.PREFIX)
    assert "marker-7f3a" not in stored and "Бахром" not in stored
    assert crypto.decrypt(stored) == secret
    assert crypto.encrypt(secret) != stored  # a fresh IV each time


def test_rotation_keeps_values_readable_under_the_new_key(settings):
    old_key = settings.LETTERBRIDGE_ENCRYPTION_KEYS[0]
    stored = crypto.encrypt("letter text")
    new_key = Fernet.generate_key().decode()
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = [new_key, old_key]
    rotated = crypto.rotate(stored)
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt(rotated) == "letter text"
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(stored)  # the old ciphertext needs the retired key


def test_clear_legacy_values_are_read_as_they_are_and_encrypted_on_rotate():
    assert crypto.decrypt("written before encryption") == "written before encryption"
    assert crypto.rotate("legacy").startswith(crypto.PREFIX)


def test_lookup_hash_is_keyed_and_normalised(settings):
    first = crypto.lookup_hash("Anna@Example.org ")
    assert first == crypto.lookup_hash("anna@example.org")
    assert "anna" not in first
    settings.LETTERBRIDGE_LOOKUP_KEY = "another key"
    assert crypto.lookup_hash("anna@example.org") != first


def test_bad_keys_are_a_configuration_error(settings):
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
