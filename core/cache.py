"""Django's Redis cache, keeping one client per connection pool.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every cache call, and
making one builds its table of response callbacks (a few hundred entries): about a tenth of a
millisecond, several times on every staff request (the session, the permissions, the page
cache's version). A ``redis.Redis`` is safe to share (each command takes a connection from the
pool), and Django keeps a cache backend per thread, so this keeps the client with its pool."""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    # Django's own private parts, which django-stubs does not declare.
    _client: Any
    _get_connection_pool: Any

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient


def cache_forget_all() -> int:
    """Forget what the cache learned from the database: sessions, staff permissions, public
    pages, remembered sendings. After a restore they describe rows that are no longer there.
    On Redis only this app's keys go (those under its ``KEY_PREFIX``): Celery's queues and
    beat's lock share the database and stay. Returns how many keys went (-1 where the backend
    cannot count them)."""
    from django.core.cache import caches

    backend = caches["default"]
    if not isinstance(backend, DjangoRedisCache):
        backend.clear()
        return -1
    if not backend.key_prefix:
        raise ValueError("the Redis cache has no KEY_PREFIX: its keys cannot be told apart")
    client = backend._cache.get_client(write=True)
    removed, batch = 0, []
    for key in client.scan_iter(match=f"{backend.key_prefix}:*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            removed += client.unlink(*batch)
            batch = []
    if batch:
        removed += client.unlink(*batch)
    return removed
