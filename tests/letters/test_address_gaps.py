"""Incomplete «Кому» lines (no year of birth, no patronymic in the dative) are shown to
coordinators before a batch is printed: on Prepare today's post and on the dashboard."""

import pytest
from django.urls import reverse

from letters import selectors
from letters.models import Letter
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


@pytest.mark.parametrize(
    ("dative", "birth_year", "missing"),
    [
        ("Хамроеву Бахрому Мардоновичу", 1963, []),
        ("Скочиленко Александре Юрьевне", 1990, []),
        ("Ульяновой Марии Ильиничне", 1878, []),
        ("ХАМРОЕВУ БАХРОМУ МАРДОНОВИЧУ", 1963, []),
        ("Алиеву Рашиду Ахмед оглы", 1980, []),
        ("Хамроеву Бахрому Мардоновичу", None, ["year of birth"]),
        ("Жилину Михаилу", 1990, ["patronymic in the dative name"]),
        ("Зиничу Евгению", None, ["year of birth", "patronymic in the dative name"]),
        # the patronymic left in the nominative is not what the envelope needs
        ("Жилину Михаилу Иванович", 1990, ["patronymic in the dative name"]),
    ],
)
def test_address_gaps_name_what_the_komu_line_lacks(dative, birth_year, missing):
    prisoner = PrisonerFactory.build(name_ru_dative=dative, birth_year=birth_year)
    assert selectors.address_gaps(prisoner) == missing


def test_the_database_finds_the_same_incomplete_prisoners_as_the_check():
    # given prisoners with complete and incomplete «Кому» lines, and one who takes no letters
    complete = PrisonerFactory(name_ru_dative="Хамроеву Бахрому Мардоновичу", birth_year=1963)
    caps = PrisonerFactory(name_ru_dative="ХАМРОЕВУ БАХРОМУ МАРДОНОВИЧУ", birth_year=1963)
    turkic = PrisonerFactory(name_ru_dative="Алиеву Рашиду Ахмед оглы", birth_year=1980)
    no_year = PrisonerFactory(name_en="A no year", birth_year=None)
    no_patronymic = PrisonerFactory(name_en="B no patronymic", name_ru_dative="Жилину Михаилу")
    PrisonerFactory(name_ru_dative="Навальному Алексею", accepts_letters=False)

    # when the coordinators' list is built
    rows = selectors.prisoners_with_incomplete_addresses()

    # then it holds exactly the incomplete ones who take letters, each with what is missing
    assert [(row["prisoner"].pk, row["missing"]) for row in rows] == [
        (no_year.pk, ["year of birth"]),
        (no_patronymic.pk, ["patronymic in the dative name"]),
    ]
    assert {complete.pk, caps.pk, turkic.pk}.isdisjoint(row["prisoner"].pk for row in rows)


def test_prepare_page_keeps_letters_whose_address_is_incomplete_out_of_the_batch(
    client, coordinator
):
    # given two approved letters, one to a prisoner with neither year nor patronymic (approved
    # before the record lost them: a letter approved now would be on hold)
    incomplete = PrisonerWithAddressFactory(name_ru_dative="Жилину Михаилу", birth_year=None)
    waiting = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID, prisoner=incomplete)
    fine = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    client.force_login(coordinator)

    # when the coordinator opens Prepare today's post
    page = client.get(reverse("letters_coordination:prepare")).content.decode()

    # then only the complete one is offered for the batch; the other waits, saying what is
    # missing and linking to the prisoner's record
    assert f'value="{fine.pk}"' in page and f'value="{waiting.pk}"' not in page
    listed = page[page.index('id="waiting"') :]
    row = listed[
        listed.index(waiting.reference) : listed.index("</tr>", listed.index(waiting.reference))
    ]
    assert "incomplete «Кому» line" in row
    assert "Missing: year of birth, patronymic in the dative name." in row
    assert reverse("admin:prisoners_prisoner_change", args=[incomplete.pk]) in row


def test_dashboard_lists_prisoners_with_incomplete_addresses(client, coordinator):
    # given a prisoner who takes letters but has no patronymic on record
    PrisonerWithAddressFactory(name_en="Mikhail Zhilin", name_ru_dative="Жилину Михаилу")
    client.force_login(coordinator)

    # when the coordinator opens the dashboard
    page = client.get(reverse("letters_coordination:dashboard")).content.decode()

    # then the prisoner is listed with what is missing
    section = page[page.index('id="incomplete-addresses"') :]
    assert "Mikhail Zhilin" in section and "patronymic in the dative name" in section
