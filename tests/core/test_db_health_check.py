"""core.db.postgresql: a kept connection is checked at each request's first query by asking
its socket, not by sending SELECT 1; one the server ended or wrote to is checked as Django
checks it (SELECT 1, and a new connection when that fails)."""

import select
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connections

from core.db.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept():
    """A connection kept between requests, as production keeps them (CONN_MAX_AGE with
    CONN_HEALTH_CHECKS), apart from the test's own."""
    params = {**connections["default"].settings_dict, "CONN_MAX_AGE": 600}
    params["CONN_HEALTH_CHECKS"] = True
    wrapper = DatabaseWrapper(params, "default")
    wrapper.ensure_connection()
    asked: list[bool] = []
    django_is_usable = wrapper.is_usable

    def is_usable() -> bool:
        usable = django_is_usable()
        asked.append(usable)
        return usable

    wrapper.is_usable = is_usable  # type: ignore[method-assign]
    wrapper.asked = asked  # type: ignore[attr-defined]
    yield wrapper
    wrapper.close()


def _next_request(wrapper) -> None:
    """What Django does for a kept connection when a request starts (close_old_connections)."""
    wrapper.close_if_unusable_or_obsolete()


def _backend(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _other():
    params = connections["default"].get_connection_params()
    return psycopg.connect(**params, autocommit=True)


def _until_readable(wrapper) -> None:
    socket = wrapper.connection.pgconn.socket
    deadline = time.monotonic() + 5
    while not select.select([socket], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server wrote nothing to the connection"


def test_the_settings_use_it():
    assert settings.DATABASES["default"]["ENGINE"] == "core.db.postgresql"
    assert connections["default"].vendor == "postgresql"


def test_a_quiet_connection_is_used_without_select_1(kept):
    first = _backend(kept)
    for _ in range(3):
        _next_request(kept)
        assert _backend(kept) == first
    assert kept.asked == []  # Django's check (SELECT 1) never ran


def test_a_connection_the_server_ended_is_replaced_before_the_query(kept):
    first = _backend(kept)
    with _other() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [first])
    _until_readable(kept)
    _next_request(kept)
    second = _backend(kept)  # no error: the dead connection was found and replaced
    assert second != first
    assert kept.asked == [False]


def test_a_connection_with_something_to_read_is_checked_with_select_1(kept):
    first = _backend(kept)
    with kept.cursor() as cursor:
        cursor.execute("LISTEN core_db_health_check")
    with _other() as other:
        other.execute("NOTIFY core_db_health_check")
    _until_readable(kept)
    _next_request(kept)
    assert _backend(kept) == first  # still good after Django's check
    assert kept.asked == [True]


def test_a_connection_left_in_a_transaction_is_checked_with_select_1(kept):
    first = _backend(kept)
    kept.connection.execute("BEGIN")  # (as a request that failed to close its transaction)
    kept.health_check_done = False
    kept.close_if_health_check_failed()
    assert kept.asked == [True]
    kept.connection.execute("ROLLBACK")
    assert _backend(kept) == first
