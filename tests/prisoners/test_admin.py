"""The prisoner admin: who may put a prisoner in transit, and the confirmation a coordinator
sees first (the letters that will be held)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from letters.models import Letter, LetterEvent
from prisoners import services
from prisoners.models import PrisonAddress, Prisoner
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status
CHANGELIST = "admin:prisoners_prisoner_changelist"


@pytest.fixture
def moving():
    """A sentenced prisoner with a current address and two approved letters waiting to go."""
    prisoner = PrisonerWithAddressFactory(name_en="Mikhail Zhilin")
    letters = [LetterFactory(prisoner=prisoner, status=S.APPROVED) for _ in range(2)]
    LetterFactory(prisoner=prisoner, status=S.RECEIVED)
    return prisoner, letters


def _post_action(client, prisoner, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": "mark_in_transit", "_selected_action": [prisoner.pk], **extra},
        follow=True,
    )


def _unchanged(prisoner, letters) -> None:
    prisoner.refresh_from_db()
    assert prisoner.status == Prisoner.Status.SENTENCED
    assert PrisonAddress.objects.filter(prisoner=prisoner, valid_until__isnull=True).exists()
    assert all(Letter.objects.get(pk=letter.pk).status == S.APPROVED for letter in letters)
    assert not LetterEvent.objects.filter(letter__in=letters, action="hold").exists()


def test_a_volunteer_is_not_offered_mark_in_transit(client, volunteer, moving):
    # given a volunteer on the prisoner list (which they may read)
    client.force_login(volunteer)
    # when the list is shown
    response = client.get(reverse(CHANGELIST))
    # then the action is not among those offered
    assert response.status_code == 200
    assert "mark_in_transit" not in response.content.decode()


def test_a_volunteer_posting_mark_in_transit_changes_nothing(
    client, volunteer, moving, outbox, django_capture_on_commit_callbacks
):
    prisoner, letters = moving
    client.force_login(volunteer)
    # when a volunteer posts the action anyway, confirmation included
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post_action(client, prisoner, post="yes")
    # then nothing moves: no status, no hold, no e-mail, nothing queued for after commit
    assert response.status_code == 200
    _unchanged(prisoner, letters)
    assert callbacks == [] and outbox == []


def test_the_service_refuses_someone_without_the_permission(
    volunteer, moving, outbox, django_capture_on_commit_callbacks
):
    prisoner, letters = moving
    # when the service is called for a volunteer, as a forgotten view or task might
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied) as error:
        services.prisoner_mark_in_transit(prisoner_id=prisoner.pk, actor=volunteer)
    # then it refuses with a message fit to show, and nothing changed
    assert "not allowed" in str(error.value)
    _unchanged(prisoner, letters)
    assert outbox == []


def test_the_action_called_directly_for_a_volunteer_says_no(rf, volunteer, moving):
    """The admin only hides the action; should it ever be run for someone who may not, the
    service's refusal comes back as a message, not an error page."""
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from pages.admin import mark_in_transit

    prisoner, letters = moving
    request = rf.post("/", {"post": "yes"})
    request.user, request.session = volunteer, {}
    request._messages = FallbackStorage(request)
    # when the action itself runs for a volunteer
    mark_in_transit(
        admin.site._registry[Prisoner], request, Prisoner.objects.filter(pk=prisoner.pk)
    )
    # then the refusal is a message and nothing changed
    assert [str(m) for m in request._messages] == [
        "You are not allowed to mark a prisoner in transit."
    ]
    _unchanged(prisoner, letters)


def test_a_coordinator_confirms_first_and_sees_the_letters_to_be_held(
    client, coordinator, moving, django_capture_on_commit_callbacks
):
    prisoner, letters = moving
    client.force_login(coordinator)
    # when a coordinator chooses the action
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post_action(client, prisoner)
    # then a confirmation page names the prisoner and the letters to be held, and nothing
    # has happened yet
    body = response.content.decode()
    assert response.templates[0].name == "admin/prisoners/mark_in_transit_confirmation.html"
    assert "Mikhail Zhilin" in body
    assert "2 approved letters will be held" in body
    assert 'name="post" value="yes"' in body and "cancel-link" in body
    assert callbacks == []
    _unchanged(prisoner, letters)


def test_a_coordinator_who_confirms_puts_the_prisoner_in_transit(
    client, coordinator, moving, outbox, django_capture_on_commit_callbacks
):
    prisoner, letters = moving
    client.force_login(coordinator)
    # when the coordinator confirms
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_action(client, prisoner, post="yes")
    # then the prisoner is in transit and the approved letters are held
    assert "1 prisoner in transit" in response.content.decode()
    prisoner.refresh_from_db()
    assert prisoner.status == Prisoner.Status.IN_TRANSIT
    assert all(Letter.objects.get(pk=letter.pk).status == S.ON_HOLD for letter in letters)


def test_the_confirmation_warns_of_someone_who_cannot_be_in_transit(client, coordinator):
    released = PrisonerWithAddressFactory(
        name_en="Alsu Kurmasheva", status=Prisoner.Status.RELEASED, accepts_letters=False
    )
    client.force_login(coordinator)
    response = _post_action(client, released)
    assert "released or deceased" in response.content.decode()


# --- the status: set when the prisoner is added, then changed only through the services -------


def test_the_status_cannot_be_edited_on_an_existing_prisoner(client, coordinator, moving):
    # given a sentenced prisoner with approved letters, and a coordinator on their admin page
    prisoner, letters = moving
    client.force_login(coordinator)
    change = reverse("admin:prisoners_prisoner_change", args=[prisoner.pk])
    page = client.get(change)
    assert 'name="status"' not in page.content.decode()

    # when the change form is posted with another status anyway
    response = client.post(
        change,
        {
            "name_en": prisoner.name_en,
            "slug": prisoner.slug,
            "status": Prisoner.Status.IN_TRANSIT,
            "accepts_letters": "on",
            "name_ru": prisoner.name_ru,
            "name_ru_dative": prisoner.name_ru_dative,
            "gender": "male",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )

    # then the rest of the form is saved, but neither the status nor the address nor the
    # letters moved: that takes "Mark in transit"
    assert response.status_code == 302
    _unchanged(prisoner, letters)


def test_a_new_prisoner_is_given_a_status(client, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("admin:prisoners_prisoner_add")).content.decode()

    assert 'name="status"' in page


def test_someone_who_may_only_view_a_prisoner_sees_the_page(client, volunteer, moving):
    prisoner, _letters = moving
    client.force_login(volunteer)

    response = client.get(reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]))

    assert response.status_code == 200
    assert prisoner.name_en in response.content.decode()


def test_a_refused_new_address_marks_the_fields_it_names(client, coordinator):
    # given a coordinator typing a new address in transliteration
    prisoner = PrisonerWithAddressFactory()
    client.force_login(coordinator)
    latin = {
        "postal_index": "600020",
        "region": "Vladimir oblast",
        "city": "Vladimir",
        "street": "ul. Lenina, 5",
        "facility": "FKU T-2",
        "valid_from": "2026-12-06",
    }

    # when it is refused
    page = client.post(
        reverse("admin:prisoners_prisoner_new_address", args=[prisoner.pk]), latin
    ).content.decode()

    # then each field it names is marked, so its message is not read as the field above's
    assert page.count("in Cyrillic letters") == 3
    assert page.count('class="form-row errors"') == 3
    assert 'value="Vladimir"' in page  # what was typed stays
    assert PrisonAddress.objects.filter(prisoner=prisoner).count() == 1


def test_the_languages_a_prisoner_reads_are_ticked_not_typed(client, coordinator):
    # given a prisoner who reads no language but Russian
    prisoner = PrisonerWithAddressFactory(reads_languages=[])
    client.force_login(coordinator)
    change = reverse("admin:prisoners_prisoner_change", args=[prisoner.pk])
    page = client.get(change).content.decode()
    # the page offers each language as a box to tick, Russian not among them
    assert 'type="checkbox" name="reads_languages" value="en"' in page
    assert 'name="reads_languages" value="ru"' not in page

    # when a coordinator ticks English and German and saves
    response = client.post(
        change,
        {
            "name_en": prisoner.name_en,
            "slug": prisoner.slug,
            "accepts_letters": "on",
            "name_ru": prisoner.name_ru,
            "name_ru_dative": prisoner.name_ru_dative,
            "gender": "male",
            "birth_year": prisoner.birth_year,
            "reads_languages": ["en", "de"],
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )

    # then they are kept as the codes letters compare with, and shown ticked
    assert response.status_code == 302
    prisoner.refresh_from_db()
    assert prisoner.reads_languages == ["en", "de"]
    page = client.get(change).content.decode()
    assert 'name="reads_languages" value="de" id="id_reads_languages_1" checked' in page


def test_an_implausible_year_of_birth_is_refused_in_words_not_by_the_constraints_name(
    client, coordinator
):
    # given a coordinator on a prisoner's page, reading the admin in Russian
    prisoner = PrisonerWithAddressFactory(birth_year=1963)
    client.force_login(coordinator)
    client.cookies["django_language"] = "ru"

    # when they type a year of birth no prisoner has
    page = client.post(
        reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]),
        {
            "name_en": prisoner.name_en,
            "slug": prisoner.slug,
            "accepts_letters": "on",
            "name_ru": prisoner.name_ru,
            "name_ru_dative": prisoner.name_ru_dative,
            "gender": "male",
            "birth_year": "3000",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
        HTTP_ACCEPT_LANGUAGE="ru",
    ).content.decode()

    # then the page says what to do, in Russian, and nothing is saved
    assert "Укажите год рождения между 1900 и 2100." in page
    assert "prisoner_birth_year_plausible" not in page
    prisoner.refresh_from_db()
    assert prisoner.birth_year == 1963


def test_a_new_address_for_someone_whose_komu_line_is_incomplete_says_the_letters_still_wait(
    client, coordinator, django_capture_on_commit_callbacks
):
    # given a prisoner with no address and no year of birth, and a letter held for both
    prisoner = PrisonerFactory(name_en="Evgeny Zinich", name_ru="Зинич Евгений", birth_year=None)
    held = LetterFactory(prisoner=prisoner, status=S.ON_HOLD)
    client.force_login(coordinator)
    new_address = reverse("admin:prisoners_prisoner_new_address", args=[prisoner.pk])

    # the page names them as a Russian reader does, and says the letters wait for the line
    page = client.get(new_address, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Новый адрес: Зинич Евгений" in page and "Evgeny Zinich</h1>" not in page
    assert "пока строка «Кому» неполная" in page

    # when a coordinator records the address
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            new_address,
            {
                "postal_index": "618540",
                "region": "Пермский край",
                "city": "г. Соликамск",
                "street": "ул. Карла Маркса, д. 1",
                "facility": "ФКУ ИК-11 ГУФСИН России по Пермскому краю",
                "valid_from": "2026-12-01",
            },
            follow=True,
        )

    # then they are told the letters still wait, not that they are being released
    text = response.content.decode()
    assert "still wait for a complete «Кому» line" in text
    assert "being released" not in text
    held.refresh_from_db()
    assert held.status == S.ON_HOLD
