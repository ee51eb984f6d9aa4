"""The admin's kept frame ({% admin_frame %}, core.frame) gives the page Django draws: for every
role, several kinds of page and both languages, whichever request kept the frame first; one
person never sees another's; a rename, a change of group and a message show at once."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from core import frame
from letters.models import Letter
from tests.factories import CoordinatorFactory, LetterFactory, UserFactory, VolunteerFactory

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"')

PAGES = [
    "/admin/",
    "/admin/letters/letter/desk/",
    "/admin/letters/letter/desk/mine/",
    "/admin/letters/letter/?status__exact=received",
    "/admin/letters/letter/{letter}/change/",
    "/admin/password_change/",  # overrides the user links: drawn per request
    "/admin/auth/user/",
]


def _page(client: Client, path: str, language: str) -> tuple[int, str]:
    client.cookies["django_language"] = language
    response = client.get(path)
    return response.status_code, _TOKEN.sub(
        'name="csrfmiddlewaretoken" value="T"', response.content.decode()
    )


def _djangos(client: Client, path: str, language: str, settings) -> tuple[int, str]:
    settings.LETTERBRIDGE_ADMIN_FRAME = False
    try:
        return _page(client, path, language)
    finally:
        settings.LETTERBRIDGE_ADMIN_FRAME = True


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True, first_name="Ада")


@pytest.mark.django_db
def test_the_kept_frame_gives_djangos_page_for_every_role_page_and_language(settings, superuser):
    letter = LetterFactory()
    # Days old: its age on the queue ("3 days ago") does not move between two requests.
    Letter.objects.filter(pk=letter.pk).update(created_at=timezone.now() - timedelta(days=3))
    users = [VolunteerFactory(), CoordinatorFactory(first_name="Cora"), superuser]
    frame.reset()
    compared = 0
    for language in ["en", "ru"]:
        for first_pass in (True, False):  # the first keeps the frames, the second reads them
            for user in users:
                client = Client(raise_request_exception=False)
                client.force_login(user)
                for path in PAGES:
                    path = path.format(letter=letter.pk)
                    expected = _djangos(client, path, language, settings)
                    drawn = _page(client, path, language)
                    assert drawn == expected, (language, user.username, path, first_pass)
                    compared += expected[0] == 200
    assert compared > 40, "too few pages were drawn to compare"
    assert frame._FRAMES, "no frame was kept"


@pytest.mark.django_db
def test_the_login_page_draws_as_django_does(settings):
    frame.reset()
    client = Client(raise_request_exception=False)
    for language in ["en", "ru", "en"]:
        expected = _djangos(client, "/admin/login/", language, settings)
        assert _page(client, "/admin/login/", language) == expected
        assert _page(client, "/admin/login/", language) == expected


@pytest.mark.django_db
def test_the_logout_forms_token_is_each_responses_own(settings):
    user = VolunteerFactory()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    frame.reset()
    for _ in range(2):
        response = client.get("/admin/letters/letter/desk/")
        html = response.content.decode()
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', html))
        assert len(tokens) == 1  # the desk shares one masked token among the page's forms
        assert 'id="logout-form"' in html
    assert frame._FRAMES


@pytest.mark.django_db
def test_no_one_sees_anothers_frame_and_a_rename_shows_at_once(settings):
    frame.reset()
    first = VolunteerFactory(first_name="Olga")
    second = VolunteerFactory(first_name="Pavel")
    one, other = Client(), Client()
    one.force_login(first)
    other.force_login(second)
    assert "<strong>Olga</strong>" in _page(one, "/admin/letters/letter/desk/", "en")[1]
    page = _page(other, "/admin/letters/letter/desk/", "en")[1]
    assert "<strong>Pavel</strong>" in page
    assert "Olga" not in page

    type(first).objects.filter(pk=first.pk).update(first_name="Olha")
    page = _page(one, "/admin/letters/letter/desk/", "en")[1]
    assert "<strong>Olha</strong>" in page
    assert page == _djangos(one, "/admin/letters/letter/desk/", "en", settings)[1]


@pytest.mark.django_db
def test_a_change_of_group_shows_at_once(settings):
    frame.reset()
    volunteer = VolunteerFactory()
    client = Client(raise_request_exception=False)
    client.force_login(volunteer)
    before = _page(client, "/admin/", "en")[1]
    assert "/admin/payments/payment/" not in before
    volunteer.groups.add(Group.objects.get(name="Coordinators"))
    after = _page(client, "/admin/", "en")[1]
    assert "/admin/payments/payment/" in after
    assert after == _djangos(client, "/admin/", "en", settings)[1]


@pytest.mark.django_db
def test_messages_show_at_once_and_once(settings):
    frame.reset()
    volunteer = VolunteerFactory()
    client = Client(raise_request_exception=False)
    client.force_login(volunteer)
    _page(client, "/admin/letters/letter/desk/", "ru")  # the frame is kept
    # Claim next with nothing waiting leaves a message and sends the volunteer back to the queue.
    client.post("/admin/letters/letter/desk/claim-next/")
    with_message = _page(client, "/admin/letters/letter/desk/", "ru")[1]
    assert 'class="messagelist"' in with_message
    assert 'class="messagelist"' not in _page(client, "/admin/letters/letter/desk/", "ru")[1]
