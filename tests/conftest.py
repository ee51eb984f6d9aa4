import pytest
from django.core import mail

from tests.factories import CoordinatorFactory, VolunteerFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


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
