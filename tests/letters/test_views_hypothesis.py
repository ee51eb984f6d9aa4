"""Hostile input to the public pages: whatever is typed or forged, no page answers 500, and
markup comes back escaped wherever it is shown."""

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from letters import tokens
from letters.models import Letter
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

SETTINGS = hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SCRIPT = '<script>alert("hx")</script>'
IMAGE = '<img src=x onerror="hx()">'
HOSTILE = st.sampled_from(
    [
        SCRIPT,
        IMAGE,
        f"{SCRIPT}{IMAGE}",
        "\x00",
        "nul\x00in the middle",
        "\u202eRTL override\u202c and \u2067isolate\u2069 and \u200fmark",
        "\ufeffbyte order mark",
        "'; DROP TABLE letters_letter; --",
        "{{ request }}{% now 'Y' %}%(name)s%s",
        "x" * 20_000,
        "🙂" * 6_001,
        "\r\n" * 3_001,
        "a\u0301" * 50,
    ]
)
VALUE = st.one_of(
    st.text(max_size=200),
    HOSTILE,
    st.integers().map(str),
    st.lists(st.one_of(st.text(max_size=20), HOSTILE), min_size=0, max_size=3),
)
FIELDS = [
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


@pytest.fixture
def generous_limits(settings):
    settings.LETTERBRIDGE_RATE_LIMITS = {"letter": (10**6, 3600), "find": (10**6, 3600)}


@pytest.fixture
def prisoner(db):
    return PrisonerWithAddressFactory()


def _valid(prisoner) -> dict:
    return {
        "prisoner": prisoner.slug,
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "supporter_country": "GB",
        "language": "en",
        "original_text": "Dear friend",
        "delivery": "post_for_me",
        "postage_currency": "GBP",
        "consent": "on",
        "website": "",
    }


def assert_escaped(html: str) -> None:
    assert SCRIPT not in html
    assert "<img src=x" not in html


@SETTINGS
@given(
    overrides=st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=6),
    dropped=st.sets(st.sampled_from(FIELDS), max_size=3),
)
def test_the_letter_form_never_fails_and_always_escapes(
    client, prisoner, generous_limits, overrides, dropped
):
    data = {k: v for k, v in (_valid(prisoner) | overrides).items() if k not in dropped}

    response = client.post(reverse("letters:write"), data)

    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert_escaped(response.content.decode())
        return
    confirmation = client.get(response["Location"])
    token = response["Location"].split("/track/")[1].split("/")[0]
    tracking = client.get(reverse("letters:track", args=[token]))
    assert (confirmation.status_code, tracking.status_code) == (200, 200)
    assert_escaped(confirmation.content.decode())
    assert_escaped(tracking.content.decode())


@SETTINGS
@given(name=st.one_of(st.text(min_size=1, max_size=120), HOSTILE), text=HOSTILE)
def test_stored_markup_is_shown_escaped_on_the_tracking_page(client, prisoner, name, text):
    letter = LetterFactory(
        prisoner=prisoner,
        supporter_name=name.replace("\x00", "")[:120] or "x",
        original_text=text.replace("\x00", "") or "x",
    )

    response = client.get(
        reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)])
    )

    assert response.status_code == 200
    assert_escaped(response.content.decode())


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(email=VALUE)
def test_find_my_letters_never_fails(client, generous_limits, email):
    response = client.post(reverse("letters:find"), {"email": email})

    assert response.status_code in (200, 302)
    assert_escaped(response.content.decode())


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(token=st.one_of(st.text(min_size=1, max_size=300), HOSTILE))
def test_any_token_gets_404_not_an_error(client, token):
    path = quote(token.replace("/", ""), safe="") or "x"

    for suffix in ("", "sent/", "translation.pdf"):
        assert client.get(f"/letters/track/{path}/{suffix}").status_code == 404
    assert client.post(f"/letters/track/{path}/cancel/").status_code == 404


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=st.dictionaries(st.sampled_from(["sort", "page", "to"]), VALUE, max_size=3))
def test_directory_and_write_page_take_any_query_string(client, prisoner, params):
    for url in (reverse("prisoners:list"), reverse("letters:write")):
        response = client.get(url, params)
        assert response.status_code == 200
        assert_escaped(response.content.decode())


def test_a_body_over_django_s_limit_is_refused_with_400(client, prisoner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    data = _valid(prisoner) | {"original_text": "x" * 200_000}

    response = client.post(reverse("letters:write"), data)

    assert response.status_code in (400, 413)
    assert Letter.objects.count() == 0


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", ["\x00", "a\x00b"])
def test_a_nul_byte_in_any_field_is_refused_or_ignored_never_an_error(
    client, prisoner, field, value
):
    response = client.post(reverse("letters:write"), _valid(prisoner) | {field: value})

    assert response.status_code in (200, 302)
    assert all("\x00" not in letter.original_text for letter in Letter.objects.all())


def test_a_nul_byte_in_the_profile_link_is_ignored(client):
    response = client.get(reverse("letters:write"), {"to": "bakhrom\x00"})

    assert response.status_code == 200
