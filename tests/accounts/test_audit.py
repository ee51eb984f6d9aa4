import pytest
from django.urls import reverse

from accounts.models import LetterAccess
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db


def test_opening_a_letter_in_the_admin_is_recorded(client, coordinator):
    # given a coordinator and a letter
    letter = LetterFactory()
    client.force_login(coordinator)
    # when the letter's page is opened twice and the list once
    url = reverse("admin:letters_letter_change", args=[letter.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:letters_letter_changelist")).status_code == 200
    # then each opening of the text is in the audit, and the list is not
    accesses = LetterAccess.objects.filter(letter=letter, user=coordinator)
    assert accesses.count() == 2
    assert set(accesses.values_list("page", flat=True)) == {"letters_letter_change"}


def test_coordinators_see_the_audit_and_volunteers_do_not(client, coordinator, volunteer):
    letter = LetterFactory()
    LetterAccess.objects.create(user=coordinator, letter=letter, page="letters_letter_change")
    url = reverse("admin:accounts_letteraccess_changelist")
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200 and letter.reference in response.content.decode()
    client.force_login(volunteer)
    assert client.get(url).status_code == 403


def test_an_access_record_names_the_letter_by_its_reference_in_the_readers_language(
    client, coordinator
):
    # given a recorded opening of a letter
    letter = LetterFactory()
    access = LetterAccess.objects.create(
        user=coordinator, letter=letter, page="letters_letter_change"
    )
    client.force_login(coordinator)
    client.cookies["django_language"] = "ru"
    # when a coordinator reading Russian opens the record
    url = reverse("admin:accounts_letteraccess_change", args=[access.pk])
    page = client.get(url).content.decode()
    # then it names the letter as staff know it, by its reference, in Russian
    assert f"просмотр письма {letter.reference}" in page
