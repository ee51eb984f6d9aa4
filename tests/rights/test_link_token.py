"""The data-rights link: opaque to whoever sees it, a day long, refused plainly when it is not
ours, altered, out of date or of the earlier signed-only format."""

import base64
import binascii
import io
import json
import re
import zlib
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core import signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import crypto
from rights import services
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db

# Letter ids chosen so their digits cannot turn up by chance in a short decoding.
IDS = [73519, 73520, 88213]


def _decodings(token: str) -> list[bytes]:
    """Everything a reader could get out of the token without our keys: each dot- or
    colon-separated part and the whole, base64-decoded (either alphabet, with padding fixed),
    inflated where it inflates."""
    found = []
    for part in {token, *re.split(r"[.:]", token)}:
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(part.lstrip(".") + "=" * (-len(part.lstrip(".")) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw)
            for start in range(len(raw)):
                try:
                    found.append(zlib.decompress(raw[start:]))
                except zlib.error:
                    pass
    return found


def _readable(decoded: bytes) -> bool:
    text = decoded.decode("latin-1")
    if "ids" in text or any(str(i) in text for i in IDS):
        return True
    try:
        return isinstance(json.loads(decoded), dict | list)
    except ValueError:
        return False


def _expired_page(response) -> bool:
    body = response.content.decode()
    return (
        response.status_code == 404
        and "This link has expired or is not valid" in body
        and 'href="/my-data/"' in body
        and "Ask for a new link" in body
    )


def test_the_old_signed_format_gave_the_letter_ids_away():
    # the check below is worth something: it reads the ids out of a link of the earlier format
    old = signing.dumps({"ids": IDS}, salt=services.LINK_PURPOSE, compress=True)

    assert any(_readable(decoded) for decoded in _decodings(old))


def test_the_letter_ids_cannot_be_read_from_the_link():
    # given a link made for three letters
    token = services.rights_link_token(letter_ids=IDS)

    # when whoever sees it decodes it every way they can without our keys
    decodings = _decodings(token)

    # then something decodes, but nothing that holds the ids or any JSON
    assert decodings
    assert [d for d in decodings if _readable(d)] == []
    assert not any(str(i) in token for i in IDS)
    # and the service still reads them back
    assert services.rights_letter_ids(token=token) == IDS


def test_a_link_does_not_tell_by_its_length_how_many_letters_it_stands_for():
    one = services.rights_link_token(letter_ids=[IDS[0]])
    three = services.rights_link_token(letter_ids=IDS)

    assert len(one) == len(three)
    assert one != services.rights_link_token(letter_ids=[IDS[0]])  # a fresh IV every time


def test_a_link_is_one_url_path_segment_that_survives_an_email(outbox):
    letter = LetterFactory(supporter_email="anna@example.org")

    services.rights_link_send(letter_ids=[letter.pk])

    token = re.search(r"/my-data/(\S+)/", outbox[-1].body).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert services.rights_letter_ids(token=token) == [letter.pk]


def test_a_link_opens_for_a_day_and_then_says_to_ask_for_a_new_one(client):
    letter = LetterFactory(supporter_email="anna@example.org")
    token = services.rights_link_token(letter_ids=[letter.pk])

    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=50)):
        assert client.get(reverse("rights:home", args=[token])).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=10)):
        assert _expired_page(client.get(reverse("rights:home", args=[token])))
        assert _expired_page(client.get(reverse("rights:export", args=[token])))
        response = client.post(reverse("rights:erase", args=[token]), {"confirm": "on"})
        assert _expired_page(response)


# (not the last character: where the unpadded base64 ends, some of its bits carry nothing)
@pytest.mark.parametrize("where", [0, 10, 40, 80, -5, -3])
def test_an_altered_link_is_refused_with_a_page_not_an_error(client, where):
    letter = LetterFactory(supporter_email="anna@example.org")
    token = services.rights_link_token(letter_ids=[letter.pk])
    swap = "B" if token[where] != "B" else "C"
    altered = token[:where] + swap + token[where:][1:]

    assert altered != token
    assert _expired_page(client.get(reverse("rights:home", args=[altered])))
    assert _expired_page(client.get(reverse("rights:export", args=[altered])))


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "x",
        "a" * 300,
        "forged:token:x",
        quote("ссылка"),
        quote("gAAAAA\x00\x7f"),
        "%FF%FE",
        "====",
    ],
)
def test_garbage_is_refused_with_a_page_not_an_error(client, token):
    assert _expired_page(client.get(f"/my-data/{token}/"))
    assert _expired_page(client.get(f"/my-data/{token}/export.json"))


def test_a_link_of_the_earlier_signed_format_is_refused_and_says_to_ask_for_a_new_one(client):
    # given a link e-mailed before this deploy: signed only, dated now, for a real letter
    letter = LetterFactory(supporter_email="anna@example.org")
    old = signing.dumps({"ids": [letter.pk]}, salt=services.LINK_PURPOSE, compress=True)

    # when it is opened, within its day
    home = client.get(reverse("rights:home", args=[old]))
    export = client.get(reverse("rights:export", args=[old]))
    erase = client.post(reverse("rights:erase", args=[old]), {"confirm": "on"})

    # then it opens nothing and erases nothing, and each page says to ask for a new link
    assert _expired_page(home) and _expired_page(export) and _expired_page(erase)
    letter.refresh_from_db()
    assert letter.supporter_email == "anna@example.org"


def test_a_link_made_before_a_key_rotation_still_opens_until_the_old_key_is_removed(
    client, settings
):
    # given a link made under the key in use
    letter = LetterFactory(supporter_email="anna@example.org")
    old_key = settings.LETTERBRIDGE_ENCRYPTION_KEYS[0]
    token = services.rights_link_token(letter_ids=[letter.pk])

    # when a new key is put first, the old one after it
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]

    # then the link still opens, and new links are made under the new key
    assert client.get(reverse("rights:home", args=[token])).status_code == 200
    fresh = services.rights_link_token(letter_ids=[letter.pk])

    # and once the data is re-encrypted and the old key removed (the README's rotation), the
    # old link is refused plainly and the new one still opens
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = settings.LETTERBRIDGE_ENCRYPTION_KEYS[:1]
    assert _expired_page(client.get(reverse("rights:home", args=[token])))
    assert client.get(reverse("rights:home", args=[fresh])).status_code == 200


def test_a_stored_ciphertext_or_one_sealed_for_another_purpose_does_not_open_as_a_link(client):
    # given ciphertexts of a valid payload made under the same keys but not for this link,
    # as a stored letter text would be (anyone with a database dump could copy one)
    letter = LetterFactory(supporter_email="anna@example.org")
    payload = json.dumps({"ids": [letter.pk]})
    stored = crypto.encrypt(payload).removeprefix(crypto.PREFIX).rstrip("=")
    other = crypto.seal(payload.encode(), purpose="letterbridge.something.else")

    # then neither opens the data page
    assert _expired_page(client.get(reverse("rights:home", args=[stored])))
    assert _expired_page(client.get(reverse("rights:home", args=[other])))
