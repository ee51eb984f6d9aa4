"""Staff read prisoners' names in the admin's language: Cyrillic first in the Russian admin."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from inbox.forms import ConfirmLetterForm
from letters.models import Letter
from prisoners.models import Prisoner
from tests.factories import CoordinatorFactory, LetterFactory, PrisonerFactory

pytestmark = pytest.mark.django_db


def _prisoner(**fields) -> Prisoner:
    defaults = {"name_en": "Bakhrom Khamroev", "name_ru": "Хамроев Бахром Мардонович"}
    return PrisonerFactory(**(defaults | fields))


def test_a_prisoner_reads_in_the_admins_language():
    prisoner = _prisoner()

    with translation.override("ru"):
        russian = str(prisoner)
    with translation.override("en"):
        english = str(prisoner)

    assert (russian, english) == ("Хамроев Бахром Мардонович", "Bakhrom Khamroev")


def test_a_row_loaded_with_only_the_english_name_costs_no_query_for_the_russian_one():
    pk = _prisoner().pk
    prisoner = Prisoner.objects.only("pk", "name_en").get(pk=pk)

    with translation.override("ru"), CaptureQueriesContext(connection) as queries:
        name = str(prisoner)

    assert (name, len(queries)) == ("Bakhrom Khamroev", 0)


@pytest.mark.parametrize(
    ("language", "html"),
    [
        ("ru", 'Хамроев Бахром Мардонович <span lang="en">(Bakhrom Khamroev)</span>'),
        ("en", 'Bakhrom Khamroev <span lang="ru">(Хамроев Бахром Мардонович)</span>'),
    ],
)
def test_both_names_put_the_pages_language_first_and_mark_the_other(language, html):
    template = Template("{% load prisoners_tags %}{{ prisoner|both_names }}")

    with translation.override(language):
        assert template.render(Context({"prisoner": _prisoner()})) == html


def test_both_names_without_a_russian_spelling_is_the_english_one_alone():
    template = Template("{% load prisoners_tags %}{{ prisoner|both_names }}")

    with translation.override("ru"):
        assert template.render(Context({"prisoner": _prisoner(name_ru="")})) == "Bakhrom Khamroev"


def test_the_inboxs_prisoner_menu_reads_and_sorts_in_cyrillic_in_russian():
    _prisoner(name_en="Aleksei Zorin", name_ru="Зорин Алексей Петрович", slug="zorin")
    _prisoner(name_en="Yuri Abramov", name_ru="Абрамов Юрий Ильич", slug="abramov")

    def names() -> list[str]:
        return [label for value, label in ConfirmLetterForm().fields["prisoner"].choices if value]

    with translation.override("ru"):
        labels = names()
    with translation.override("en"):
        english = names()

    assert labels == ["Абрамов Юрий Ильич", "Зорин Алексей Петрович"]
    assert english == ["Aleksei Zorin", "Yuri Abramov"]


def test_the_russian_admins_letter_list_names_the_prisoner_in_cyrillic(client):
    LetterFactory(prisoner=_prisoner(), status=Letter.Status.RECEIVED)
    client.force_login(CoordinatorFactory())
    client.cookies["django_language"] = "ru"

    page = client.get(reverse("admin:letters_letter_changelist")).content.decode()

    assert "Хамроев Бахром Мардонович" in page
    assert "Bakhrom Khamroev" not in page
