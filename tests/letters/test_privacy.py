"""A volunteer sees only what the work needs. These tests log in as a volunteer, walk every admin
page reachable from /admin/ and probe the URLs a curious person would try, and look for any
trace of supporters or of letters held by other volunteers."""

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.urls import reverse

from core import crypto
from letters.models import Letter
from payments.models import Payment
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status
MAX_PAGES = 3000
COMBINATIONS_PER_KEY = 3
STAFF_AREAS = ("/admin/", "/staff/")  # the admin and the staff's own pages (2FA)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link", "iframe"):
            href = dict(attrs).get("href") or dict(attrs).get("src")
            if href:
                self.links.append(href)


def _visit_key(local: str) -> tuple[str, frozenset[str]] | None:
    """Filter links combine without end (status x language x date x sort orders...). Every URL
    with at most one filter or sort column is visited; URLs combining several, or carrying the
    changelist's remembered filters, a few times per path and set of parameter names."""
    parts = urlsplit(local)
    params = parse_qsl(parts.query, keep_blank_values=True)
    names = frozenset(name for name, _value in params)
    sorted_by_several = any(name == "o" and "." in value for name, value in params)
    if len(names) <= 1 and "_changelist_filters" not in names and not sorted_by_several:
        return None
    return parts.path, names


def _crawl(client, start: str = "/admin/") -> dict[str, str]:
    """GET every same-origin staff URL reachable by links from ``start``; returns
    {url: body}. Never follows the logout link (it ends the session) and never POSTs."""
    seen: dict[str, str] = {}
    combos: Counter = Counter()
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        key = _visit_key(url)
        if key is not None:
            if combos[key] >= COMBINATIONS_PER_KEY:
                continue
            combos[key] += 1
        response = client.get(url)
        assert response.status_code < 500, url
        body = response.content.decode(errors="replace") if response.content else ""
        seen[url] = body
        targets = []
        if response.status_code in (301, 302):
            targets.append(response["Location"])
        elif "html" in response.get("Content-Type", ""):
            parser = _Links()
            parser.feed(body)
            targets += parser.links
        for target in targets:
            absolute = urljoin("http://testserver" + url, target)
            parts = urlsplit(absolute)
            if parts.netloc != "testserver" or not parts.path.startswith(STAFF_AREAS):
                continue
            if parts.path.startswith("/admin/logout"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen:
                queue.append(local)
    assert len(seen) < MAX_PAGES, "crawl did not finish"
    return seen


@pytest.fixture
def world():
    """Given a volunteer reading English, with one letter of their own, letters waiting in the
    queue, letters held or handed in by another volunteer, letters in a language they do not
    read, and payments: every supporter with a distinctive name and address."""
    volunteer = VolunteerFactory(username="vera")
    volunteer.volunteer_profile.languages = ["en"]
    volunteer.volunteer_profile.save()
    other = VolunteerFactory(username="oskar")
    prisoner = PrisonerWithAddressFactory(notes_for_translators="Keep it about daily life.")
    letters = {
        "mine": LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer, prisoner=prisoner),
        "queued": LetterFactory(prisoner=prisoner),
        "queued_2": LetterFactory(prisoner=prisoner),
        "others_held": LetterFactory(status=S.IN_TRANSLATION, claimed_by=other),
        "others_translated": LetterFactory(status=S.TRANSLATED, translated_by=other),
        "others_approved": LetterFactory(status=S.APPROVED, translated_by=other),
        "german": LetterFactory(language="de"),
        "posted": LetterFactory(status=S.POSTED),
    }
    secrets = []
    for i, (name, letter) in enumerate(letters.items()):
        letter.supporter_name = f"Zebediah{i}Quill"
        letter.supporter_email = f"secret-{i}-{name.replace('_', '')}@supporter.example"
        letter.supporter_email_hash = crypto.lookup_hash(letter.supporter_email)
        letter.supporter_country = "NZ"
        letter.original_text = f"Private text number {i} about the garden."
        letter.save()
        secrets += [letter.supporter_name, letter.supporter_email]
    Payment.objects.create(
        letter=letters["others_held"],
        provider=Payment.Provider.STRIPE,
        status=Payment.Status.PAID,
        currency="GBP",
        amount=220,
        stripe_checkout_session_id="cs_test_secret_session",
        stripe_payment_intent_id="pi_test_secret_intent",
    )
    secrets += ["cs_test_secret_session", "pi_test_secret_intent"]
    hidden = [letters[n] for n in ("others_held", "others_translated", "others_approved")]
    hidden += [letters["german"], letters["posted"]]
    return {
        "volunteer": volunteer,
        "letters": letters,
        "secrets": secrets,
        "hidden_refs": [letter.reference for letter in hidden],
        "hidden_texts": [letter.original_text for letter in hidden],
    }


def _leaks(pages: dict[str, str], needles: list[str]) -> list[tuple[str, str]]:
    return [(url, needle) for url, body in pages.items() for needle in needles if needle in body]


def test_volunteer_crawling_every_admin_page_finds_no_supporter_or_others_letters(client, world):
    # given a logged-in volunteer
    client.force_login(world["volunteer"])

    # when they follow every link the admin offers them
    pages = _crawl(client)

    # then they reached their desk and their own letter...
    mine = world["letters"]["mine"]
    assert reverse("admin:letters_letter_desk_queue") in pages
    assert reverse("admin:letters_letter_desk_mine") in pages
    assert reverse("admin:letters_letter_desk_translate", args=[mine.pk]) in pages
    assert reverse("admin:letters_letter_change", args=[mine.pk]) in pages
    assert any(mine.original_text in body for body in pages.values())
    assert any(world["letters"]["queued"].reference in body for body in pages.values())
    # ...and saw no supporter, payment, nor anything of letters held by others
    assert _leaks(pages, world["secrets"]) == []
    assert _leaks(pages, world["hidden_refs"]) == []
    assert _leaks(pages, world["hidden_texts"]) == []
    assert not any("/admin/payments/" in url for url in pages)
    assert not any("/admin/auth/" in url for url in pages)


def test_volunteer_probing_urls_by_hand_learns_nothing(client, world):
    # given a logged-in volunteer who knows the admin's URL patterns
    client.force_login(world["volunteer"])
    letters = world["letters"]
    changelist = reverse("admin:letters_letter_changelist")
    mine_email = letters["mine"].supporter_email
    probes = [
        (changelist, {"q": mine_email}),
        (changelist, {"q": letters["others_held"].reference}),
        (changelist, {"supporter_email": mine_email}),
        (changelist, {"supporter_email__startswith": "secret"}),
        (changelist, {"supporter_name__icontains": "Zebediah"}),
        (changelist, {"claimed_by__username": "oskar"}),
        (changelist, {"payments__status": "paid"}),
        (changelist, {"o": "7"}),
        ("/admin/autocomplete/", {"app_label": "letters", "model_name": "letter", "term": "s"}),
        (
            "/admin/autocomplete/",
            {
                "app_label": "letters",
                "model_name": "volunteerprofile",
                "field_name": "user",
                "term": "o",
            },
        ),
        (reverse("admin:payments_payment_changelist"), {}),
        (reverse("admin:letters_letterevent_changelist"), {}),
        (reverse("admin:letters_notification_changelist"), {}),
        (reverse("admin:auth_user_changelist"), {}),
    ]
    for name in ("others_held", "others_translated", "others_approved", "german", "posted"):
        pk = letters[name].pk
        probes += [
            (reverse("admin:letters_letter_change", args=[pk]), {}),
            (reverse("admin:letters_letter_history", args=[pk]), {}),
            (reverse("admin:letters_letter_desk_translate", args=[pk]), {}),
            (reverse("admin:letters_letter_desk_review", args=[pk]), {}),
            (reverse("admin:letters_letter_desk_flag", args=[pk]), {}),
        ]

    # when they try each
    leaks = []
    for url, params in probes:
        response = client.get(url, params, follow=True)
        assert response.status_code < 500, (url, params)
        # (what they typed is echoed in the search box; that is not a leak)
        needles = [n for n in world["secrets"] + world["hidden_refs"] if n not in params.values()]
        needles += world["hidden_texts"]
        leaks += _leaks({f"{url}?{params}": response.content.decode()}, needles)

    # then none shows a supporter, a payment, or another volunteer's letter
    assert leaks == []


def test_volunteer_search_by_supporter_email_finds_nothing(client, world):
    # given a volunteer who somehow knows the e-mail of the supporter of their own letter
    client.force_login(world["volunteer"])
    mine = world["letters"]["mine"]

    # when they search and filter the letter list by it
    search = client.get(reverse("admin:letters_letter_changelist"), {"q": mine.supporter_email})
    filtered = client.get(
        reverse("admin:letters_letter_changelist"),
        {"supporter_email__startswith": mine.supporter_email[:8]},
    )

    # then the search matches nothing and the filter is refused
    assert mine.reference not in search.content.decode()
    assert filtered.status_code in (302, 400)


def test_volunteer_sees_no_payments_or_supporter_fields_on_own_letter(client, world):
    # given the volunteer's own letter
    client.force_login(world["volunteer"])
    mine = world["letters"]["mine"]

    # when they open its admin page
    response = client.get(reverse("admin:letters_letter_change", args=[mine.pk]))

    # then the work is there (text, history) and the supporter is not
    body = response.content.decode()
    assert response.status_code == 200
    assert mine.original_text in body
    assert mine.supporter_email not in body
    for field in ("supporter_name", "supporter_email", "supporter_country", "postage"):
        assert f"field-{field}" not in body
    assert mine.supporter_name not in body


def test_coordinator_still_sees_the_supporter(client, world):
    # given a coordinator
    client.force_login(CoordinatorFactory())
    mine = world["letters"]["mine"]

    # when they open a letter and search by a supporter's e-mail
    page = client.get(reverse("admin:letters_letter_change", args=[mine.pk]))
    search = client.get(reverse("admin:letters_letter_changelist"), {"q": mine.supporter_email})

    # then they see the supporter and find the letter
    assert mine.supporter_email in page.content.decode()
    assert mine.reference in search.content.decode()
