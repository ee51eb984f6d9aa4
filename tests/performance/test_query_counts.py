"""Every page runs the same number of queries whatever the number of letters: each page is
measured on a small database and again after it has grown several times over."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import pagecache
from letters import tokens
from letters.models import Letter, LetterEvent
from payments.models import Payment
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

S = Letter.Status


def _grow(per_state: int, prisoners: list, volunteer) -> None:
    """Letters in every state, with history and payments, spread over the prisoners."""
    for i in range(per_state):
        for status in S:
            letter = LetterFactory(
                status=status,
                prisoner=prisoners[i % len(prisoners)],
                language="en",
                claimed_by=volunteer if status == S.IN_TRANSLATION else None,
            )
            LetterEvent.objects.create(letter=letter, to_status="received", action="submit")
            if status != S.RECEIVED:
                LetterEvent.objects.create(
                    letter=letter, from_status="received", to_status=status, action="x"
                )
            if letter.postage in ("paid", "due"):
                Payment.objects.create(
                    letter=letter,
                    provider="stripe",
                    status="paid" if letter.postage == "paid" else "pending",
                    currency="GBP",
                    amount=220,
                )


@pytest.fixture
def world(db):
    prisoners = [PrisonerWithAddressFactory() for _ in range(3)]
    volunteer = VolunteerFactory()
    coordinator = CoordinatorFactory()
    tracked = LetterFactory(prisoner=prisoners[0], status=S.POSTED)
    LetterEvent.objects.create(letter=tracked, to_status="received", action="submit")
    return {
        "prisoners": prisoners,
        "volunteer": volunteer,
        "coordinator": coordinator,
        "tracked": tracked,
        "token": tokens.token_for(salt=tracked.tracking_salt),
    }


def _pages(world) -> list[tuple[str, str]]:
    """(who, url) for every page a person opens, public and staff."""
    letter = Letter.objects.filter(status=S.TRANSLATED).order_by("pk").first()
    in_translation = Letter.objects.filter(claimed_by=world["volunteer"]).order_by("pk").first()
    slug = world["prisoners"][0].slug
    pages = [
        ("anon", reverse("prisoners:list")),
        ("anon", reverse("prisoners:list") + "?sort=fewest"),
        ("anon", reverse("prisoners:detail", args=[slug])),
        ("anon", reverse("letters:write") + f"?to={slug}"),
        ("anon", reverse("letters:track", args=[world["token"]])),
        ("anon", reverse("letters:find")),
        ("anon", reverse("rights:request")),
        ("volunteer", reverse("admin:index")),
        ("volunteer", reverse("admin:letters_letter_desk_queue")),
        ("volunteer", reverse("admin:letters_letter_desk_mine")),
        ("volunteer", reverse("admin:letters_letter_changelist")),
        ("volunteer", reverse("admin:letters_letter_desk_translate", args=[in_translation.pk])),
        ("coordinator", reverse("admin:index")),
        ("coordinator", reverse("admin:letters_letter_changelist")),
        (
            "coordinator",
            reverse("admin:letters_letter_changelist") + "?status__exact=received&q=LB",
        ),
        ("coordinator", reverse("admin:letters_letter_change", args=[letter.pk])),
        ("coordinator", reverse("admin:letters_letter_desk_review_list")),
        ("coordinator", reverse("admin:letters_letter_desk_review", args=[letter.pk])),
        ("coordinator", reverse("admin:letters_letter_desk_flags")),
        ("coordinator", reverse("admin:letters_letterevent_changelist")),
        ("coordinator", reverse("admin:letters_notification_changelist")),
        ("coordinator", reverse("admin:prisoners_prisoner_changelist")),
        ("coordinator", reverse("admin:payments_payment_changelist")),
        ("coordinator", reverse("admin:payments_payment_ledger")),
        ("coordinator", reverse("letters_coordination:dashboard")),
        ("coordinator", reverse("letters_coordination:prepare")),
    ]
    return pages


def _count(client, who: str, url: str, world) -> int:
    client.logout()
    if who != "anon":
        client.force_login(world[who])
    client.get(url)  # warm: sessions, permissions, content types
    cache.clear()  # measure the cold path: cached pages must not hide queries
    pagecache.reset_local()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (who, url, response.status_code)
    return len(queries)


def test_every_page_runs_the_same_queries_at_two_sizes(client, world):
    _grow(2, world["prisoners"], world["volunteer"])
    small = {(who, url): _count(client, who, url, world) for who, url in _pages(world)}

    more_prisoners = [PrisonerWithAddressFactory() for _ in range(10)]
    _grow(12, world["prisoners"] + more_prisoners, world["volunteer"])
    large = {(who, url): _count(client, who, url, world) for who, url in _pages(world)}

    grew = {page: (small[page], large[page]) for page in small if large[page] != small[page]}
    assert grew == {}, f"queries grew with the data: {grew}"
