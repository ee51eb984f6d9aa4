"""The directory and profile pages, drawn above prisoners and letters: prisoners' records with
letters' counts, sorting, the letter form, constant queries."""

import re

import pytest
from django.urls import reverse

from letters.models import Letter
from prisoners.models import Prisoner
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db


def _prisoners_with_letters(count: int, letters_each: int) -> list[Prisoner]:
    prisoners = [PrisonerWithAddressFactory() for _ in range(count)]
    for prisoner in prisoners:
        for _ in range(letters_each):
            LetterFactory(prisoner=prisoner)
    return prisoners


def test_fewest_letters_first_puts_the_least_written_to_on_top(client):
    # given a prisoner with three letters this month, one with none, and a cancelled letter
    # (which letters does not count) to the quiet one
    busy = PrisonerWithAddressFactory(name_en="Anna Busy")
    quiet = PrisonerWithAddressFactory(name_en="Zoya Quiet")
    for _ in range(3):
        LetterFactory(prisoner=busy)
    LetterFactory(prisoner=quiet, status=Letter.Status.CANCELLED)

    # when the directory is asked for the fewest first
    html = client.get(reverse("prisoners:list"), {"sort": "fewest"}).content.decode()

    # then the counts come from letters and order the page
    assert html.index(quiet.name_en) < html.index(busy.name_en)
    assert "<strong>3</strong> letters this month" in html
    assert "<strong>0</strong> letters this month" in html


def test_an_unknown_sort_falls_back_to_names(client):
    response = client.get(reverse("prisoners:list"), {"sort": "<script>", "page": "x"})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_the_directory_runs_the_same_queries_whatever_its_size(
    client, size, django_assert_max_num_queries
):
    _prisoners_with_letters(size, letters_each=size)

    with django_assert_max_num_queries(2):  # the page count and the page of prisoners
        response = client.get(reverse("prisoners:list"), {"sort": "fewest"})

    assert response.status_code == 200
    assert response.content.decode().count('class="prisoner-card"') == size


@pytest.mark.parametrize("letters_count", [1, 25])
def test_the_profile_runs_the_same_queries_whatever_the_letters(
    client, letters_count, django_assert_max_num_queries
):
    (prisoner,) = _prisoners_with_letters(1, letters_each=letters_count)

    # the prisoner, its address, the month's letter counts and the year's reply counts (both
    # then cached for every profile)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("prisoners:detail", args=[prisoner.slug]))

    assert response.status_code == 200
    assert f"<strong>{letters_count}</strong> letter" in response.content.decode()


def test_the_profile_carries_the_letter_form_for_that_prisoner(client):
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev")

    html = client.get(reverse("prisoners:detail", args=[prisoner.slug])).content.decode()

    assert f'action="{reverse("letters:write")}"' in html
    assert f'<input type="hidden" name="prisoner" value="{prisoner.slug}"' in html
    assert "Before you write" in html
    assert "£2.20 (GBP)" in html and "$2.73 (USD)" in html and "€2.52 (EUR)" in html


def test_the_profile_of_someone_in_transit_says_the_letter_will_wait(client):
    prisoner = PrisonerFactory(status=Prisoner.Status.IN_TRANSIT)

    html = client.get(reverse("prisoners:detail", args=[prisoner.slug])).content.decode()

    assert "we keep your letter safe" in html


def test_the_profile_of_someone_released_has_no_form(client):
    prisoner = PrisonerFactory(status=Prisoner.Status.RELEASED, accepts_letters=False)

    html = client.get(reverse("prisoners:detail", args=[prisoner.slug])).content.decode()

    assert "We cannot forward letters to this person." in html
    assert 'name="original_text"' not in html


def test_profile_text_is_escaped(client):
    prisoner = PrisonerFactory(name_en="<b>Bold</b>", case_summary="<script>x()</script>")

    html = client.get(reverse("prisoners:detail", args=[prisoner.slug])).content.decode()

    assert "<script>x()" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in html


def test_an_unknown_or_overlong_slug_is_404(client):
    assert client.get(reverse("prisoners:detail", args=["nobody"])).status_code == 404
    assert client.get(f"/prisoners/{'a' * 300}/").status_code == 404


def test_in_russian_the_name_is_written_in_cyrillic(client):
    prisoner = PrisonerFactory(name_en="Bakhrom Khamroev", name_ru="Хамроев Бахром Мардонович")
    client.cookies["django_language"] = "ru"

    html = client.get(reverse("prisoners:detail", args=[prisoner.slug])).content.decode()

    assert "<h1>Хамроев Бахром Мардонович</h1>" in html
    assert '<p class="name-ru">Bakhrom Khamroev</p>' in html


def _russian_get(client, url: str):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core import pagecache

    cache.clear()  # the cold path: a cached page would hide its queries
    pagecache.reset_local()
    client.cookies["django_language"] = "ru"
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return html, len(queries)


def test_the_russian_pages_list_people_in_russian_order_with_a_fixed_number_of_queries(client):
    # given people whose English and Russian names sort differently
    for name_en, name_ru in [
        ("Aleksei Arbuzenko", "Арбузенко Алексей"),
        ("Bakhrom Khamroev", "Хамроев Бахром Мардонович"),
        ("Evgeny Zinich", "Зинич Евгений"),
    ]:
        PrisonerFactory(name_en=name_en, name_ru=name_ru, accepts_letters=True)
    PrisonerFactory(name_en="Alsu Kurmasheva", name_ru="Курмашева Алсу", accepts_letters=False)
    in_order = ["Арбузенко Алексей", "Зинич Евгений", "Хамроев Бахром Мардонович"]

    # when the letter form and the directory are opened in Russian
    form, form_queries = _russian_get(client, reverse("letters:write"))
    directory, _ = _russian_get(client, reverse("prisoners:list"))

    # then the people are in Russian alphabetical order (they were in the English order:
    # Арбузенко, Хамроев, Зинич), those who accept letters first
    options = re.findall(r'<option value="[a-z0-9-]+">([^<]+)</option>', form)
    assert [name for name in options if name in in_order] == in_order
    positions = [directory.index(name) for name in [*in_order, "Курмашева Алсу"]]
    assert positions == sorted(positions)

    # and the form reads every Russian name with its one query, not one more per person
    PrisonerFactory(name_en="Mikhail Zhilin", name_ru="Жилин Михаил", accepts_letters=True)
    PrisonerFactory(name_en="Ivan Ivanov", name_ru="Иванов Иван", accepts_letters=True)
    form, more_people_queries = _russian_get(client, reverse("letters:write"))
    assert more_people_queries == form_queries
    assert ">Жилин Михаил</option>" in form


def test_a_prisoners_address_without_the_name_leads_to_the_directory(client):
    response = client.get("/prisoners/", {"sort": "name"})
    assert response.status_code == 301
    assert response["Location"] == reverse("prisoners:list") + "?sort=name"
    assert client.get(response["Location"]).status_code == 200
