"""The admin in Russian names every model of ours in Russian: the sidebar, the page titles
("Выберите письмо для изменения") and the messages read the model's verbose names."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from tests.factories import CoordinatorFactory, LetterFactory, VolunteerFactory

OURS = {
    "accounts",
    "core",
    "inbox",
    "letters",
    "pages",
    "payments",
    "prisoners",
    "replies",
    "rights",
}


def _our_admin_models():
    return [model for model in admin.site._registry if model._meta.app_label in OURS]


def test_every_model_of_ours_in_the_admin_has_a_russian_name():
    # given every model of our apps the admin shows
    models = _our_admin_models()
    assert models

    # when their names are read in English and in Russian
    with translation.override("en"):
        english = {m: (str(m._meta.verbose_name), str(m._meta.verbose_name_plural)) for m in models}
    with translation.override("ru"):
        russian = {m: (str(m._meta.verbose_name), str(m._meta.verbose_name_plural)) for m in models}

    # then none is left in English
    untranslated = [
        m.__name__
        for m in models
        if english[m][0] == russian[m][0] or english[m][1] == russian[m][1]
    ]
    assert untranslated == []


def test_every_field_the_admin_of_ours_shows_has_a_russian_name():
    # given every concrete field of our admin's models (columns, filters, change forms)
    fields = [
        (model, field)
        for model in _our_admin_models()
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False) and field.name != "id"
    ]

    # when each is named in English and in Russian
    def names(language):
        with translation.override(language):
            return [str(field.verbose_name) for _, field in fields]

    # then none is left in English
    untranslated = [
        f"{model.__name__}.{field.name}"
        for (model, field), en, ru in zip(fields, names("en"), names("ru"), strict=True)
        if en == ru
    ]
    assert untranslated == []


@pytest.mark.django_db
def test_a_coordinator_reading_the_admin_in_russian_sees_russian_model_names(client):
    # given a coordinator who reads the site in Russian, and a letter
    LetterFactory()
    client.force_login(CoordinatorFactory())
    client.cookies["django_language"] = "ru"

    # when they open the admin's index and the letters' list
    index = client.get(reverse("admin:index")).content.decode()
    letters = client.get(reverse("admin:letters_letter_changelist")).content.decode()

    # then the models are named in Russian, in the case the sentence needs
    assert "Профили заключённых" in index and ">Prisoners<" not in index
    assert "Письма" in index and ">Letters<" not in index
    assert "Выберите письмо для изменения" in letters
    # and the letter list's columns and filters too
    for header in ("Номер", "Заключённый", "Способ отправки", "Статус", "Почтовый сбор"):
        assert header in letters, header
    assert "Дата поступления" in letters and "У кого в работе" in letters
    # and the admin's own header and title read in Russian
    assert "— перевод писем</a>" in index and "translation desk" not in index
    assert "Письма, заключённые и почтовые сборы" in index
    # and the sign-in lockouts (django-axes) are named, not "Axes"
    assert "Блокировки входа" in index and ">Axes<" not in index


@pytest.mark.django_db
def test_a_volunteer_reading_the_letter_list_in_russian_sees_russian_columns(client):
    # given a volunteer who reads the site in Russian, and a letter
    LetterFactory()
    client.force_login(VolunteerFactory())
    client.cookies["django_language"] = "ru"

    # when they open the list of letters
    page = client.get(reverse("admin:letters_letter_changelist")).content.decode()

    # then every column and filter of theirs is in Russian
    for header in ("Номер", "Заключённый", "Язык письма", "Статус", "Дата поступления"):
        assert header in page, header
    for english in (">Reference<", ">Prisoner<", ">Status<", ">Created at<", "By status"):
        assert english not in page, english


@pytest.mark.django_db
def test_in_english_the_header_says_translation_desk(client):
    client.force_login(VolunteerFactory())
    index = client.get(reverse("admin:index")).content.decode()
    assert "— translation desk</a>" in index
    assert "Letters, prisoners and postage" in index


@pytest.mark.django_db
def test_the_admin_in_russian_has_a_russian_header_and_index_title(client):
    # given a volunteer who reads the admin in Russian
    client.force_login(VolunteerFactory())
    client.cookies["django_language"] = "ru"

    # when they open the admin's index
    index = client.get(reverse("admin:index")).content.decode()

    # then its header and title are in Russian, not English
    assert "— перевод писем" in index and "translation desk" not in index
    assert "Письма, заключённые и почтовые сборы" in index
    assert "Letters, prisoners and postage" not in index


@pytest.mark.django_db
def test_the_inbox_list_in_russian_names_its_sender_column_in_russian(client, settings):
    from pathlib import Path

    from inbox.services import ingest_raw_email

    fixture = Path(settings.BASE_DIR) / "tests" / "fixtures" / "email" / "plain_utf8_post_it.eml"
    ingest_raw_email(fixture.read_bytes())
    client.force_login(CoordinatorFactory())
    client.cookies["django_language"] = "ru"

    page = client.get(reverse("admin:inbox_inboundemail_changelist")).content.decode()

    assert "От кого" in page and ">From<" not in page
