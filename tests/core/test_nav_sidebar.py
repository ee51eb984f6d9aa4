"""The admin's sidebar, kept per permissions, language and section ({% nav_sidebar %}), is the
sidebar Django draws for that page: for every role, section and language, whichever page
filled the cache first; a change of permissions shows at once; and our copy of Django's
template is Django's."""

from pathlib import Path

import django.contrib.admin
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from core.admin import LetterbridgeAdminSite
from core.templatetags import core_tags
from tests.factories import CoordinatorFactory, UserFactory, VolunteerFactory

PATHS = [
    "/admin/",
    "/admin/letters/",
    "/admin/letters/letter/",
    "/admin/letters/letter/12/change/",
    "/admin/letters/letter/desk/",
    "/admin/prisoners/prisoner/",
    "/admin/payments/payment/",
    "/admin/inbox/inboundemail/",
    "/admin/auth/user/",
    "/admin/letters/letter/12/desk/translate/",
]

CACHED = Template("{% load core_tags %}{% nav_sidebar %}")
DJANGOS = Template("{% include 'admin/_nav_sidebar.html' %}")  # drawn afresh each time


def _context(user, path):
    request = RequestFactory().get(path)
    request.user = user
    return Context({"request": request, **admin.site.each_context(request)})


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True)


@pytest.mark.django_db
def test_the_kept_sidebar_is_djangos_for_every_role_section_and_language(superuser):
    users = [VolunteerFactory(), CoordinatorFactory(), superuser, UserFactory()]
    core_tags._SIDEBARS.clear()
    for language in ["en", "ru"]:
        with translation.override(language):
            for first_pass in (True, False):  # the first fills the cache, the second reads it
                for user in users:
                    for path in PATHS:
                        drawn = CACHED.render(_context(user, path))
                        expected = DJANGOS.render(_context(user, path))
                        assert drawn == expected, (language, user.username, path, first_pass)
    assert core_tags._SIDEBARS, "nothing was kept"
    with translation.override("ru"):
        coordinator_letters = CACHED.render(_context(users[1], "/admin/letters/letter/"))
    assert 'id="nav-sidebar"' in coordinator_letters
    assert "current-model" in coordinator_letters
    assert "Платежи" in coordinator_letters  # Django capitalises the model's "платежи"


@pytest.mark.django_db
def test_a_change_of_permissions_shows_at_once(volunteer):
    core_tags._SIDEBARS.clear()
    before = CACHED.render(_context(volunteer, "/admin/"))
    assert "/admin/payments/payment/" not in before
    volunteer.groups.add(Group.objects.get(name="Coordinators"))
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)  # a new request loads the user
    after = CACHED.render(_context(volunteer, "/admin/"))
    assert "/admin/payments/payment/" in after
    assert after == DJANGOS.render(_context(volunteer, "/admin/"))


def test_our_copy_is_djangos_template():
    djangos = Path(django.contrib.admin.__file__).parent / "templates/admin/nav_sidebar.html"
    ours = Path(__file__).resolve().parents[2] / "templates/admin/_nav_sidebar.html"
    copy = ours.read_text()
    assert copy.startswith("{% comment %}")
    assert copy.split("{% endcomment %}", 1)[1] == djangos.read_text()


def test_the_admin_site_is_ours():
    assert isinstance(admin.site, LetterbridgeAdminSite)
