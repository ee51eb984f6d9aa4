"""The signature printed under a letter: proposed in Cyrillic from the supporter's name, confirmed
or corrected by the translator on the translation page, required at hand-in, encrypted at rest,
exported with the supporter's data and erased with it."""

import importlib
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter
from letters.services import core, privacy, submission, translation
from letters.signature import signature_proposal_ru
from rights.services import supporter_data_export
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status


def url(name: str, *args) -> str:
    return reverse(f"admin:letters_letter_desk_{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _raw_signature(letter_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT signature_ru FROM letters_letter WHERE id = %s", [letter_id])
        return cursor.fetchone()[0]


def _held(**kwargs) -> tuple[Letter, object]:
    volunteer = VolunteerFactory()
    letter = LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer, **kwargs)
    return letter, volunteer


def _post(client, letter, **data):
    form = {"translation": "Дорогой друг!\n\nВы не забыты.", "base_version": 0, **data}
    return client.post(url("translate", letter.pk), form)


# --- the proposal -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "proposal"),
    [
        ("Margaret", "Маргарет"),
        ("Anna Example", "Анна Эксампле"),
        ("Sasha Müller-Weiß", "Саша Муллер-Веисс"),
        ("J. Smith", "Дж. Смит"),
        ("Lucy", "Люси"),
        ("Анна", "Анна"),
        ("Tom 2", "Том"),
        ("李", ""),
    ],
)
def test_the_proposal_spells_the_name_in_cyrillic(name, proposal):
    assert signature_proposal_ru(name) == proposal


@pytest.mark.parametrize(
    ("name", "language", "proposal"),
    [
        # names Russian writes by convention, not letter by letter ("Клаире", "Мичаел")
        ("Claire", "en", "Клэр"),
        ("Claire", "fr", "Клер"),
        ("CLAIRE", "en", "КЛЭР"),
        ("Michael", "en", "Майкл"),
        ("Michael", "de", "Михаэль"),
        ("George Smith", "en", "Джордж Смит"),
        ("Jean-Pierre", "fr", "Жан-Пьер"),
        ("Chloé", "fr", "Хлоя"),
        ("Chloe", "fr", "Хлоя"),  # typed without its accent
        ("Małgorzata", "pl", "Малгожата"),
        ("Claire", "it", "Клэр"),  # not in the Italian list: the English reading
        # German spelling of sounds
        ("Heinz Zimmermann", "de", "Хайнц Циммерманн"),
        ("Jonas Eichhorn", "de", "Йонас Айххорн"),
        ("Sasha Müller-Weiß", "de", "Саша Муллер-Вайсс"),
        # Cyrillic is kept as written: й and ё are letters, not accents
        ("Андрей", "ru", "Андрей"),
        ("Алёна Йоргенсон", "", "Алёна Йоргенсон"),
    ],
)
def test_the_proposal_reads_the_name_as_the_letters_language_does(name, language, proposal):
    assert signature_proposal_ru(name, language) == proposal


def test_a_new_letter_proposes_the_name_as_its_language_reads_it():
    submitted = submission.letter_submit(
        prisoner_id=PrisonerWithAddressFactory().pk,
        supporter_name="Michael",
        supporter_email="m@example.org",
        language="de",
        original_text="Lieber Freund, wir denken an dich.",
        delivery=Letter.Delivery.RETURN_TO_ME,
    )

    assert Letter.objects.get(pk=submitted.letter.pk).signature_ru == "Михаэль"


def test_a_new_letter_gets_a_cyrillic_signature_proposed_and_stored_encrypted():
    # when a supporter signing "Margaret" writes
    letter = submission.letter_submit(
        prisoner_id=PrisonerWithAddressFactory().pk,
        supporter_name="Margaret",
        supporter_email="margaret@example.org",
        language="en",
        original_text="Dear friend, the first snow fell.",
        delivery="return_to_me",
    ).letter

    # then the letter carries the proposal in Cyrillic, ciphertext in the database
    assert Letter.objects.get(pk=letter.pk).signature_ru == "Маргарет"
    raw = _raw_signature(letter.pk)
    assert raw.startswith("fernet:") and "Маргарет" not in raw


def test_letters_written_before_the_field_get_a_proposal_from_the_migration():
    # given letters with no signature yet: one approved, one posted long ago
    waiting = LetterFactory(status=S.APPROVED, supporter_name="Margaret", signature_ru="")
    posted = LetterFactory(status=S.POSTED, supporter_name="Tom", signature_ru="")
    migration = importlib.import_module("letters.migrations.0009_letter_signature_ru")

    # when the migration's data step runs
    migration.propose_signatures(apps, None)

    # then the letter that may still be printed has a proposal; the posted one is left alone
    assert Letter.objects.get(pk=waiting.pk).signature_ru == "Маргарет"
    assert Letter.objects.get(pk=posted.pk).signature_ru == ""


# --- the translation page ---------------------------------------------------------------------


def test_the_translation_page_offers_the_signature_to_confirm_without_the_latin_name(client):
    # given a volunteer holding a letter from "Margaret", proposed «Маргарет»
    letter, volunteer = _held(supporter_name="Margaret", signature_ru="Маргарет")
    client.force_login(volunteer)

    # when they open the translation page
    body = client.get(url("translate", letter.pk)).content.decode()

    # then the signature field holds the proposal to confirm or correct
    assert 'name="signature_ru"' in body and 'value="Маргарет"' in body
    assert "Margaret" not in body


def test_hand_in_requires_a_signature_and_keeps_what_was_typed(client):
    # given a volunteer who emptied the signature
    letter, volunteer = _held()
    client.force_login(volunteer)

    # when they hand in
    response = _post(client, letter, signature_ru="  ", action="hand_in")

    # then the page says what is missing, keeps the translation, and the letter stays theirs
    assert response.status_code == 200
    assert any("Write the signature in Cyrillic" in m for m in messages_of(response))
    assert "Вы не забыты." in response.content.decode()
    assert Letter.objects.get(pk=letter.pk).status == S.IN_TRANSLATION


def test_hand_in_refuses_a_signature_in_latin_letters(client):
    # given a volunteer who typed the signature in Latin letters
    letter, volunteer = _held(supporter_name="Clare", signature_ru="Кларе")
    client.force_login(volunteer)

    # when they hand in
    response = _post(client, letter, signature_ru="Clare", action="hand_in")

    # then it is refused with the reason, the typed value is on the page to correct
    assert any("Cyrillic letters only" in m for m in messages_of(response))
    assert 'value="Clare"' in response.content.decode()
    refused = Letter.objects.get(pk=letter.pk)
    assert (refused.status, refused.signature_ru) == (S.IN_TRANSLATION, "Кларе")


def test_hand_in_refuses_a_mix_of_cyrillic_and_latin_letters(client):
    letter, volunteer = _held()
    client.force_login(volunteer)

    response = _post(client, letter, signature_ru="Клэр Smith", action="hand_in")

    assert any("Cyrillic letters only" in m for m in messages_of(response))
    assert Letter.objects.get(pk=letter.pk).status == S.IN_TRANSLATION


def test_hand_in_stores_the_signature_the_volunteer_confirmed(client):
    # given a letter from "Clare", proposed «Кларе»
    letter, volunteer = _held(supporter_name="Clare", signature_ru="Кларе")
    client.force_login(volunteer)

    # when the volunteer corrects it to «Клэр» and hands in
    response = _post(client, letter, signature_ru="  Клэр ", action="hand_in")

    # then the letter goes to review signed «Клэр»
    assert response.status_code == 302
    handed_in = Letter.objects.get(pk=letter.pk)
    assert (handed_in.status, handed_in.signature_ru) == (S.TRANSLATED, "Клэр")


def test_hand_in_refuses_a_translation_that_already_ends_with_the_signature(client):
    # given a translation whose last line is the sign-off with the name
    letter, volunteer = _held()
    client.force_login(volunteer)

    # when it is handed in with the same name as signature
    response = _post(
        client,
        letter,
        translation="Дорогой друг!\n\nОбнимаю,\nваша Клэр!",
        signature_ru="Клэр",
        action="hand_in",
    )

    # then it is refused: the letter would be signed twice
    assert any("signed once" in m for m in messages_of(response))
    assert Letter.objects.get(pk=letter.pk).status == S.IN_TRANSLATION


def test_save_draft_keeps_a_corrected_signature(client):
    letter, volunteer = _held(signature_ru="Кларе")
    client.force_login(volunteer)

    response = _post(client, letter, signature_ru="Клэр", action="save")

    assert response.status_code == 302
    assert Letter.objects.get(pk=letter.pk).signature_ru == "Клэр"


def test_save_draft_with_a_latin_signature_saves_the_text_and_says_why_not_the_name(client):
    # given a volunteer who typed the signature in Latin letters
    letter, volunteer = _held(signature_ru="Кларе")
    client.force_login(volunteer)

    # when they save the draft
    response = _post(client, letter, signature_ru="Clare", action="save")

    # then the translation is saved, the signature is not, and the page says why
    assert response.status_code == 200
    assert any("Cyrillic letters only" in m for m in messages_of(response))
    assert 'value="Clare"' in response.content.decode()
    saved = Letter.objects.get(pk=letter.pk)
    assert (saved.translation, saved.signature_ru) == ("Дорогой друг!\n\nВы не забыты.", "Кларе")


def test_only_the_volunteer_holding_the_letter_may_change_its_signature():
    letter, _volunteer = _held()
    with pytest.raises(core.NotPermitted):
        translation.letter_save_signature(
            letter_id=letter.pk, actor=VolunteerFactory(), signature_ru="Клэр"
        )


def test_the_review_page_shows_the_signature_that_will_be_printed(client):
    # given a handed-in letter signed «Клэр» and a coordinator reviewing it
    letter = LetterFactory(
        status=S.TRANSLATED,
        translation="Текст.",
        signature_ru="Клэр",
        translated_by=VolunteerFactory(),
    )
    client.force_login(CoordinatorFactory())

    # when they open it for review
    body = client.get(url("review", letter.pk)).content.decode()

    # then they see the signature
    assert "Клэр" in body


# --- export, erasure, retention, key rotation -----------------------------------------------


def test_the_supporter_export_includes_the_signature():
    letter = LetterFactory(signature_ru="Клэр")
    exported = supporter_data_export(letter_ids=[letter.pk])["letters"][0]
    assert exported["your_signature_in_russian"] == "Клэр"


def test_erasing_the_supporter_erases_the_signature():
    letter = LetterFactory(status=S.APPROVED, signature_ru="Клэр")

    privacy.letter_erase_supporter_data(letter_id=letter.pk)

    assert Letter.objects.get(pk=letter.pk).signature_ru == ""
    assert _raw_signature(letter.pk) == ""


def test_the_retention_purge_erases_the_signature_with_the_texts(settings):
    ended = timezone.now() - timedelta(days=settings.LETTERBRIDGE_RETENTION_DAYS + 1)
    letter = LetterFactory(status=S.POSTED, signature_ru="Клэр", status_changed_at=ended)

    privacy.letters_purge_texts()

    assert _raw_signature(letter.pk) == ""


def test_key_rotation_re_encrypts_the_signature(settings):
    letter = LetterFactory(signature_ru="Клэр")
    before = _raw_signature(letter.pk)
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.LETTERBRIDGE_ENCRYPTION_KEYS,
    ]

    call_command("rotate_encryption_keys")

    assert _raw_signature(letter.pk) != before
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = settings.LETTERBRIDGE_ENCRYPTION_KEYS[:1]
    assert Letter.objects.get(pk=letter.pk).signature_ru == "Клэр"
