import os

import pytest
from django.core import mail

from tests.factories import CoordinatorFactory, VolunteerFactory


def pytest_collection_modifyitems(items):
    """Every test that commits (transaction=True, live_server) restores the database it found,
    groups and permissions included. Mixing restoring and flushing tests makes the next
    restore collide with rows a flush re-created, so none is left flushing."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        commits = "live_server" in fixtures or "transactional_db" in fixtures
        if commits or (marker is not None and marker.kwargs.get("transaction")):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(scope="session", autouse=True)
def _serialized_contents_on_every_connection(django_db_setup):
    """Browser tests run Playwright, whose event loop gives the test code its own context and
    so its own database connection object, one that lacks the copy of the database Django
    took at set-up. Django then flushes without restoring after such a test, leaving rows
    (content types, permissions) that make the next restore fail. Keep the copy on the
    connection class, so every connection object of this session finds it."""
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            type(connections[alias])._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from core import pagecache

    cache.clear()
    pagecache.reset_local()  # this process's copies of the public pages go with it
    yield


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A request in Russian leaves Russian active in the thread (LocaleMiddleware activates a
    language and nothing deactivates it), so the next test would read Russian where it expects
    the site's default. Each test starts from the default."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def volunteer(db):
    return VolunteerFactory()


@pytest.fixture
def coordinator(db):
    return CoordinatorFactory()


@pytest.fixture
def reviewer(db):
    return CoordinatorFactory()


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


@pytest.fixture(scope="session")
def dovecot_server():
    """One Dovecot for the session (tests/inbox/dovecot.py); see ``dovecot`` for a test's."""
    from tests.inbox.dovecot import start_dovecot

    try:
        server = start_dovecot()
    except FileNotFoundError:
        if os.environ.get("CI"):
            raise
        pytest.skip("dovecot is not installed (make system-packages installs it)")
    yield server
    server.stop()


@pytest.fixture
def dovecot(dovecot_server, settings):
    """The test IMAP server with an empty mailbox, and the poller pointed at it."""
    dovecot_server.empty()
    for name, value in dovecot_server.settings.items():
        setattr(settings, name, value)
    return dovecot_server
