"""A real Celery worker on Redis against the test database, started as a subprocess."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from letters.models import Letter, Notification
from letters.services import submission, translation
from tests.factories import CoordinatorFactory, VolunteerFactory

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, *, what: str, timeout: float = 90.0, interval: float = 0.2):
    """Poll until predicate() is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Worker:
    def __init__(self, mail_dir: Path, log_dir: Path):
        self.mail_dir, self.log_dir = mail_dir, log_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def _env(self, extra: dict) -> dict:
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "LETTERBRIDGE_EAGER": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CONN_MAX_AGE": "0",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_EMAIL_FILE_PATH": str(self.mail_dir),
            "LETTERBRIDGE_NOTIFICATION_RESEND_MINUTES": "0",
            "LETTERBRIDGE_SWEEP_GRACE_MINUTES": "0",
            "PYTHONPATH": str(ROOT),
            **extra,
        }

    def start(self, *, queues: str | None = None, **extra_env) -> None:
        """Start the worker on every queue, or on ``queues`` (comma-separated) as Compose does."""
        self.starts += 1
        only = ["-Q", queues, "-n", f"{queues.replace(',', '-')}@%h"] if queues else []
        log = (self.log_dir / f"worker-{self.starts}.log").open("w")
        celery = shutil.which("celery", path=str(Path(sys.executable).parent))
        self.process = subprocess.Popen(
            [
                celery,
                "-A",
                "tests.integration.worker_app",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *only,
            ],
            cwd=ROOT,
            env=self._env(extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: "ready" in (self.log_dir / f"worker-{self.starts}.log").read_text(),
            what="the worker to start",
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup, no ack, as when the machine dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
            self.process = None

    def log(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.log_dir.glob("worker-*.log")))


def sent_mail(mail_dir: Path) -> list[str]:
    """Every message the worker wrote with the file backend (one per connection)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        text = path.read_text()
        messages += [m for m in text.split("-" * 79) if "Subject:" in m]
    return messages


def all_sent(letter_id: int) -> bool:
    return not Notification.objects.filter(letter_id=letter_id, sent_at__isnull=True).exists()


def translate_and_approve(letter_id: int) -> None:
    volunteer, reviewer = VolunteerFactory(), CoordinatorFactory()
    translation.letter_claim(letter_id=letter_id, volunteer=volunteer)
    translation.letter_save_translation(
        letter_id=letter_id,
        actor=volunteer,
        translation="Здравствуйте! Весна пришла и к нам.",
        base_version=0,
    )
    translation.letter_hand_in(letter_id=letter_id, volunteer=volunteer)
    translation.letter_approve(letter_id=letter_id, reviewer=reviewer)


def submit_letter(prisoner, delivery: str, email: str) -> Letter:
    return submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Anna Example",
        supporter_email=email,
        language="en",
        original_text="Dear Bakhrom, spring has come to us too.",
        delivery=delivery,
        postage_currency="GBP" if delivery == Letter.Delivery.POST_FOR_ME else "",
    ).letter


def queued(client: redis.Redis) -> int:
    """Tasks waiting in Redis, over every queue."""
    return sum(client.llen(queue) for queue in settings.LETTERBRIDGE_TASK_QUEUES)


@pytest.fixture
def broker():
    """Our Redis database (REDIS_URL), emptied before and after; other databases untouched."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield client
    celery_app.conf.task_always_eager = previous
    client.flushdb()


@pytest.fixture
def worker(django_db_setup, broker, tmp_path):
    mail_dir, log_dir = tmp_path / "mail", tmp_path / "log"
    mail_dir.mkdir()
    log_dir.mkdir()
    w = Worker(mail_dir, log_dir)
    yield w
    w.stop()
