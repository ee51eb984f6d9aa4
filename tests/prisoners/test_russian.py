"""Russian pages about a prisoner: the summary in Russian, the name in the case the sentence
needs, and status words that agree with the person's gender."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from prisoners.models import Prisoner
from tests.factories import PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

S, G = Prisoner.Status, Prisoner.Gender


def _page(client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _khamroev(**kwargs) -> Prisoner:
    return PrisonerWithAddressFactory(
        name_en="Bakhrom Khamroev",
        name_ru="Хамроев Бахром Мардонович",
        name_ru_dative="Хамроеву Бахрому Мардоновичу",
        gender=G.MALE,
        case_summary="Human rights defender, in custody since 2022.",
        case_summary_ru="Правозащитник, под стражей с 2022 года.",
        **kwargs,
    )


def test_the_russian_profile_shows_the_russian_summary_and_writes_to_the_dative_name(client):
    prisoner = _khamroev()

    html = _page(client, reverse("prisoners:detail", args=[prisoner.slug]), "ru")

    assert '<div class="case" lang="ru"><p>Правозащитник, под стражей с 2022 года.</p>' in html
    assert "Human rights defender" not in html
    assert '<h2 id="write-heading">Написать Хамроеву Бахрому Мардоновичу</h2>' in html
    assert "Написать Хамроев " not in html and "Написать Bakhrom" not in html


def test_the_english_profile_keeps_the_english_summary_and_name(client):
    prisoner = _khamroev()

    html = _page(client, reverse("prisoners:detail", args=[prisoner.slug]), "en")

    assert '<div class="case" lang="en"><p>Human rights defender, in custody since 2022.' in html
    assert "Правозащитник" not in html
    assert '<h2 id="write-heading">Write to Bakhrom Khamroev</h2>' in html


@pytest.mark.parametrize(
    ("language", "written", "shown"),
    [("ru", {"case_summary": "Only in English."}, ("en", "Only in English.")),
     ("en", {"case_summary_ru": "Только по-русски."}, ("ru", "Только по-русски."))],
)  # fmt: skip
def test_a_summary_not_yet_written_in_the_readers_language_falls_back_to_the_other(
    client, language, written, shown
):
    prisoner = PrisonerFactory(**written)

    html = _page(client, reverse("prisoners:detail", args=[prisoner.slug]), language)

    assert f'<div class="case" lang="{shown[0]}"><p>{shown[1]}</p></div>' in html


def test_the_russian_directory_shows_russian_summaries_and_the_dative_in_the_write_link(client):
    _khamroev()

    html = _page(client, reverse("prisoners:list"), "ru")

    assert '<p class="prisoner-card__summary" lang="ru">Правозащитник, под стражей' in html
    assert 'Написать<span class="visually-hidden"> Хамроеву Бахрому Мардоновичу</span>' in html


@pytest.mark.parametrize(
    ("status", "gender", "russian"),
    [
        (S.SENTENCED, G.FEMALE, "осуждена"),
        (S.SENTENCED, G.MALE, "осуждён"),
        (S.RELEASED, G.FEMALE, "освобождена"),
        (S.RELEASED, G.MALE, "освобождён"),
        (S.DECEASED, G.FEMALE, "умерла"),
        (S.DECEASED, G.MALE, "умер"),
        (S.PRETRIAL, G.FEMALE, "в СИЗО"),
        (S.IN_TRANSIT, G.MALE, "на этапе"),
        # No gender recorded yet: words that need none, never a hedge like «осуждён(а)».
        (S.SENTENCED, "", "приговор вынесен"),
        (S.RELEASED, "", "на свободе"),
        (S.DECEASED, "", "нет в живых"),
    ],
)
def test_the_russian_status_word_agrees_with_the_prisoners_gender(status, gender, russian):
    accepts = status not in (S.RELEASED, S.DECEASED)
    prisoner = PrisonerFactory(status=status, gender=gender, accepts_letters=accepts)

    with translation.override("ru"):
        assert prisoner.status_word() == russian
    with translation.override("en"):
        assert prisoner.status_word() == prisoner.get_status_display()


def test_the_badge_says_osuzhdena_for_a_woman_and_osuzhden_for_a_man(client):
    woman = PrisonerFactory(name_ru="Иванова Анна", gender=G.FEMALE, status=S.SENTENCED)
    man = PrisonerFactory(name_ru="Иванов Иван", gender=G.MALE, status=S.SENTENCED)

    woman_page = _page(client, reverse("prisoners:detail", args=[woman.slug]), "ru")
    man_page = _page(client, reverse("prisoners:detail", args=[man.slug]), "ru")
    english = _page(client, reverse("prisoners:detail", args=[woman.slug]), "en")

    assert '<span class="badge">осуждена</span>' in woman_page
    assert '<span class="badge">осуждён</span>' in man_page
    assert '<span class="badge">sentenced</span>' in english


def test_the_admin_asks_for_the_gender_and_takes_the_russian_summary(coordinator):
    request = RequestFactory().get("/")
    request.user = coordinator
    form_class = admin.site._registry[Prisoner].get_form(request)
    data = {
        "name_en": "Anna Ivanova",
        "slug": "anna-ivanova",
        "status": S.SENTENCED,
        "accepts_letters": "on",
        "name_ru": "Иванова Анна",
        "name_ru_dative": "Ивановой Анне",
        "case_summary_ru": "Осуждена за антивоенный пост.",
    }

    without_gender = form_class(data=data)
    with_gender = form_class(data=data | {"gender": G.FEMALE})

    assert "gender" in without_gender.errors
    assert with_gender.is_valid(), with_gender.errors
    assert with_gender.save().case_summary_ru == "Осуждена за антивоенный пост."


def test_the_demo_prisoners_have_a_gender_and_a_summary_in_both_languages(settings):
    settings.DEBUG = True

    call_command("load_demo_data")

    prisoners = {p.slug: p for p in Prisoner.objects.all()}
    assert all(p.gender and p.case_summary and p.case_summary_ru for p in prisoners.values())
    women = {slug for slug, p in prisoners.items() if p.gender == G.FEMALE}
    assert women == {"sasha-skochilenko", "alsu-kurmasheva"}
    navalny = prisoners["aleksei-navalny"]
    assert "16 February 2024" in navalny.case_summary
    assert "16 февраля 2024 года" in navalny.case_summary_ru
    for slug in women:
        assert "1 August 2024" in prisoners[slug].case_summary
        assert "1 августа 2024 года" in prisoners[slug].case_summary_ru
    with translation.override("ru"):
        assert navalny.status_word() == "умер"
        assert prisoners["sasha-skochilenko"].status_word() == "освобождена"
        assert prisoners["bakhrom-khamroev"].status_word() == "осуждён"
