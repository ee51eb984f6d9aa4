"""The letter admin's search box does what its hint says, for each role: a reference with or
without "LB-", any word of a prisoner's name, and (coordinators only) a supporter's e-mail."""

import pytest
from django.urls import reverse

from letters.models import Letter
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:letters_letter_changelist")


@pytest.fixture
def letters():
    """Two prisoners' letters, waiting in English (a language the test volunteers read)."""
    zhilin = PrisonerWithAddressFactory(
        name_en="Mikhail Zhilin",
        name_ru="Михаил Юрьевич Жилин",
        name_ru_dative="Жилину Михаилу Юрьевичу",
    )
    kara_murza = PrisonerWithAddressFactory(
        name_en="Vladimir Kara-Murza",
        name_ru="Владимир Кара-Мурза",
        name_ru_dative="Кара-Мурзе Владимиру Владимировичу",
    )
    return {
        "zhilin": LetterFactory(prisoner=zhilin, supporter_email="Margaret@Example.org"),
        "zhilin_too": LetterFactory(prisoner=zhilin),
        "kara_murza": LetterFactory(prisoner=kara_murza, supporter_email="margaret@example.org"),
    }


def _found(client, term: str) -> set[str]:
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    return {letter.reference for letter in response.context["cl"].result_list}


def _refs(*letters: Letter) -> set[str]:
    return {letter.reference for letter in letters}


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("Zhilin", ["zhilin", "zhilin_too"]),
        ("zhilin", ["zhilin", "zhilin_too"]),
        ("Mikhail", ["zhilin", "zhilin_too"]),
        ("Жилин", ["zhilin", "zhilin_too"]),
        ("жилин", ["zhilin", "zhilin_too"]),
        ("Murza", ["kara_murza"]),
        ("Мурза", ["kara_murza"]),
        # as the envelope's «Кому» line has the name, in the dative
        ("Жилину", ["zhilin", "zhilin_too"]),
        ("мурзе", ["kara_murza"]),
        ("hilin", []),  # a word's start, not any part of it
    ],
)
def test_any_word_of_a_prisoners_name_finds_their_letters(
    client, request, letters, role, term, expected
):
    # given someone in this role at the letter list
    client.force_login(request.getfixturevalue(role))
    # when they search for one word of a prisoner's name, English or Russian (or the dative),
    # in any case
    # then exactly that prisoner's letters are found
    assert _found(client, term) == _refs(*(letters[name] for name in expected))


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
def test_a_reference_is_found_with_or_without_its_prefix(client, request, letters, role):
    client.force_login(request.getfixturevalue(role))
    letter = letters["kara_murza"]
    code = letter.reference.removeprefix("LB-")
    for term in (letter.reference, code, code.lower(), f"lb{code}", f" LB-{code.lower()} "):
        assert _found(client, term) == {letter.reference}, term


def test_a_coordinator_finds_a_supporters_letters_by_e_mail(client, coordinator, letters):
    # given a supporter who wrote twice, from the same address typed in two cases
    client.force_login(coordinator)
    # when a coordinator searches for the address
    found = _found(client, "MARGARET@example.org")
    # then both letters are found through the address's keyed hash
    assert found == _refs(letters["zhilin"], letters["kara_murza"])


def test_a_volunteer_cannot_find_letters_by_e_mail(client, volunteer, letters):
    # given a volunteer who may open the supporter's letters (waiting in their language)
    client.force_login(volunteer)
    assert letters["zhilin"].reference in _found(client, "")
    # when they search for the supporter's address
    # then nothing is found: who wrote a letter is not theirs to know
    assert _found(client, "margaret@example.org") == set()


def test_each_role_reads_a_search_hint_that_matches_what_it_can_search(
    client, volunteer, coordinator, letters
):
    client.force_login(volunteer)
    volunteers_hint = client.get(CHANGELIST).context["cl"].search_help_text
    client.force_login(coordinator)
    coordinators_hint = client.get(CHANGELIST).context["cl"].search_help_text
    assert "e-mail" not in volunteers_hint and "name" in volunteers_hint
    assert "e-mail" in coordinators_hint and "name" in coordinators_hint


@pytest.mark.parametrize("term", ["(", "\\", "Zhilin[", "*", "%", "Kara-", "a" * 300, "\x00"])
def test_a_search_term_that_is_no_pattern_is_harmless(client, coordinator, letters, term):
    client.force_login(coordinator)
    assert client.get(CHANGELIST, {"q": term}).status_code == 200
