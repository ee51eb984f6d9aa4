"""Django's PostgreSQL backend, with the health check of a kept connection (``CONN_MAX_AGE``
with ``CONN_HEALTH_CHECKS``) made without a round trip while the connection is quiet.

Django checks a kept connection before each request's first query by sending it ``SELECT 1``
(``is_usable``): one more statement for every request, and under load as much of PostgreSQL's
CPU as the user's row. What that check is for is a connection the server has ended while it was
idle (a restart, ``pg_terminate_backend``, an idle timeout, a failover): the server then writes
its last message (a FATAL error) and closes the socket, so the socket has something to read. An
idle connection that works has nothing to read. So the socket is asked first (``select`` with no
wait): quiet, the connection is used as is; readable, or anything wrong with the connection as
psycopg sees it, Django's own check runs (``SELECT 1``, and a new connection if it fails). A
server gone without a word (a host powered off, a cable cut) fails Django's check only after the
network's timeout too; the query that follows fails the same way here.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's own, which django-stubs does not declare.
    health_check_enabled: bool
    health_check_done: bool
    connection: Any

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is None
            or not self.health_check_enabled
            or self.health_check_done
            or self.pool
        ):
            return super().close_if_health_check_failed()
        if self._quiet():
            self.health_check_done = True
            return None
        return super().close_if_health_check_failed()  # SELECT 1, as Django

    def _quiet(self) -> bool:
        """Whether the connection is open, idle outside a transaction, and has nothing waiting
        to be read: nothing the server sent since the last statement's answer."""
        connection = self.connection
        try:
            if connection.closed or connection.broken:
                return False
            pgconn = connection.pgconn
            if pgconn.status != pq.ConnStatus.OK:
                return False
            if pgconn.transaction_status != pq.TransactionStatus.IDLE:
                return False
            return not _waiting(pgconn.socket)
        except (OSError, ValueError, psycopg.Error):
            return False


def _waiting(fd: int) -> bool:
    """Whether the socket has something to read, or has failed or been hung up, now."""
    if hasattr(select, "poll"):  # (select.select refuses descriptors past FD_SETSIZE)
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    readable, _writable, failed = select.select([fd], [], [fd], 0)
    return bool(readable or failed)
