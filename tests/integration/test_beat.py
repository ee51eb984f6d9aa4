"""core.beat: however many beats are started, one sends the schedule; when it stops, a standby
beat takes over. Real Redis for both the lock and the broker."""

from datetime import UTC, datetime, timedelta

import pytest

from config.celery import app as celery_app
from core.beat import SingleBeatScheduler

pytestmark = pytest.mark.integration


def _beat(tmp_path, name: str) -> SingleBeatScheduler:
    """A beat with its own schedule file and one entry overdue since 2000, due once an hour."""
    scheduler = SingleBeatScheduler(app=celery_app, schedule_filename=str(tmp_path / name))
    scheduler.update_from_dict(
        {
            "probe": {
                "task": "letters.tasks.sweep_side_effects",
                "schedule": timedelta(hours=1),
                "last_run_at": datetime(2000, 1, 1, tzinfo=UTC),
            }
        }
    )
    return scheduler


def test_a_second_beat_sends_nothing_until_the_first_stops(broker, tmp_path):
    # given two beats started, each with the same entry overdue
    first, second = _beat(tmp_path, "first"), _beat(tmp_path, "second")
    # when both tick
    first.tick()
    standby_wait = second.tick()
    # then the entry is sent once, by the first, and the second waits to try again
    assert broker.llen("default") == 1
    assert first.holds_lock and not second.holds_lock
    assert 0 < standby_wait <= first.lock_seconds / 3
    # and when the first stops, the second takes the lock and sends the schedule
    first.close()
    second.tick()
    assert second.holds_lock
    assert broker.llen("default") == 2
    second.close()
