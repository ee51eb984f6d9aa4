from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from letters.models import Letter, LetterEvent
from prisoners import services
from prisoners.models import PrisonAddress, Prisoner
from prisoners.selectors import prisoner_current_address
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status

NEW_ADDRESS = {
    "facility": "ФКУ ИК-6 УФСИН России по Владимирской области",
    "street": "ул. Заводская, д. 1",
    "city": "пос. Мелехово",
    "region": "Владимирская область",
    "postal_index": "601966",
}


def test_mark_in_transit_closes_the_address_and_holds_approved_letters(
    coordinator, django_capture_on_commit_callbacks
):
    # given a prisoner with an approved letter and one still in translation
    prisoner = PrisonerWithAddressFactory()
    approved = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    waiting = LetterFactory(prisoner=prisoner, status=S.RECEIVED)
    # when a coordinator marks the prisoner in transit
    with django_capture_on_commit_callbacks(execute=True):
        services.prisoner_mark_in_transit(prisoner_id=prisoner.pk, actor=coordinator)
    # then the address is closed, the approved letter is on hold with an event, the other waits
    prisoner.refresh_from_db()
    assert prisoner.status == Prisoner.Status.IN_TRANSIT
    assert not PrisonAddress.objects.filter(prisoner=prisoner, valid_until__isnull=True).exists()
    assert prisoner_current_address(prisoner=prisoner) is None
    approved.refresh_from_db()
    waiting.refresh_from_db()
    assert approved.status == S.ON_HOLD
    assert waiting.status == S.RECEIVED
    hold = approved.events.get(action="hold")
    assert hold.actor is None and (hold.from_status, hold.to_status) == (S.APPROVED, S.ON_HOLD)


def test_new_address_releases_held_letters_and_tells_coordinators(
    coordinator, outbox, django_capture_on_commit_callbacks
):
    # given a prisoner in transit with two held letters
    prisoner = PrisonerWithAddressFactory()
    letters = [LetterFactory(prisoner=prisoner, status=S.APPROVED) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        services.prisoner_mark_in_transit(prisoner_id=prisoner.pk, actor=coordinator)
    outbox.clear()
    # when the new address is entered
    with django_capture_on_commit_callbacks(execute=True):
        address = services.prisoner_address_add(
            prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS
        )
    # then it is the only current address, the letters are approved again, coordinators told
    prisoner.refresh_from_db()
    assert prisoner.status == Prisoner.Status.SENTENCED
    assert prisoner_current_address(prisoner=prisoner) == address
    assert PrisonAddress.objects.filter(prisoner=prisoner).count() == 2
    for letter in letters:
        letter.refresh_from_db()
        assert letter.status == S.APPROVED
        assert letter.events.filter(action="release_hold").count() == 1
    coordinator_mail = [m for m in outbox if coordinator.email in m.to]
    assert len(coordinator_mail) == 1
    assert all(letter.reference in coordinator_mail[0].body for letter in letters)


def test_address_change_without_transit_closes_the_previous_one_the_day_before(
    coordinator, django_capture_on_commit_callbacks
):
    # given a prisoner with a current address
    prisoner = PrisonerWithAddressFactory()
    old = PrisonAddress.objects.get(prisoner=prisoner)
    today = timezone.localdate()
    # when a transfer is recorded starting today
    with django_capture_on_commit_callbacks(execute=True):
        new = services.prisoner_address_add(
            prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS
        )
    # then the history is dated and the new address is current
    old.refresh_from_db()
    assert old.valid_until == today - timedelta(days=1)
    assert (new.valid_from, new.valid_until) == (today, None)
    assert new.lines_ru()[-2:] == ["601966", "RUSSIA / РОССИЯ"]


def test_an_address_corrected_the_same_day_is_the_current_one(coordinator):
    # given a prisoner whose new address was recorded today with a mistake
    prisoner = PrisonerWithAddressFactory()
    services.prisoner_address_add(
        prisoner_id=prisoner.pk, actor=coordinator, **(NEW_ADDRESS | {"postal_index": "601999"})
    )
    # when the coordinator records it again, corrected, the same day
    corrected = services.prisoner_address_add(
        prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS
    )
    # then the correction is the address letters go to, whichever row the database reads first
    assert prisoner_current_address(prisoner=prisoner) == corrected


def test_a_new_address_cannot_start_before_the_last_one(coordinator):
    # given a prisoner whose address began on a known day
    prisoner = PrisonerWithAddressFactory()
    old = PrisonAddress.objects.get(prisoner=prisoner)
    # when a new one is recorded with a mistyped year, then it is refused, naming that day
    with pytest.raises(ValidationError) as error:
        services.prisoner_address_add(
            prisoner_id=prisoner.pk,
            actor=coordinator,
            **NEW_ADDRESS,
            valid_from=old.valid_from - timedelta(days=3650),
        )
    assert "cannot start before the last one" in error.value.message_dict["valid_from"][0]
    # and the history is as it was
    old.refresh_from_db()
    assert old.valid_until is None
    assert PrisonAddress.objects.filter(prisoner=prisoner).count() == 1


def test_releasing_twice_changes_nothing_the_second_time(
    coordinator, django_capture_on_commit_callbacks
):
    # given held letters released once by a new address
    prisoner = PrisonerWithAddressFactory()
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        services.prisoner_mark_in_transit(prisoner_id=prisoner.pk, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        services.prisoner_address_add(prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS)
    events = LetterEvent.objects.filter(letter=letter).count()
    # when the release runs again (a redelivered task)
    from letters.services.dispatch import letters_release_holds_for_prisoner

    released = letters_release_holds_for_prisoner(prisoner_id=prisoner.pk)
    # then nothing more happens
    assert released == []
    assert LetterEvent.objects.filter(letter=letter).count() == events


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"postal_index": "60002"}, "postal_index"), ({"postal_index": "abcdef"}, "postal_index")],
)
def test_bad_postal_index_is_refused(coordinator, overrides, field):
    prisoner = PrisonerWithAddressFactory()
    with pytest.raises(ValidationError) as error:
        services.prisoner_address_add(
            prisoner_id=prisoner.pk, actor=coordinator, **(NEW_ADDRESS | overrides)
        )
    assert field in error.value.message_dict
    assert PrisonAddress.objects.filter(prisoner=prisoner).count() == 1


def test_an_address_typed_in_transliteration_is_refused_field_by_field(coordinator):
    # given a prisoner, and an address typed in Latin letters
    prisoner = PrisonerWithAddressFactory()
    latin = {"facility": "FKU IK-2", "street": "ul. Lenina, d. 5", "city": "g. Vladimir"}
    # when it is recorded, then each line without Cyrillic is named, and nothing is saved
    with pytest.raises(ValidationError) as error:
        services.prisoner_address_add(
            prisoner_id=prisoner.pk, actor=coordinator, **(NEW_ADDRESS | latin)
        )
    assert set(error.value.message_dict) == {"facility", "street", "city"}
    assert "in Cyrillic" in error.value.message_dict["city"][0]
    assert PrisonAddress.objects.filter(prisoner=prisoner).count() == 1


def test_volunteers_are_not_offered_the_new_address_page(client, volunteer, coordinator):
    from django.urls import reverse

    from tests.factories import PrisonerFactory

    prisoner = PrisonerFactory()
    new_address = reverse("admin:prisoners_prisoner_new_address", args=[prisoner.pk])
    client.force_login(volunteer)
    listing = client.get(reverse("admin:prisoners_prisoner_changelist"))
    assert listing.status_code == 200 and new_address not in listing.content.decode()
    assert client.get(new_address).status_code == 403
    client.force_login(coordinator)
    assert (
        new_address in client.get(reverse("admin:prisoners_prisoner_changelist")).content.decode()
    )


def test_a_volunteer_cannot_record_an_address(volunteer, django_capture_on_commit_callbacks):
    # given a prisoner with a current address
    prisoner = PrisonerWithAddressFactory()
    # when a volunteer's request reaches the service
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(PermissionDenied, match="not allowed to record"):
            services.prisoner_address_add(prisoner_id=prisoner.pk, actor=volunteer, **NEW_ADDRESS)
    # then the history is as it was and nothing was announced
    assert PrisonAddress.objects.filter(prisoner=prisoner).count() == 1
    assert callbacks == []
