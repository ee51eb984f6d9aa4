"""A whole letter life with marker strings in the letter, the name and the e-mail: the markers
reach the supporter's own e-mails, and nowhere else we keep things: not the logs, not Redis
(cache and Celery messages), not a pg_dump of the database."""

import base64
import json
import logging
import re
import subprocess

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse

from config.celery import app as celery_app
from letters.models import Letter
from letters.services import dispatch, translation
from tests.factories import CoordinatorFactory, PrisonerWithAddressFactory, VolunteerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL"),
]

NAME = "Ottoline-Marker-Q7Z"
EMAIL = "marker-q7z-supporter@example.org"
TEXT = "Dear friend, marker-text-Q7Z: the lilacs are out and we think of you."


def _markers_in(blob: str) -> list[str]:
    return [m for m in ("Q7Z", "q7z", "Ottoline", "lilacs") if m in blob]


def _redis_dump(client: redis.Redis) -> str:
    """Every key and value in our Redis database, Celery message bodies decoded."""
    parts = []
    for key in client.scan_iter(count=500):
        parts.append(key.decode(errors="replace"))
        kind = client.type(key).decode()
        if kind == "string":
            values = [client.get(key)]
        elif kind == "list":
            values = client.lrange(key, 0, -1)
        elif kind == "hash":
            values = [v for pair in client.hgetall(key).items() for v in pair]
        elif kind == "set":
            values = list(client.smembers(key))
        elif kind == "zset":
            values = client.zrange(key, 0, -1)
        else:
            values = []
        for value in values:
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            parts.append(text)
            for body in re.findall(r'"body": "([A-Za-z0-9+/=]+)"', text):
                parts.append(base64.b64decode(body).decode(errors="replace"))
    return "\n".join(parts)


def _pg_dump() -> str:
    params = connection.settings_dict
    url = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    return subprocess.run(
        ["pg_dump", "--data-only", url], capture_output=True, text=True, check=True, timeout=120
    ).stdout


def _drain_queue(client: redis.Redis) -> int:
    """Run the tasks the web requests queued, as a worker would."""
    ran = 0
    for queue in settings.LETTERBRIDGE_TASK_QUEUES:
        while (raw := client.lpop(queue)) is not None:
            message = json.loads(raw)
            args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            celery_app.tasks[message["headers"]["task"]].apply(args=args, kwargs=kwargs)
            ran += 1
    return ran


def test_markers_stay_out_of_logs_redis_and_database_dumps(client, caplog, outbox):
    caplog.set_level(logging.DEBUG)
    redis_client = redis.Redis.from_url(settings.REDIS_URL)
    redis_client.flushdb()  # our own test database (REDIS_URL), never FLUSHALL
    celery_app.conf.task_always_eager = False  # messages go through Redis, as in production
    try:
        prisoner = PrisonerWithAddressFactory()
        volunteer, reviewer, coordinator = (
            VolunteerFactory(),
            CoordinatorFactory(),
            CoordinatorFactory(),
        )

        # the supporter writes through the public form, then follows the letter
        response = client.post(
            reverse("letters:write"),
            {
                "prisoner": prisoner.slug,
                "supporter_name": NAME,
                "supporter_email": EMAIL,
                "supporter_country": "GB",
                "language": "en",
                "original_text": TEXT,
                "delivery": "return_to_me",
                "consent": "on",
                "website": "",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        letter = Letter.objects.get()
        client.get(response["Location"])
        client.post(reverse("letters:find"), {"email": EMAIL})
        client.post(reverse("rights:request"), {"email": EMAIL})
        queued_redis = _redis_dump(redis_client)

        # volunteers and coordinators carry it to the end
        translation.letter_claim(letter_id=letter.pk, volunteer=volunteer)
        translation.letter_save_translation(
            letter_id=letter.pk,
            actor=volunteer,
            translation="Дорогой друг! Q7Z сирень.",
            base_version=0,
        )
        translation.letter_hand_in(letter_id=letter.pk, volunteer=volunteer)
        translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)
        dispatch.letter_return(letter_id=letter.pk, coordinator=coordinator)
        queued_redis += _redis_dump(redis_client)
        assert _drain_queue(redis_client) >= 3
    finally:
        celery_app.conf.task_always_eager = True

    # then the supporter heard at each step, with their name, and nothing else holds it
    assert any(EMAIL in message.to for message in outbox)
    assert Letter.objects.get().status == Letter.Status.RETURNED
    assert "letters.tasks.send_notification" in queued_redis  # the messages were read
    assert f"[{letter.pk}]" in queued_redis.replace(" ", "")  # ... and they carry ids
    assert _markers_in(caplog.text) == [], "personal data in the logs"
    assert _markers_in(queued_redis + _redis_dump(redis_client)) == [], "personal data in Redis"
    dump = _pg_dump()
    assert "letters_letter" in dump and letter.reference in dump  # the dump is real
    assert _markers_in(dump) == [], "personal data in clear in a database dump"
    assert EMAIL not in dump and NAME not in dump
