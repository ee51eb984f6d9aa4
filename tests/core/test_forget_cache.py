"""manage.py forget_cache, the runbook's step after a restore."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.mark.skipif(not hasattr(cache, "_cache"), reason="needs the Redis cache")
def test_forgetting_the_cache_keeps_celerys_queue():
    # given cached keys (a session, a sending) and a task waiting in the broker's list beside them
    client = cache._cache.get_client(write=True)
    cache.set("letters:sending:abc", 42, 600)
    cache.set("django.contrib.sessions.cached_db:xyz", {"_auth_user_id": "1"}, 600)
    client.rpush("mail", b'{"task": "waiting"}')
    try:
        # when the coordinators' administrator runs the step after a restore
        out = StringIO()
        call_command("forget_cache", stdout=out)
        # then the cached keys are gone, the waiting task is not, and the count is said
        assert cache.get("letters:sending:abc") is None
        assert cache.get("django.contrib.sessions.cached_db:xyz") is None
        assert client.llen("mail") == 1
        assert "Forgot 2 cached keys." in out.getvalue()
    finally:
        client.delete("mail")
