"""Celery beat that runs the schedule on one host only, however many beats are started.

Each beat takes a lock in Redis before sending anything and renews it on every tick; a beat
that does not hold the lock sends nothing and tries again a third of the lock's lifetime later,
so a standby beat takes over within a minute when the one holding the lock dies. Without Redis
(``make run`` on the embedded broker: one machine, one beat) there is nothing to share a lock
with, and the scheduler is Celery's own."""

import logging

import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from redis.exceptions import ConnectionError as RedisUnavailable
from redis.exceptions import LockError
from redis.lock import Lock

logger = logging.getLogger(__name__)

LOCK_NAME = "letterbridge:beat-lock"


class SingleBeatScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.lock_seconds = settings.LETTERBRIDGE_BEAT_LOCK_SECONDS
        self.lock = None
        if settings.REDIS_URL:
            self.lock = redis.Redis.from_url(settings.REDIS_URL).lock(
                LOCK_NAME, timeout=self.lock_seconds, thread_local=False
            )
        self.holds_lock = False
        super().__init__(*args, **kwargs)

    def _hold_lock(self, lock: Lock) -> bool:
        """Renew the lock if we hold it, else try to take it; say whether we hold it now."""
        was_holding = self.holds_lock
        try:
            if was_holding:
                lock.reacquire()  # raises when the lock is no longer ours
            else:
                self.holds_lock = lock.acquire(blocking=False)
        except LockError:  # expired (we paused past its lifetime) and maybe taken by another
            self.holds_lock = False
        except RedisUnavailable:  # nor can anything be sent: stand by until Redis is back
            self.holds_lock = False
        if self.holds_lock != was_holding:
            logger.info("beat %s", "sends the schedule" if self.holds_lock else "stands by")
        return self.holds_lock

    def tick(self, *args, **kwargs):
        if self.lock is None:
            return super().tick(*args, **kwargs)
        renew_every = self.lock_seconds / 3
        if not self._hold_lock(self.lock):
            return renew_every
        return min(super().tick(*args, **kwargs), renew_every)

    def close(self):
        super().close()
        if self.lock is not None and self.holds_lock:
            try:
                self.lock.release()
            except LockError:  # already expired: nothing to give back
                pass
            self.holds_lock = False
