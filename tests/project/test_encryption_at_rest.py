"""Letter texts and supporters' identities are ciphertext in the database, found by a keyed
hash, and survive a key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from letters.models import Letter
from letters.selectors import letter_ids_for_email
from letters.services import submission
from tests.factories import PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

MARKERS = {
    "supporter_name": "Name-Marker-4f1c",
    "supporter_email": "email-marker-4f1c@example.org",
    "original_text": "Text marker 4f1c: the garden in spring.",
}


def _raw(letter_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT supporter_name, supporter_email, original_text, translation "
            "FROM letters_letter WHERE id = %s",
            [letter_id],
        )
        names = ["supporter_name", "supporter_email", "original_text", "translation"]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _submit() -> Letter:
    return submission.letter_submit(
        prisoner_id=PrisonerWithAddressFactory().pk,
        supporter_name=MARKERS["supporter_name"],
        supporter_email=MARKERS["supporter_email"],
        language="en",
        original_text=MARKERS["original_text"],
        delivery="return_to_me",
    ).letter


def test_the_database_holds_ciphertext_and_the_app_reads_clear_text():
    letter = _submit()
    raw = _raw(letter.pk)
    for field, marker in MARKERS.items():
        assert marker not in raw[field] and raw[field].startswith("fernet:")
        assert getattr(Letter.objects.get(pk=letter.pk), field) == marker
    assert "4f1c" not in letter.supporter_email_hash
    assert letter.original_length == len(MARKERS["original_text"])


def test_a_supporter_is_found_by_the_hash_of_their_address_in_any_case():
    letter = _submit()
    assert letter_ids_for_email(email="EMAIL-Marker-4F1C@example.org ") == [letter.pk]
    assert letter_ids_for_email(email="someone-else@example.org") == []


def test_rotation_moves_everything_to_the_new_key(settings):
    letter = _submit()
    old = list(settings.LETTERBRIDGE_ENCRYPTION_KEYS)
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    before = _raw(letter.pk)

    call_command("rotate_encryption_keys")

    after = _raw(letter.pk)
    assert all(after[f] != before[f] for f in MARKERS)
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = settings.LETTERBRIDGE_ENCRYPTION_KEYS[:1]
    fresh = Letter.objects.get(pk=letter.pk)
    assert [getattr(fresh, f) for f in MARKERS] == list(MARKERS.values())


def test_searching_inside_ciphertext_is_refused_not_silently_empty():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Letter.objects.filter(original_text__icontains="garden"))
    with pytest.raises(FieldError):
        list(Letter.objects.filter(supporter_email="anna@example.org"))
