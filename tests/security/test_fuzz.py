"""Hostile input to every form and to Stripe's webhook (hypothesis): whatever arrives, no page
answers 500; a body over the size limit is refused with 413 before anything reads it; markup a
supporter or volunteer typed is always shown escaped, in the admin, in e-mails and in PDFs.

Each property posts through Django's test client against the real PostgreSQL and Redis. The
bodies come in every shape a client can send: ordinary forms, form bodies built byte by byte
(invalid UTF-8, lone surrogates, duplicate keys), JSON where a form is expected, and raw bytes
under a misleading content type."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import time
from urllib.parse import quote, quote_from_bytes

import pytest
import stripe
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypdf import PdfReader

from core import crypto
from letters import pdf, tokens
from letters.models import Letter, PostingBatch
from payments import stripe_api
from rights.services import LINK_PURPOSE, rights_link_token
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)
from tests.payments import stripe_fake

pytestmark = pytest.mark.django_db
S = Letter.Status


def fuzz(examples: int = 1000):
    return hypothesis_settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Staff forms render the whole admin per example; they run fewer examples so the whole file
# stays under three minutes on two cores.
STAFF_EXAMPLES = 500

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
MARKUP = f"{SCRIPT}{IMAGE}"
HOSTILE = [
    SCRIPT,
    IMAGE,
    MARKUP,
    f'"><svg onload=alert(1)>{SCRIPT}',
    "\x00",
    "nul\x00in the middle",
    "\x01\x07\x08\x0b\x0c\x1b[31m\x7f\x85",
    "\u202eRTL override\u202c \u2067isolate\u2069 \u200fmark \u200b\u2028\u2029",
    "\ufeffbyte order mark",
    "'; DROP TABLE letters_letter; --",
    "{{ request }}{% now 'Y' %}%(name)s%s{0}",
    "../../../../etc/passwd",
    "x" * 20_000,
    "🙂" * 7_000,
    "\r\n" * 3_001,
    "a\u0301" * 500,
    "Дорогой друг",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "",
    " ",
    "on",
    "true",
]
TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(HOSTILE),
    st.integers().map(str),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
)
VALUE = st.one_of(TEXT, st.lists(TEXT, min_size=0, max_size=3))
# Bytes a browser never sends: invalid UTF-8, an encoded lone surrogate, Latin-1.
RAW_BYTES = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"\xff\xfe", b"\xed\xa0\x80", b"\xc3\x28", b"caf\xe9", b"\x80" * 50]),
    st.text(max_size=30).map(lambda s: s.encode("utf-8")),
    st.sampled_from(HOSTILE).map(lambda s: s.encode("utf-8")),
)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=no-such-charset",
        "multipart/form-data",
        "multipart/form-data; boundary=fuzz",
        "multipart/form-data; boundary=",
        "application/json",
        "text/plain",
        "",
    ]
)
REFUSED = {400, 403, 404, 405, 413, 429}


def _urlencoded(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs).encode()


@st.composite
def bodies(draw, fields: list[str], valid: dict | None = None):
    """A request body for a form with these fields, in one of four shapes. Returns
    (data, content_type) for Client.post; data is a dict for an ordinary form."""
    valid = valid or {}
    names = st.one_of(st.sampled_from(fields), st.text(max_size=10)) if fields else st.text()
    shape = draw(st.sampled_from(["form", "form", "bytes", "json", "raw"]))
    if shape == "form":
        data = dict(valid)
        data.update(draw(st.dictionaries(names, VALUE, max_size=len(fields) + 2)))
        for dropped in draw(st.sets(st.sampled_from(fields), max_size=3)) if fields else ():
            data.pop(dropped, None)
        return data, None
    if shape == "bytes":
        pairs = [(k.encode(), v.encode()) for k, v in valid.items()]
        pairs += draw(
            st.lists(
                st.tuples(
                    st.one_of(names.map(lambda s: s.encode("utf-8", "surrogatepass")), RAW_BYTES),
                    st.one_of(
                        RAW_BYTES,
                        st.text(alphabet=st.characters(categories=["Cs"]), min_size=1).map(
                            lambda s: s.encode("utf-8", "surrogatepass")
                        ),
                    ),
                ),
                max_size=6,
            )
        )
        return _urlencoded(pairs), draw(CONTENT_TYPES)
    if shape == "json":
        obj = draw(st.one_of(st.dictionaries(names, JSON_VALUE, max_size=6), JSON_VALUE))
        return json.dumps(obj), "application/json"
    return draw(st.binary(max_size=300)), draw(CONTENT_TYPES)


def post(client: Client, url: str, body) -> object:
    data, content_type = body
    if content_type is None:
        return client.post(url, data)
    # generic() sends the bytes as they are, whatever the declared charset
    payload = data if isinstance(data, bytes) else data.encode()
    return client.generic("POST", url, payload, content_type=content_type)


def assert_not_an_error(response) -> None:
    event(f"answered {response.status_code}")  # --hypothesis-show-statistics: paths reached
    assert response.status_code < 500, response.status_code
    assert response.status_code in REFUSED | {200, 201, 302, 303, 409}, response.status_code
    assert_escaped(response)


def assert_escaped(response) -> None:
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode("utf-8", "replace")
        assert SCRIPT not in html
        assert "<img src=x" not in html
        assert "<svg onload" not in html


@pytest.fixture(autouse=True)
def generous_limits(settings):
    """Rate limits would turn most examples into 429 and hide the paths behind them."""
    settings.LETTERBRIDGE_RATE_LIMITS = {
        "letter": (10**9, 3600),
        "find": (10**9, 3600),
        "cancel": (10**9, 3600),
        "reply_scan_email": (10**9, 3600),
    }


@pytest.fixture
def prisoner(db):
    return PrisonerWithAddressFactory()


@pytest.fixture
def stripe_on(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_fake.API_BASE
    fake = stripe_fake.RecordedStripe()
    monkeypatch.setattr(stripe_api, "http_client", fake)
    return fake


def _token(letter: Letter) -> str:
    return tokens.token_for(salt=letter.tracking_salt)


GARBAGE_TOKEN = st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(HOSTILE).filter(bool),
    st.binary(min_size=1, max_size=40).map(lambda b: b.decode("latin-1")),
).map(lambda s: quote(s.replace("/", ""), safe="") or "x")


# --- every form is covered --------------------------------------------------------------------

COVERED = {
    "letters:write",
    "letters:find",
    "letters:cancel",
    "letters:reply_scan_email",
    "rights:request",
    "rights:erase",
    "payments:checkout",
    "payments:stripe_webhook",
    "accounts:2fa_verify",
    "accounts:2fa_setup",
    "admin:letters_letter_add",
    "admin:letters_letter_desk_autosave",
    "admin:letters_letter_desk_translate",
    "admin:letters_letter_desk_flag",
    "admin:letters_letter_desk_review",
    "admin:letters_letter_desk_decide",
}
# URLs of the supporters' and staff apps that take no typed input (pages, downloads, buttons
# whose only input is the URL, which test_access_matrix and test_csrf cover).
NO_TYPED_INPUT = {
    "letters:find_sent",
    "letters:privacy",
    "letters:track",
    "letters:sent",
    "letters:returned_pdf",
    "letters:reply_scan",
    "rights:requested",
    "rights:home",
    "rights:export",
    "admin:letters_letter_desk_queue",
    "admin:letters_letter_desk_claim_next",
    "admin:letters_letter_desk_mine",
    "admin:letters_letter_desk_review_list",
    "admin:letters_letter_desk_flags",
    "admin:letters_letter_desk_claim",
    "admin:letters_letter_desk_release",
    "admin:letters_letter_desk_skip",
}


def _names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _names(entry, full)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_form_of_the_public_apps_and_the_desk_is_fuzzed():
    # given every named URL of the supporters' apps, the staff sign-in and the desk
    ours = {
        name
        for name in _names()
        if name.split(":")[0] in {"letters", "rights", "payments", "accounts"}
        or name.startswith("admin:letters_letter_desk_")
    }

    # then each one is either fuzzed here or takes no typed input
    assert ours - COVERED - NO_TYPED_INPUT == set()
    assert COVERED - {"admin:letters_letter_add"} <= ours


# --- the size limit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["letters:write", "letters:find", "rights:request", "payments:stripe_webhook"]
)
def test_a_body_over_the_limit_is_refused_with_413(client, prisoner, name):
    # given a body one byte over DATA_UPLOAD_MAX_MEMORY_SIZE
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = b"original_text=" + b"x" * (limit + 1 - len(b"original_text="))

    # when it is posted as a form
    response = client.post(reverse(name), body, content_type="application/x-www-form-urlencoded")

    # then it is refused before anything reads it, and nothing is stored
    assert response.status_code == 413
    assert Letter.objects.count() == 0


def test_the_limit_is_explicit_and_a_full_length_letter_fits(client, prisoner, outbox):
    # given the longest letter allowed, in emoji (four bytes each, percent-encoded)
    assert 0 < django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    text = "🙂" * django_settings.LETTERBRIDGE_MAX_LETTER_CHARS
    data = {
        "prisoner": prisoner.slug,
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "language": "en",
        "original_text": text,
        "delivery": "post_for_me",
        "postage_currency": "GBP",
        "consent": "on",
    }

    # when it is posted the way a browser posts a form
    response = client.post(
        reverse("letters:write"),
        "&".join(f"{k}={quote(v)}" for k, v in data.items()),
        content_type="application/x-www-form-urlencoded",
    )

    # then it is accepted
    assert response.status_code == 302
    assert Letter.objects.get().original_text == text


def test_too_many_fields_are_refused_with_400(client):
    body = "&".join(f"f{i}=x" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = client.post(
        reverse("letters:find"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400


@fuzz(200)
@given(data=st.data())
def test_any_declared_length_is_handled(client, stripe_on, data):
    # a client may declare a length other than its body's: over the limit is 413, anything
    # else (shorter, negative, not a number) is read as declared and refused as a bad body.
    # (The test client cannot declare more than it sends; a server's stream would just end.)
    size = data.draw(st.integers(min_value=16, max_value=64 * 1024))  # " 12" fits
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = data.draw(
        st.one_of(
            st.integers(min_value=limit + 1, max_value=10**12).map(str),
            st.integers(min_value=-5, max_value=size).map(str),
            st.sampled_from(["", "abc", "1e3", " 12", "0x10"]),
        )
    )

    response = client.generic(
        "POST",
        reverse("payments:stripe_webhook"),
        b"{" * size,
        content_type="application/json",
        CONTENT_LENGTH=declared,
        HTTP_STRIPE_SIGNATURE="t=1,v1=00",
    )

    assert response.status_code == (413 if declared.isdigit() and int(declared) > limit else 400)


# --- the public forms ---------------------------------------------------------------------------

LETTER_FIELDS = [
    "prisoner",
    "supporter_name",
    "supporter_email",
    "supporter_country",
    "language",
    "original_text",
    "delivery",
    "postage_currency",
    "consent",
    "website",
]


@fuzz()
@given(data=st.data())
def test_the_letter_form(client, prisoner, data):
    valid = {
        "prisoner": prisoner.slug,
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "supporter_country": "GB",
        "language": "en",
        "original_text": "Dear friend",
        "delivery": "post_for_me",
        "postage_currency": "GBP",
        "consent": "on",
    }
    body = data.draw(bodies(LETTER_FIELDS, valid=data.draw(st.sampled_from([valid, {}]))))

    response = post(client, reverse("letters:write"), body)

    assert_not_an_error(response)
    if response.status_code == 302:
        assert_escaped(client.get(response["Location"]))


@fuzz()
@given(body=bodies(["email"], valid={"email": "anna@example.org"}))
def test_find_my_letters(client, body):
    assert_not_an_error(post(client, reverse("letters:find"), body))


@fuzz()
@given(data=st.data())
def test_cancel_with_a_valid_or_a_garbage_token(client, prisoner, data):
    if data.draw(st.booleans()):
        letter = LetterFactory(prisoner=prisoner, status=data.draw(st.sampled_from(list(S))))
        url = reverse("letters:cancel", args=[_token(letter)])
    else:
        url = f"/letters/track/{data.draw(GARBAGE_TOKEN)}/cancel/"
    response = post(client, url, data.draw(bodies(["csrfmiddlewaretoken"])))

    assert_not_an_error(response)


@pytest.fixture
def approved_reply(db):
    """A reply with its scan, approved for its letter's supporter (issue 14's button)."""
    from tests.replies.conftest import approved_reply, posted_letter

    return approved_reply(posted_letter())


@fuzz(300)
@given(data=st.data())
def test_scan_email_with_a_valid_or_a_garbage_token_and_reply(
    client, prisoner, approved_reply, data
):
    # given the approved reply's own letter, another letter in any state, or a made-up token
    choice = data.draw(st.sampled_from(["own", "other", "garbage"]))
    if choice == "own":
        token = _token(approved_reply.letter)
    elif choice == "other":
        token = _token(LetterFactory(prisoner=prisoner, status=data.draw(st.sampled_from(list(S)))))
    else:
        token = data.draw(GARBAGE_TOKEN)
    reply_id = data.draw(
        st.one_of(st.just(approved_reply.pk), st.integers(min_value=0, max_value=10**30))
    )
    url = f"/letters/track/{token}/replies/{reply_id}/email/"

    # when anything is posted to it, then the answer is a redirect with a message or a refusal
    response = post(client, url, data.draw(bodies(["csrfmiddlewaretoken"])))

    assert_not_an_error(response)


@fuzz()
@given(body=bodies(["email"], valid={"email": "anna@example.org"}))
def test_data_rights_request(client, body):
    assert_not_an_error(post(client, reverse("rights:request"), body))


@fuzz()
@given(data=st.data())
def test_data_rights_erase_with_a_sealed_or_a_garbage_token(client, prisoner, data):
    kind = data.draw(st.sampled_from(["sealed", "sealed-odd", "sealed-bytes", "old", "garbage"]))
    if kind == "sealed":
        letter = LetterFactory(prisoner=prisoner, status=data.draw(st.sampled_from(list(S))))
        token = rights_link_token(letter_ids=[letter.pk])
    elif kind == "sealed-odd":
        # sealed by us but holding ids that do not exist or are not ids at all
        token = crypto.seal(json.dumps(data.draw(JSON_VALUE)).encode(), purpose=LINK_PURPOSE)
    elif kind == "sealed-bytes":
        # sealed by us but not JSON, nor even UTF-8
        token = crypto.seal(data.draw(st.binary(max_size=40)), purpose=LINK_PURPOSE)
    elif kind == "old":
        # the earlier signed-only format, with anything in it
        from django.core import signing

        token = signing.dumps(data.draw(JSON_VALUE), salt=LINK_PURPOSE, compress=True)
    else:
        token = data.draw(GARBAGE_TOKEN)
    body = data.draw(bodies(["confirm"], valid={"confirm": "on"}))

    response = post(client, f"/my-data/{token}/erase/", body)

    assert_not_an_error(response)


@fuzz()
@given(data=st.data())
def test_checkout(client, prisoner, stripe_on, data):
    if data.draw(st.booleans()):
        status = data.draw(st.sampled_from(list(S)))
        delivery = data.draw(st.sampled_from(list(Letter.Delivery)))
        if status in (S.POSTED, S.RETURNED):  # each status with the only delivery it allows
            delivery = Letter.Delivery.POST_FOR_ME if status == S.POSTED else delivery.RETURN_TO_ME
        letter = LetterFactory(prisoner=prisoner, status=status, delivery=delivery)
        url = reverse("payments:checkout", args=[_token(letter)])
    else:
        url = f"/payments/checkout/{data.draw(GARBAGE_TOKEN)}/"

    response = post(client, url, data.draw(bodies(["token"])))

    assert_not_an_error(response)


# --- Stripe's webhook ---------------------------------------------------------------------------


def _sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's v1 signature over raw bytes (the SDK's helper wants text)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


SIGNATURES = st.one_of(
    st.none(),
    st.text(max_size=100),
    st.sampled_from(["t=1,v1=abc", "t=,v1=", "v1=" + "0" * 64, "t=abc,v0=x", ",,,="]),
)


@fuzz()
@given(payload=st.binary(max_size=2000), signature=SIGNATURES, content_type=CONTENT_TYPES)
def test_webhook_takes_any_bytes_and_any_signature(
    client, stripe_on, payload, signature, content_type
):
    extra = {} if signature is None else {"HTTP_STRIPE_SIGNATURE": signature}
    response = client.generic(
        "POST", reverse("payments:stripe_webhook"), payload, content_type=content_type, **extra
    )
    assert response.status_code == 400


@fuzz()
@given(
    payload=st.one_of(
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=500),
        RAW_BYTES,
    ),
    age=st.sampled_from([0, 0, 0, 10**6, -(10**6)]),
)
def test_webhook_signed_arbitrary_bodies(client, stripe_on, payload, age):
    response = client.post(
        reverse("payments:stripe_webhook"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=_sign(payload, stripe_fake.WEBHOOK_SECRET, int(time.time()) - age),
    )
    assert response.status_code in {200, 400, 413}


EVENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "checkout.session.completed",
            "checkout.session.async_payment_succeeded",
            "checkout.session.async_payment_failed",
            "checkout.session.expired",
            "charge.refunded",
        ]
    ),
    TEXT,
)


@st.composite
def weird_events(draw):
    """Stripe-shaped events whose insides are anything."""
    obj = draw(
        st.one_of(
            st.just(stripe_fake.checkout_session()),
            st.just(stripe_fake.charge()),
            st.dictionaries(st.text(max_size=12), JSON_VALUE, max_size=5),
        )
    )
    for key in draw(
        st.lists(
            st.sampled_from(
                [
                    "id",
                    "client_reference_id",
                    "metadata",
                    "payment_status",
                    "status",
                    "amount_total",
                    "currency",
                    "payment_intent",
                    "refunded",
                    "amount_refunded",
                    "expires_at",
                ]
            ),
            max_size=4,
        )
    ):
        obj[key] = draw(JSON_VALUE)
    event = stripe_fake.event(
        draw(EVENT_TYPES), obj, event_id=f"evt_fuzz_{draw(st.integers(0, 10**9))}"
    )
    event["id"] = draw(st.one_of(st.just(event["id"]), TEXT, st.text(min_size=300)))
    if draw(st.booleans()):
        event[draw(st.sampled_from(["livemode", "data", "object", "type"]))] = draw(JSON_VALUE)
    return event


@fuzz()
@given(event=weird_events())
def test_webhook_signed_events_with_weird_insides(client, stripe_on, event):
    payload = json.dumps(event).encode()
    header = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), django_settings.STRIPE_WEBHOOK_SECRET
    )

    response = client.post(
        reverse("payments:stripe_webhook"),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )

    assert response.status_code in {200, 400, 409, 413}, response.status_code


# --- staff: two-step sign-in --------------------------------------------------------------------


@fuzz(STAFF_EXAMPLES)
@given(body=bodies(["token", "next"]), setup=st.booleans())
def test_two_factor_forms(client, coordinator, body, setup):
    client.force_login(coordinator)
    url = reverse("accounts:2fa_setup" if setup else "accounts:2fa_verify")

    assert_not_an_error(post(client, url, body))


# --- staff: the letter admin and the desk -------------------------------------------------------


@fuzz(STAFF_EXAMPLES)
@given(data=st.data())
def test_admin_letter_add_form(client, coordinator, prisoner, data):
    client.force_login(coordinator)
    valid = {
        "prisoner": str(prisoner.pk),
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "supporter_country": "GB",
        "locale": "en",
        "language": "en",
        "original_text": "Dear friend",
        "delivery": "post_for_me",
        "postage_currency": "GBP",
        "_save": "Save",
    }
    body = data.draw(bodies(list(valid), valid=data.draw(st.sampled_from([valid, {}]))))

    response = post(client, reverse("admin:letters_letter_add"), body)

    assert_not_an_error(response)


@pytest.fixture
def desk(db, prisoner):
    """A volunteer holding one letter, a translated letter by someone else for the coordinator
    to review, and a flagged letter for the coordinator to decide on."""
    volunteer = VolunteerFactory()
    volunteer.volunteer_profile.languages = ["en"]
    volunteer.volunteer_profile.save()
    coordinator = CoordinatorFactory()
    held = LetterFactory(prisoner=prisoner, status=S.IN_TRANSLATION, claimed_by=volunteer)
    translated = LetterFactory(prisoner=prisoner, status=S.TRANSLATED)
    flagged = LetterFactory(prisoner=prisoner, status=S.RECEIVED)
    return {
        "volunteer": volunteer,
        "coordinator": coordinator,
        "held": held,
        "translated": translated,
        "flagged": flagged,
    }


def _reset(desk: dict) -> None:
    """Put the desk's letters back where each example expects them (test set-up, as the
    factories do: real code changes status only through letters.services)."""
    now = timezone.now()
    Letter.objects.filter(pk=desk["held"].pk).update(
        status=S.IN_TRANSLATION,
        claimed_by=desk["volunteer"],
        claim_expires_at=now + timezone.timedelta(days=7),
        flagged_at=None,
        translation_version=1,
    )
    Letter.objects.filter(pk=desk["translated"].pk).update(
        # an example before may have sent it back to its translator, who then held it
        status=S.TRANSLATED,
        claimed_by=None,
        claim_expires_at=None,
        translation_version=1,
        flagged_at=None,
    )
    Letter.objects.filter(pk=desk["flagged"].pk).update(
        status=S.RECEIVED, flagged_at=now, flagged_by=desk["volunteer"], flag_reason="x"
    )


DESK_FIELDS = ["translation", "base_version", "action", "comment", "reason", "note", "decision"]
DESK_VALID = st.fixed_dictionaries(
    {
        "translation": st.one_of(st.just("Дорогой друг"), TEXT),
        "base_version": st.sampled_from(["1", "0", "2", "-1", "x", ""]),
        "action": st.sampled_from(["save", "hand_in", "approve", "send_back", "", "nonsense"]),
        "comment": TEXT,
        "reason": TEXT,
        "note": TEXT,
        "decision": st.sampled_from(["reject", "let_go_on", "", "maybe"]),
    }
)


@fuzz(STAFF_EXAMPLES)
@given(data=st.data())
def test_desk_forms(client, desk, data):
    _reset(desk)
    role = data.draw(st.sampled_from(["volunteer", "coordinator"]))
    client.force_login(desk[role])
    name, letter = data.draw(
        st.sampled_from(
            [
                ("autosave", desk["held"]),
                ("translate", desk["held"]),
                ("flag", desk["held"]),
                ("flag", desk["translated"]),
                ("review", desk["translated"]),
                ("decide", desk["flagged"]),
            ]
        )
    )
    body = data.draw(bodies(DESK_FIELDS, valid=data.draw(DESK_VALID)))

    response = post(client, reverse(f"admin:letters_letter_desk_{name}", args=[letter.pk]), body)

    assert_not_an_error(response)


# --- markup is shown escaped everywhere ---------------------------------------------------------


def _escaped_in(html: str) -> bool:
    return "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.fixture
def marked(db):
    """A letter whose every typed field carries markup, translated, to a prisoner whose name
    does too."""
    prisoner = PrisonerWithAddressFactory(name_en=f"Bakhrom {MARKUP}")
    return LetterFactory(
        prisoner=prisoner,
        supporter_name=f"Anna {MARKUP}"[:120],
        signature_ru=f"Анна {MARKUP}"[:120],
        original_text=f"Dear friend {MARKUP}\n\nYou are not forgotten {MARKUP}",
        translation=f"Дорогой друг {MARKUP}\n\nВас не забыли {MARKUP}",
        review_comment=f"comment {MARKUP}",
        status=S.TRANSLATED,
        delivery=Letter.Delivery.RETURN_TO_ME,
        locale="en",
    )


def test_markup_is_escaped_on_the_supporter_pages(client, marked):
    token = _token(marked)
    for name in ("letters:track", "letters:sent"):
        response = client.get(reverse(name, args=[token]))
        assert response.status_code == 200
        assert_escaped(response)
        assert _escaped_in(response.content.decode()), name


def test_markup_is_escaped_in_the_admin_and_on_the_desk(client, marked):
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    pages = [
        reverse("admin:letters_letter_change", args=[marked.pk]),
        reverse("admin:letters_letter_changelist"),
        reverse("admin:letters_letter_desk_review", args=[marked.pk]),
        reverse("admin:letters_letter_desk_flag", args=[marked.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response)
        assert _escaped_in(response.content.decode()), url

    # and on the translate page of the volunteer who holds it
    volunteer = VolunteerFactory()
    Letter.objects.filter(pk=marked.pk).update(
        status=S.IN_TRANSLATION,
        claimed_by=volunteer,
        claim_expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    client.force_login(volunteer)
    response = client.get(reverse("admin:letters_letter_desk_translate", args=[marked.pk]))
    assert response.status_code == 200
    assert_escaped(response)
    assert _escaped_in(response.content.decode())


def test_markup_is_escaped_on_the_coordinators_batch_page(client, marked):
    coordinator = CoordinatorFactory()
    batch = PostingBatch.objects.create(created_by=coordinator)
    Letter.objects.filter(pk=marked.pk).update(status=S.APPROVED, posting_batch=batch)
    client.force_login(coordinator)

    response = client.get(reverse("letters_coordination:batch", args=[batch.pk]))

    assert response.status_code == 200
    assert_escaped(response)
    assert _escaped_in(response.content.decode())


def test_markup_is_escaped_in_the_emails_html(
    client, prisoner, outbox, django_capture_on_commit_callbacks
):
    # given a letter written through the form with markup in the name and the text
    data = {
        "prisoner": prisoner.slug,
        "supporter_name": f"Anna {MARKUP}"[:120],
        "supporter_email": "anna@example.org",
        "language": "en",
        "original_text": f"Dear friend {MARKUP}",
        "delivery": "return_to_me",
        "consent": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:write"), data)
    assert response.status_code == 302
    letter = Letter.objects.get()
    # and the supporter's other e-mails: cancelled, and links on request
    token = response["Location"].split("/track/")[1].split("/")[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("letters:cancel", args=[token]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("letters:find"), {"email": "anna@example.org"})

    # then every HTML part shows the markup as text, never as markup
    htmls = [
        content
        for message in mail.outbox
        for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]
    assert len(mail.outbox) >= 2 and htmls
    for html in htmls:
        assert SCRIPT not in html and "<img src=x" not in html
    assert any(_escaped_in(html) for html in htmls)
    assert letter.supporter_name.startswith("Anna")


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def test_markup_is_printed_as_text_in_the_pdfs(marked):
    # when the supporter's return pack and the letter to post are drawn
    for content in (pdf.render_return_pdf(marked), pdf.render_letter_pdf(marked)):
        text = _pdf_text(content)

        # then the markup is there, literally, as the supporter and translator typed it
        assert SCRIPT in text
        assert IMAGE in text
        assert "Анна" in text


@fuzz(100)
@given(
    name=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=120)),
    translation=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=400)),
)
def test_any_text_can_be_printed(prisoner, name, translation):
    # any name and translation the forms accept (PostgreSQL refuses NUL) draws a PDF
    letter = LetterFactory.build(
        prisoner=prisoner,
        supporter_name=(name.replace("\x00", "") or "x")[:120],
        translation=translation.replace("\x00", "") + " Дорогой друг",
        status=S.APPROVED,
    )
    letter.reference = "LB-FUZZ"

    assert pdf.render_letter_pdf(letter).startswith(b"%PDF")
