from datetime import timedelta

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

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


def test_a_sealed_value_opens_only_for_its_purpose_and_within_its_age():
    token = crypto.seal(b"marker-5c1e", purpose="letterbridge.test")

    assert "marker" not in token and "=" not in token
    assert crypto.unseal(token, purpose="letterbridge.test", max_age=timedelta(hours=1)) == (
        b"marker-5c1e"
    )
    with pytest.raises(crypto.Unsealable):
        crypto.unseal(token, purpose="letterbridge.other", max_age=timedelta(hours=1))
    with pytest.raises(crypto.Unsealable):  # a stored value is not a sealed one
        stored = crypto.encrypt("marker-5c1e").removeprefix(crypto.PREFIX)
        crypto.unseal(stored, purpose="letterbridge.test", max_age=timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2)), pytest.raises(crypto.Unsealable):
        crypto.unseal(token, purpose="letterbridge.test", max_age=timedelta(hours=1))


def test_sealing_with_bad_keys_is_a_configuration_error(settings):
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.seal(b"x", purpose="letterbridge.test")
